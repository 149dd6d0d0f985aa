//! Flag parsing shared by the commands: `--flag VALUE`, `--flag=VALUE` and `--switch`, each at
//! most once, in any order; anything else is an error naming the argument.

use std::collections::BTreeMap;

/// Whether a flag takes a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Value,
    Switch,
}

/// Parsed flags: values by flag name (without `--`); switches map to `""`.
#[derive(Clone, Debug, Default)]
pub struct Flags {
    map: BTreeMap<String, String>,
}

impl Flags {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str)
    }

    pub fn has(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// The value of a required flag.
    pub fn need(&self, name: &str, what: &str) -> Result<&str, String> {
        self.get(name).ok_or_else(|| format!("`{what}` needs --{name}"))
    }
}

/// Parses `args` against `spec` (flag names without `--`). `--help`/`-h` is reported as the
/// switch `help` whatever the spec.
pub fn parse(args: &[String], spec: &[(&str, Kind)], command: &str) -> Result<Flags, String> {
    let mut flags = Flags::default();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "-h" || a == "--help" {
            flags.map.insert("help".into(), String::new());
            continue;
        }
        let Some(body) = a.strip_prefix("--") else {
            return Err(format!("unknown argument `{a}` for `{command}`"));
        };
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        let Some((_, kind)) = spec.iter().find(|(n, _)| *n == name) else {
            return Err(format!("unknown argument `--{name}` for `{command}`"));
        };
        let value = match (kind, inline) {
            (Kind::Switch, None) => String::new(),
            (Kind::Switch, Some(_)) => return Err(format!("--{name} takes no value")),
            (Kind::Value, Some(v)) => v,
            (Kind::Value, None) => match args.get(i) {
                Some(v) if !v.starts_with("--") => {
                    i += 1;
                    v.clone()
                }
                _ => return Err(format!("--{name} needs a value")),
            },
        };
        if flags.map.insert(name.to_string(), value).is_some() {
            return Err(format!("--{name} given twice"));
        }
    }
    Ok(flags)
}

/// A decimal amount of a token with `decimals` decimals, in its smallest units, exactly
/// (`1.5` with 6 decimals is 1 500 000; more decimals than the token has is an error).
pub fn parse_amount(text: &str, decimals: u8, what: &str) -> Result<u64, String> {
    let bad = || format!("{what} `{text}` is not a decimal amount");
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    if frac.len() > usize::from(decimals) {
        return Err(format!("{what} `{text}` has more than {decimals} decimals"));
    }
    let scale = 10u128.pow(u32::from(decimals));
    let w: u128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
    let f: u128 = if frac.is_empty() {
        0
    } else {
        frac.parse::<u128>().map_err(|_| bad())? * 10u128.pow(u32::from(decimals) - frac.len() as u32)
    };
    w.checked_mul(scale)
        .and_then(|x| x.checked_add(f))
        .and_then(|x| u64::try_from(x).ok())
        .ok_or_else(|| format!("{what} `{text}` is too large"))
}

/// `amount` smallest units of a token with `decimals` decimals, as an exact decimal string.
pub fn format_amount(amount: u64, decimals: u8) -> String {
    if decimals == 0 {
        return amount.to_string();
    }
    let d = 10u64.pow(u32::from(decimals));
    format!("{}.{:0w$}", amount / d, amount % d, w = usize::from(decimals))
}

/// Basis points from text (`0..=10000`).
pub fn parse_bps(text: &str, what: &str) -> Result<u16, String> {
    text.parse::<u16>()
        .ok()
        .filter(|b| *b <= 10_000)
        .ok_or_else(|| format!("{what} `{text}` is not a number of basis points (0..=10000)"))
}
