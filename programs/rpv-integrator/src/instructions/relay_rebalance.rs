/// Specification:
/// - A keeper program's view of rebalancing: forwards one `rebalance` (`kind` 0), `rebalance_begin`
///   (1) or `rebalance_end` (2, `args` unused) to the rpv vault program by CPI (another kind:
///   `UnknownRelayKind`). Accounts:
///   the rpv vault program, then exactly the vault instruction's own accounts in its order
///   (signer and writable flags pass through from this transaction).
/// - The atomic `rebalance` works by CPI: a program may be a keeper.
/// - Flash mode does not: the vault refuses `rebalance_begin` (and `rebalance_end`) reached
///   through CPI (`RebalanceViaCpi`), so a begin can never be hidden inside another program's
///   instruction. Kept here so the refusal is tested on both `.so` files.
use anchor_lang::{
    prelude::*,
    solana_program::{
        instruction::{AccountMeta, Instruction},
        program::invoke,
    },
    Discriminator,
};
use rpv_vault::{instructions::RebalanceArgs, program::RpvVault};

use crate::error::IntegratorError;

#[derive(Accounts)]
pub struct RelayRebalance<'info> {
    /// Must be the rpv vault program (Anchor: `InvalidProgramId` otherwise).
    pub rpv_vault_program: Program<'info, RpvVault>,
}

pub(crate) fn handler<'info>(ctx: Context<'info, RelayRebalance<'info>>, kind: u8, args: RebalanceArgs) -> Result<()> {
    let data = match kind {
        0 | 1 => {
            let mut d = if kind == 0 {
                rpv_vault::instruction::Rebalance::DISCRIMINATOR.to_vec()
            } else {
                rpv_vault::instruction::RebalanceBegin::DISCRIMINATOR.to_vec()
            };
            args.serialize(&mut d)?;
            d
        }
        2 => rpv_vault::instruction::RebalanceEnd::DISCRIMINATOR.to_vec(),
        _ => return err!(IntegratorError::UnknownRelayKind),
    };
    let accounts = ctx
        .remaining_accounts
        .iter()
        .map(|a| AccountMeta { pubkey: *a.key, is_signer: a.is_signer, is_writable: a.is_writable })
        .collect();
    let ix = Instruction { program_id: rpv_vault::ID, accounts, data };
    invoke(&ix, ctx.remaining_accounts)?;
    Ok(())
}
