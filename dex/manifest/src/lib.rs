//! Manifest (CKS Systems' on-chain orderbook; crates.io `manifest-dex`, GPL-2.0-or-later) as
//! an SBF program: the crate's `no-entrypoint` library with an entrypoint of our own, so the
//! project's toolchain links it (with `solana-compiler-builtins` for the soft-float and 128-bit
//! helpers). It keeps the crate's program id, Manifest's mainnet id.
use solana_compiler_builtins as _;
use solana_program::{account_info::AccountInfo, entrypoint, entrypoint::ProgramResult, pubkey::Pubkey};

entrypoint!(process_instruction);

fn process_instruction(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    manifest::process_instruction(program_id, accounts, data)
}
