//! Every account check of the program, in one place: one named function per rule, each
//! returning the error a client sees for it — roles, the vault's own accounts, token accounts
//! and mints, oracle accounts, proposals, the instructions sysvar, state gates that refuse a
//! whole instruction, and the rules a handler runs on what it loaded or chose.
//!
//! [`crate::access`] groups these rules per instruction (attached in `lib.rs` with
//! `#[access_control(...)]`); this module knows no instruction, so the dependency runs one way
//! (`access` → `instructions` → `checks`).
//!
//! The vault's addresses were derived once, at initialisation; every later check is a plain key
//! comparison against the stored address (no PDA derivation). Rules that belong to the engine's
//! model rather than to accounts — pause, deposit limits, cooldowns, what counts as a raise —
//! live in `rpv_core::engine` and `rpv_interface`.

use anchor_lang::{prelude::*, solana_program::instruction::get_stack_height, Discriminator};
use rpv_core::{
    error::CoreResult,
    layout::{AssetSlot, MAX_DECIMALS},
    token::{self, TOKEN_PROGRAM_ID},
    CoreError,
};
use solana_instructions_sysvar::{load_current_index_checked, load_instruction_at_checked};

use crate::{
    error::VaultError,
    state::{same, AllowEntry, Proposal, Risk, RiskState, Vault, VaultState},
};

// ---------------------------------------------------------------------------------------------
// Roles

/// Checks that a key is one the vault (or a slot, or the risk account) stored: each
/// `name(key, holder)` refuses any other key with its error. The addresses were derived or
/// chosen once (initialisation, registration, role changes); later checks compare keys only.
macro_rules! stored_keys {
    ($($(#[$doc:meta])* $name:ident($holder:ty) . $field:ident => $err:ident;)*) => {$(
        $(#[$doc])*
        pub fn $name(key: &Pubkey, holder: &$holder) -> Result<()> {
            require!(same(key, &holder.$field), VaultError::$err);
            Ok(())
        }
    )*};
}

stored_keys! {
    /// The signer is the vault's admin (`Unauthorized`).
    admin(VaultState).admin => Unauthorized;
    /// The signer is the vault's guardian (`NotGuardian`).
    guardian(VaultState).guardian => NotGuardian;
}

/// The signer is the proposed admin, and there is one (`NotPendingAdmin`).
pub fn pending_admin(signer: &Pubkey, v: &VaultState) -> Result<()> {
    require!(v.pending_admin != [0; 32] && same(signer, &v.pending_admin), VaultError::NotPendingAdmin);
    Ok(())
}

/// The signer is the admin or the guardian (`NotAdminOrGuardian`).
pub fn admin_or_guardian(signer: &Pubkey, v: &VaultState) -> Result<()> {
    require!(same(signer, &v.admin) || same(signer, &v.guardian), VaultError::NotAdminOrGuardian);
    Ok(())
}

/// A role `rule` ([`admin`], [`guardian`], [`pending_admin`]) for the signer, against the vault
/// account.
pub fn signer_is(
    rule: impl FnOnce(&Pubkey, &VaultState) -> Result<()>,
    signer: &Signer,
    vault: &AccountLoader<Vault>,
) -> Result<()> {
    rule(signer.key, &vault.load()?.state)
}

// ---------------------------------------------------------------------------------------------
// The vault's own accounts

stored_keys! {
    /// The risk account is the vault's: `key` is the vault (`WrongRiskAccount`).
    risk_of(RiskState).vault => WrongRiskAccount;
    /// The vault authority PDA (`WrongAuthority`).
    authority(VaultState).authority => WrongAuthority;
    /// The base mint (`WrongBaseMint`).
    base_mint(VaultState).base_mint => WrongBaseMint;
    /// The vault's base token account (`WrongBaseVault`).
    base_vault(VaultState).base_vault => WrongBaseVault;
    /// The share mint (`WrongShareMint`).
    share_mint(VaultState).share_mint => WrongShareMint;
    /// The base mint's token program (`WrongTokenProgram`).
    base_token_program(VaultState).base_token_program => WrongTokenProgram;
    /// The mint of a registered asset (`WrongMint`).
    asset_mint(AssetSlot).mint => WrongMint;
    /// The vault's token account of a registered asset (`WrongAssetVault`).
    asset_vault(AssetSlot).token_account => WrongAssetVault;
    /// The token program of a registered asset (`WrongTokenProgram`).
    asset_token_program(AssetSlot).token_program => WrongTokenProgram;
}

/// The vault's request escrow (`WrongEscrow`).
pub fn escrow(key: &Pubkey, v: &VaultState) -> Result<()> {
    require!(same(key, &v.flows.escrow), VaultError::WrongEscrow);
    Ok(())
}

/// [`risk_of`] on the two accounts.
pub fn risk_account(vault: &AccountLoader<Vault>, risk: &AccountLoader<Risk>) -> Result<()> {
    risk_of(&vault.key(), &*risk.load()?)
}

/// SPL Token, the share mint's program (`WrongTokenProgram`).
pub fn spl_token(key: &Pubkey) -> Result<()> {
    require!(same(key, &TOKEN_PROGRAM_ID), VaultError::WrongTokenProgram);
    Ok(())
}

/// Slot `index` is registered (`UnknownAsset`).
pub fn registered(v: &VaultState, index: usize) -> Result<&AssetSlot> {
    require!(index < usize::from(v.num_assets), VaultError::UnknownAsset);
    Ok(&v.assets[index])
}

// ---------------------------------------------------------------------------------------------
// Token accounts and mints of the caller

/// A caller's token account is not the vault's own `vault_account` (`DuplicateAccount`).
pub fn not_vault_account(key: &Pubkey, vault_account: &[u8; 32]) -> Result<()> {
    require!(!same(key, vault_account), VaultError::DuplicateAccount);
    Ok(())
}

/// A caller's base token account on the request path: not the vault's base account nor its
/// request escrow, for the base mint (`DuplicateAccount`, `WrongMint`).
pub fn caller_base_account(account: &AccountInfo, v: &VaultState) -> Result<()> {
    not_vault_account(account.key, &v.flows.escrow)?;
    caller_token_account(account, &v.base_vault, &v.base_mint)
}

/// A token account (of either token program) for `mint` (`InvalidTokenAccount` when too short
/// to be one, `WrongMint`); the token program checks its owner when it moves tokens.
pub fn token_account_for(account: &AccountInfo, mint: &[u8; 32]) -> Result<()> {
    let data = account.try_borrow_data()?;
    require!(data.len() >= token::TOKEN_ACCOUNT_LEN, VaultError::InvalidTokenAccount);
    require!(data[..32] == mint[..], VaultError::WrongMint);
    Ok(())
}

/// A caller's token account of a holding: not the vault's, for the holding's mint.
pub fn caller_token_account(account: &AccountInfo, vault_account: &[u8; 32], mint: &[u8; 32]) -> Result<()> {
    not_vault_account(account.key, vault_account)?;
    token_account_for(account, mint)
}

/// A share token account owned by the fee recipient (`WrongMint`, `WrongFeeRecipient`).
pub fn fee_recipient_account(account: &AccountInfo, v: &VaultState) -> Result<()> {
    let to = token::parse_token_account(&account.try_borrow_data()?).map_err(VaultError::from)?;
    require!(to.mint == v.share_mint, VaultError::WrongMint);
    require!(to.owner == v.fees.recipient, VaultError::WrongFeeRecipient);
    Ok(())
}

/// A mint the vault can hold: `program` is SPL Token or Token-2022 and owns it
/// (`WrongTokenProgram`); an initialised mint (`InvalidMint`) with at most `MAX_DECIMALS`
/// decimals (`UnsupportedDecimals`) and only accepted Token-2022 extensions
/// (`UnsupportedMintExtension`). Returns its decimals.
pub fn holdable_mint(mint: &AccountInfo, program: &AccountInfo) -> Result<u8> {
    let program = program.key.to_bytes();
    require!(token::is_token_program(&program), VaultError::WrongTokenProgram);
    require!(mint.owner.to_bytes() == program, VaultError::WrongTokenProgram);
    let data = mint.try_borrow_data()?;
    let parsed = token::parse_mint(&data).map_err(VaultError::from)?;
    require!(parsed.decimals <= MAX_DECIMALS, VaultError::UnsupportedDecimals);
    token::check_mint_extensions(&data).map_err(VaultError::from)?;
    Ok(parsed.decimals)
}

// ---------------------------------------------------------------------------------------------
// Oracle accounts (what each account's data must hold is the oracle reader's: `oracle.rs`)

/// The account is the slot's registered oracle (`OracleAccountMismatch`).
pub fn registered_oracle(account: &AccountInfo, slot: &AssetSlot) -> CoreResult<()> {
    if same(account.key, &slot.oracle) {
        Ok(())
    } else {
        Err(CoreError::OracleAccountMismatch)
    }
}

/// One oracle per registered asset (`OracleAccountCount`).
pub fn oracle_count(oracles: &[AccountInfo], v: &VaultState) -> Result<()> {
    require!(oracles.len() == usize::from(v.num_assets), VaultError::OracleAccountCount);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Allowlist

/// For a deposit: with the allowlist on, the depositor's entry follows the oracles and must be
/// this program's entry for this vault and this signer (`NotAllowlisted`; more accounts than
/// oracles + 1: `OracleAccountCount`). Returns the oracle accounts alone; with the allowlist
/// off, `remaining` as is.
pub fn admit_depositor<'a, 'info>(
    v: &VaultState,
    vault: &Pubkey,
    user: &Pubkey,
    remaining: &'a [AccountInfo<'info>],
) -> Result<&'a [AccountInfo<'info>]> {
    if !v.allowlist_enabled() {
        return Ok(remaining);
    }
    let n = usize::from(v.num_assets);
    require!(remaining.len() > n, VaultError::NotAllowlisted);
    require!(remaining.len() == n + 1, VaultError::OracleAccountCount);
    allowlisted(&remaining[n], vault, user)?;
    Ok(&remaining[..n])
}

/// `entry` is this program's allowlist entry for `vault` and `user` (`NotAllowlisted`).
pub fn allowlisted(entry: &AccountInfo, vault: &Pubkey, user: &Pubkey) -> Result<()> {
    let data = entry.try_borrow_data()?;
    let ok = entry.owner == &crate::ID
        && data.len() >= AllowEntry::SPACE
        && data[..8] == *AllowEntry::DISCRIMINATOR
        && data[8..40] == vault.as_ref()[..]
        && data[40..72] == user.as_ref()[..];
    require!(ok, VaultError::NotAllowlisted);
    Ok(())
}

/// For a deposit request (no oracles): with the allowlist on, the owner's entry is the one
/// remaining account ([`allowlisted`]).
pub fn admit_requester(v: &VaultState, vault: &Pubkey, user: &Pubkey, remaining: &[AccountInfo]) -> Result<()> {
    if !v.allowlist_enabled() {
        return Ok(());
    }
    let entry = remaining.first().ok_or(error!(VaultError::NotAllowlisted))?;
    allowlisted(entry, vault, user)
}

/// An allowlist entry to close exists and is this program's (`NotAllowlisted`).
pub fn existing_entry(entry: &AccountInfo) -> Result<()> {
    require!(entry.owner == &crate::ID && !entry.data_is_empty(), VaultError::NotAllowlisted);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Proposals

/// A proposal of this vault (`WrongProposal`) whose rent goes back to its proposer
/// (`WrongRentReceiver`).
pub fn proposal_of(p: &Proposal, vault: &Pubkey, proposer: &Pubkey) -> Result<()> {
    require!(p.vault == *vault, VaultError::WrongProposal);
    require!(p.proposer == *proposer, VaultError::WrongRentReceiver);
    Ok(())
}

/// No proposal of this kind is pending (`ChangeAlreadyPending`).
pub fn no_pending_proposal(proposal: &AccountInfo) -> Result<()> {
    require!(proposal.data_is_empty(), VaultError::ChangeAlreadyPending);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Flash rebalance: the instructions sysvar

/// A transaction's top-level instructions run at this stack height.
const TOP_LEVEL: usize = 1;

/// Index of the current instruction in the instructions sysvar (`InvalidInstructionsSysvar`),
/// refusing anything but a top-level call of this program (`RebalanceViaCpi`).
pub fn top_level_index(sysvar: &AccountInfo) -> Result<u16> {
    require!(get_stack_height() == TOP_LEVEL, VaultError::RebalanceViaCpi);
    let index = load_current_index_checked(sysvar).map_err(|_| VaultError::InvalidInstructionsSysvar)?;
    // the instruction at that index is the one running (top level: no CPI in between)
    let me =
        load_instruction_at_checked(usize::from(index), sysvar).map_err(|_| VaultError::InvalidInstructionsSysvar)?;
    require!(me.program_id == crate::ID, VaultError::RebalanceViaCpi);
    Ok(index)
}

/// An instruction after `from` is this program's `rebalance_end` for `vault`
/// (`RebalanceEndMissing`).
pub fn end_follows(sysvar: &AccountInfo, from: u16, vault: &Pubkey) -> Result<()> {
    let mut k = usize::from(from) + 1;
    while let Ok(ix) = load_instruction_at_checked(k, sysvar) {
        if ix.program_id == crate::ID
            && ix.data.starts_with(crate::instruction::RebalanceEnd::DISCRIMINATOR)
            && ix.accounts.get(1).is_some_and(|m| m.pubkey == *vault)
        {
            return Ok(());
        }
        k += 1;
    }
    err!(VaultError::RebalanceEndMissing)
}

// ---------------------------------------------------------------------------------------------
// State gates

/// No flash rebalance is open on the vault (`RebalanceInProgress`).
pub fn not_rebalancing(v: &VaultState) -> Result<()> {
    rpv_core::engine::no_flash_rebalance(v).map_err(VaultError::from)?;
    Ok(())
}

/// The risk state is younger than the vault's maximum risk age (`RiskStateStale`).
pub fn fresh_risk(v: &VaultState, now: i64) -> Result<()> {
    require!(v.risk_is_fresh(now), VaultError::RiskStateStale);
    Ok(())
}

/// Under a timelock, a change that `raises` risk (as the parameters' own `raises_risk` rules
/// say; only asked when there is a timelock) goes through `propose_change`
/// (`TimelockRequired`); anything else applies at once.
pub fn timelock_allows(v: &VaultState, raises: impl FnOnce() -> bool) -> Result<()> {
    require!(v.timelock_secs == 0 || !raises(), VaultError::TimelockRequired);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Rules a handler runs on what it loaded or chose

/// The risk account and the share mint are the vault's (`quote` and `apply_change` run it on
/// their one load of vault and risk: through `#[access_control]` they would load both twice,
/// ≈ 100 CU, 4 % of a quote of a small vault).
pub fn risk_and_share_mint(vault: &Pubkey, share_mint_key: &Pubkey, v: &VaultState, r: &RiskState) -> Result<()> {
    risk_of(vault, r)?;
    share_mint(share_mint_key, v)
}

/// With `leg` = 255 (the program chooses), the asset accounts are those of the chosen leg
/// (`WrongLeg`).
pub fn chosen_leg(asset_mint_key: &Pubkey, slot: &AssetSlot) -> Result<()> {
    require!(same(asset_mint_key, &slot.mint), VaultError::WrongLeg);
    Ok(())
}

/// The leg's accounts of a rebalance: mint, vault token account, token program, the keeper's
/// account for it (not the vault's). The leg's oracle is checked by reading it.
pub fn rebalance_leg(
    asset_mint_key: &Pubkey,
    asset_vault_key: &Pubkey,
    asset_token_program_key: &Pubkey,
    keeper_asset_token: &AccountInfo,
    slot: &AssetSlot,
) -> Result<()> {
    asset_mint(asset_mint_key, slot)?;
    asset_vault(asset_vault_key, slot)?;
    asset_token_program(asset_token_program_key, slot)?;
    caller_token_account(keeper_asset_token, &slot.token_account, &slot.mint)
}
