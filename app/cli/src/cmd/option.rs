//! `rpv option greeks --kind call|put --spot S --strike K --vol SIGMA --rate R --years T`: the
//! Black–Scholes price and Greeks of a European option, computed by the core's fixed-point code
//! (`rpv_core::options::black_scholes`, I80F48), so the answer is the one a program would get.
//!
//! ## Input
//! `--kind` (`call` or `put`), `--spot`, `--strike`, `--vol` (annual σ, 0.2 = 20 %), `--rate`
//! (annual, continuously compounded) and `--years` (time to expiry). Numbers are decimal (an
//! exponent such as `1e-6` is allowed) and are converted to I80F48 with correct rounding by the
//! `fixed` crate's parser (no detour through `f64`). The domain is the core's
//! (`rpv_core::options`): spot in `[1e-6, 1e9]`, spot/strike in `[0.2, 5]`, σ in `[0.05, 3]`,
//! r in `[-0.1, 0.5]`, T in `[1/8760 (one hour), 2]`; a value outside it is refused with a
//! message naming the limit.
//!
//! ## Output (`--output json`; text by default)
//! ```text
//! {
//!   "price": 10.4505835721…,
//!   "delta": 0.6368306511…,
//!   "gamma": 0.0187620173…,
//!   "vega": 37.524034691…,     // per 1.00 of σ
//!   "theta": -6.414027546…     // −∂V/∂T, per year
//! }
//! ```
//! The numbers are the fixed-point results converted to the nearest `f64`.

use rpv_core::{
    fixed_point::Fx,
    options::{
        black_scholes, BsInput, Greeks, OptionKind, MONEYNESS_LIMIT, RATE_MAX, RATE_MIN, SPOT_MAX, SPOT_MIN, VOL_MAX,
        VOL_MIN, YEARS_MAX, YEARS_MIN,
    },
    CoreError,
};
use serde::Serialize;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Black–Scholes price and Greeks of a European option (the program's fixed-point code):
    /// σ and r annual (r continuously compounded), T in years. Domain: spot in [1e-6, 1e9],
    /// spot/strike in [0.2, 5], σ in [0.05, 3], r in [-0.1, 0.5], T in [1/8760 (one hour), 2].
    Greeks(Args),
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long, value_enum)]
    pub kind: Kind,
    /// Price of the underlying.
    #[arg(long, value_name = "S", allow_hyphen_values = true)]
    pub spot: String,
    #[arg(long, value_name = "K", allow_hyphen_values = true)]
    pub strike: String,
    /// Annual volatility (0.2 = 20 %).
    #[arg(long, value_name = "SIGMA", allow_hyphen_values = true)]
    pub vol: String,
    /// Annual rate, continuously compounded.
    #[arg(long, value_name = "R", allow_hyphen_values = true)]
    pub rate: String,
    /// Time to expiry in years.
    #[arg(long, value_name = "T", allow_hyphen_values = true)]
    pub years: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    Call,
    Put,
}

/// The command's result, serialised in this field order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GreeksOutput {
    pub price: f64,
    pub delta: f64,
    pub gamma: f64,
    /// Per 1.00 of volatility.
    pub vega: f64,
    /// `−∂V/∂T`, per year.
    pub theta: f64,
}

impl From<Greeks> for GreeksOutput {
    fn from(g: Greeks) -> Self {
        GreeksOutput {
            price: g.price.to_num(),
            delta: g.delta.to_num(),
            gamma: g.gamma.to_num(),
            vega: g.vega.to_num(),
            theta: g.theta.to_num(),
        }
    }
}

/// `option greeks` on its flags.
pub fn run(args: Args) -> Result<GreeksOutput, String> {
    let input = parse_args(&args)?;
    let g = black_scholes(&input).map_err(|e| match e {
        // unreachable after `parse_args`' checks, which mirror the core's
        CoreError::MathDomain => "input outside the domain of the Black–Scholes maths".to_string(),
        other => format!("unexpected error from the core maths: {other}"),
    })?;
    Ok(g.into())
}

/// The flags → a checked [`BsInput`]: numbers parsed into I80F48, each value inside the core's
/// domain.
pub fn parse_args(a: &Args) -> Result<BsInput, String> {
    let (spot, strike, vol, rate, years) = (&a.spot, &a.strike, &a.vol, &a.rate, &a.years);
    let kind = match a.kind {
        Kind::Call => OptionKind::Call,
        Kind::Put => OptionKind::Put,
    };
    let spot_fx = number("spot", spot)?;
    let strike_fx = number("strike", strike)?;
    let vol_fx = number("vol", vol)?;
    let rate_fx = number("rate", rate)?;
    let years_fx = number("years", years)?;
    within("spot", spot, spot_fx, (SPOT_MIN, "1e-6"), (SPOT_MAX, "1e9"), "")?;
    if strike_fx <= 0 {
        return Err(format!("--strike {strike} must be positive"));
    }
    // exactly the core's check on the raw bits (spot ≤ 1e9, so 5·spot cannot overflow)
    let (s, k) = (spot_fx.to_bits(), strike_fx.to_bits());
    let ratio = spot_fx.to_num::<f64>() / strike_fx.to_num::<f64>();
    let ratio_text = format!("--spot/--strike = {spot}/{strike} = {ratio:.6}");
    if k > MONEYNESS_LIMIT * s {
        return Err(format!("{ratio_text} is below the minimum 0.2; spot/strike must be in [0.2, 5]"));
    }
    if s > MONEYNESS_LIMIT * k {
        return Err(format!("{ratio_text} is above the maximum 5; spot/strike must be in [0.2, 5]"));
    }
    within("vol", vol, vol_fx, (VOL_MIN, "0.05"), (VOL_MAX, "3"), " (annual σ: 5 % to 300 %)")?;
    within("rate", rate, rate_fx, (RATE_MIN, "-0.1"), (RATE_MAX, "0.5"), " (annual, continuously compounded)")?;
    within("years", years, years_fx, (YEARS_MIN, "1/8760 (one hour)"), (YEARS_MAX, "2"), "")?;
    Ok(BsInput { kind, spot: spot_fx, strike: strike_fx, vol: vol_fx, rate: rate_fx, years: years_fx })
}

/// A decimal number → I80F48, correctly rounded.
fn number(name: &str, text: &str) -> Result<Fx, String> {
    Fx::from_str(text).map_err(|e| {
        if e.to_string().contains("overflow") {
            format!("--{name} {text} is outside the I80F48 range")
        } else {
            format!("--{name}: `{text}` is not a number")
        }
    })
}

/// `lo ≤ x ≤ hi`, or an error naming the limit that was crossed.
fn within(
    name: &str,
    text: &str,
    x: Fx,
    (lo, lo_text): (Fx, &str),
    (hi, hi_text): (Fx, &str),
    note: &str,
) -> Result<(), String> {
    let range = format!("{name} must be in [{lo_text}, {hi_text}]{note}");
    if x < lo {
        Err(format!("--{name} {text} is below the minimum {lo_text}; {range}"))
    } else if x > hi {
        Err(format!("--{name} {text} is above the maximum {hi_text}; {range}"))
    } else {
        Ok(())
    }
}

impl std::fmt::Display for GreeksOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "price {}\ndelta {}\ngamma {}\nvega  {} (per 1.00 of σ)\ntheta {} (−∂V/∂T, per year)",
            self.price, self.delta, self.gamma, self.vega, self.theta
        )
    }
}
