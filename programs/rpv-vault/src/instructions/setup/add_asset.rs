//! `add_asset` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - Only the vault admin may register an asset (`Unauthorized`).
//! - The mint must be owned by `token_program` (SPL Token or Token-2022), be initialised, have
//!   at most 18 decimals and only accepted Token-2022 extensions — metadata ones; interest-bearing,
//!   scaled UI amount and mint close authority are refused with every extension that moves or
//!   blocks tokens (`UnsupportedMintExtension`; `rpv_core::token::ALLOWED_MINT_EXTENSIONS`).
//! - The base mint cannot be an asset (`AssetIsBaseMint`); a mint already registered is refused
//!   (`AssetAlreadyRegistered`); at most `MAX_ASSETS` (16) assets (`TooManyAssets`).
//! - Oracle settings: kind Pyth (max age in seconds) or Switchboard (max age in slots), an
//!   `OracleKind` (any other byte fails to deserialise), max age 1..=86400 and max
//!   confidence 1..=10000 bps, and `oracle_queue` non-zero for Switchboard and zero for Pyth
//!   (`InvalidOracleConfig`); risk budget in (0, 1e9] (`InvalidRiskBudget`).
//! - A Switchboard asset pins its queue: `oracle_queue` is stored in the slot and every read
//!   (this one included) refuses a feed on another queue (`OracleQueueMismatch`) or a result
//!   from fewer than `rpv_core::switchboard::MIN_SAMPLES` samples (`OracleTooFewSamples`).
//! - The oracle account must pass every check the vault will apply later (owner, layout, full
//!   verification, feed id, queue, sample count, positive price, exponent, age, confidence) — a
//!   misconfigured feed is caught at registration, with the same error codes.
//! - Creates the vault's token account PDA `["token", vault, mint]` owned by the vault
//!   authority; the asset starts with quantity 0 and no risk sample (`last_publish_time` 0), and
//!   the vault's risk state counts as stale until the next `refresh`.
//! - **Timelock.** Under a timelock, once shares exist beyond the dead seed shares (minted
//!   shares or fee shares pending: `VaultState::setup_change_waits`), a registration moves
//!   depositors' value — a mint is priced by whatever feed it is registered with — so it waits
//!   like a raise: it needs the matured proposal `propose_change(Registration { mint,
//!   token_program, oracle, args, series })` at `["proposal", vault, [5]]` (none:
//!   `TimelockRequired`; before its eta `TimelockNotExpired`, after the grace period
//!   `ProposalExpired`; proposed by another admin: `WrongRentReceiver`). Its mint, token
//!   program, oracle, arguments and series terms must all equal this call's
//!   (`ProposalMismatch`); the call consumes it (rent back to the admin). The guardian (or the
//!   admin) can cancel it with `cancel_change` until then. With no timelock, or before the
//!   first outside share, registration applies at once and any pending registration proposal
//!   is left alone.
//! - The share mint must be the vault's (`WrongShareMint`); the proposal account is the PDA
//!   above (Anchor's seeds constraint).
//! - The in-kind cap (`in_kind_cap`, smallest units, 0 = no in-kind deposits) is stored with
//!   the slot; `deposit_asset` refuses to take the accounted quantity above it.
//! - Emits `AssetAdded`; the registry check (distinct mints, empty unused slots) holds at the end.
use anchor_lang::prelude::*;
use bytemuck::Zeroable;
use rpv_core::{
    layout::{AssetSlot, OptionTerms},
    price::OraclePrice,
    token::{self, TOKEN_ACCOUNT_LEN},
};
use rpv_interface::{OptionSeriesArgs, ProposalKind, Registration};

use crate::{
    error::VaultError,
    events::{AssetAdded, ChangeApplied},
    instructions::{flows::flow::share_supply, governance::timelock::check_registration},
    invoke,
    oracle::{read_slot_price, Now},
    state::{seeds, Vault},
};

pub use rpv_interface::AddAssetArgs;

#[derive(Accounts)]
pub struct AddAsset<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(mut)]
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: = vault.authority
    pub authority: UncheckedAccount<'info>,
    /// CHECK: `checks::holdable_mint`
    pub mint: UncheckedAccount<'info>,
    /// CHECK: PDA `["token", vault, mint]`, created here.
    #[account(mut, seeds = [seeds::TOKEN, vault.key().as_ref(), mint.key().as_ref()], bump)]
    pub token_account: UncheckedAccount<'info>,
    /// CHECK: the price account; validated by the oracle reader.
    pub oracle: UncheckedAccount<'info>,
    /// CHECK: must be the owner of `mint`.
    pub token_program: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
    /// CHECK: = vault.share_mint (whether outside shares exist).
    pub share_mint: UncheckedAccount<'info>,
    /// CHECK: PDA `["proposal", vault, [ProposalKind::Registration]]`; read and closed only when
    /// the registration waits for the timelock.
    #[account(mut, seeds = [seeds::PROPOSAL, vault.key().as_ref(), &[ProposalKind::Registration.code()]], bump)]
    pub proposal: UncheckedAccount<'info>,
}

pub(crate) fn handler(ctx: Context<AddAsset>, args: AddAssetArgs) -> Result<()> {
    register(ctx, &args, None, OptionTerms::zeroed()).map(|_| ())
}

/// Registers a slot (spot when `option` is zeroed; `series` its terms as the caller gave them)
/// and returns its index and the oracle value read at registration.
pub(crate) fn register(
    ctx: Context<AddAsset>,
    args: &AddAssetArgs,
    series: Option<&OptionSeriesArgs>,
    option: OptionTerms,
) -> Result<(u8, OraclePrice)> {
    require!(args.oracle_config_valid(), VaultError::InvalidOracleConfig);
    require!(args.budget_valid(), VaultError::InvalidRiskBudget);
    let a = &ctx.accounts;
    let waits = a.vault.load()?.setup_change_waits(share_supply(&a.share_mint)?);
    if waits {
        let named = Registration {
            mint: a.mint.key.to_bytes(),
            token_program: a.token_program.key.to_bytes(),
            oracle: a.oracle.key.to_bytes(),
            args: *args,
            series: series.copied(),
        };
        check_registration(&a.proposal, a.admin.key, &a.vault.key(), &named)?;
    }
    let decimals = token::parse_mint(&a.mint.try_borrow_data()?).map_err(VaultError::from)?.decimals;
    let slot = AssetSlot {
        mint: a.mint.key.to_bytes(),
        token_account: a.token_account.key.to_bytes(),
        token_program: a.token_program.key.to_bytes(),
        oracle: a.oracle.key.to_bytes(),
        feed_id: args.feed_id,
        quantity: 0,
        risk_budget: args.risk_budget,
        last_publish_time: 0,
        max_oracle_age: args.max_oracle_age,
        max_conf_bps: args.max_conf_bps,
        decimals,
        oracle_kind: args.oracle_kind.code(),
        token_bump: ctx.bumps.token_account,
        _pad: [0; 7],
        option,
        in_kind_cap: args.in_kind_cap,
        oracle_queue: args.oracle_queue,
        last_used_time: 0,
    };
    // the feed must be usable now
    let price = read_slot_price(&slot, &a.oracle, Now::get()?).map_err(VaultError::from)?;

    let vault_key = a.vault.key();
    let mint_key = a.mint.key();
    let token_seeds: &[&[u8]] = &[seeds::TOKEN, vault_key.as_ref(), mint_key.as_ref(), &[ctx.bumps.token_account]];
    let new_account = invoke::NewPda {
        payer: &a.admin,
        target: &a.token_account,
        system_program: &a.system_program,
        owner: a.token_program.key,
        space: TOKEN_ACCOUNT_LEN,
    };
    invoke::create_pda_token_account(&new_account, token_seeds, &a.mint, a.authority.key, &a.token_program)?;

    let mut vault = a.vault.load_mut()?;
    let index = vault.num_assets;
    vault.assets[usize::from(index)] = slot;
    vault.num_assets = index + 1;
    // the new asset has no sample yet: deposits wait for the next refresh
    vault.risk_refreshed_at = 0;
    vault.check_registry().map_err(VaultError::from)?;

    emit!(AssetAdded {
        vault: vault_key,
        index,
        mint: mint_key,
        token_account: a.token_account.key(),
        oracle: a.oracle.key(),
        feed_id: args.feed_id,
        max_oracle_age: args.max_oracle_age,
        max_conf_bps: args.max_conf_bps,
        risk_budget: args.risk_budget,
        in_kind_cap: args.in_kind_cap,
    });
    if waits {
        // the proposal is consumed, after the CPIs above (see `check_registration`)
        invoke::close_to(&a.proposal, &a.admin)?;
        emit!(ChangeApplied { vault: vault_key, kind: ProposalKind::Registration });
    }
    Ok((index, price))
}
