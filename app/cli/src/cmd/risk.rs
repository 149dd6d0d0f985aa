//! `rpv risk weights --input FILE`: risk-parity weights of a covariance matrix, computed by the
//! same `rpv_core::risk_parity` code the on-chain program runs (I80F48 fixed point, checked
//! arithmetic), so an off-chain answer can be compared bit-for-bit with the program's.
//!
//! ## Input (JSON object; `FILE` may be `-` for standard input)
//! ```text
//! {
//!   "covariance":      [[0.04, 0.04], [0.04, 0.16]],      // annualised covariance, n × n (n ≤ 16)
//!   "covariance_bits": [["11258999068426", ...], ...],    // or: the same as exact I80F48 raw bits
//!   "budgets":         [0.5, 0.5],                        // optional: equal budgets if absent
//!   "budgets_ppb":     [500000000, 500000000],            // or: as the vault stores them (exact)
//!   "method":          "erc"                              // optional: "erc" (default) | "inverse-vol"
//! }
//! ```
//! Exactly one of `covariance` / `covariance_bits` must be given. The matrix must be square,
//! symmetric within `1e-12 · max|c_ij|` (the upper triangle is used, as the program's packed
//! storage does), finite, representable in I80F48 and positive definite. Budgets must be
//! positive and sum to 1 within `1e-9`; they are divided by their sum, converted to I80F48 and
//! the largest is adjusted by the rounding drift so that the fixed-point budgets sum to exactly 1.
//!
//! ## Output (`--output json`; text by default)
//! ```text
//! {
//!   "method": "erc",
//!   "weights": [0.666…, 0.333…],               // sum to 1
//!   "risk_contributions": [0.5, 0.5],           // w_i (Σw)_i / wᵀΣw, sum to 1
//!   "portfolio_vol": 0.2309…,                   // √(wᵀΣw)
//!   "weights_bits": ["187649984473769", …]      // the weights' exact I80F48 raw bits (i128)
//! }
//! ```
//! The floating-point fields are the fixed-point results converted to the nearest `f64`.
//!
//! ## Maths (all in `rpv_core::risk_parity`)
//! `inverse_vol_weights` (also the `"inverse-vol"` answer), `check_positive_definite`, then for
//! `"erc"` `risk_budget_weights` with the tolerance of the program's `solve_weights` (2⁻⁴⁸ ·
//! 281 475 ≈ 1e-9, relative, per coordinate) and at most 10 000 sweeps; `risk_contributions`
//! and `portfolio_vol` on the result.

use std::io::Read;

use rpv_core::{
    fixed_point::Fx,
    layout::MAX_N,
    matrix::Dense,
    risk_parity::{
        check_budgets, check_positive_definite, inverse_vol_weights, portfolio_vol, risk_budget_weights,
        risk_contributions,
    },
    CoreError,
};
use serde::Serialize;
use serde_json::Value;

pub use rpv_core::risk_parity::{OFFCHAIN_MAX_SWEEPS as MAX_SWEEPS, ONCHAIN_SOLVE_TOLERANCE as ERC_TOLERANCE};
/// Input budgets must sum to 1 within this (before normalisation).
pub const BUDGET_SUM_TOLERANCE: f64 = 1e-9;
/// `|c_ij − c_ji|` allowed, relative to the largest `|c_ij|`.
pub const SYMMETRY_TOLERANCE: f64 = 1e-12;
/// Tolerance passed to `check_budgets` on the fixed-point budgets (which sum to exactly 1).
const FX_BUDGET_TOLERANCE: Fx = Fx::from_bits(1024);

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Risk-parity weights of a covariance matrix (the program's fixed-point code). The input
    /// holds JSON: {"covariance": [[...]] or "covariance_bits": [["<i128>",...]], "budgets":
    /// [...] or "budgets_ppb": [...] (optional: equal), "method": "erc" (default) or
    /// "inverse-vol"}; weights_bits in the output are the weights' exact I80F48 raw bits.
    Weights(Args),
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The input document (- for standard input).
    #[arg(long, short, value_name = "FILE")]
    pub input: String,
}
const FIELDS: [&str; 5] = ["covariance", "covariance_bits", "budgets", "budgets_ppb", "method"];

/// Weighting scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Risk budgeting (equal risk contributions when the budgets are equal).
    Erc,
    /// `w_i ∝ b_i / σ_i`.
    InverseVol,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Erc => "erc",
            Method::InverseVol => "inverse-vol",
        }
    }
}

/// The command's result, serialised in this field order.
#[derive(Clone, Debug, Serialize)]
pub struct WeightsOutput {
    pub method: &'static str,
    pub weights: Vec<f64>,
    pub risk_contributions: Vec<f64>,
    pub portfolio_vol: f64,
    pub weights_bits: Vec<String>,
}

/// `rpv risk weights`.
pub fn run(args: Args) -> Result<WeightsOutput, String> {
    weights(&read_input(&args.input)?).map_err(|e| e.replace(['\n', '\r'], " "))
}

/// Reads the input file, or standard input for `-`.
pub fn read_input(path: &str) -> Result<String, String> {
    if path == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| format!("cannot read standard input: {e}"))?;
        Ok(s)
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read `{path}`: {e}"))
    }
}

/// The whole command on an input document, as a value.
pub fn weights(input: &str) -> Result<WeightsOutput, String> {
    let req = parse(input)?;
    let n = req.cov.len();
    let m = Dense { rows: req.cov };
    let b = match req.budgets_ppb {
        Some(b) => b,
        None => fixed_budgets(&req.budgets)?,
    };
    let mut w = vec![Fx::ZERO; n];
    // inverse-vol first: it is the "inverse-vol" answer, and names a zero variance as such
    inverse_vol_weights(&m, &b, &mut w).map_err(|e| core_error(e, &m))?;
    check_positive_definite(&m).map_err(|e| core_error(e, &m))?;
    if req.method == Method::Erc {
        risk_budget_weights(&m, &b, &mut w, ERC_TOLERANCE, MAX_SWEEPS).map_err(|e| core_error(e, &m))?;
    }
    let mut rc = vec![Fx::ZERO; n];
    risk_contributions(&m, &w, &mut rc).map_err(|e| core_error(e, &m))?;
    let vol = portfolio_vol(&m, &w).map_err(|e| core_error(e, &m))?;
    Ok(WeightsOutput {
        method: req.method.name(),
        weights: w.iter().map(|x| x.to_num::<f64>()).collect(),
        risk_contributions: rc.iter().map(|x| x.to_num::<f64>()).collect(),
        portfolio_vol: vol.to_num::<f64>(),
        weights_bits: w.iter().map(|x| x.to_bits().to_string()).collect(),
    })
}

/// A clear message for each failure of the core maths.
fn core_error(e: CoreError, m: &Dense) -> String {
    match e {
        CoreError::ZeroVariance => {
            let i = (0..m.rows.len()).find(|&i| m.rows[i][i] <= 0).unwrap_or(0);
            format!("asset {i} has zero (or negative) variance: covariance[{i}][{i}] = {}", m.rows[i][i])
        }
        CoreError::NotPositiveDefinite => {
            "covariance matrix is not positive definite (Cholesky factorisation in I80F48 failed)".to_string()
        }
        CoreError::NotConverged => format!(
            "risk-budget solver did not converge within {MAX_SWEEPS} sweeps (relative tolerance ≈1e-9); \
             the covariance matrix is probably near-singular"
        ),
        CoreError::InvalidBudgets => {
            "invalid budgets: each must be positive in I80F48 and they must sum to 1".to_string()
        }
        CoreError::MathOverflow => "fixed-point overflow: the values are too large for I80F48".to_string(),
        CoreError::MathDomain => "argument outside the domain of the fixed-point maths".to_string(),
        other => format!("unexpected error from the core maths: {other}"),
    }
}

struct Request {
    /// Symmetric (upper triangle mirrored) fixed-point covariance.
    cov: Vec<Vec<Fx>>,
    /// Normalised budgets.
    budgets: Vec<f64>,
    /// Budgets given in parts per 10^9 (as the vault stores them), converted exactly as the
    /// program converts them.
    budgets_ppb: Option<Vec<Fx>>,
    method: Method,
}

fn parse(input: &str) -> Result<Request, String> {
    let doc: Value = serde_json::from_str(input).map_err(|e| format!("invalid JSON: {e}"))?;
    let obj = doc.as_object().ok_or("input must be a JSON object with a `covariance` matrix")?;
    if let Some(k) = obj.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(format!("unknown field `{k}` (expected {})", FIELDS.join(", ")));
    }
    let field = |k: &str| obj.get(k).filter(|v| !v.is_null());
    let method = match field("method") {
        None => Method::Erc,
        Some(Value::String(s)) if s == "erc" => Method::Erc,
        Some(Value::String(s)) if s == "inverse-vol" => Method::InverseVol,
        Some(other) => return Err(format!("unknown method {other} (expected \"erc\" or \"inverse-vol\")")),
    };
    let cov = match (field("covariance"), field("covariance_bits")) {
        (Some(_), Some(_)) => return Err("give either `covariance` or `covariance_bits`, not both".into()),
        (None, None) => return Err("missing `covariance` (or `covariance_bits`)".into()),
        (Some(c), None) => matrix(c, "covariance", float_entry)?,
        (None, Some(c)) => matrix(c, "covariance_bits", bits_entry)?,
    };
    let n = cov.len();
    let (budgets, budgets_ppb) = match (field("budgets"), field("budgets_ppb")) {
        (Some(_), Some(_)) => return Err("give either `budgets` or `budgets_ppb`, not both".into()),
        (_, Some(v)) => (vec![], Some(ppb_budgets(v, n)?)),
        (b, None) => (budgets(b, n)?, None),
    };
    Ok(Request { cov, budgets, budgets_ppb, method })
}

/// `budgets_ppb`: positive integers summing to exactly 10^9, converted by the core's
/// `budgets_from_ppb` (the program's own conversion).
fn ppb_budgets(v: &Value, n: usize) -> Result<Vec<Fx>, String> {
    let arr = v.as_array().ok_or("`budgets_ppb` must be an array of integers")?;
    if arr.len() != n {
        return Err(format!("wrong number of budgets_ppb: {} given for {n} assets", arr.len()));
    }
    let ppb: Vec<u64> = arr
        .iter()
        .enumerate()
        .map(|(i, x)| x.as_u64().ok_or_else(|| format!("`budgets_ppb[{i}]`: {x} is not a non-negative integer")))
        .collect::<Result<_, _>>()?;
    let mut b = vec![Fx::ZERO; n];
    rpv_core::risk_parity::budgets_from_ppb(&ppb, &mut b)
        .map_err(|_| "budgets_ppb must be positive and sum to exactly 1000000000".to_string())?;
    Ok(b)
}

/// A covariance entry given as a number: its fixed-point value and the number itself.
fn float_entry(v: &Value) -> Result<(Fx, f64), String> {
    let x = v.as_f64().ok_or_else(|| format!("{v} is not a number"))?;
    if !x.is_finite() {
        return Err(format!("{x:?} is not finite"));
    }
    let fx = Fx::checked_from_num(x).ok_or_else(|| format!("{x:?} is outside the I80F48 range"))?;
    Ok((fx, x))
}

/// A covariance entry given as I80F48 raw bits (a decimal i128 string).
fn bits_entry(v: &Value) -> Result<(Fx, f64), String> {
    let s = v.as_str().ok_or_else(|| format!("{v} is not a string of I80F48 raw bits"))?;
    let bits: i128 = s.trim().parse().map_err(|_| format!("\"{s}\" is not a decimal i128 (I80F48 raw bits)"))?;
    let fx = Fx::from_bits(bits);
    Ok((fx, fx.to_num::<f64>()))
}

/// An n × n matrix (1 ≤ n ≤ `MAX_N`), symmetric within `SYMMETRY_TOLERANCE`; the upper triangle
/// is mirrored into the lower one (the program stores only the upper triangle).
fn matrix(v: &Value, name: &str, entry: fn(&Value) -> Result<(Fx, f64), String>) -> Result<Vec<Vec<Fx>>, String> {
    let rows = v.as_array().ok_or_else(|| format!("`{name}` must be an array of rows"))?;
    let n = rows.len();
    if n == 0 {
        return Err(format!("`{name}` is empty"));
    }
    if n > MAX_N {
        return Err(format!("too many assets: `{name}` has {n} rows, at most {MAX_N} are supported"));
    }
    let mut fx = vec![vec![Fx::ZERO; n]; n];
    let mut fl = vec![vec![0.0f64; n]; n];
    for (i, row) in rows.iter().enumerate() {
        let row = row.as_array().ok_or_else(|| format!("`{name}[{i}]` must be an array (a row)"))?;
        if row.len() != n {
            return Err(format!("`{name}` is not square: row {i} has {} entries, expected {n}", row.len()));
        }
        for (j, e) in row.iter().enumerate() {
            (fx[i][j], fl[i][j]) = entry(e).map_err(|msg| format!("`{name}[{i}][{j}]`: {msg}"))?;
        }
    }
    let max = fl.iter().flatten().fold(0.0f64, |a, x| a.max(x.abs()));
    for i in 0..n {
        for j in i + 1..n {
            if (fl[i][j] - fl[j][i]).abs() > SYMMETRY_TOLERANCE * max {
                return Err(format!(
                    "`{name}` is not symmetric: [{i}][{j}] = {:?} but [{j}][{i}] = {:?}",
                    fl[i][j], fl[j][i]
                ));
            }
            fx[j][i] = fx[i][j];
        }
    }
    Ok(fx)
}

/// Budgets: equal if absent; otherwise n positive finite numbers summing to 1 within
/// `BUDGET_SUM_TOLERANCE`, returned divided by their sum.
fn budgets(v: Option<&Value>, n: usize) -> Result<Vec<f64>, String> {
    let Some(v) = v else {
        return Ok(vec![1.0 / n as f64; n]);
    };
    let arr = v.as_array().ok_or("`budgets` must be an array of numbers")?;
    if arr.len() != n {
        return Err(format!("wrong number of budgets: {} given for {n} assets", arr.len()));
    }
    let mut b = Vec::with_capacity(n);
    for (i, x) in arr.iter().enumerate() {
        let x = x.as_f64().ok_or_else(|| format!("`budgets[{i}]`: {x} is not a number"))?;
        if !x.is_finite() {
            return Err(format!("`budgets[{i}]`: {x:?} is not finite"));
        }
        if x <= 0.0 {
            return Err(format!("`budgets[{i}]` = {x:?}: budgets must be positive"));
        }
        b.push(x);
    }
    let total: f64 = b.iter().sum();
    if (total - 1.0).abs() > BUDGET_SUM_TOLERANCE {
        return Err(format!("budgets sum to {total:?}, not 1 (tolerance {BUDGET_SUM_TOLERANCE:e})"));
    }
    Ok(b.iter().map(|x| x / total).collect())
}

/// Fixed-point budgets summing to exactly 1: each converted to I80F48, then the largest adjusted
/// by the rounding drift; checked by the core's `check_budgets`.
fn fixed_budgets(bf: &[f64]) -> Result<Vec<Fx>, String> {
    let mut b = Vec::with_capacity(bf.len());
    for x in bf {
        b.push(Fx::checked_from_num(*x).ok_or("budgets outside the I80F48 range")?);
    }
    let mut total = Fx::ZERO;
    for x in &b {
        total = total.checked_add(*x).ok_or("budgets overflow I80F48")?;
    }
    let drift = total - Fx::ONE;
    let largest = (0..b.len()).fold(0, |k, i| if b[i] > b[k] { i } else { k });
    b[largest] -= drift;
    check_budgets(&b, FX_BUDGET_TOLERANCE).map_err(|e| match e {
        CoreError::InvalidBudgets => {
            "invalid budgets: each must be positive in I80F48 (at least 2^-48) and they must sum to 1".to_string()
        }
        other => format!("invalid budgets: {other}"),
    })?;
    Ok(b)
}

impl std::fmt::Display for WeightsOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} weights (portfolio vol {:.6})\nasset  weight              risk contribution",
            self.method, self.portfolio_vol
        )?;
        for (i, (w, rc)) in self.weights.iter().zip(&self.risk_contributions).enumerate() {
            writeln!(f, "{i:>5}  {w:<18.12}  {rc:.12}")?;
        }
        write!(f, "weights_bits {}", self.weights_bits.join(","))
    }
}
