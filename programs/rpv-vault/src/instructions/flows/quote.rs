//! `quote` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - Read-only and permissionless: no signer, no writable account; it changes nothing and can
//!   be called directly or by CPI (the answer is the same either way).
//! - Accounts: the vault, its risk account (`WrongRiskAccount`) and its share mint
//!   (`WrongShareMint`).
//! - Remaining accounts: one oracle per registered asset in registry order, exactly as for
//!   `deposit` (`OracleAccountCount`, `OracleAccountMismatch`), each passing every oracle check
//!   with the same errors (`OracleStale`, `OracleConfidenceTooWide`, …).
//! - NAV is computed twice, as the flows price it: rounded down per asset (`nav`, what a
//!   withdrawal is priced against) and rounded up (`nav_round_up`, what a deposit is priced
//!   against); total shares = share supply + dead shares + fee shares pending and due now
//!   (accrued on a copy: `quote` changes nothing), what the next flow is priced against.
//! - `share_price_e9` = ⌊nav × 10^9 / total shares⌋: base units per 10^9 shares (shares have
//!   the base decimals, so for a 6-decimal base 1,000,000,000 means one base token per share).
//! - Answers while the vault is paused and while the risk state is stale: it reports `paused`
//!   and `risk_fresh` (the rule deposits and withdrawals apply) instead of failing.
//! - Risk summary as of the last `refresh`: portfolio volatility σ_p and gross exposure L
//!   (I80F48 bits), `risk_refreshed_at`; `quoted_at` is the cluster time of the quote.
//! - Returns a [`VaultQuote`] through return data (Borsh, 108 bytes), decoded by
//!   `rpv_sdk::ix::decode_vault_quote`.
use anchor_lang::prelude::*;
use rpv_core::token;

use crate::{
    checks,
    error::VaultError,
    oracle::{read_prices, Now},
    state::{Risk, Vault},
};

pub use rpv_core::engine::quote::SHARE_PRICE_SCALE;
pub use rpv_interface::VaultQuote;

#[derive(Accounts)]
pub struct Quote<'info> {
    pub vault: AccountLoader<'info, Vault>,
    /// The vault's risk account (PDA `["risk", vault]`).
    pub risk: AccountLoader<'info, Risk>,
    /// CHECK: = vault.share_mint (its supply gives the total shares)
    pub share_mint: UncheckedAccount<'info>,
}

pub(crate) fn handler<'info>(ctx: Context<'info, Quote<'info>>) -> Result<VaultQuote> {
    let a = &ctx.accounts;
    let now = Now::get()?;
    let v = a.vault.load()?;
    checks::not_rebalancing(&v)?;
    let r = a.risk.load()?;
    checks::risk_and_share_mint(&a.vault.key(), a.share_mint.key, &v, &r)?;
    // each oracle is read and validated once, then valued both ways
    let prices = read_prices(&v, ctx.remaining_accounts, now)?;
    let n = usize::from(v.num_assets);
    let supply = token::parse_mint(&a.share_mint.try_borrow_data()?).map_err(VaultError::from)?.supply;
    Ok(rpv_core::engine::quote::quote(&v, &r, supply, &prices[..n], now.time).map_err(VaultError::from)?)
}
