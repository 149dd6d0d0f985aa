//! # rpv-vault — real-time risk-parity vault
//!
//! Dispatch only. Each instruction lives in `instructions/<area>/<name>.rs` (areas: `setup`,
//! `flows`, `risk`, `rebalancing`, `governance`), whose module docs open with the
//! `# Specification` of the rules it enforces and the error of each (the last column below).
//! Every account check is a named function of [`checks`], run through `#[access_control]` on
//! the instruction below, before its handler; the few that need what the handler loads or
//! computes first (noted there) are called by name from the handler.
//! Maths, oracle decoding and the state layout live in the `rpv-core` crate.
//!
//! | instruction | who | what | specification |
//! |---|---|---|---|
//! | [`initialize_vault`](rpv_vault::initialize_vault) | admin | creates the vault, share mint and base token account; seed deposit → dead shares | [`setup/initialize_vault`](instructions::setup::initialize_vault) |
//! | [`add_asset`](rpv_vault::add_asset) | admin | registers a spot asset with its oracle, limits, risk budget and in-kind cap (under a timelock with outside shares: after a registration proposal) | [`setup/add_asset`](instructions::setup::add_asset) |
//! | [`add_option`](rpv_vault::add_option) | admin | registers an option series: option token, underlying, strike, expiry, call/put, contract size, implied-vol feed | [`setup/add_option`](instructions::setup::add_option) |
//! | [`update_positions`](rpv_vault::update_positions) | anyone | after `refresh` (vaults with options): Black–Scholes marks, exposures, Greeks, weights, targets | [`risk/update_positions`](instructions::risk::update_positions) |
//! | [`settle_expired`](rpv_vault::settle_expired) | anyone | fixes an expired series' payoff from the underlying's price taken within the settlement window after expiry (Switchboard: first records the expiry slot) | [`risk/settle_expired`](instructions::risk::settle_expired) |
//! | [`retire_asset`](rpv_vault::retire_asset) | anyone (settled series) / admin through the timelock (any other slot) | removes a slot holding nothing of value; later slots move down | [`setup/retire_asset`](instructions::setup::retire_asset) |
//! | [`set_option_params`](rpv_vault::set_option_params) | admin | option rate, implied-vol blend, Greek limits | [`governance/set_option_params`](instructions::governance::set_option_params) |
//! | [`deposit`](rpv_vault::deposit) | anyone | base asset in, shares out, priced at NAV from fresh oracles | [`flows/deposit`](instructions::flows::deposit) |
//! | [`deposit_asset`](rpv_vault::deposit_asset) | anyone | a registered spot asset in kind, valued at price − confidence | [`flows/deposit_asset`](instructions::flows::deposit_asset) |
//! | [`withdraw`](rpv_vault::withdraw) | share holder | shares in, base asset out, priced at NAV from fresh oracles (a leg whose feed is dead counts zero) | [`flows/withdraw`](instructions::flows::withdraw) |
//! | [`redeem_in_kind`](rpv_vault::redeem_in_kind) | share holder | shares in, pro-rata part of every holding out; no oracle needed | [`flows/redeem_in_kind`](instructions::flows::redeem_in_kind) |
//! | [`set_paused`] | guardian | pause / unpause deposits | [`governance/roles`](instructions::governance::roles) |
//! | [`set_guardian`] / [`propose_admin`] / [`accept_admin`] | admin / proposed admin | roles (a new guardian waits for the timelock once the vault has outside shares), two-step admin transfer | [`governance/roles`](instructions::governance::roles) |
//! | [`refresh`](rpv_vault::refresh) | anyone | oracles → EWMA covariance, NAV snapshot, weights, leverage, targets | [`risk/refresh`](instructions::risk::refresh) |
//! | [`submit_weights`](rpv_vault::submit_weights) | anyone | risk-budget weights, accepted if their risk contributions match | [`risk/submit_weights`](instructions::risk::submit_weights) |
//! | [`solve_weights`](rpv_vault::solve_weights) | anyone | on-chain risk-budget solve for small vaults | [`risk/solve_weights`](instructions::risk::solve_weights) |
//! | [`price_option`](rpv_vault::price_option) | anyone | Black–Scholes price and Greeks via return data (read-only) | [`risk/price_option`](instructions::risk::price_option) |
//! | [`set_risk_params`](rpv_vault::set_risk_params) / [`set_risk_budgets`](rpv_vault::set_risk_budgets) | admin | model parameters, budgets; changes that raise risk need the timelock | [`governance/set_risk_params`](instructions::governance::set_risk_params) / [`governance/set_risk_budgets`](instructions::governance::set_risk_budgets) |
//! | [`accrue_fees`](rpv_vault::accrue_fees) | anyone | accrues management and performance fees, mints pending fee shares to the recipient | [`governance/fees`](instructions::governance::fees) |
//! | [`set_fees`](rpv_vault::set_fees) / [`set_fee_recipient`] | admin | fee rates (raises need the timelock) / fee recipient | [`governance/fees`](instructions::governance::fees) / [`governance/roles`](instructions::governance::roles) |
//! | [`propose_change`](rpv_vault::propose_change) / [`apply_change`](rpv_vault::apply_change) / [`cancel_change`](rpv_vault::cancel_change) | admin / anyone after the timelock / admin or guardian | timelocked changes of risk parameters, budgets, fee rates, rebalancing and option parameters, in-kind caps, the retirement of an empty slot; registrations (consumed by `add_asset` / `add_option`) | [`governance/timelock`](instructions::governance::timelock) |
//! | [`set_allowlist`](rpv_vault::set_allowlist) / [`set_depositor`](rpv_vault::set_depositor) | admin | depositor allowlist on/off, entries | [`governance/allowlist`](instructions::governance::allowlist) |
//! | [`rebalance`](rpv_vault::rebalance) | anyone | one trade of the leg furthest outside its band, with the caller as counterparty at oracle prices | [`rebalancing/rebalance`](instructions::rebalancing::rebalance) |
//! | [`rebalance_begin`] / [`rebalance_end`] | anyone | the same trade in flash mode: the vault pays first, checks it was paid by the end of the transaction | [`rebalancing/rebalance_flash`](instructions::rebalancing::rebalance_flash) |
//! | [`set_rebalance_params`](rpv_vault::set_rebalance_params) | admin | cooldown, caps, keeper incentive and budget (raises need the timelock) | [`governance/set_rebalance_params`](instructions::governance::set_rebalance_params) |
//! | [`set_in_kind_cap`](rpv_vault::set_in_kind_cap) | admin | an asset's in-kind deposit cap (raises need the timelock) | [`governance/set_in_kind_cap`](instructions::governance::set_in_kind_cap) |
//! | [`set_oracle`](rpv_vault::set_oracle) | admin | an asset's price feed (needs the timelock when there is one) | [`governance/set_oracle`](instructions::governance::set_oracle) |
//! | [`quote`](rpv_vault::quote) | anyone | NAV, total shares, share price, pause and risk summary via return data (read-only) | [`flows/quote`](instructions::flows::quote) |
//!
//! Account lists below are in the order each instruction takes them; (w) = writable. Other
//! programs call any instruction by CPI with the `cpi` feature (`rpv_vault::cpi::*`, account
//! structs in `rpv_vault::cpi::accounts`); see `docs/integrating.md`.
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;
use solana_compiler_builtins as _;

pub mod access;
pub mod checks;
pub mod error;
pub mod events;
pub mod instructions;
pub mod invoke;
pub mod oracle;
pub mod security;
pub mod state;

use instructions::*;

declare_id!("B3PpQqpNYG2egJu63xKf2HC7EEEJzFJBxEareUH5Ka8");

#[program]
pub mod rpv_vault {
    use super::*;

    /// Creates a vault. Accounts: admin (signer, w, payer), vault PDA (w), risk PDA (w),
    /// authority PDA, base mint, share mint PDA (w), base token account PDA (w), admin's base
    /// token account (w), base token program, SPL Token program, system program.
    #[access_control(access::initialize_vault(ctx.accounts))]
    pub fn initialize_vault(ctx: Context<InitializeVault>, args: InitializeVaultArgs) -> Result<()> {
        instructions::setup::initialize_vault::handler(ctx, args)
    }

    /// Registers a spot asset (under a timelock with outside shares: consumes its matured
    /// registration proposal). Accounts: admin (signer, w, payer), vault (w), authority, mint,
    /// token account PDA (w), oracle, the mint's token program, system program, share mint,
    /// registration proposal PDA (w).
    #[access_control(access::add_asset(ctx.accounts))]
    pub fn add_asset(ctx: Context<AddAsset>, args: AddAssetArgs) -> Result<()> {
        instructions::setup::add_asset::handler(ctx, args)
    }

    /// Registers an option series (the slot's oracle is its implied-vol feed). Accounts as
    /// `add_asset` (the mint is the option token's).
    #[access_control(access::add_asset(ctx.accounts))]
    pub fn add_option(ctx: Context<AddAsset>, args: AddAssetArgs, series: OptionSeriesArgs) -> Result<()> {
        instructions::setup::add_option::handler(ctx, args, series)
    }

    /// The positions step after `refresh` for vaults with option series. Permissionless.
    /// Accounts: vault (w), risk (w).
    #[access_control(checks::risk_account(&ctx.accounts.vault, &ctx.accounts.risk))]
    pub fn update_positions(ctx: Context<Refresh>) -> Result<()> {
        instructions::risk::update_positions::handler(ctx)
    }

    /// Settles expired option series `index` at the underlying's price. Permissionless.
    /// Accounts: caller (signer), vault (w), risk (w), the underlying's price oracle.
    #[access_control(checks::risk_account(&ctx.accounts.vault, &ctx.accounts.risk))]
    pub fn settle_expired(ctx: Context<SettleExpired>, index: u8) -> Result<()> {
        instructions::risk::settle_expired::handler(ctx, index)
    }

    /// Removes settled option series `index` once it holds nothing of value (other slots:
    /// `propose_change(Retire)`). Permissionless. Accounts: caller (signer), vault (w), risk (w).
    #[access_control(checks::risk_account(&ctx.accounts.vault, &ctx.accounts.risk))]
    pub fn retire_asset(ctx: Context<RetireAsset>, index: u8) -> Result<()> {
        instructions::setup::retire_asset::handler(ctx, index)
    }

    /// Sets the option rate, implied-vol blend and Greek limits. Accounts: admin (signer),
    /// vault (w), risk (w).
    #[access_control(access::risk_admin(ctx.accounts))]
    pub fn set_option_params(ctx: Context<RiskAdmin>, params: OptionParams) -> Result<()> {
        instructions::governance::set_option_params::handler(ctx, params)
    }

    /// Deposits `amount` base units for at least `min_shares_out` shares. Accounts: user
    /// (signer), vault (w), authority, base mint, base token account (w), share mint (w), user's
    /// base token account (w), user's share token account (w), base token program, SPL Token;
    /// remaining: one oracle per asset in registry order.
    #[access_control(access::base_flow(ctx.accounts))]
    pub fn deposit<'info>(ctx: Context<'info, BaseFlow<'info>>, amount: u64, min_shares_out: u64) -> Result<()> {
        instructions::flows::deposit::handler(ctx, amount, min_shares_out)
    }

    /// Deposits `amount` of registered asset `asset_index` in kind, valued at the low end of
    /// its oracle's confidence interval. Accounts: user (signer), vault (w), authority, asset
    /// mint, the vault's asset token account (w), share mint (w), user's asset token account
    /// (w), user's share token account (w), the asset's token program, SPL Token; remaining: one
    /// oracle per asset in registry order.
    #[access_control(access::deposit_asset(ctx.accounts, asset_index))]
    pub fn deposit_asset<'info>(
        ctx: Context<'info, DepositAsset<'info>>,
        asset_index: u8,
        amount: u64,
        min_shares_out: u64,
    ) -> Result<()> {
        instructions::flows::deposit_asset::handler(ctx, asset_index, amount, min_shares_out)
    }

    /// Samples every oracle into the risk state (EWMA covariance), snapshots NAV and recomputes
    /// weights, leverage and targets. Permissionless. Accounts: vault (w), risk (w); remaining:
    /// one oracle per asset in registry order.
    #[access_control(checks::risk_account(&ctx.accounts.vault, &ctx.accounts.risk))]
    pub fn refresh<'info>(ctx: Context<'info, Refresh<'info>>) -> Result<()> {
        instructions::risk::refresh::handler(ctx)
    }

    /// Proposes risk-budget weights (I80F48 bits), accepted if their risk contributions match
    /// the budgets. Permissionless. Accounts: submitter (signer), vault, risk (w).
    #[access_control(checks::risk_account(&ctx.accounts.vault, &ctx.accounts.risk))]
    pub fn submit_weights(ctx: Context<RiskCrank>, weights: Vec<i128>) -> Result<()> {
        instructions::risk::submit_weights::handler(ctx, weights)
    }

    /// Solves the risk-budget weights on-chain (small vaults). Permissionless. Accounts: caller
    /// (signer), vault, risk (w).
    #[access_control(checks::risk_account(&ctx.accounts.vault, &ctx.accounts.risk))]
    pub fn solve_weights(ctx: Context<RiskCrank>, max_sweeps: u16) -> Result<()> {
        instructions::risk::solve_weights::handler(ctx, max_sweeps)
    }

    /// Sets the risk model's parameters. Accounts: admin (signer), vault (w), risk (w).
    #[access_control(access::risk_admin(ctx.accounts))]
    pub fn set_risk_params(ctx: Context<RiskAdmin>, params: RiskParams) -> Result<()> {
        instructions::governance::set_risk_params::handler(ctx, params)
    }

    /// Sets the risk budgets (parts per 10^9, one per asset, summing to 10^9). Accounts: admin
    /// (signer), vault (w), risk (w).
    #[access_control(access::risk_admin(ctx.accounts))]
    pub fn set_risk_budgets(ctx: Context<RiskAdmin>, budgets_ppb: Vec<u64>) -> Result<()> {
        instructions::governance::set_risk_budgets::handler(ctx, budgets_ppb)
    }

    /// Black–Scholes price and Greeks (I80F48 bits) through return data. Read-only, no accounts.
    pub fn price_option(ctx: Context<PriceOption>, args: OptionQuoteArgs) -> Result<OptionQuote> {
        instructions::risk::price_option::handler(ctx, args)
    }

    /// Pauses or unpauses deposits (guardian). Accounts: guardian (signer), vault (w).
    #[access_control(checks::signer_is(checks::guardian, &ctx.accounts.signer, &ctx.accounts.vault))]
    pub fn set_paused(ctx: Context<Governance>, paused: bool) -> Result<()> {
        instructions::governance::roles::set_paused(ctx, paused)
    }

    /// Sets the guardian (admin; under a timelock with outside shares through `propose_change`).
    /// Accounts: admin (signer), vault (w), share mint.
    #[access_control(access::set_guardian(ctx.accounts))]
    pub fn set_guardian(ctx: Context<SetGuardian>, guardian: Pubkey) -> Result<()> {
        instructions::governance::roles::set_guardian(ctx, guardian)
    }

    /// Proposes a new admin (admin); it takes over once it accepts. Accounts: admin (signer),
    /// vault (w).
    #[access_control(checks::signer_is(checks::admin, &ctx.accounts.signer, &ctx.accounts.vault))]
    pub fn propose_admin(ctx: Context<Governance>, new_admin: Pubkey) -> Result<()> {
        instructions::governance::roles::propose_admin(ctx, new_admin)
    }

    /// The proposed admin accepts. Accounts: proposed admin (signer), vault (w).
    #[access_control(checks::signer_is(checks::pending_admin, &ctx.accounts.signer, &ctx.accounts.vault))]
    pub fn accept_admin(ctx: Context<Governance>) -> Result<()> {
        instructions::governance::roles::accept_admin(ctx)
    }

    /// Burns `shares` for the pro-rata part of every holding (base and assets). Needs no oracle
    /// and no fresh risk state. Accounts: user (signer), vault (w), authority, share mint (w),
    /// user's share token account (w), SPL Token; remaining: four per holding (vault token
    /// account, mint, user token account, token program), base first.
    #[access_control(access::redeem_in_kind(&ctx))]
    pub fn redeem_in_kind<'info>(
        ctx: Context<'info, RedeemInKind<'info>>,
        shares: u64,
        min_amounts: Vec<u64>,
    ) -> Result<()> {
        instructions::flows::redeem_in_kind::handler(ctx, shares, min_amounts)
    }

    /// Burns `shares` for at least `min_amount_out` base units. Accounts as `deposit`.
    #[access_control(access::base_flow(ctx.accounts))]
    pub fn withdraw<'info>(ctx: Context<'info, BaseFlow<'info>>, shares: u64, min_amount_out: u64) -> Result<()> {
        instructions::flows::withdraw::handler(ctx, shares, min_amount_out)
    }

    /// Accrues the fees due and mints every pending fee share to the fee recipient.
    /// Permissionless. Accounts: vault (w), authority, share mint (w), the recipient's share
    /// token account (w), SPL Token; remaining: one oracle per asset in registry order.
    #[access_control(access::accrue_fees(ctx.accounts))]
    pub fn accrue_fees<'info>(ctx: Context<'info, AccrueFees<'info>>) -> Result<()> {
        instructions::governance::fees::accrue_fees(ctx)
    }

    /// Sets the fee rates (admin); a raise needs `propose_change` under a timelock. Accounts:
    /// admin (signer), vault (w), share mint; remaining: one oracle per asset in registry order.
    #[access_control(access::set_fees(ctx.accounts))]
    pub fn set_fees<'info>(
        ctx: Context<'info, SetFees<'info>>,
        management_bps: u16,
        performance_bps: u16,
    ) -> Result<()> {
        instructions::governance::fees::set_fees(ctx, management_bps, performance_bps)
    }

    /// Sets the owner of the account fee shares are minted to (admin). Accounts: admin
    /// (signer), vault (w).
    #[access_control(checks::signer_is(checks::admin, &ctx.accounts.signer, &ctx.accounts.vault))]
    pub fn set_fee_recipient(ctx: Context<Governance>, recipient: Pubkey) -> Result<()> {
        instructions::governance::roles::set_fee_recipient(ctx, recipient)
    }

    /// Proposes a change that waits for the timelock (admin, pays the proposal PDA). Accounts:
    /// admin (signer, w), vault, proposal PDA (w), system program.
    #[access_control(access::propose_change(ctx.accounts))]
    pub fn propose_change(ctx: Context<ProposeChange>, change: ConfigChange) -> Result<()> {
        instructions::governance::timelock::propose_change(ctx, change)
    }

    /// Applies a proposal once its timelock has expired. Permissionless. Accounts: vault (w),
    /// risk (w), proposal (w), proposer (w), share mint; remaining (fee changes): one oracle per
    /// asset in registry order.
    // then `checks::risk_and_share_mint`, run by the handler on its one load of vault and risk
    #[access_control(access::apply_change(ctx.accounts))]
    pub fn apply_change<'info>(ctx: Context<'info, ApplyChange<'info>>) -> Result<()> {
        instructions::governance::timelock::apply_change(ctx)
    }

    /// Cancels a proposal (admin or guardian). Accounts: signer, vault, proposal (w), proposer (w).
    #[access_control(access::cancel_change(ctx.accounts))]
    pub fn cancel_change(ctx: Context<CancelChange>) -> Result<()> {
        instructions::governance::timelock::cancel_change(ctx)
    }

    /// Turns the depositor allowlist on or off (admin). Accounts: admin (signer), vault (w).
    #[access_control(checks::signer_is(checks::admin, &ctx.accounts.signer, &ctx.accounts.vault))]
    pub fn set_allowlist(ctx: Context<Governance>, enabled: bool) -> Result<()> {
        instructions::governance::allowlist::set_allowlist(ctx, enabled)
    }

    /// Creates (`allowed`) or closes a depositor's allowlist entry (admin, pays). Accounts:
    /// admin (signer, w), vault, entry PDA (w), system program.
    #[access_control(checks::signer_is(checks::admin, &ctx.accounts.admin, &ctx.accounts.vault))]
    pub fn set_depositor(ctx: Context<SetDepositor>, user: Pubkey, allowed: bool) -> Result<()> {
        instructions::governance::allowlist::set_depositor(ctx, user, allowed)
    }

    /// NAV (both roundings), total shares, share price (base units per 10^9 shares), pause flag
    /// and risk summary through return data ([`VaultQuote`]). Read-only, permissionless, also by
    /// CPI. Accounts: vault, risk, share mint; remaining: one oracle per asset in registry order.
    // account checks: `checks::risk_and_share_mint`, run by the handler on its one load of vault and risk
    pub fn quote<'info>(ctx: Context<'info, Quote<'info>>) -> Result<VaultQuote> {
        instructions::flows::quote::handler(ctx)
    }

    /// One permissionless rebalance trade with the caller as counterparty (see
    /// `instructions/rebalancing/rebalance.rs`). Accounts: keeper (signer), vault (w), risk (w),
    /// authority, base mint, base vault (w), leg mint, leg vault (w), keeper's base token account
    /// (w), keeper's leg token account (w), base token program, leg token program, leg oracle;
    /// remaining: an option leg's underlying oracle.
    #[access_control(access::rebalance(ctx.accounts))]
    pub fn rebalance<'info>(ctx: Context<'info, Rebalance<'info>>, args: RebalanceArgs) -> Result<()> {
        instructions::rebalancing::rebalance::handler(ctx, args)
    }

    /// Flash mode, first half: plans the trade, pays the keeper the vault's side and locks the
    /// vault until `rebalance_end` later in the same transaction. Accounts: as `rebalance`, then
    /// the instructions sysvar; remaining as `rebalance`.
    #[access_control(access::rebalance(&ctx.accounts.trade))]
    pub fn rebalance_begin<'info>(ctx: Context<'info, RebalanceBegin<'info>>, args: RebalanceArgs) -> Result<()> {
        instructions::rebalancing::rebalance_flash::begin(ctx, args)
    }

    /// Flash mode, second half: checks the vault was paid, credits it and unlocks. Accounts:
    /// keeper (signer), vault (w), risk (w), base vault, leg vault, instructions sysvar.
    #[access_control(access::rebalance_end(ctx.accounts))]
    pub fn rebalance_end(ctx: Context<RebalanceEnd>) -> Result<()> {
        instructions::rebalancing::rebalance_flash::end(ctx)
    }

    /// Sets the rebalancing parameters (admin; raises need the timelock). Accounts: admin
    /// (signer), vault (w), risk (w).
    #[access_control(access::risk_admin(ctx.accounts))]
    pub fn set_rebalance_params(ctx: Context<RiskAdmin>, params: RebalanceParams) -> Result<()> {
        instructions::governance::set_rebalance_params::handler(ctx, params)
    }

    /// Sets slot `index`'s in-kind cap (admin; a raise needs the timelock). Accounts: admin
    /// (signer), vault (w).
    #[access_control(checks::signer_is(checks::admin, &ctx.accounts.signer, &ctx.accounts.vault))]
    pub fn set_in_kind_cap(ctx: Context<Governance>, index: u8, cap: u64) -> Result<()> {
        instructions::governance::set_in_kind_cap::handler(ctx, index, cap)
    }

    /// Replaces an asset's price feed (admin; under a timelock through `propose_change`).
    /// Accounts: admin (signer), vault (w), the new oracle account.
    #[access_control(checks::signer_is(checks::admin, &ctx.accounts.signer, &ctx.accounts.vault))]
    pub fn set_oracle(ctx: Context<SetOracle>, change: OracleChange) -> Result<()> {
        instructions::governance::set_oracle::handler(ctx, change)
    }

    /// Sets the flow parameters: cash buffer, instant fee, settlement incentive, delay and
    /// price age (admin; a raise of cost needs the timelock). Accounts: admin (signer), vault (w).
    #[access_control(checks::signer_is(checks::admin, &ctx.accounts.signer, &ctx.accounts.vault))]
    pub fn set_flow_params(ctx: Context<Governance>, params: FlowParams) -> Result<()> {
        instructions::governance::set_flow_params::handler(ctx, params)
    }

    /// Requests a deposit of `amount` base units, escrowed until settled (request `id` = the
    /// deposit queue's next id). Accounts: owner (signer, w, payer), vault (w), request PDA (w),
    /// base mint, escrow (w), owner's base token account (w), base token program, system
    /// program; the owner's allowlist entry when the allowlist is on.
    pub fn request_deposit<'info>(ctx: Context<'info, RequestDeposit<'info>>, id: u64, amount: u64) -> Result<()> {
        instructions::requests::request_deposit::handler(ctx, id, amount)
    }

    /// Requests the withdrawal of `shares` (burnt now, settled later; request `id` = the
    /// withdrawal queue's next id). Accounts: owner (signer, w, payer), vault (w), request PDA
    /// (w), share mint (w), owner's share token account (w), SPL Token, system program.
    pub fn request_withdraw(ctx: Context<RequestWithdraw>, id: u64, shares: u64) -> Result<()> {
        instructions::requests::request_withdraw::handler(ctx, id, shares)
    }

    /// Settles pending requests in order at prices published after each (permissionless; the
    /// keeper earns the settlement incentive). Accounts: keeper (signer), vault (w), authority,
    /// base mint, base token account (w), escrow (w), share mint, keeper's base token account
    /// (w), base token program; then one oracle per asset and the request accounts (w).
    pub fn settle_requests<'info>(ctx: Context<'info, SettleRequests<'info>>) -> Result<()> {
        instructions::requests::settle_requests::handler(ctx)
    }

    /// Pays the owner what their request has settled, closing it once finished. Accounts:
    /// owner (signer, w), vault (w), request (w), authority, base mint, escrow (w), share mint
    /// (w), owner's base token account (w), owner's share token account (w), base token
    /// program, SPL Token.
    pub fn claim_request(ctx: Context<RequestAction>) -> Result<()> {
        instructions::requests::claim_request::claim_handler(ctx)
    }

    /// Gives the owner back what their request still has pending. Accounts: as `claim_request`.
    pub fn cancel_request(ctx: Context<RequestAction>) -> Result<()> {
        instructions::requests::cancel_request::handler(ctx)
    }
}
