//! `settle_requests` (see [`crate::rpv_vault`] for the instruction's arguments and accounts).
//!
//! # Specification
//!
//! - Anyone may settle (a keeper); they receive the incentive in `keeper_base_token` (a base
//!   token account, `WrongMint`; neither the vault's base account nor its escrow,
//!   `DuplicateAccount`).
//! - Authority, base mint, base token account, escrow and base token program must be the
//!   vault's (`Wrong*`).
//! - Remaining accounts: one oracle per registered asset in registry order (as in `deposit`),
//!   then request accounts, each the head of its queue when reached (deposits and withdrawals
//!   may be mixed; each kind in strictly increasing id order): a request of another vault, an
//!   unknown account, one out of order or passed twice → `WrongRequest`.
//! - Every feed must be live and no older than `settle_max_age` (never more than the asset's
//!   own maximum) nor than the newest price the vault has used (`OracleNotNewer`): a request
//!   is never settled with a leg at zero. The prices used become the newest.
//! - A request settles only at prices **published after it** (`engine::requests::priced_after`:
//!   Pyth at least `settle_delay_secs` after its cluster time, Switchboard in a later slot).
//! - Fees due are accrued first; then each request in turn, at the mid NAV (deposits rounded
//!   up, withdrawals down) and the total shares, both kept current as fills move them:
//!   - deposit: needs a fresh risk state and the vault not paused; the fill is the whole
//!     request within the deposit cap; `incentive = ⌊fill · settle_incentive_bps⌋` to the
//!     keeper, the rest into the vault's base, shares = ⌊(fill − incentive) × total / NAV⌋
//!     claimable (minted on claim);
//!   - withdrawal: paid from the vault's base (the queue has first call on all of it): the
//!     shares the base pays for — the whole request or part of it (a partial fill keeps the
//!     head) — at ⌊shares × NAV / total⌋, the incentive to the keeper, the rest to the escrow,
//!     claimable.
//!   A queue stops at its first request that cannot settle now (prices too early, no cash, cap,
//!   stale risk state, paused); the call fails with that reason only if nothing settled.
//! - A cancelled request at the head is passed over (the head moves); a request already behind
//!   the head (settled, or passed over by an earlier call: a keeper's list may be stale) is
//!   left alone. Passing only such requests settles nothing: the call fails
//!   (`WrongRequest`).
//! - Emits `RequestSettled` per fill (and `FeesAccrued` when fee shares were issued); the
//!   invariant, base account ≥ accounted base and escrow ≥ what it owes hold at the end.
use anchor_lang::prelude::*;
use rpv_core::{
    engine::{
        self,
        requests::{self, Pricing},
    },
    layout::{VaultState, MAX_ASSETS, REQUEST_DEPOSIT},
    price::OraclePrice,
    token,
};

use crate::{
    checks,
    error::VaultError,
    events::RequestSettled,
    instructions::flows::{emit_accrued, share_supply},
    invoke,
    oracle::{read_slots_aged, Now},
    state::{seeds, Request},
};

#[derive(Accounts)]
pub struct SettleRequests<'info> {
    /// The keeper settling the requests (signs; earns the settlement incentive).
    pub keeper: Signer<'info>,
    #[account(mut)]
    pub vault: AccountLoader<'info, crate::state::Vault>,
    /// CHECK: = vault.authority
    pub authority: UncheckedAccount<'info>,
    /// CHECK: = vault.base_mint
    pub base_mint: UncheckedAccount<'info>,
    /// CHECK: = vault.base_vault
    #[account(mut)]
    pub base_vault: UncheckedAccount<'info>,
    /// CHECK: = vault.flows.escrow
    #[account(mut)]
    pub escrow: UncheckedAccount<'info>,
    /// CHECK: = vault.share_mint (its supply prices the fills)
    pub share_mint: UncheckedAccount<'info>,
    /// CHECK: a base token account; the token program checks it on transfer
    #[account(mut)]
    pub keeper_base_token: UncheckedAccount<'info>,
    /// CHECK: = vault.base_token_program
    pub base_token_program: UncheckedAccount<'info>,
}

pub(crate) fn handler<'info>(ctx: Context<'info, SettleRequests<'info>>) -> Result<()> {
    let a = &ctx.accounts;
    let now = Now::get()?;
    let vault_key = a.vault.key();
    let mut v = a.vault.load_mut()?;
    checks::authority(a.authority.key, &v)?;
    checks::base_mint(a.base_mint.key, &v)?;
    checks::base_vault(a.base_vault.key, &v)?;
    checks::escrow(a.escrow.key, &v)?;
    checks::share_mint(a.share_mint.key, &v)?;
    checks::base_token_program(a.base_token_program.key, &v)?;
    checks::caller_base_account(&a.keeper_base_token, &v)?;
    engine::no_flash_rebalance(&v).map_err(VaultError::from)?;

    let n = usize::from(v.num_assets);
    require!(ctx.remaining_accounts.len() >= n, VaultError::OracleAccountCount);
    let (oracles, queue) = ctx.remaining_accounts.split_at(n);
    let age = v.flows.params.settle_max_age;
    let reads = read_slots_aged(&v, oracles, now, |slot| slot.max_oracle_age.min(u32::from(age)))?;
    let supply = share_supply(&a.share_mint)?;
    let mut prices = [OraclePrice::ZERO; MAX_ASSETS];
    let (fees, mut pricing): (_, Pricing) =
        requests::begin_settlement(&mut v, supply, &reads[..n], &mut prices[..n], now.time)
            .map_err(VaultError::from)?;
    emit_accrued(&vault_key, &fees);

    // every request account, checked and copied; the batch runs on the copies
    let mut loaders = Vec::with_capacity(queue.len());
    let mut states = Vec::with_capacity(queue.len());
    for account in queue {
        let loader = AccountLoader::<Request>::try_from(account).map_err(|_| error!(VaultError::WrongRequest))?;
        let r = loader.load()?.state;
        require!(crate::state::same(&vault_key, &r.vault), VaultError::WrongRequest);
        states.push(r);
        loaders.push(loader);
    }
    // base: escrow → vault (deposits), vault → escrow (withdrawals), incentives from each
    let (mut into_vault, mut into_escrow, mut from_escrow_fee, mut from_vault_fee) = (0u64, 0u64, 0u64, 0u64);
    let keeper = a.keeper.key();
    let batch = requests::settle_batch(&mut v, &mut pricing, &prices[..n], now.time, &mut states, |i, r, f| {
        let Some(f) = f else { return }; // a cancelled head passed over: nothing moves
        if r.kind == REQUEST_DEPOSIT {
            into_vault += f.base_moved;
            from_escrow_fee += f.incentive;
        } else {
            into_escrow += f.base_moved;
            from_vault_fee += f.incentive;
        }
        emit!(RequestSettled {
            vault: vault_key,
            request: queue[i].key(),
            owner: Pubkey::new_from_array(r.owner),
            kind: r.kind,
            id: r.id,
            filled: f.filled,
            out: f.out,
            incentive: f.incentive,
            remaining: r.pending,
            nav: f.nav,
            total_shares: f.total_shares,
            keeper,
        });
    })
    .map_err(VaultError::from)?;
    if batch.progressed == 0 {
        return Err(batch.first_stop.map_or(VaultError::WrongRequest, VaultError::from).into());
    }
    for (loader, state) in loaders.iter().zip(&states) {
        loader.load_mut()?.state = *state;
    }
    let (decimals, authority_bump) = (v.base_decimals, v.authority_bump);
    let base_after = v.base_quantity;
    let owed = v.escrow_owed();
    drop(v);

    let authority_seeds: &[&[u8]] = &[seeds::AUTHORITY, vault_key.as_ref(), &[authority_bump]];
    let signer = &[authority_seeds];
    let mv = |from: &AccountInfo<'info>, to: &AccountInfo<'info>, amount: u64| -> Result<()> {
        if amount == 0 {
            return Ok(());
        }
        let m = invoke::TokenMove {
            token_program: &a.base_token_program,
            from,
            mint: &a.base_mint,
            to,
            authority: &a.authority,
        };
        invoke::transfer_checked(&m, amount, decimals, signer)
    };
    mv(&a.escrow, &a.base_vault, into_vault)?;
    mv(&a.escrow, &a.keeper_base_token, from_escrow_fee)?;
    mv(&a.base_vault, &a.escrow, into_escrow)?;
    mv(&a.base_vault, &a.keeper_base_token, from_vault_fee)?;
    let base_balance = token::token_amount(&a.base_vault.try_borrow_data()?).map_err(VaultError::from)?;
    VaultState::check_reconciled(base_after, base_balance).map_err(VaultError::from)?;
    let escrow_balance = token::token_amount(&a.escrow.try_borrow_data()?).map_err(VaultError::from)?;
    VaultState::check_reconciled(owed, escrow_balance).map_err(VaultError::from)?;
    Ok(())
}
