//! `rpv risk weights`, `rpv option greeks` and the command line's own errors, end to end.

use std::{path::PathBuf, process::Command};

use clap::Parser;

use super::support::check_failure as check;

/// Runs the command line as a library call (the same parser and commands as the binary).
fn lib(args: &[&str]) -> Result<String, String> {
    let cli = rpv_cli::cmd::Cli::try_parse_from(std::iter::once("rpv").chain(args.iter().copied()));
    cli.map_err(|e| e.to_string())?.run()
}

#[test]
fn helpful_errors() {
    let rpv = env!("CARGO_BIN_EXE_rpv");
    let none = Command::new(rpv).output().unwrap();
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("Usage: rpv [OPTIONS] <COMMAND>"));
    check(
        "unknown command",
        &Command::new(rpv).arg("frobnicate").output().unwrap(),
        "unrecognized subcommand 'frobnicate'",
    );
    let help = Command::new(rpv).arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(help.status.success() && text.contains("Usage: rpv"), "{text}");
    for cmd in ["init", "deposit", "withdraw", "redeem-in-kind", "show", "apply-change", "risk", "option"] {
        assert!(text.contains(&format!("\n  {cmd} ")), "{cmd} is listed: {text}");
    }
    assert!(text.contains("--output <OUTPUT>") && text.contains("--svm"), "{text}");
}

// ---- `rpv risk weights` -------------------------------------------------------------------

use std::{io::Write, process::Stdio};

/// Runs `rpv risk weights --input <input>`, feeding `stdin` when given.
fn risk_weights(input: &str, stdin: Option<&str>) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rpv"))
        .args(["risk", "weights", "--output", "json", "--input", input])
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

/// A file with `text` in the temporary directory.
fn temp_file(name: &str, text: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("rpv-cli-{}-{name}.json", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

/// Successful run on standard input: the parsed output object.
fn weights_ok(input: &serde_json::Value) -> serde_json::Value {
    let out = risk_weights("-", Some(&input.to_string()));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "rpv risk weights failed on {input}: {stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn floats(v: &serde_json::Value, key: &str) -> Vec<f64> {
    v[key].as_array().unwrap_or_else(|| panic!("no {key} in {v}")).iter().map(|x| x.as_f64().unwrap()).collect()
}

fn bits(v: &serde_json::Value) -> Vec<i128> {
    v["weights_bits"].as_array().unwrap().iter().map(|x| x.as_str().unwrap().parse().unwrap()).collect()
}

/// Checks the output's invariants and returns (weights, risk contributions, portfolio vol).
fn check_output(out: &serde_json::Value, method: &str, c: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>, f64) {
    let obj = out.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["method", "portfolio_vol", "risk_contributions", "weights", "weights_bits"]);
    assert_eq!(out["method"], method);
    let (w, rc, vol) =
        (floats(out, "weights"), floats(out, "risk_contributions"), out["portfolio_vol"].as_f64().unwrap());
    let n = c.len();
    assert_eq!((w.len(), rc.len()), (n, n));
    assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12, "weights sum {w:?}");
    assert!((rc.iter().sum::<f64>() - 1.0).abs() < 1e-12, "risk contributions sum {rc:?}");
    // weights_bits are the weights exactly (I80F48: 48 fractional bits)
    for (b, x) in bits(out).iter().zip(&w) {
        assert_eq!(*b as f64 / 2f64.powi(48), *x);
    }
    // portfolio vol = √(wᵀCw), risk contributions = w_i (Cw)_i / wᵀCw (f64 check of the output)
    let cw: Vec<f64> = c.iter().map(|row| row.iter().zip(&w).map(|(a, b)| a * b).sum()).collect();
    let q: f64 = w.iter().zip(&cw).map(|(a, b)| a * b).sum();
    assert!((vol - q.sqrt()).abs() < 1e-12, "vol {vol} vs {}", q.sqrt());
    for i in 0..n {
        assert!((rc[i] - w[i] * cw[i] / q).abs() < 1e-12, "rc[{i}]");
    }
    (w, rc, vol)
}

/// σ = 20 %, 40 %, ρ = 0.5: inverse vol and ERC both give (2/3, 1/3), equal risk contributions,
/// σ_p² = 0.16/3.
#[test]
fn risk_weights_two_asset_known_answer() {
    let c = vec![vec![0.04, 0.04], vec![0.04, 0.16]];
    for method in ["inverse-vol", "erc"] {
        let out = weights_ok(&serde_json::json!({"covariance": c, "method": method}));
        let (w, rc, vol) = check_output(&out, method, &c);
        assert!((w[0] - 2.0 / 3.0).abs() < 1e-12 && (w[1] - 1.0 / 3.0).abs() < 1e-12, "{method}: {w:?}");
        assert!((rc[0] - 0.5).abs() < 1e-12 && (rc[1] - 0.5).abs() < 1e-12, "{method}: {rc:?}");
        assert!((vol - (0.16f64 / 3.0).sqrt()).abs() < 1e-12, "{method}: {vol}");
    }
    // the method defaults to ERC, budgets to equal
    let default = weights_ok(&serde_json::json!({"covariance": c}));
    assert_eq!(default["method"], "erc");
    let explicit = weights_ok(&serde_json::json!({"covariance": c, "budgets": [0.5, 0.5], "method": "erc"}));
    assert_eq!(default, explicit);
    // an asymmetry below 1e-12 · max|c| is accepted; the upper triangle is used (as on chain)
    let nearly = weights_ok(&serde_json::json!({"covariance": [[0.04, 0.04], [0.04 + 1e-15, 0.16]]}));
    assert_eq!(nearly, default);
}

/// `--input -` reads standard input; a file gives the same answer; the library function too.
#[test]
fn risk_weights_from_stdin_and_file() {
    let input = r#"{"covariance": [[0.04, 0.006, 0.012], [0.006, 0.09, 0.0], [0.012, 0.0, 0.25]],
                    "budgets": [0.2, 0.3, 0.5], "method": "erc"}"#;
    let from_stdin = risk_weights("-", Some(input));
    assert!(from_stdin.status.success(), "{}", String::from_utf8_lossy(&from_stdin.stderr));
    let path = temp_file("stdin-vs-file", input);
    let from_file = risk_weights(path.to_str().unwrap(), None);
    std::fs::remove_file(&path).unwrap();
    assert!(from_file.status.success(), "{}", String::from_utf8_lossy(&from_file.stderr));
    assert_eq!(from_stdin.stdout, from_file.stdout);
    let lib = serde_json::to_string_pretty(&rpv_cli::cmd::risk::weights(input).unwrap()).unwrap();
    assert_eq!(String::from_utf8(from_stdin.stdout).unwrap().trim_end(), lib);
}

/// f64 reference: cyclical coordinate descent on `½ yᵀCy − Σ b_i ln y_i`, then `w = y / Σy`.
fn reference_risk_budget(c: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    let n = c.len();
    let mut y: Vec<f64> = (0..n).map(|i| b[i] / c[i][i].sqrt()).collect();
    for _ in 0..100_000 {
        let mut worst: f64 = 0.0;
        for i in 0..n {
            let a: f64 = (0..n).filter(|j| *j != i).map(|j| c[i][j] * y[j]).sum();
            let yi = (-a + (a * a + 4.0 * c[i][i] * b[i]).sqrt()) / (2.0 * c[i][i]);
            worst = worst.max(((yi - y[i]) / yi).abs());
            y[i] = yi;
        }
        if worst < 1e-15 {
            break;
        }
    }
    let t: f64 = y.iter().sum();
    y.iter().map(|x| x / t).collect()
}

/// Three correlated assets, unequal budgets: ERC matches the f64 reference and the risk
/// contributions match the budgets.
#[test]
fn risk_weights_three_asset_erc_matches_f64_reference() {
    let vol = [0.2, 0.35, 0.6];
    let rho = [[1.0, 0.6, -0.3], [0.6, 1.0, 0.4], [-0.3, 0.4, 1.0]];
    let c: Vec<Vec<f64>> = (0..3).map(|i| (0..3).map(|j| rho[i][j] * vol[i] * vol[j]).collect()).collect();
    for budgets in [vec![0.5, 0.3, 0.2], vec![1.0 / 3.0; 3], vec![0.1, 0.2, 0.7]] {
        let input = serde_json::json!({"covariance": c, "budgets": budgets});
        let out = weights_ok(&input);
        let (w, rc, _) = check_output(&out, "erc", &c);
        let reference = reference_risk_budget(&c, &budgets);
        for i in 0..3 {
            assert!((w[i] - reference[i]).abs() < 1e-9, "{budgets:?}: w[{i}] {} vs {}", w[i], reference[i]);
            assert!((rc[i] - budgets[i]).abs() < 1e-9, "{budgets:?}: rc[{i}] {} vs {}", rc[i], budgets[i]);
        }
        // not the inverse-vol answer (the correlations matter here)
        let iv = weights_ok(&serde_json::json!({"covariance": c, "budgets": budgets, "method": "inverse-vol"}));
        let wi = floats(&iv, "weights");
        assert!((0..3).any(|i| (wi[i] - w[i]).abs() > 1e-3), "{wi:?} vs {w:?}");
    }
}

/// A matrix given as I80F48 raw bits gives bit-identical weights to the same matrix given as
/// (exactly representable) floats.
#[test]
fn risk_weights_covariance_bits_match_floats() {
    let c = vec![vec![0.25, 0.0625, -0.03125], vec![0.0625, 0.5, 0.125], vec![-0.03125, 0.125, 1.0]];
    let c_bits: Vec<Vec<String>> =
        c.iter().map(|row| row.iter().map(|x| ((x * 2f64.powi(48)) as i128).to_string()).collect()).collect();
    assert_eq!(c_bits[0][0], "70368744177664"); // 0.25 = 2^-2 → 2^46
    for method in ["erc", "inverse-vol"] {
        for budgets in [None, Some(vec![0.5, 0.25, 0.25])] {
            let mut a = serde_json::json!({"covariance": c, "method": method});
            let mut b = serde_json::json!({"covariance_bits": c_bits, "method": method});
            if let Some(bud) = &budgets {
                a["budgets"] = serde_json::json!(bud);
                b["budgets"] = serde_json::json!(bud);
            }
            let (from_floats, from_bits) = (weights_ok(&a), weights_ok(&b));
            check_output(&from_floats, method, &c);
            assert_eq!(bits(&from_floats), bits(&from_bits), "{method} {budgets:?}");
            assert_eq!(from_floats, from_bits);
        }
    }
}

/// Every class of bad input: exit code 2, nothing on stdout, exactly one line on stderr starting
/// with `rpv: ` that names the problem.
#[test]
fn risk_weights_bad_inputs() {
    let identity17: Vec<Vec<f64>> =
        (0..17).map(|i| (0..17).map(|j| if i == j { 0.04 } else { 0.0 }).collect()).collect();
    // one factor with loadings (1, 1, 1, −1) plus a tiny idiosyncratic variance: positive definite
    // but so ill-conditioned that coordinate descent needs far more than 10 000 sweeps
    let slow: Vec<Vec<f64>> = {
        let l = [1.0, 1.0, 1.0, -1.0];
        (0..4).map(|i| (0..4).map(|j| l[i] * l[j] + if i == j { 1e-4 } else { 0.0 }).collect()).collect()
    };
    let identity17 = serde_json::json!({ "covariance": identity17 }).to_string();
    let slow = serde_json::json!({ "covariance": slow }).to_string();
    let cases: Vec<(&str, &str, &str)> = vec![
        ("invalid JSON", "{\"covariance\": [[0.04]", "invalid JSON"),
        ("not an object", "[[0.04]]", "JSON object"),
        ("non-square", r#"{"covariance": [[0.04, 0.0], [0.0]]}"#, "not square"),
        ("ragged rows", r#"{"covariance": [[0.04, 0.0], [0.0, 0.09, 0.0]]}"#, "not square"),
        ("asymmetric", r#"{"covariance": [[0.04, 0.01], [0.02, 0.09]]}"#, "not symmetric"),
        ("empty", r#"{"covariance": []}"#, "empty"),
        ("17 assets", &identity17, "too many assets"),
        ("non-finite (overflowing literal)", r#"{"covariance": [[1e999]]}"#, "invalid JSON"),
        ("outside the I80F48 range", r#"{"covariance": [[1e30]]}"#, "I80F48 range"),
        ("not a number", r#"{"covariance": [["0.04"]]}"#, "not a number"),
        ("negative budget", r#"{"covariance": [[0.04, 0], [0, 0.09]], "budgets": [1.5, -0.5]}"#, "positive"),
        ("zero budget", r#"{"covariance": [[0.04, 0], [0, 0.09]], "budgets": [1.0, 0.0]}"#, "positive"),
        ("budgets not summing to 1", r#"{"covariance": [[0.04, 0], [0, 0.09]], "budgets": [0.5, 0.4]}"#, "sum to"),
        ("budgets off by 1e-8", r#"{"covariance": [[0.04, 0], [0, 0.09]], "budgets": [0.5, 0.50000001]}"#, "sum to"),
        ("wrong budget count", r#"{"covariance": [[0.04, 0], [0, 0.09]], "budgets": [1.0]}"#, "number of budgets"),
        ("unknown method", r#"{"covariance": [[0.04]], "method": "min-variance"}"#, "unknown method"),
        ("not positive definite", r#"{"covariance": [[0.04, 0.09], [0.09, 0.04]]}"#, "not positive definite"),
        ("zero variance", r#"{"covariance": [[0.04, 0.0], [0.0, 0.0]]}"#, "zero (or negative) variance"),
        ("solver not converging", &slow, "did not converge"),
        ("both matrices", r#"{"covariance": [[0.04]], "covariance_bits": [["1"]]}"#, "not both"),
        ("no matrix", r#"{"budgets": [1.0]}"#, "missing `covariance`"),
        ("bad raw bits", r#"{"covariance_bits": [["0x10"]]}"#, "i128"),
        ("unknown field", r#"{"covariance": [[0.04]], "budget": [1.0]}"#, "unknown field `budget`"),
    ];
    for (what, input, needle) in &cases {
        check(what, &risk_weights("-", Some(input)), needle);
        assert!(rpv_cli::cmd::risk::weights(input).unwrap_err().contains(needle), "{what} (library)");
    }
    check(
        "unreadable file",
        &risk_weights("/nonexistent/rpv-cov.json", None),
        "cannot read `/nonexistent/rpv-cov.json`",
    );
    let rpv = env!("CARGO_BIN_EXE_rpv");
    for (args, needle) in [
        (&["risk", "weights"][..], "--input <FILE>"),
        (&["risk", "weights", "--input"][..], "a value is required for '--input <FILE>'"),
        (&["risk", "weights", "--bogus"][..], "unexpected argument '--bogus'"),
        (&["risk", "frobnicate"][..], "unrecognized subcommand 'frobnicate'"),
    ] {
        check(&args.join(" "), &Command::new(rpv).args(args).stdin(Stdio::null()).output().unwrap(), needle);
    }
}

/// `budgets_ppb` (the vault's own units) is accepted, exact, and exclusive with `budgets`.
#[test]
fn risk_weights_budgets_in_parts_per_billion() {
    use rpv_cli::cmd::risk::weights;
    let cov = "[[0.04, 0.01], [0.01, 0.09]]";
    let a = weights(&format!("{{\"covariance\": {cov}, \"budgets_ppb\": [500000000, 500000000]}}")).unwrap();
    let b = weights(&format!("{{\"covariance\": {cov}, \"budgets\": [0.5, 0.5]}}")).unwrap();
    assert_eq!(a.weights_bits, b.weights_bits, "0.5 is exact either way");
    for bad in [
        format!("{{\"covariance\": {cov}, \"budgets_ppb\": [500000000, 400000000]}}"),
        format!("{{\"covariance\": {cov}, \"budgets_ppb\": [1000000000, 0]}}"),
        format!("{{\"covariance\": {cov}, \"budgets_ppb\": [500000000]}}"),
        format!("{{\"covariance\": {cov}, \"budgets_ppb\": [500000000, 500000000], \"budgets\": [0.5, 0.5]}}"),
    ] {
        let e = weights(&bad).unwrap_err();
        assert!(e.contains("budgets"), "{e}");
    }
}

// ---- `rpv option greeks` ------------------------------------------------------------------

/// Runs `rpv option <args>`.
fn option_cmd(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rpv"))
        .args(["--output", "json", "option"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The flags of `option greeks` for one option.
fn greeks_args(kind: &str, spot: &str, strike: &str, vol: &str, rate: &str, years: &str) -> Vec<String> {
    let mut v = vec!["greeks".to_string()];
    for (flag, value) in
        [("--kind", kind), ("--spot", spot), ("--strike", strike), ("--vol", vol), ("--rate", rate), ("--years", years)]
    {
        v.push(flag.to_string());
        v.push(value.to_string());
    }
    v
}

/// Successful run: the output object, with exactly the five keys.
fn greeks_ok(args: &[String]) -> serde_json::Value {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = option_cmd(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "rpv option {args:?} failed: {stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["delta", "gamma", "price", "theta", "vega"]);
    v
}

fn num(v: &serde_json::Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("no number {key} in {v}"))
}

/// S = K = 100, σ = 20 %, r = 5 %, T = 1: the textbook values (50-digit mpmath) within 1e-9.
#[test]
#[allow(clippy::excessive_precision)] // mpmath's 20 digits
fn option_greeks_known_answer() {
    let args = greeks_args("call", "100", "100", "0.2", "0.05", "1");
    let call = greeks_ok(&args);
    for (key, want) in [
        ("price", 10.450583572185567346),
        ("delta", 0.63683065117561907331),
        ("gamma", 0.018762017345846892841),
        ("vega", 37.524034691693787765),
        ("theta", -6.4140275464381961317),
    ] {
        assert!((num(&call, key) - want).abs() <= 1e-9, "{key}: {} vs {want}", num(&call, key));
    }
    // flags in any order and as --flag=value; the library gives the same JSON
    let reordered: Vec<String> =
        ["greeks", "--years=1", "--rate", "0.05", "--vol=0.2", "--strike", "100", "--spot=100", "--kind", "call"]
            .map(String::from)
            .to_vec();
    assert_eq!(greeks_ok(&reordered), call);
    let out = option_cmd(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let lib_args: Vec<&str> =
        ["--output", "json", "option"].into_iter().chain(args.iter().map(String::as_str)).collect();
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim_end(), lib(&lib_args).unwrap());
    // text by default
    let text = lib(&[&["option"][..], &args.iter().map(String::as_str).collect::<Vec<_>>()].concat()).unwrap();
    assert!(text.starts_with("price 10.4505835") && text.contains("\ndelta 0.63683065"), "{text}");
    // --help prints the usage
    let help = option_cmd(&["greeks", "--help"]);
    assert!(help.status.success() && String::from_utf8_lossy(&help.stdout).contains("Usage: rpv option greeks"));
}

/// Puts against calls: put–call parity `C − P = S − K·e^{−rT}`, `Δ_P = Δ_C − 1`, equal gamma and
/// vega, `Θ_C − Θ_P = −r·K·e^{−rT}`; and the textbook put.
#[test]
#[allow(clippy::excessive_precision)] // mpmath's 20 digits
fn option_greeks_put_by_parity() {
    for (s, k, v, r, t) in [
        ("100", "100", "0.2", "0.05", "1"),
        ("42", "40", "0.35", "-0.02", "0.75"),
        ("0.0005", "0.0009", "1.5", "0.3", "0.01"),
        ("25000", "30000", "0.8", "0.1", "2"),
    ] {
        let call = greeks_ok(&greeks_args("call", s, k, v, r, t));
        let put = greeks_ok(&greeks_args("put", s, k, v, r, t));
        let [sf, kf, rf, tf]: [f64; 4] = [s, k, r, t].map(|x| x.parse().unwrap());
        let discounted = kf * (-rf * tf).exp();
        let what = format!("S={s} K={k} σ={v} r={r} T={t}");
        let tol = 1e-9 * sf.max(1.0);
        assert!((num(&call, "price") - num(&put, "price") - (sf - discounted)).abs() <= tol, "{what}: parity");
        assert!((num(&call, "delta") - num(&put, "delta") - 1.0).abs() <= 1e-12, "{what}: delta");
        assert_eq!(num(&call, "gamma"), num(&put, "gamma"), "{what}: gamma");
        assert_eq!(num(&call, "vega"), num(&put, "vega"), "{what}: vega");
        assert!((num(&call, "theta") - num(&put, "theta") + rf * discounted).abs() <= tol, "{what}: theta");
        if s == "100" {
            assert!((num(&put, "price") - 5.5735260222569679911).abs() <= 1e-9, "{what}: put price");
            assert!((num(&put, "theta") - -1.6578804239346258355).abs() <= 1e-9, "{what}: put theta");
        }
    }
}

/// Every class of bad input: exit code 2, nothing on stdout, an error on stderr that names the
/// problem (and, for a value outside the domain, the limit).
#[test]
fn option_greeks_bad_inputs() {
    let good = greeks_args("call", "100", "100", "0.2", "0.05", "1");
    let with = |flag: &str, value: &str| {
        let mut a = good.clone();
        let j = a.iter().position(|x| x == flag).unwrap();
        a[j + 1] = value.to_string();
        a
    };
    let without = |flag: &str| {
        let mut a = good.clone();
        let j = a.iter().position(|x| x == flag).unwrap();
        a.drain(j..j + 2);
        a
    };
    let plus = |extra: &[&str]| {
        let mut a = good.clone();
        a.extend(extra.iter().map(|x| x.to_string()));
        a
    };
    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        ("missing flag", without("--vol"), "--vol <SIGMA>"),
        ("missing kind", without("--kind"), "--kind <KIND>"),
        ("duplicate flag", plus(&["--spot", "101"]), "'--spot <S>' cannot be used multiple times"),
        ("duplicate flag (= form)", plus(&["--rate=0.01"]), "'--rate <R>' cannot be used multiple times"),
        ("unknown flag", plus(&["--bogus", "1"]), "unexpected argument '--bogus'"),
        ("stray word", plus(&["extra"]), "unexpected argument 'extra'"),
        ("missing value", plus(&["--years"]), "a value is required for '--years <T>'"),
        ("unparsable number", with("--spot", "abc"), "`abc` is not a number"),
        ("two decimal points", with("--strike", "1.2.3"), "`1.2.3` is not a number"),
        ("empty number", with("--vol", ""), "`` is not a number"),
        ("not finite", with("--vol", "inf"), "`inf` is not a number"),
        ("NaN", with("--rate", "NaN"), "`NaN` is not a number"),
        ("beyond I80F48", with("--spot", "1e40"), "outside the I80F48 range"),
        ("unknown kind", with("--kind", "straddle"), "invalid value 'straddle' for '--kind <KIND>'"),
        ("spot below", with("--spot", "0.0000009"), "below the minimum 1e-6"),
        ("spot above", with("--spot", "2e9"), "above the maximum 1e9"),
        ("zero strike", with("--strike", "0"), "must be positive"),
        ("negative strike", with("--strike", "-100"), "must be positive"),
        ("spot/strike below", with("--strike", "500.001"), "below the minimum 0.2"),
        ("spot/strike above", with("--strike", "19.99"), "above the maximum 5"),
        ("vol below", with("--vol", "0.049"), "below the minimum 0.05"),
        ("vol above", with("--vol", "3.01"), "above the maximum 3"),
        ("rate below", with("--rate", "-0.11"), "below the minimum -0.1"),
        ("rate above", with("--rate", "0.51"), "above the maximum 0.5"),
        ("years below", with("--years", "0.0001"), "below the minimum 1/8760 (one hour)"),
        ("years zero", with("--years", "0"), "below the minimum 1/8760"),
        ("years above", with("--years", "2.5"), "above the maximum 2"),
    ];
    for (what, args, needle) in &cases {
        check(what, &option_cmd(&args.iter().map(String::as_str).collect::<Vec<_>>()), needle);
        let args: Vec<&str> = std::iter::once("option").chain(args.iter().map(String::as_str)).collect();
        assert!(lib(&args).unwrap_err().contains(needle), "{what} (library)");
    }
    check("unknown subcommand", &option_cmd(&["price"]), "unrecognized subcommand 'price'");
    check("no flags", &option_cmd(&["greeks"]), "--kind <KIND>");
    // the domain's edges themselves are accepted
    greeks_ok(&greeks_args("put", "0.000001", "0.000005", "0.05", "-0.1", "0.00011415525114155251"));
    greeks_ok(&greeks_args("call", "1e9", "2e8", "3", "0.5", "2"));
}
