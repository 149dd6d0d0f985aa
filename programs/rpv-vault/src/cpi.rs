//! Hand-built CPIs into the System, SPL Token and Token-2022 programs.
//!
//! Both token programs share the instruction encodings used here, so one builder serves both;
//! the program id comes from the (validated) token program account. Building the instructions
//! directly instead of going through anchor-spl's interface accounts saves ≈800 CU per account.

use anchor_lang::{
    prelude::*,
    solana_program::{
        instruction::{AccountMeta, Instruction},
        program::invoke_signed,
        system_instruction,
    },
};

use crate::error::VaultError;

fn token_ix(program: &AccountInfo, accounts: Vec<AccountMeta>, data: Vec<u8>) -> Instruction {
    Instruction { program_id: *program.key, accounts, data }
}

/// `TransferChecked` (12): `amount` of `mint` from `from` to `to`, signed by `authority`.
#[allow(clippy::too_many_arguments)]
pub fn transfer_checked<'info>(
    token_program: &AccountInfo<'info>,
    from: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    to: &AccountInfo<'info>,
    authority: &AccountInfo<'info>,
    amount: u64,
    decimals: u8,
    signer_seeds: &[&[&[u8]]],
) -> Result<()> {
    let mut data = Vec::with_capacity(10);
    data.push(12);
    data.extend_from_slice(&amount.to_le_bytes());
    data.push(decimals);
    let ix = token_ix(
        token_program,
        vec![
            AccountMeta::new(*from.key, false),
            AccountMeta::new_readonly(*mint.key, false),
            AccountMeta::new(*to.key, false),
            AccountMeta::new_readonly(*authority.key, true),
        ],
        data,
    );
    invoke_signed(&ix, &[from.clone(), mint.clone(), to.clone(), authority.clone()], signer_seeds)?;
    Ok(())
}

/// `MintTo` (7), signed by the mint authority.
pub fn mint_to<'info>(
    token_program: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    to: &AccountInfo<'info>,
    authority: &AccountInfo<'info>,
    amount: u64,
    signer_seeds: &[&[&[u8]]],
) -> Result<()> {
    let mut data = Vec::with_capacity(9);
    data.push(7);
    data.extend_from_slice(&amount.to_le_bytes());
    let ix = token_ix(
        token_program,
        vec![
            AccountMeta::new(*mint.key, false),
            AccountMeta::new(*to.key, false),
            AccountMeta::new_readonly(*authority.key, true),
        ],
        data,
    );
    invoke_signed(&ix, &[mint.clone(), to.clone(), authority.clone()], signer_seeds)?;
    Ok(())
}

/// `Burn` (8) from `from`, signed by its owner (a transaction signer).
pub fn burn<'info>(
    token_program: &AccountInfo<'info>,
    from: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    owner: &AccountInfo<'info>,
    amount: u64,
) -> Result<()> {
    let mut data = Vec::with_capacity(9);
    data.push(8);
    data.extend_from_slice(&amount.to_le_bytes());
    let ix = token_ix(
        token_program,
        vec![
            AccountMeta::new(*from.key, false),
            AccountMeta::new(*mint.key, false),
            AccountMeta::new_readonly(*owner.key, true),
        ],
        data,
    );
    invoke_signed(&ix, &[from.clone(), mint.clone(), owner.clone()], &[])?;
    Ok(())
}

/// Creates `target` (a PDA of this program, signed by `seeds`) with `space` bytes owned by
/// `owner`. Works even if someone pre-funded the address with lamports (which would make a
/// plain `create_account` fail): then it tops up, allocates and assigns instead.
pub fn create_pda_account<'info>(
    payer: &AccountInfo<'info>,
    target: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    owner: &Pubkey,
    space: usize,
    seeds: &[&[u8]],
) -> Result<()> {
    require!(target.data_is_empty(), VaultError::AccountAlreadyInUse);
    let rent = Rent::get()?.minimum_balance(space);
    let have = target.lamports();
    let signer = &[seeds];
    if have == 0 {
        let ix = system_instruction::create_account(payer.key, target.key, rent, space as u64, owner);
        invoke_signed(&ix, &[payer.clone(), target.clone(), system_program.clone()], signer)?;
        return Ok(());
    }
    if have < rent {
        let ix = system_instruction::transfer(payer.key, target.key, rent - have);
        invoke_signed(&ix, &[payer.clone(), target.clone(), system_program.clone()], &[])?;
    }
    let ix = system_instruction::allocate(target.key, space as u64);
    invoke_signed(&ix, &[target.clone(), system_program.clone()], signer)?;
    let ix = system_instruction::assign(target.key, owner);
    invoke_signed(&ix, &[target.clone(), system_program.clone()], signer)?;
    Ok(())
}

/// `InitializeMint2` (20): no freeze authority.
pub fn initialize_mint2<'info>(
    token_program: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    decimals: u8,
    mint_authority: &Pubkey,
) -> Result<()> {
    let mut data = Vec::with_capacity(35);
    data.push(20);
    data.push(decimals);
    data.extend_from_slice(mint_authority.as_ref());
    data.push(0); // COption::None freeze authority
    let ix = token_ix(token_program, vec![AccountMeta::new(*mint.key, false)], data);
    invoke_signed(&ix, &[mint.clone()], &[])?;
    Ok(())
}

/// `InitializeAccount3` (18): a token account for `mint` owned by `owner`.
pub fn initialize_account3<'info>(
    token_program: &AccountInfo<'info>,
    account: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    owner: &Pubkey,
) -> Result<()> {
    let mut data = Vec::with_capacity(33);
    data.push(18);
    data.extend_from_slice(owner.as_ref());
    let ix = token_ix(
        token_program,
        vec![AccountMeta::new(*account.key, false), AccountMeta::new_readonly(*mint.key, false)],
        data,
    );
    invoke_signed(&ix, &[account.clone(), mint.clone()], &[])?;
    Ok(())
}
