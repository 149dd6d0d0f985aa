//! # rpv-idl — the program's Anchor IDL, generated on the stable toolchain
//!
//! No Anchor CLI is needed. [`generate`] runs Anchor's own IDL build, `anchor_lang_idl::build`:
//! it compiles the program's tests with the `idl-build` feature (on the host, stable 1.95, into
//! `target/idl` so the main build's fingerprints are untouched), runs the generated
//! `__anchor_private_print_idl_*` tests and assembles their output (instructions with their
//! accounts and PDA seeds, accounts, types, events, errors, docs).
//!
//! `cargo xtask idl` rewrites `idl/rpv_vault.json`; the test `committed_idl_is_fresh` fails
//! when the committed file differs from a fresh build.
//!
//! The zero-copy accounts hold the core crate's `VaultState` / `RiskState`; the core crate's
//! `idl-build` feature derives Anchor's `IdlBuild` for them (and `AssetSlot`, `FxBits`), so the
//! IDL describes them field by field. Those nested types carry Borsh serialisation in the IDL:
//! bytemuck's `Pod` guarantees they have no padding, so their Borsh layout is byte for byte the
//! zero-copy layout (the outer `Vault` / `Risk` accounts are marked `bytemuck`, `repr(C)`).

use std::path::{Path, PathBuf};

/// Workspace root (this crate sits at `app/idl`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root exists")
}

/// The committed IDL of the vault program.
pub fn committed_path() -> PathBuf {
    root().join("idl/rpv_vault.json")
}

/// Builds the vault program's IDL and returns it as pretty-printed JSON with a final newline.
///
/// Anchor's builder passes `+$RUSTUP_TOOLCHAIN` to cargo when that variable is set, and that
/// code path is broken in anchor-lang-idl 0.1.4; callers run this with the variable removed
/// (the `rpv-idl` binary does it first thing), so rustup picks `rust-toolchain.toml`.
pub fn generate() -> Result<String, String> {
    let root = root();
    let idl = anchor_lang_idl::build::IdlBuilder::new()
        .program_path(root.join("programs/rpv-vault"))
        .resolution(true)
        .skip_lint(false)
        .no_docs(false)
        .cargo_args(vec!["--locked".into(), "--target-dir".into(), root.join("target/idl").display().to_string()])
        .build()
        .map_err(|e| format!("IDL build failed: {e:#}"))?;
    let mut json = serde_json::to_string_pretty(&idl).map_err(|e| format!("IDL does not serialise: {e}"))?;
    json.push('\n');
    Ok(json)
}
