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

/// The accounts of a token movement. SBF passes five arguments in registers (a slice takes
/// two); the LLVM BPF backend passes further ones on the stack in a way that breaks when the VM
/// inserts gaps between stack frames (the `virtual_address_space_adjustments` feature off), so
/// helpers take this struct instead of long argument lists.
#[derive(Clone, Copy)]
pub struct TokenMove<'a, 'info> {
    pub token_program: &'a AccountInfo<'info>,
    pub from: &'a AccountInfo<'info>,
    pub mint: &'a AccountInfo<'info>,
    pub to: &'a AccountInfo<'info>,
    pub authority: &'a AccountInfo<'info>,
}

/// `TransferChecked` (12): `amount` of `mint` from `from` to `to`, signed by `authority`.
pub fn transfer_checked(m: &TokenMove, amount: u64, decimals: u8, signer_seeds: &[&[&[u8]]]) -> Result<()> {
    let mut data = Vec::with_capacity(10);
    data.push(12);
    data.extend_from_slice(&amount.to_le_bytes());
    data.push(decimals);
    let ix = token_ix(
        m.token_program,
        vec![
            AccountMeta::new(*m.from.key, false),
            AccountMeta::new_readonly(*m.mint.key, false),
            AccountMeta::new(*m.to.key, false),
            AccountMeta::new_readonly(*m.authority.key, true),
        ],
        data,
    );
    invoke_signed(&ix, &[m.from.clone(), m.mint.clone(), m.to.clone(), m.authority.clone()], signer_seeds)?;
    Ok(())
}

/// `MintTo` (7) of `m.mint` into `m.to`, signed by the mint authority `m.authority` (`m.from`
/// is unused).
pub fn mint_to(m: &TokenMove, amount: u64, signer_seeds: &[&[&[u8]]]) -> Result<()> {
    let mut data = Vec::with_capacity(9);
    data.push(7);
    data.extend_from_slice(&amount.to_le_bytes());
    let ix = token_ix(
        m.token_program,
        vec![
            AccountMeta::new(*m.mint.key, false),
            AccountMeta::new(*m.to.key, false),
            AccountMeta::new_readonly(*m.authority.key, true),
        ],
        data,
    );
    invoke_signed(&ix, &[m.mint.clone(), m.to.clone(), m.authority.clone()], signer_seeds)?;
    Ok(())
}

/// `Burn` (8) from `m.from`, signed by its owner `m.authority` (a transaction signer; `m.to` is
/// unused).
pub fn burn(m: &TokenMove, amount: u64) -> Result<()> {
    let mut data = Vec::with_capacity(9);
    data.push(8);
    data.extend_from_slice(&amount.to_le_bytes());
    let ix = token_ix(
        m.token_program,
        vec![
            AccountMeta::new(*m.from.key, false),
            AccountMeta::new(*m.mint.key, false),
            AccountMeta::new_readonly(*m.authority.key, true),
        ],
        data,
    );
    invoke_signed(&ix, &[m.from.clone(), m.mint.clone(), m.authority.clone()], &[])?;
    Ok(())
}

/// A PDA account to create: `target` with `space` bytes owned by `owner`, paid by `payer`.
#[derive(Clone, Copy)]
pub struct NewPda<'a, 'info> {
    pub payer: &'a AccountInfo<'info>,
    pub target: &'a AccountInfo<'info>,
    pub system_program: &'a AccountInfo<'info>,
    pub owner: &'a Pubkey,
    pub space: usize,
}

/// Creates `n.target` (a PDA of this program, signed by `seeds`). Works even if someone
/// pre-funded the address with lamports (which would make a plain `create_account` fail): then
/// it tops up, allocates and assigns instead.
pub fn create_pda_account(n: &NewPda, seeds: &[&[u8]]) -> Result<()> {
    let NewPda { payer, target, system_program, owner, space } = *n;
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

/// Creates `n.target` (a PDA of this program, signed by `seeds`) as a token account of `mint`
/// owned by `owner`, under `token_program` (whose key is `n.owner`; `create_pda_account`, then
/// `InitializeAccount3`): the vault's token accounts and its request escrow.
pub fn create_pda_token_account<'info>(
    n: &NewPda<'_, 'info>,
    seeds: &[&[u8]],
    mint: &AccountInfo<'info>,
    owner: &Pubkey,
    token_program: &AccountInfo<'info>,
) -> Result<()> {
    create_pda_account(n, seeds)?;
    initialize_account3(token_program, n.target, mint, owner)
}

/// Closes a program-owned account: its lamports go to `receiver`, it is handed back to the
/// system program with no data (so it cannot be revived within the transaction).
pub fn close_to(account: &AccountInfo, receiver: &AccountInfo) -> Result<()> {
    let lamports = account.lamports();
    receiver.add_lamports(lamports)?;
    account.sub_lamports(lamports)?;
    account.assign(&anchor_lang::system_program::ID);
    account.resize(0)?;
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
