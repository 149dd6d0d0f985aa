//! `initialize_vault` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - The admin signs and pays; the vault is the PDA `["vault", admin, vault_id (u64 LE)]`.
//! - The base mint must be owned by SPL Token or Token-2022 (`base_token_program` must be that
//!   owner) and be an initialised mint with at most 18 decimals and only accepted Token-2022
//!   extensions (`UnsupportedMintExtension` otherwise): metadata ones only — an interest-bearing
//!   or scaled-UI-amount mint (UI amount ≠ raw amount) or one with a close authority is refused
//!   (`rpv_core::token::ALLOWED_MINT_EXTENSIONS`).
//! - Limits: `0 < min_deposit <= deposit_cap` (`InvalidDepositLimits`), and the seed deposit is
//!   at least `MIN_SEED_DEPOSIT` base units and within the cap (`SeedDepositTooSmall`,
//!   `DepositCapExceeded`).
//! - Creates the share mint PDA `["shares", vault]` (SPL Token, decimals = base decimals, mint
//!   authority = vault authority, no freeze authority) and the base token account PDA
//!   `["token", vault, base_mint]` owned by the vault authority PDA `["authority", vault]`.
//! - Moves the seed deposit from the admin's base token account into the vault and records it
//!   as `base_quantity`, with the same number of dead shares that nobody owns, so the first
//!   depositor cannot inflate the share price.
//! - Creates the risk account PDA `["risk", vault]` with default model parameters (λ = 0.94 per
//!   day, 15 % volatility target, leverage cap 1, prior volatility 60 %, risk-contribution
//!   tolerance 1e-4, 30 s minimum sampling interval, 5 % bands, inverse-vol method) and sets the
//!   maximum risk age to 900 s; the admin is also the first guardian.
//! - Fees: maxima at most 10 %/yr (management) and 50 % (performance) (`InvalidFeeConfig`);
//!   the starting rates within the maxima (`FeeAboveMaximum`); the maxima can never change. The
//!   fee recipient must not be the zero address (`InvalidRole`). The high-water mark starts at
//!   the seed's price (one base unit per share) and the management fee accrues from now.
//! - The timelock (`timelock_secs`, at most 30 days, `InvalidTimelock`; 0 = none) is fixed
//!   here; `allowlist` turns the depositor allowlist on from the start.
//! - Creates the request escrow PDA `["escrow", vault]` (a base token account owned by the
//!   authority: deposit requests' base and settled withdrawals wait there) and starts the flow
//!   parameters at `FlowParams::DEFAULT` (issue 15).
//! - Emits `VaultInitialized`; the vault invariant holds at the end.
use anchor_lang::prelude::*;
use rpv_core::{
    fees::{MANAGEMENT_FEE_CEILING_BPS, PERFORMANCE_FEE_CEILING_BPS},
    layout::{FeeState, VaultState, STATE_VERSION},
    token::{self, TOKEN_ACCOUNT_LEN, TOKEN_PROGRAM_ID},
};

use crate::{
    error::VaultError,
    events::VaultInitialized,
    instructions::governance::timelock::MAX_TIMELOCK_SECS,
    invoke,
    state::{seeds, Risk, Vault},
};

pub use rpv_interface::args::MIN_SEED_DEPOSIT;

macro_rules! anchor_args {
    ($($(#[$($m:tt)*])* pub struct $name:ident { $($body:tt)* })*) => {
        $(
            #[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
            $(#[$($m)*])*
            pub struct $name { $($body)* }
        )*
    };
}

// `InitializeVaultArgs`, defined once in `rpv_interface::keyed_args!`.
rpv_interface::keyed_args!(anchor_args);

#[derive(Accounts)]
#[instruction(args: InitializeVaultArgs)]
pub struct InitializeVault<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(
        init,
        payer = admin,
        space = Vault::SPACE,
        seeds = [seeds::VAULT, admin.key().as_ref(), &args.vault_id.to_le_bytes()],
        bump,
    )]
    pub vault: AccountLoader<'info, Vault>,
    #[account(
        init,
        payer = admin,
        space = Risk::SPACE,
        seeds = [seeds::RISK, vault.key().as_ref()],
        bump,
    )]
    pub risk: AccountLoader<'info, Risk>,
    /// CHECK: PDA `["authority", vault]`; owns the vault's token accounts, signs by seeds.
    #[account(seeds = [seeds::AUTHORITY, vault.key().as_ref()], bump)]
    pub authority: UncheckedAccount<'info>,
    /// CHECK: `checks::holdable_mint` (owner = base_token_program, mint layout, extensions).
    pub base_mint: UncheckedAccount<'info>,
    /// CHECK: PDA `["shares", vault]`, created here.
    #[account(mut, seeds = [seeds::SHARES, vault.key().as_ref()], bump)]
    pub share_mint: UncheckedAccount<'info>,
    /// CHECK: PDA `["token", vault, base_mint]`, created here.
    #[account(mut, seeds = [seeds::TOKEN, vault.key().as_ref(), base_mint.key().as_ref()], bump)]
    pub base_vault: UncheckedAccount<'info>,
    /// CHECK: the admin's base token account; the token program checks it on transfer.
    #[account(mut)]
    pub admin_base_token: UncheckedAccount<'info>,
    /// CHECK: must be the owner of `base_mint` (SPL Token or Token-2022).
    pub base_token_program: UncheckedAccount<'info>,
    /// CHECK: SPL Token, for the share mint.
    #[account(address = Pubkey::new_from_array(TOKEN_PROGRAM_ID) @ VaultError::WrongTokenProgram)]
    pub token_program: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
    /// CHECK: PDA `["escrow", vault]`, created here: the request escrow (a base token account
    /// owned by the authority).
    #[account(mut, seeds = [seeds::ESCROW, vault.key().as_ref()], bump)]
    pub escrow: UncheckedAccount<'info>,
}

/// The arguments' ranges (the accounts are `checks::initialize_vault`).
fn check_args(args: &InitializeVaultArgs) -> Result<()> {
    require!(args.min_deposit > 0 && args.min_deposit <= args.deposit_cap, VaultError::InvalidDepositLimits);
    require!(args.seed_deposit >= MIN_SEED_DEPOSIT, VaultError::SeedDepositTooSmall);
    require!(args.seed_deposit <= args.deposit_cap, VaultError::DepositCapExceeded);
    require!(
        args.max_management_fee_bps <= MANAGEMENT_FEE_CEILING_BPS
            && args.max_performance_fee_bps <= PERFORMANCE_FEE_CEILING_BPS,
        VaultError::InvalidFeeConfig
    );
    require!(
        args.management_fee_bps <= args.max_management_fee_bps
            && args.performance_fee_bps <= args.max_performance_fee_bps,
        VaultError::FeeAboveMaximum
    );
    require!(args.timelock_secs <= MAX_TIMELOCK_SECS, VaultError::InvalidTimelock);
    require!(args.fee_recipient != Pubkey::default(), VaultError::InvalidRole);
    Ok(())
}

pub(crate) fn handler(ctx: Context<InitializeVault>, args: InitializeVaultArgs) -> Result<()> {
    check_args(&args)?;
    let a = &ctx.accounts;
    let decimals = token::parse_mint(&a.base_mint.try_borrow_data()?).map_err(VaultError::from)?.decimals;
    let vault_key = a.vault.key();
    let bumps = &ctx.bumps;

    // share mint (SPL Token), authority = vault authority
    let share_seeds: &[&[u8]] = &[seeds::SHARES, vault_key.as_ref(), &[bumps.share_mint]];
    let new_share_mint = invoke::NewPda {
        payer: &a.admin,
        target: &a.share_mint,
        system_program: &a.system_program,
        owner: a.token_program.key,
        space: token::MINT_LEN,
    };
    invoke::create_pda_account(&new_share_mint, share_seeds)?;
    invoke::initialize_mint2(&a.token_program, &a.share_mint, decimals, a.authority.key)?;

    // base token account, owned by the vault authority
    let base_key = a.base_mint.key();
    let token_seeds: &[&[u8]] = &[seeds::TOKEN, vault_key.as_ref(), base_key.as_ref(), &[bumps.base_vault]];
    let new_base_vault = invoke::NewPda {
        payer: &a.admin,
        target: &a.base_vault,
        system_program: &a.system_program,
        owner: a.base_token_program.key,
        space: TOKEN_ACCOUNT_LEN,
    };
    invoke::create_pda_token_account(
        &new_base_vault,
        token_seeds,
        &a.base_mint,
        a.authority.key,
        &a.base_token_program,
    )?;

    // request escrow: a base token account owned by the vault authority
    let escrow_seeds: &[&[u8]] = &[seeds::ESCROW, vault_key.as_ref(), &[bumps.escrow]];
    let new_escrow = invoke::NewPda { target: &a.escrow, ..new_base_vault };
    invoke::create_pda_token_account(&new_escrow, escrow_seeds, &a.base_mint, a.authority.key, &a.base_token_program)?;

    // seed deposit
    let seed = invoke::TokenMove {
        token_program: &a.base_token_program,
        from: &a.admin_base_token,
        mint: &a.base_mint,
        to: &a.base_vault,
        authority: &a.admin,
    };
    invoke::transfer_checked(&seed, args.seed_deposit, decimals, &[])?;
    let received = token::token_amount(&a.base_vault.try_borrow_data()?).map_err(VaultError::from)?;
    require!(received == args.seed_deposit, VaultError::TransferAmountMismatch);

    let mut vault = a.vault.load_init()?;
    let s: &mut VaultState = &mut vault;
    s.admin = a.admin.key.to_bytes();
    s.base_mint = base_key.to_bytes();
    s.base_token_program = a.base_token_program.key.to_bytes();
    s.base_vault = a.base_vault.key.to_bytes();
    s.share_mint = a.share_mint.key.to_bytes();
    s.authority = a.authority.key.to_bytes();
    s.vault_id = args.vault_id;
    s.deposit_cap = args.deposit_cap;
    s.min_deposit = args.min_deposit;
    s.base_quantity = args.seed_deposit;
    s.dead_shares = args.seed_deposit;
    let now = Clock::get()?.unix_timestamp;
    s.created_at = now;
    s.version = STATE_VERSION;
    s.bump = bumps.vault;
    s.authority_bump = bumps.authority;
    s.share_mint_bump = bumps.share_mint;
    s.base_vault_bump = bumps.base_vault;
    s.base_decimals = decimals;
    s.max_risk_age = rpv_interface::RiskParams::default().max_risk_age;
    s.guardian = a.admin.key.to_bytes();
    let rates =
        [args.max_management_fee_bps, args.max_performance_fee_bps, args.management_fee_bps, args.performance_fee_bps];
    s.fees = FeeState::new(args.fee_recipient.to_bytes(), rates, args.seed_deposit, args.seed_deposit, now);
    s.timelock_secs = args.timelock_secs;
    s.flows.params = rpv_interface::FlowParams::DEFAULT;
    s.flows.escrow = a.escrow.key.to_bytes();
    s.flows.escrow_bump = bumps.escrow;
    s.flows.last_price = rpv_core::layout::FeeSnapshot { nav: args.seed_deposit, shares: args.seed_deposit };
    if args.allowlist {
        s.flags |= VaultState::FLAG_ALLOWLIST;
    }
    s.check_registry().map_err(VaultError::from)?;

    let mut risk = a.risk.load_init()?;
    risk.vault = vault_key.to_bytes();
    risk.bump = bumps.risk;
    rpv_core::risk_account::init_defaults(&mut risk);

    emit!(VaultInitialized {
        vault: vault_key,
        admin: a.admin.key(),
        vault_id: args.vault_id,
        base_mint: base_key,
        share_mint: a.share_mint.key(),
        deposit_cap: args.deposit_cap,
        min_deposit: args.min_deposit,
        seed_deposit: args.seed_deposit,
        dead_shares: args.seed_deposit,
    });
    Ok(())
}
