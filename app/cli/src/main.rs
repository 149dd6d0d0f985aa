//! `rpv` — command line of the risk-parity vault.
//!
//! ```text
//! rpv demo [--program PATH]   full vault lifecycle on an embedded SVM (litesvm), no validator
//! ```

use rpv_cli::demo;

use std::{path::PathBuf, process::exit};

const USAGE: &str = "usage: rpv demo [--program PATH]\n\n  demo   run the vault lifecycle on an embedded SVM (litesvm): mints, Pyth accounts,\n         a 3-asset spot vault, two depositors, price moves, withdrawals\n\n  --program PATH   the built program (default: $RPV_PROGRAM_SO, else target/deploy/rpv_vault.so;\n                   build it with `cargo xtask build-sbf`)";

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
        Some("-h" | "--help" | "help") => println!("{USAGE}"),
        Some(other) => fail(&format!("unknown command `{other}`\n\n{USAGE}")),
        None => fail(&format!("no command given\n\n{USAGE}")),
    }
}
