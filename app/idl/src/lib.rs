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

use anchor_lang_idl::types::{Idl, IdlInstructionAccountItem, IdlPda, IdlSeed, IdlSeedAccount, IdlSeedConst};

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
    let mut idl = idl;
    complete(&mut idl);
    let mut json = serde_json::to_string_pretty(&idl).map_err(|e| format!("IDL does not serialise: {e}"))?;
    json.push('\n');
    Ok(json)
}

/// What Anchor's builder cannot see, added from the interface so a client (e.g. Anchor's
/// TypeScript `accountsResolver`) derives every PDA the program checks by hand:
/// - the seeds of the PDA slots the program validates against the vault's stored bumps rather
///   than with an Anchor `seeds` constraint (authority, share mint, risk account, the vault's
///   token accounts) — from [`rpv_interface::seeds`];
/// - the fixed address of the SPL Token and instructions-sysvar slots;
/// - a doc line for every account slot that has none ([`SLOT_DOCS`]);
/// - the `AllowEntry` account, which no `Accounts` struct names (the program creates and reads
///   it by hand, as a remaining account).
pub fn complete(idl: &mut Idl) {
    add_allow_entry(idl);
    for ix in &mut idl.instructions {
        complete_slots(&mut ix.accounts);
    }
}

/// [`complete`] for one list of account slots (an instruction's, or a nested `Accounts`
/// struct's, whose names the seeds refer to).
fn complete_slots(slots: &mut [IdlInstructionAccountItem]) {
    use rpv_interface::seeds;
    let konst = |bytes: &[u8]| IdlSeed::Const(IdlSeedConst { value: bytes.to_vec() });
    let account = |path: &str| IdlSeed::Account(IdlSeedAccount { path: path.into(), account: None });
    let names: Vec<String> = slots
        .iter()
        .filter_map(|a| match a {
            IdlInstructionAccountItem::Single(a) => Some(a.name.clone()),
            IdlInstructionAccountItem::Composite(_) => None,
        })
        .collect();
    let has = |n: &str| names.iter().any(|m| m == n);
    for item in slots.iter_mut() {
        let slot = match item {
            IdlInstructionAccountItem::Single(slot) => slot,
            IdlInstructionAccountItem::Composite(c) => {
                complete_slots(&mut c.accounts);
                continue;
            }
        };
        let name = slot.name.clone();
        if slot.pda.is_none() && slot.address.is_none() && has("vault") {
            let seeds = match name.as_str() {
                "authority" => Some(vec![konst(seeds::AUTHORITY), account("vault")]),
                "share_mint" => Some(vec![konst(seeds::SHARES), account("vault")]),
                "risk" => Some(vec![konst(seeds::RISK), account("vault")]),
                "base_vault" if has("base_mint") => {
                    Some(vec![konst(seeds::TOKEN), account("vault"), account("base_mint")])
                }
                "asset_vault" if has("asset_mint") => {
                    Some(vec![konst(seeds::TOKEN), account("vault"), account("asset_mint")])
                }
                "token_account" if has("mint") => Some(vec![konst(seeds::TOKEN), account("vault"), account("mint")]),
                _ => None,
            };
            if let Some(seeds) = seeds {
                slot.pda = Some(IdlPda { seeds, program: None });
            }
        }
        if slot.address.is_none() && slot.pda.is_none() {
            match name.as_str() {
                // the share mint's program; elsewhere (`add_asset`) the registered mint's
                "token_program" if has("share_mint") => slot.address = Some(SPL_TOKEN_PROGRAM.into()),
                "instructions" => slot.address = Some(INSTRUCTIONS_SYSVAR.into()),
                _ => {}
            }
        }
        if slot.docs.is_empty() {
            let key = if name == "token_program" && !has("share_mint") { "mint_token_program" } else { &name };
            if let Some((_, doc)) = SLOT_DOCS.iter().find(|(n, _)| *n == key) {
                slot.docs = vec![(*doc).into()];
            }
        }
    }
}

/// `AllowEntry` (`rpv_interface::keyed_accounts!`): its discriminator and fields, checked
/// against the interface's borsh layout by `tests/interface.rs`.
fn add_allow_entry(idl: &mut Idl) {
    use anchor_lang_idl::types::{IdlAccount, IdlDefinedFields, IdlField, IdlType, IdlTypeDef, IdlTypeDefTy};
    let name = rpv_interface::accounts::ALLOW_ENTRY_ACCOUNT;
    if idl.accounts.iter().any(|a| a.name == name) {
        return;
    }
    let field = |name: &str, ty: IdlType| IdlField { name: name.into(), docs: vec![], ty };
    idl.accounts.push(IdlAccount {
        name: name.into(),
        discriminator: rpv_interface::client::discriminator("account", name).to_vec(),
    });
    idl.accounts.sort_by(|a, b| a.name.cmp(&b.name));
    idl.types.push(IdlTypeDef {
        name: name.into(),
        docs: vec![
            "A depositor allowed into an allowlisted vault, PDA [\"allow\", vault, user]; exists while".into(),
            "`user` may deposit.".into(),
        ],
        serialization: Default::default(),
        repr: None,
        generics: vec![],
        ty: IdlTypeDefTy::Struct {
            fields: Some(IdlDefinedFields::Named(vec![
                field("vault", IdlType::Pubkey),
                field("user", IdlType::Pubkey),
                field("added_at", IdlType::I64),
            ])),
        },
    });
    idl.types.sort_by(|a, b| a.name.cmp(&b.name));
}

/// The SPL Token program: the share mint's program (the `token_program` slots).
pub const SPL_TOKEN_PROGRAM: &str = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
/// The instructions sysvar (flash rebalancing's pairing check).
pub const INSTRUCTIONS_SYSVAR: &str = "Sysvar1nstructions1111111111111111111111111111";

/// One doc line per account slot name, for the slots whose Anchor struct field carries none.
pub const SLOT_DOCS: &[(&str, &str)] = &[
    ("admin", "The vault admin (signs; pays where an account is created)."),
    ("admin_base_token", "The admin's base token account the seed deposit comes from."),
    ("asset_mint", "Mint of the registered asset (or option series) traded or deposited."),
    ("asset_token_program", "Token program of the asset mint (SPL Token or Token-2022)."),
    ("asset_vault", "The vault's token account for the asset, PDA [\"token\", vault, asset_mint]."),
    ("authority", "The vault authority PDA [\"authority\", vault]: owns the vault's token accounts, mints shares."),
    ("base_mint", "The vault's base mint (e.g. USDC)."),
    ("base_token_program", "Token program of the base mint (SPL Token or Token-2022)."),
    ("base_vault", "The vault's base token account, PDA [\"token\", vault, base_mint]."),
    ("caller", "Any signer (permissionless crank)."),
    ("entry", "A depositor's allowlist entry, PDA [\"allow\", vault, user]."),
    ("escrow", "The vault's request escrow, PDA [\"escrow\", vault]: base of pending deposit requests and of settled withdrawals until claimed."),
    ("guardian", "The vault guardian (signs)."),
    ("instructions", "The instructions sysvar (flash rebalancing checks its pair in the same transaction)."),
    ("keeper", "The keeper: signs and is the trade's counterparty."),
    ("keeper_asset_token", "The keeper's token account for the leg's mint."),
    ("keeper_base_token", "The keeper's base token account."),
    ("leg_oracle", "The registered oracle of the traded leg."),
    ("mint", "Mint of the asset (or option token) being registered."),
    ("owner", "The request's owner (signs; pays the request account's rent, which returns when it closes)."),
    ("owner_base_token", "The request owner's base token account."),
    ("owner_share_token", "The request owner's share token account."),
    ("oracle", "Price account of the asset (for an option series: its implied-volatility feed)."),
    ("proposal", "The pending proposal PDA [\"proposal\", vault, [kind]]."),
    ("proposer", "Paid the proposal's rent; receives it back."),
    ("request", "The request account, PDA [\"request\", vault, [kind], id u64 LE]."),
    ("recipient_share_token", "The fee recipient's share token account."),
    ("risk", "The vault's risk account, PDA [\"risk\", vault]."),
    ("share_mint", "The vault's share mint, PDA [\"shares\", vault]."),
    ("signer", "The signer the instruction's role check applies to."),
    ("submitter", "Any signer submitting weights (permissionless)."),
    ("system_program", "The system program."),
    ("token_account", "The vault's token account for the new asset, PDA [\"token\", vault, mint] (created here)."),
    ("token_program", "The SPL Token program (the share mint's)."),
    ("mint_token_program", "The registered mint's token program (SPL Token or Token-2022)."),
    ("trade", "The trade's accounts, as `rebalance` takes them."),
    ("underlying_oracle", "The registered price oracle of the series' underlying."),
    ("user", "The depositor or share holder (signs)."),
    ("user_asset_token", "The user's token account for the asset."),
    ("user_base_token", "The user's base token account."),
    ("user_share_token", "The user's share token account."),
    ("vault", "The vault account, PDA [\"vault\", admin, vault_id u64 LE]."),
];
