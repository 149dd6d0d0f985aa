//! Which account checks each instruction runs before its handler: one group per instruction
//! (or family), attached in `lib.rs` with `#[access_control(...)]`, so they run after Anchor's
//! own constraints and before the handler. Each group only calls the named rules of
//! [`crate::checks`]; rules that depend on what a handler loads or chooses first (the
//! rebalance leg, a timelock's "does this raise risk", the allowlist entry after the deposit
//! gate, the oracle accounts as they are read, `quote` and `apply_change` on their one load of
//! the vault) are called by the handler from there.

use anchor_lang::prelude::*;
use rpv_core::layout::MAX_ASSETS;

use crate::{checks::*, error::VaultError, instructions::*, state::same};

/// `initialize_vault`: the base mint is one the vault can hold ([`holdable_mint`]); the PDAs
/// and SPL Token are Anchor constraints of [`InitializeVault`].
pub fn initialize_vault(a: &InitializeVault) -> Result<()> {
    holdable_mint(&a.base_mint, &a.base_token_program).map(|_| ())
}

/// `add_asset` / `add_option`: the admin signs, the authority and share mint are the vault's, a free slot
/// (`TooManyAssets`), the mint is not the base mint (`AssetIsBaseMint`) nor registered
/// (`AssetAlreadyRegistered`) and is one the vault can hold. The oracle account is checked by
/// reading it.
pub fn add_asset(a: &AddAsset) -> Result<()> {
    let v = a.vault.load()?;
    admin(a.admin.key, &v)?;
    authority(a.authority.key, &v)?;
    share_mint(a.share_mint.key, &v)?;
    require!(usize::from(v.num_assets) < MAX_ASSETS, VaultError::TooManyAssets);
    let mint = a.mint.key.to_bytes();
    require!(mint != v.base_mint, VaultError::AssetIsBaseMint);
    require!(v.find_asset(&mint).is_none(), VaultError::AssetAlreadyRegistered);
    holdable_mint(&a.mint, &a.token_program).map(|_| ())
}

/// `deposit` / `withdraw`: every account against the vault; the user's token accounts are for
/// the base and share mints, the base one not the vault's. The oracles are checked by reading
/// them, the allowlist entry by [`admit_depositor`].
pub fn base_flow(a: &BaseFlow) -> Result<()> {
    let v = a.vault.load()?;
    authority(a.authority.key, &v)?;
    base_mint(a.base_mint.key, &v)?;
    base_vault(a.base_vault.key, &v)?;
    share_mint(a.share_mint.key, &v)?;
    base_token_program(a.base_token_program.key, &v)?;
    spl_token(a.token_program.key)?;
    caller_token_account(&a.user_base_token, &v.base_vault, &v.base_mint)?;
    token_account_for(&a.user_share_token, &v.share_mint)
}

/// `deposit_asset`: the risk account, the asset's accounts (registered, mint, vault token
/// account, token program), authority, share mint and SPL Token; the user's token accounts as in
/// [`base_flow`].
pub fn deposit_asset(a: &DepositAsset, asset_index: u8) -> Result<()> {
    let v = a.vault.load()?;
    risk_account(&a.vault, &a.risk)?;
    let slot = registered(&v, usize::from(asset_index))?;
    authority(a.authority.key, &v)?;
    asset_mint(a.asset_mint.key, slot)?;
    asset_vault(a.asset_vault.key, slot)?;
    share_mint(a.share_mint.key, &v)?;
    asset_token_program(a.asset_token_program.key, slot)?;
    spl_token(a.token_program.key)?;
    caller_token_account(&a.user_asset_token, &slot.token_account, &slot.mint)?;
    token_account_for(&a.user_share_token, &v.share_mint)
}

/// `redeem_in_kind`: authority, share mint, SPL Token, the user's share account; then four
/// remaining accounts per holding, base first (`WrongAccountCount`): the vault's account
/// (`WrongBaseVault` / `WrongAssetVault`), the mint, the user's account (not the vault's, for
/// that mint) and the mint's token program.
pub fn redeem_in_kind<'info>(ctx: &Context<'info, RedeemInKind<'info>>) -> Result<()> {
    let a = &ctx.accounts;
    let rest = ctx.remaining_accounts;
    let v = a.vault.load()?;
    authority(a.authority.key, &v)?;
    share_mint(a.share_mint.key, &v)?;
    spl_token(a.token_program.key)?;
    token_account_for(&a.user_share_token, &v.share_mint)?;
    let holdings = 1 + usize::from(v.num_assets);
    require!(rest.len() == 4 * holdings, VaultError::WrongAccountCount);
    for k in 0..holdings {
        let h = rpv_core::engine::flows::holding(&v, k);
        let g = &rest[4 * k..4 * k + 4];
        if !same(g[0].key, &h.vault_account) {
            return if h.is_base { err!(VaultError::WrongBaseVault) } else { err!(VaultError::WrongAssetVault) };
        }
        require!(same(g[1].key, &h.mint), VaultError::WrongMint);
        caller_token_account(&g[2], &h.vault_account, &h.mint)?;
        require!(same(g[3].key, &h.token_program), VaultError::WrongTokenProgram);
    }
    Ok(())
}

/// `accrue_fees`: authority, share mint and SPL Token; the recipient's account
/// ([`fee_recipient_account`]).
pub fn accrue_fees(a: &AccrueFees) -> Result<()> {
    let v = a.vault.load()?;
    authority(a.authority.key, &v)?;
    share_mint(a.share_mint.key, &v)?;
    spl_token(a.token_program.key)?;
    fee_recipient_account(&a.recipient_share_token, &v)
}

/// `set_guardian`: the admin signs; the share mint is the vault's.
pub fn set_guardian(a: &SetGuardian) -> Result<()> {
    let v = a.vault.load()?;
    admin(a.signer.key, &v)?;
    share_mint(a.share_mint.key, &v)
}

/// `set_fees`: the admin signs; the share mint is the vault's.
pub fn set_fees(a: &SetFees) -> Result<()> {
    let v = a.vault.load()?;
    admin(a.admin.key, &v)?;
    share_mint(a.share_mint.key, &v)
}

/// The parameter setters: the admin signs; the risk account is the vault's.
pub fn risk_admin(a: &RiskAdmin) -> Result<()> {
    signer_is(admin, &a.admin, &a.vault)?;
    risk_account(&a.vault, &a.risk)
}

/// `propose_change`: the admin signs; no proposal of that kind pending.
pub fn propose_change(a: &ProposeChange) -> Result<()> {
    signer_is(admin, &a.admin, &a.vault)?;
    no_pending_proposal(&a.proposal)
}

/// `apply_change`: the proposal is the vault's with its proposer as rent receiver.
pub fn apply_change(a: &ApplyChange) -> Result<()> {
    proposal_of(&a.proposal, &a.vault.key(), a.proposer.key)
}

/// `cancel_change`: the admin or the guardian signs (a guardian change: the admin alone); the
/// proposal is the vault's with its proposer as rent receiver.
pub fn cancel_change(a: &CancelChange) -> Result<()> {
    let v = a.vault.load()?;
    if a.proposal.change.kind() == ProposalKind::Guardian {
        admin(a.signer.key, &v)?;
    } else {
        admin_or_guardian(a.signer.key, &v)?;
    }
    proposal_of(&a.proposal, &a.vault.key(), a.proposer.key)
}

/// `rebalance` / `rebalance_begin`, the accounts that do not depend on the leg: the risk
/// account, authority, base mint, base vault, base token program, the keeper's base account.
/// The leg's accounts are [`rebalance_leg`], once the leg is chosen.
pub fn rebalance(a: &Rebalance) -> Result<()> {
    let v = a.vault.load()?;
    risk_account(&a.vault, &a.risk)?;
    authority(a.authority.key, &v)?;
    base_mint(a.base_mint.key, &v)?;
    base_vault(a.base_vault.key, &v)?;
    base_token_program(a.base_token_program.key, &v)?;
    caller_token_account(&a.keeper_base_token, &v.base_vault, &v.base_mint)
}

/// `rebalance_end`, before the lock is read: the risk account and the base vault are the
/// vault's. The leg's vault account is [`asset_vault`] of the locked leg.
pub fn rebalance_end(a: &RebalanceEnd) -> Result<()> {
    risk_account(&a.vault, &a.risk)?;
    base_vault(a.base_vault.key, &*a.vault.load()?)
}
