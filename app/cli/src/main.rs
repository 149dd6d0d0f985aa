//! `rpv` — command line of the risk-parity vault.
//!
//! ```text
//! rpv demo [--program PATH]        full vault lifecycle on an embedded SVM (litesvm), no validator
//! rpv risk weights --input FILE    risk-parity weights of a covariance matrix (JSON in and out)
//! ```

use rpv_cli::{demo, risk_cmd};

use std::{path::PathBuf, process::exit};

const USAGE: &str = "usage: rpv demo [--program PATH]
       rpv risk weights --input FILE
       rpv option greeks --kind call|put --spot S --strike K --vol SIGMA --rate R --years T

  demo   run the vault lifecycle on an embedded SVM (litesvm): mints, Pyth accounts,
         a 3-asset spot vault, two depositors, price moves, withdrawals

  --program PATH   the built program (default: $RPV_PROGRAM_SO, else target/deploy/rpv_vault.so;
                   build it with `cargo xtask build-sbf`)

  risk weights   risk-parity weights computed by the program's own fixed-point (I80F48) code;
                 FILE (- for stdin) holds JSON: {\"covariance\": [[...]] or \"covariance_bits\": [[\"<i128>\",...]],
                 \"budgets\": [...] (optional: equal), \"method\": \"erc\" (default) or \"inverse-vol\"};
                 prints {\"method\", \"weights\", \"risk_contributions\", \"portfolio_vol\", \"weights_bits\"}
                 (weights_bits: the weights' exact I80F48 raw bits)

  option greeks  Black–Scholes price and Greeks of a European option, computed by the core's
                 fixed-point (I80F48) code; σ and r annual (r continuously compounded), T in years;
                 prints {\"price\", \"delta\", \"gamma\", \"vega\" (per 1.00 of σ), \"theta\" (−∂V/∂T, per year)};
                 domain: spot in [1e-6, 1e9], spot/strike in [0.2, 5], σ in [0.05, 3],
                 r in [-0.1, 0.5], T in [1/8760 (one hour), 2]";

fn fail(msg: &str) -> ! {
    eprintln!("rpv: {msg}");
    exit(2);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("demo") => {
            let mut program: Option<PathBuf> = std::env::var_os("RPV_PROGRAM_SO").map(PathBuf::from);
            let mut rest = args[1..].iter();
            while let Some(a) = rest.next() {
                match a.as_str() {
                    "--program" => {
                        program = Some(rest.next().map(PathBuf::from).unwrap_or_else(|| fail("--program needs a path")))
                    }
                    other => fail(&format!("unknown argument `{other}` for `demo`\n\n{USAGE}")),
                }
            }
            let program = program.unwrap_or_else(|| PathBuf::from("target/deploy/rpv_vault.so"));
            if let Err(e) = demo::run(&program) {
                fail(&e);
            }
        }
        Some("risk") => match risk_cmd::run(&args[1..]) {
            Ok(out) => println!("{out}"),
            Err(e) => fail(&e),
        },
        Some("option") => match rpv_cli::option_cmd::run(&args[1..]) {
            Ok(out) => println!("{out}"),
            Err(e) => fail(&e),
        },
        Some("-h" | "--help" | "help") => println!("{USAGE}"),
        Some(other) => fail(&format!("unknown command `{other}`\n\n{USAGE}")),
        None => fail(&format!("no command given\n\n{USAGE}")),
    }
}
