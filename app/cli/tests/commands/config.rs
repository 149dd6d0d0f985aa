//! The vault configuration file: the documented example, defaults, and every class of mistake
//! refused with one line naming the field.

use rpv_cli::config::{self, Expiry};
use rpv_sdk::{
    ix::{OptionKind, OptionParams, OracleKind, RebalanceParams, RiskParams},
    Pubkey, TOKEN_2022_PROGRAM_ID,
};

use super::support::repo;

const MINIMAL: &str = "[vault]\nid = 3\nseed_deposit = 1_000\ndeposit_cap = 1_000_000\nmin_deposit = 10\n";

fn asset(symbol: &str, extra: &str) -> String {
    format!(
        "\n[[assets]]\nsymbol = \"{symbol}\"\nfeed_id = \"{}\"\nmax_oracle_age = 60\nmax_conf_bps = 100\n{extra}\n",
        "ab".repeat(32)
    )
}

#[test]
fn the_example_parses() {
    let c = config::load(&repo("examples/vault.toml")).unwrap();
    assert_eq!(c.init.vault_id, 1);
    assert_eq!(c.base_mint, Some(Pubkey::from_str_const("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v")));
    assert_eq!(
        (c.init.seed_deposit, c.init.min_deposit, c.init.deposit_cap),
        (10_000_000, 1_000_000, 10_000_000_000_000)
    );
    assert_eq!((c.init.timelock_secs, c.init.allowlist), (172_800, false));
    assert_eq!(
        (
            c.init.max_management_fee_bps,
            c.init.max_performance_fee_bps,
            c.init.management_fee_bps,
            c.init.performance_fee_bps
        ),
        (500, 3000, 100, 1000)
    );
    assert_eq!(c.risk, RiskParams::default(), "the example shows the defaults");
    assert_eq!(c.rebalance, RebalanceParams::default());
    assert_eq!(c.options, None);
    let symbols: Vec<&str> = c.assets.iter().map(|a| a.symbol.as_str()).collect();
    assert_eq!(symbols, ["SOL", "BTC", "ETH"]);
    assert_eq!(c.assets.iter().map(|a| a.args.risk_budget).sum::<u64>(), 1_000_000_000);
    assert_eq!(c.assets[0].args.feed_id[..4], [0xef, 0x0d, 0x8b, 0x6f]);
    assert_eq!((c.assets[0].svm_price, c.assets[0].svm_conf_bps), (Some(150.0), 5));
    assert_eq!((c.assets[1].decimals, c.assets[1].args.oracle_kind), (8, OracleKind::Pyth));
    c.check_cluster_addresses().unwrap();
    c.check_svm_prices().unwrap();
}

#[test]
fn defaults_and_equal_budgets() {
    let switchboard = "oracle_kind = \"switchboard\"\noracle_queue = \"A43DyUGA7s8eXPxqEjJY6EBu1KKbNgfxF8h17VAHn13w\"";
    let text = format!("{MINIMAL}{}{}{}", asset("A", ""), asset("B", switchboard), asset("C", ""));
    let c = config::parse(&text).unwrap();
    assert_eq!(c.init.timelock_secs, 2 * 86_400);
    assert_eq!(
        (c.init.max_management_fee_bps, c.init.max_performance_fee_bps, c.init.management_fee_bps),
        (500, 3000, 0)
    );
    assert_eq!(c.base_decimals, 6);
    assert_eq!(c.fee_recipient, None);
    let budgets: Vec<u64> = c.assets.iter().map(|a| a.args.risk_budget).collect();
    assert_eq!(budgets, [333_333_334, 333_333_333, 333_333_333]);
    assert_eq!(c.assets[1].args.oracle_kind, OracleKind::Switchboard);
    assert_eq!(c.assets[1].args.oracle_queue[..2], [0x86, 0x80], "the base58 queue, decoded");
    assert_eq!(c.assets[0].args.oracle_queue, [0; 32], "a Pyth asset names no queue");
    assert_eq!(c.assets[0].decimals, 9);
    assert!(c.check_cluster_addresses().unwrap_err().contains("base_mint is required"));
    assert!(c.check_svm_prices().unwrap_err().contains("asset A: `svm.price` is required"));
    // every section, in the program's units
    let full = format!(
        "{MINIMAL}base_token_program = \"token-2022\"\ndepositors = [\"{}\"]\nallowlist = true\n\
         [risk]\nmethod = \"risk-budget\"\nlambda_ppm = 970_000\nvol_target_bps = 2_000\nband_bps = 250\n\
         [rebalance]\ncooldown_secs = 60\nkeeper_bps = 10\n\
         [options]\nrate_bps = 400\nmax_vega_bps = 0\n{}{}",
        Pubkey::new_unique(),
        asset("SOL", "budget_ppb = 700_000_000"),
        asset(
            "SOL-P",
            "budget_ppb = 300_000_000\nkind = \"put\"\nunderlying = \"SOL\"\nstrike = \"120.5\"\ncontract_size = 0.1\nexpiry = \"2027-03-26\""
        ),
    );
    let c = config::parse(&full).unwrap();
    assert_eq!(c.base_token_program, Some(TOKEN_2022_PROGRAM_ID));
    assert!(c.init.allowlist && c.depositors.len() == 1);
    assert_eq!(
        c.risk,
        RiskParams { method: 1, lambda_ppm: 970_000, vol_target_bps: 2_000, band_bps: 250, ..RiskParams::default() }
    );
    assert_eq!(c.rebalance, RebalanceParams { cooldown_secs: 60, keeper_bps: 10, ..RebalanceParams::default() });
    assert_eq!(c.options, Some(OptionParams { rate_bps: 400, max_vega_bps: 0, ..OptionParams::default() }));
    let o = c.assets[1].option.as_ref().unwrap();
    assert_eq!((o.kind, o.underlying), (OptionKind::Put, 0));
    assert_eq!(o.strike_bits, (120i128 << 48) + (1i128 << 47));
    assert_eq!(
        o.contract_size_bits,
        <rpv_core::fixed_point::Fx as std::str::FromStr>::from_str("0.1").unwrap().to_bits()
    );
    assert_eq!(o.expiry, Expiry::At(1_806_019_200));
    assert_eq!(Expiry::InDays(30).resolve(1_000), 1_000 + 30 * 86_400);
}

#[test]
fn dates() {
    assert_eq!(config::unix_time("2027-03-26"), Some(1_806_019_200));
    assert_eq!(config::unix_time("2027-03-26T08:00:00Z"), Some(1_806_048_000));
    assert_eq!(config::unix_time("1806019200"), Some(1_806_019_200));
    assert_eq!(config::days_from_civil(2000, 2, 29), 11_016);
    assert_eq!(config::days_from_civil(1969, 12, 31), -1);
    for bad in ["2027-13-01", "2027-03", "tomorrow", "2027-03-26T25:00", "2027-03-26T08:00:00:00"] {
        assert_eq!(config::unix_time(bad), None, "{bad}");
    }
}

#[test]
fn mistakes_are_refused_with_one_line_naming_them() {
    let two = |a: &str, b: &str| format!("{MINIMAL}{}{}", asset("A", a), asset("B", b));
    let seventeen: String = (0..17).map(|i| asset(&format!("X{i}"), "")).collect();
    let mint = Pubkey::new_unique();
    let cases: Vec<(&str, String, &str)> = vec![
        ("not TOML", "[vault\nid = 1".into(), "line 1"),
        ("unknown field", format!("{MINIMAL}budjet = 1\n"), "unknown field `budjet`"),
        ("no [vault]", "[risk]\nband_bps = 10\n".into(), "missing the [vault] section"),
        ("missing field", "[vault]\nid = 1\ndeposit_cap = 5\nmin_deposit = 1\n".into(), "missing field `seed_deposit`"),
        ("wrong type", MINIMAL.replace("id = 3", "id = \"three\""), "line 2"),
        ("min deposit 0", MINIMAL.replace("min_deposit = 10", "min_deposit = 0"), "0 < min_deposit <= deposit_cap"),
        ("seed too small", MINIMAL.replace("seed_deposit = 1_000", "seed_deposit = 999"), "at least 1000"),
        (
            "seed above cap",
            MINIMAL.replace("seed_deposit = 1_000", "seed_deposit = 2_000_000"),
            "exceeds vault.deposit_cap",
        ),
        ("timelock", format!("{MINIMAL}timelock_secs = 2_600_000\n"), "timelock_secs must be at most 2592000"),
        (
            "bad base mint",
            format!("{MINIMAL}base_mint = \"xyz\"\n"),
            "vault.base_mint: `xyz` is not a base58 public key",
        ),
        (
            "bad token program",
            format!("{MINIMAL}base_token_program = \"{}\"\n", Pubkey::new_unique()),
            "neither SPL Token nor Token-2022",
        ),
        ("bad depositor", format!("{MINIMAL}depositors = [\"0\"]\n"), "vault.depositors[0]"),
        ("fee ceiling", format!("{MINIMAL}[fees]\nmax_management_bps = 1001\n"), "must be at most 1000"),
        (
            "fee above max",
            format!("{MINIMAL}[fees]\nmax_performance_bps = 100\nperformance_bps = 200\n"),
            "a rate exceeds its maximum",
        ),
        (
            "risk range",
            format!("{MINIMAL}[risk]\nvol_target_bps = 5\n"),
            "risk.vol_target_bps = 5 is outside 10..=50000",
        ),
        (
            "risk age",
            format!("{MINIMAL}[risk]\nmin_sample_interval = 600\nmax_risk_age = 300\n"),
            "risk.max_risk_age = 300 is outside 600..=",
        ),
        (
            "method",
            format!("{MINIMAL}[risk]\nmethod = \"min-variance\"\n"),
            "`min-variance` is not `inverse-vol` or `risk-budget`",
        ),
        (
            "rebalance",
            format!("{MINIMAL}[rebalance]\nkeeper_bps = 60\n"),
            "rebalance.keeper_bps = 60 is outside 0..=50",
        ),
        ("option params", format!("{MINIMAL}[options]\nrate_bps = 6000\n"), "options.rate_bps"),
        ("17 assets", format!("{MINIMAL}{seventeen}"), "at most 16 assets"),
        (
            "duplicate symbol",
            format!("{MINIMAL}{}{}", asset("A", ""), asset("A", "")),
            "symbols must be non-empty and distinct",
        ),
        ("oracle kind", two("oracle_kind = \"chainlink\"", ""), "oracle_kind `chainlink`"),
        ("switchboard queue", two("oracle_kind = \"switchboard\"", ""), "a switchboard asset needs `oracle_queue`"),
        (
            "pyth queue",
            two("oracle_queue = \"A43DyUGA7s8eXPxqEjJY6EBu1KKbNgfxF8h17VAHn13w\"", ""),
            "oracle_queue is for switchboard assets only",
        ),
        (
            "oracle age",
            two("", "").replacen("max_oracle_age = 60", "max_oracle_age = 0", 1),
            "max_oracle_age must be within 1..=86400",
        ),
        (
            "confidence",
            two("", "").replacen("max_conf_bps = 100", "max_conf_bps = 10001", 1),
            "max_conf_bps must be within",
        ),
        ("feed id", two("", "").replacen(&"ab".repeat(32), "abc", 1), "feed_id: expected 64 hex digits"),
        ("budgets partial", two("budget_ppb = 500_000_000", ""), "every asset or for none"),
        (
            "budgets sum",
            two("budget_ppb = 500_000_000", "budget_ppb = 400_000_000"),
            "must sum to 1000000000, not 900000000",
        ),
        ("budget zero", two("budget_ppb = 0", "budget_ppb = 1_000_000_000"), "budget_ppb must be within"),
        ("same mint", two(&format!("mint = \"{mint}\""), &format!("mint = \"{mint}\"")), "mint registered twice"),
        ("option terms on spot", two("strike = 10", ""), "option terms on a spot asset"),
        ("kind", two("kind = \"future\"", ""), "kind `future`"),
        ("no underlying", two("", "kind = \"call\"\nstrike = 1\nexpires_in_days = 7"), "an option needs `underlying`"),
        (
            "unknown underlying",
            two("", "kind = \"call\"\nunderlying = \"Z\"\nstrike = 1\nexpires_in_days = 7"),
            "underlying `Z` is not an earlier spot asset",
        ),
        ("no strike", two("", "kind = \"call\"\nunderlying = \"A\"\nexpires_in_days = 7"), "an option needs `strike`"),
        (
            "option market",
            two(
                "",
                &format!("kind = \"call\"\nunderlying = \"A\"\nstrike = 1\nexpires_in_days = 7\nmarket = \"{mint}\""),
            ),
            "an option series has no venue market",
        ),
        ("bad market", two("market = \"m\"", ""), "assets[0] (A): market: `m` is not a base58 public key"),
        (
            "negative strike",
            two("", "kind = \"put\"\nunderlying = \"A\"\nstrike = -5\nexpires_in_days = 7"),
            "strike must be positive",
        ),
        (
            "strike text",
            two("", "kind = \"put\"\nunderlying = \"A\"\nstrike = \"1,5\"\nexpires_in_days = 7"),
            "`1,5` is not a decimal number",
        ),
        (
            "two expiries",
            two("", "kind = \"put\"\nunderlying = \"A\"\nstrike = 5\nexpires_in_days = 7\nexpiry = 1900000000"),
            "exactly one of `expiry` and `expires_in_days`",
        ),
        (
            "bad expiry",
            two("", "kind = \"put\"\nunderlying = \"A\"\nstrike = 5\nexpiry = \"soon\""),
            "expiry `soon` is not unix seconds or a date",
        ),
        ("svm price", two("svm = { price = -1.0 }", ""), "svm.price must be positive"),
        ("svm confidence", two("svm = { price = 1.0, conf_bps = 500 }", ""), "svm.conf_bps exceeds max_conf_bps"),
    ];
    for (what, text, needle) in &cases {
        let e = config::parse(text).expect_err(what);
        assert_eq!(e.lines().count(), 1, "{what}: {e:?}");
        assert!(e.contains(needle), "{what}: {e:?} lacks {needle:?}");
    }
    // through the binary: the file's name, then the problem
    let dir = super::support::tempdir("config");
    let path = dir.join("v.toml");
    std::fs::write(&path, format!("{MINIMAL}[risk]\nband_bps = 0\n")).unwrap();
    super::support::fails(
        &["init", "--config", path.to_str().unwrap(), "--svm", "--state", dir.join("s.json").to_str().unwrap()],
        "v.toml: risk.band_bps = 0 is outside 1..=5000",
    );
    assert!(!dir.join("s.json").exists(), "nothing was created");
}
