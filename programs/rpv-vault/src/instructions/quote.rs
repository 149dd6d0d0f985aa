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
//! - Returns a [`VaultQuote`] through return data (Borsh, 92 bytes), decoded by
//!   `rpv_sdk::ix::decode_vault_quote`.
use anchor_lang::prelude::*;
use rpv_core::token;

use crate::{
    error::VaultError,
    oracle::{read_prices, Now},
    state::{same, Risk, Vault},
};

/// Shares in the unit `share_price_e9` is quoted per.
pub const SHARE_PRICE_SCALE: u128 = 1_000_000_000;

#[derive(Accounts)]
pub struct Quote<'info> {
    pub vault: AccountLoader<'info, Vault>,
    /// The vault's risk account (PDA `["risk", vault]`).
    pub risk: AccountLoader<'info, Risk>,
    /// CHECK: = vault.share_mint (its supply gives the total shares)
    pub share_mint: UncheckedAccount<'info>,
}

/// What `quote` returns (Borsh, in this field order).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct VaultQuote {
    /// NAV in base units, rounded down per asset (withdrawal pricing).
    pub nav: u64,
    /// NAV in base units, rounded up per asset (deposit pricing).
    pub nav_round_up: u64,
    /// Share supply plus dead shares plus fee shares pending and due now.
    pub total_shares: u64,
    /// ⌊nav × 10^9 / total_shares⌋: base units per 10^9 shares.
    pub share_price_e9: u128,
    pub base_decimals: u8,
    pub num_assets: u8,
    /// Deposits are paused.
    pub paused: bool,
    /// Whether deposits and withdrawals would accept the risk state now.
    pub risk_fresh: bool,
    /// Cluster time of the last `refresh` (0 = never, or reset by `add_asset` / budgets).
    pub risk_refreshed_at: i64,
    /// Annualised portfolio volatility σ_p of the last refresh, I80F48 bits.
    pub portfolio_vol_bits: i128,
    /// Gross exposure L = min(L_max, σ_target / σ_p) of the last refresh, I80F48 bits.
    pub leverage_bits: i128,
    /// Cluster time of this quote.
    pub quoted_at: i64,
}

pub(crate) fn handler<'info>(ctx: Context<'info, Quote<'info>>) -> Result<VaultQuote> {
    let a = &ctx.accounts;
    let now = Now::get()?;
    let v = a.vault.load()?;
    require!(!v.is_rebalancing(), VaultError::RebalanceInProgress);
    let r = a.risk.load()?;
    require!(same(&a.vault.key(), &r.vault), VaultError::WrongRiskAccount);
    require!(same(a.share_mint.key, &v.share_mint), VaultError::WrongShareMint);
    // each oracle is read and validated once, then valued both ways
    let prices = read_prices(&v, ctx.remaining_accounts, now)?;
    let n = usize::from(v.num_assets);
    let (nav, nav_round_up) = v.nav_both_at(&prices[..n], now.time).map_err(VaultError::from)?;
    let supply = token::parse_mint(&a.share_mint.try_borrow_data()?).map_err(VaultError::from)?.supply;
    let total_shares = v.total_shares_after_fees(supply, Some(nav), now.time).map_err(VaultError::from)?;
    // total_shares ≥ dead_shares > 0 (invariant); the product fits u128 (< 2^94)
    let share_price_e9 = u128::from(nav) * SHARE_PRICE_SCALE / u128::from(total_shares.max(1));
    Ok(VaultQuote {
        nav,
        nav_round_up,
        total_shares,
        share_price_e9,
        base_decimals: v.base_decimals,
        num_assets: v.num_assets,
        paused: v.is_paused(),
        risk_fresh: v.risk_is_fresh(now.time),
        risk_refreshed_at: v.risk_refreshed_at,
        portfolio_vol_bits: r.portfolio_vol.get().to_bits(),
        leverage_bits: r.leverage.get().to_bits(),
        quoted_at: now.time,
    })
}
