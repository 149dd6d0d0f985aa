/// Specification:
/// - The admin signs and pays; `vault` must be an rpv vault account (owned by the rpv vault
///   program, with its discriminator: Anchor's account checks).
/// - Creates the tracker PDA `["tracker", admin, vault]` (once: a second call fails) and records
///   the holder PDA `["holder", tracker]`'s bump; every counter starts at zero.
use anchor_lang::prelude::*;
use rpv_vault::state::Vault;

use crate::state::{seeds, Tracker};

#[derive(Accounts)]
pub struct Initialize<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    pub vault: AccountLoader<'info, Vault>,
    #[account(
        init,
        payer = admin,
        space = 8 + Tracker::INIT_SPACE,
        seeds = [seeds::TRACKER, admin.key().as_ref(), vault.key().as_ref()],
        bump,
    )]
    pub tracker: Account<'info, Tracker>,
    /// CHECK: PDA `["holder", tracker]`; holds no data, only signs by seeds.
    #[account(seeds = [seeds::HOLDER, tracker.key().as_ref()], bump)]
    pub holder: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

pub(crate) fn handler(ctx: Context<Initialize>) -> Result<()> {
    let t = &mut ctx.accounts.tracker;
    t.admin = ctx.accounts.admin.key();
    t.vault = ctx.accounts.vault.key();
    t.bump = ctx.bumps.tracker;
    t.holder_bump = ctx.bumps.holder;
    Ok(())
}
