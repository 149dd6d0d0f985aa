//! # rpv-integrator — an example program that uses the vault by CPI
//!
//! A third-party program holding vault shares for itself. Its PDA `holder` owns a base token
//! account and a share token account; the program deposits into and withdraws from an rpv vault
//! on the holder's behalf (the holder signs the vault's `deposit` / `withdraw` by seeds), and
//! records the vault's share price from `quote`'s return data, after checking that the return
//! data comes from the vault program. It uses only the vault's public CPI surface:
//! `rpv-vault = { features = ["cpi"] }`, `rpv_vault::cpi::{deposit, withdraw, quote}` and
//! `rpv_vault::cpi::accounts::*`.
//!
//! | instruction | who | what |
//! |---|---|---|
//! | [`initialize`](rpv_integrator::initialize) | admin | creates the tracker PDA `["tracker", admin, vault]` for an rpv vault |
//! | [`deposit`](rpv_integrator::deposit) | tracker admin | CPI `rpv_vault::deposit`: the holder's base tokens in, shares to the holder |
//! | [`withdraw`](rpv_integrator::withdraw) | tracker admin | CPI `rpv_vault::withdraw`: the holder's shares burnt, base tokens to the holder |
//! | [`record_quote`](rpv_integrator::record_quote) | anyone | CPI `rpv_vault::quote`, checks the return data's program id, stores and emits the share price |
//! | [`relay_rebalance`](rpv_integrator::relay_rebalance) | a keeper | CPI `rpv_vault::rebalance` (works) or `rebalance_begin` / `rebalance_end` (refused: flash mode is top-level only) |
//!
//! Program id `JBS3mnhUkQu3DuZuCDyoRZUxXTdfpo6itFfzBBRr6bMj`: the public key of an ed25519
//! keypair generated for this example and not kept in the repository. A deployment declares
//! its own.
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;
use solana_compiler_builtins as _;

pub mod error;
pub mod events;
pub mod instructions;
pub mod state;

use instructions::*;

declare_id!("JBS3mnhUkQu3DuZuCDyoRZUxXTdfpo6itFfzBBRr6bMj");

#[program]
pub mod rpv_integrator {
    use super::*;

    /// Creates the tracker for `vault` (an rpv vault account). Accounts: admin (signer, w,
    /// payer), vault, tracker PDA (w), holder PDA, system program.
    pub fn initialize(ctx: Context<Initialize>) -> Result<()> {
        instructions::initialize::handler(ctx)
    }

    /// Deposits `amount` of the holder's base tokens into the vault by CPI. Accounts: admin
    /// (signer), tracker (w), holder PDA, then the vault's `deposit` accounts from `vault` on
    /// (vault (w), vault authority, base mint, base token account (w), share mint (w), holder's
    /// base token account (w), holder's share token account (w), base token program, SPL
    /// Token), the rpv vault program; remaining: the vault's oracles in registry order.
    pub fn deposit<'info>(ctx: Context<'info, Flow<'info>>, amount: u64, min_shares_out: u64) -> Result<()> {
        instructions::deposit::handler(ctx, amount, min_shares_out)
    }

    /// Withdraws by burning `shares` of the holder's shares by CPI. Accounts as `deposit`.
    pub fn withdraw<'info>(ctx: Context<'info, Flow<'info>>, shares: u64, min_amount_out: u64) -> Result<()> {
        instructions::withdraw::handler(ctx, shares, min_amount_out)
    }

    /// Calls the vault's `quote` by CPI and records its share price. Permissionless. Accounts:
    /// tracker (w), vault, risk, share mint, the rpv vault program; remaining: the vault's
    /// oracles in registry order.
    pub fn record_quote<'info>(ctx: Context<'info, RecordQuote<'info>>) -> Result<()> {
        instructions::record_quote::handler(ctx)
    }

    /// Forwards `rebalance` (kind 0), `rebalance_begin` (1) or `rebalance_end` (2) to the vault
    /// by CPI. Accounts: the rpv vault program; remaining: the vault instruction's accounts.
    pub fn relay_rebalance<'info>(
        ctx: Context<'info, RelayRebalance<'info>>,
        kind: u8,
        args: rpv_vault::instructions::RebalanceArgs,
    ) -> Result<()> {
        instructions::relay_rebalance::handler(ctx, kind, args)
    }
}
