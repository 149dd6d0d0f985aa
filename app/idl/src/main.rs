//! `rpv-idl [--write | --print]`: builds the vault program's IDL; `--write` (the default, used
//! by `cargo xtask idl`) rewrites `idl/rpv_vault.json`, `--print` writes it to stdout.

use std::process::exit;

fn main() {
    // see `rpv_idl::generate`: the builder mishandles an inherited RUSTUP_TOOLCHAIN; this runs
    // before any other thread exists
    std::env::remove_var("RUSTUP_TOOLCHAIN");
    std::env::remove_var("CARGO_ENCODED_RUSTFLAGS");
    let mode = std::env::args().nth(1).unwrap_or_else(|| "--write".into());
    let json = match rpv_idl::generate() {
        Ok(j) => j,
        Err(e) => {
            eprintln!("rpv-idl: {e}");
            exit(1);
        }
    };
    match mode.as_str() {
        "--print" => print!("{json}"),
        "--write" => {
            let path = rpv_idl::committed_path();
            if let Err(e) = std::fs::write(&path, &json) {
                eprintln!("rpv-idl: write {}: {e}", path.display());
                exit(1);
            }
            eprintln!("rpv-idl: wrote {}", path.display());
        }
        other => {
            eprintln!("rpv-idl: unknown option `{other}`; expected --write or --print");
            exit(2);
        }
    }
}
