//! `rpv` — command line of the risk-parity vault.
//!
//! ```text
//! rpv init --config FILE TARGET          initialise a vault from a configuration file
//! rpv deposit / withdraw / redeem-in-kind TARGET
//! rpv show [--vault ADDRESS] TARGET      NAV, positions vs targets, risk, Greeks, oracle health
//! rpv apply-change --kind KIND TARGET    apply a timelocked change after its eta
//! rpv risk weights --input FILE          risk-parity weights of a covariance matrix
//! rpv option greeks ...                  Black–Scholes price and Greeks
//! ```
//! TARGET is `--url URL [--keypair FILE]` (a cluster) or `--svm [--state FILE]` (embedded SVM).

use rpv_cli::{commands, risk_cmd};

use std::process::exit;

const USAGE: &str = "usage: rpv init --config FILE TARGET [--json]
       rpv deposit [--vault ADDRESS] --amount AMOUNT [--min-shares SHARES] TARGET [--json]
       rpv withdraw [--vault ADDRESS] (--shares SHARES | --all) [--min-out AMOUNT] TARGET [--json]
       rpv redeem-in-kind [--vault ADDRESS] (--shares SHARES | --all) [--min-amounts A,B,...] TARGET [--json]
       rpv show [--vault ADDRESS] [--config FILE] TARGET [--json]
       rpv apply-change [--vault ADDRESS] --kind risk-params|budgets|fees|rebalance|option-params TARGET [--json]
       rpv risk weights --input FILE
       rpv option greeks --kind call|put --spot S --strike K --vol SIGMA --rate R --years T

  TARGET is --url URL [--keypair FILE] (a cluster over JSON-RPC; the keypair defaults to
  ~/.config/solana/id.json) or --svm [--state FILE] [--program SO] (an embedded SVM running the
  built program, its ledger kept in FILE, default .rpv-svm.json). `rpv COMMAND --help` for more.

  init            initialise a vault from a TOML configuration (examples/vault.toml documents it)
  deposit         deposit base tokens for shares
  withdraw        burn shares for base tokens at NAV
  redeem-in-kind  burn shares for the pro-rata part of every holding (no oracle needed)
  show            the vault now: NAV, positions vs targets and bands, risk contributions,
                  volatilities, Greeks and limits, oracle health, fees
  apply-change    apply a pending timelocked change once its eta has passed

  The demos and the backtest are `rpv-lab demo [--lifecycle]` and `rpv-lab backtest`.

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
    // one line: the first line of the message
    eprintln!("rpv: {}", msg.lines().next().unwrap_or(msg));
    exit(2);
}

fn print_or_fail(r: Result<String, String>) {
    match r {
        Ok(out) => {
            use std::io::Write;
            // a closed pipe (`rpv show | head`) is not an error worth a panic
            let _ = writeln!(std::io::stdout(), "{out}");
        }
        Err(e) => fail(&e),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or(&[]);
    match args.first().map(String::as_str) {
        Some("init") => print_or_fail(commands::init(rest)),
        Some("deposit") => print_or_fail(commands::deposit(rest)),
        Some("withdraw") => print_or_fail(commands::withdraw(rest)),
        Some("redeem-in-kind") => print_or_fail(commands::redeem_in_kind(rest)),
        Some("show") => print_or_fail(commands::show(rest)),
        Some("apply-change") => print_or_fail(commands::apply_change(rest)),
        Some("risk") => print_or_fail(risk_cmd::run(rest)),
        Some("option") => print_or_fail(rpv_cli::option_cmd::run(rest)),
        Some("-h" | "--help" | "help") => println!("{USAGE}"),
        Some(other) => fail(&format!("unknown command `{other}`; see `rpv --help`")),
        None => fail("no command given; see `rpv --help`"),
    }
}
