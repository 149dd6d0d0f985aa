//! `rpv` — the operator command line of the risk-parity vault: `rpv --help`, `rpv COMMAND --help`.

use clap::Parser;

fn main() {
    match rpv_cli::cmd::Cli::parse().run() {
        Ok(out) => {
            use std::io::Write;
            // a closed pipe (`rpv show | head`) is not an error worth a panic
            let _ = writeln!(std::io::stdout(), "{out}");
        }
        Err(e) => {
            eprintln!("rpv: {}", e.lines().next().unwrap_or(&e));
            std::process::exit(2);
        }
    }
}
