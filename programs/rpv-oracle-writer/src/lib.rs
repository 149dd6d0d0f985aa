//! **Test only — never deploy this to a real cluster.**
//!
//! On a local validator the vault must read price accounts owned by Pyth's receiver
//! (`rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ`) or Switchboard On-Demand
//! (`SBondMDrcV3K4kxZR1HNVT7osZxAHVHgYXL5Ze1oMUv`), as it checks on every cluster. `cargo xtask
//! e2e` loads this program at both ids on `solana-test-validator`: the test creates an account
//! owned by the id (system `create_account`) and writes the real `PriceUpdateV2` /
//! `PullFeedAccountData` bytes into it as time passes — what a price pusher does on a real
//! cluster, and what the embedded SVM does by setting accounts directly.
//!
//! One instruction, no discriminator: data = `offset: u32` (little endian) then the bytes;
//! accounts = [the oracle account (writable, owned by this program), a signer]. It writes the
//! bytes at `offset` (`InvalidArgument` past the account's end, `IllegalOwner` for an account of
//! another program, `MissingRequiredSignature` without a signer). Anyone may write: that is
//! exactly why it must never be deployed where real money reads it.
use anchor_lang::solana_program::{account_info::AccountInfo, entrypoint, program_error::ProgramError, pubkey::Pubkey};

// the soft-float and 128-bit libcalls of the SBF target
use solana_compiler_builtins as _;

#[cfg(not(feature = "no-entrypoint"))]
entrypoint!(process);

/// Writes `data[4..]` at offset `data[..4]` into `accounts[0]`.
pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> Result<(), ProgramError> {
    let [oracle, signer, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    if !signer.is_signer {
        return Err(ProgramError::MissingRequiredSignature);
    }
    if oracle.owner != program_id {
        return Err(ProgramError::IllegalOwner);
    }
    let (offset, bytes) = data.split_at_checked(4).ok_or(ProgramError::InvalidInstructionData)?;
    let offset = u32::from_le_bytes(offset.try_into().expect("4 bytes")) as usize;
    let mut target = oracle.try_borrow_mut_data()?;
    let end = offset.checked_add(bytes.len()).ok_or(ProgramError::InvalidArgument)?;
    target.get_mut(offset..end).ok_or(ProgramError::InvalidArgument)?.copy_from_slice(bytes);
    Ok(())
}
