/// Specification:
/// - Permissionless; the tracker must be for `vault` (`WrongVault`) and the program account
///   the rpv vault program (Anchor's `InvalidProgramId`).
/// - Calls `rpv_vault::quote` by CPI (vault, risk, share mint; the vault's oracles passed
///   through); any vault error (stale oracle, wrong risk account, …) fails the instruction.
/// - Reads the return data with `get_return_data`: it must exist (`NoReturnData`), come from the
///   rpv vault program id (`ReturnDataFromWrongProgram`) and decode as a `VaultQuote`
///   (`BadReturnData`). With the program account checked above these cannot fail against the
///   real vault; they are what a caller must check whenever it reads return data, and are kept
///   as defence in depth (untested: no account list reaches them).
/// - Stores the share price (base units per 10^9 shares), NAV, total shares and quote time in
///   the tracker; emits `SharePriceRecorded`.
use anchor_lang::{prelude::*, solana_program::program::get_return_data};
use rpv_vault::{cpi::accounts::Quote, instructions::VaultQuote, program::RpvVault};

use crate::{error::IntegratorError, events::SharePriceRecorded, state::Tracker};

#[derive(Accounts)]
pub struct RecordQuote<'info> {
    #[account(mut, has_one = vault @ IntegratorError::WrongVault)]
    pub tracker: Account<'info, Tracker>,
    /// CHECK: = tracker.vault; the vault program checks the rest.
    pub vault: UncheckedAccount<'info>,
    /// CHECK: the vault's risk account; the vault program checks it.
    pub risk: UncheckedAccount<'info>,
    /// CHECK: the vault's share mint; the vault program checks it.
    pub share_mint: UncheckedAccount<'info>,
    /// Must be the rpv vault program (Anchor: `InvalidProgramId` otherwise).
    pub rpv_vault_program: Program<'info, RpvVault>,
}

pub(crate) fn handler<'info>(ctx: Context<'info, RecordQuote<'info>>) -> Result<()> {
    let a = &ctx.accounts;
    let accounts = Quote {
        vault: a.vault.to_account_info(),
        risk: a.risk.to_account_info(),
        share_mint: a.share_mint.to_account_info(),
    };
    let cpi =
        CpiContext::new(a.rpv_vault_program.key(), accounts).with_remaining_accounts(ctx.remaining_accounts.to_vec());
    rpv_vault::cpi::quote(cpi)?;
    let (program_id, data) = get_return_data().ok_or(IntegratorError::NoReturnData)?;
    require_keys_eq!(program_id, rpv_vault::ID, IntegratorError::ReturnDataFromWrongProgram);
    let q = VaultQuote::try_from_slice(&data).map_err(|_| IntegratorError::BadReturnData)?;

    let tracker_key = a.tracker.key();
    let t = &mut ctx.accounts.tracker;
    t.share_price_e9 = q.share_price_e9;
    t.nav = q.nav;
    t.total_shares = q.total_shares;
    t.quoted_at = q.quoted_at;
    emit!(SharePriceRecorded {
        tracker: tracker_key,
        vault: t.vault,
        share_price_e9: q.share_price_e9,
        nav: q.nav,
        total_shares: q.total_shares,
        quoted_at: q.quoted_at,
    });
    Ok(())
}
