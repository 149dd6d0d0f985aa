//! Account checks shared by `deposit` and `withdraw` (not an instruction).

use anchor_lang::prelude::*;
use rpv_core::{state::VaultState, token::TOKEN_PROGRAM_ID};

use crate::{error::VaultError, state::same};

/// The accounts a base-asset flow touches, checked against the vault state with plain key
/// comparisons (the addresses were derived once, at initialisation).
pub struct FlowAccounts<'a, 'info> {
    pub authority: &'a AccountInfo<'info>,
    pub base_mint: &'a AccountInfo<'info>,
    pub base_vault: &'a AccountInfo<'info>,
    pub share_mint: &'a AccountInfo<'info>,
    pub user_base_token: &'a AccountInfo<'info>,
    pub user_share_token: &'a AccountInfo<'info>,
    pub base_token_program: &'a AccountInfo<'info>,
    pub token_program: &'a AccountInfo<'info>,
}

impl FlowAccounts<'_, '_> {
    pub fn validate(&self, v: &VaultState) -> Result<()> {
        require!(same(self.authority.key, &v.authority), VaultError::WrongAuthority);
        require!(same(self.base_mint.key, &v.base_mint), VaultError::WrongBaseMint);
        require!(same(self.base_vault.key, &v.base_vault), VaultError::WrongBaseVault);
        require!(same(self.share_mint.key, &v.share_mint), VaultError::WrongShareMint);
        require!(same(self.base_token_program.key, &v.base_token_program), VaultError::WrongTokenProgram);
        require!(same(self.token_program.key, &TOKEN_PROGRAM_ID), VaultError::WrongTokenProgram);
        require!(token_mint_is(self.user_base_token, &v.base_mint)?, VaultError::WrongMint);
        require!(token_mint_is(self.user_share_token, &v.share_mint)?, VaultError::WrongMint);
        Ok(())
    }
}

/// Whether a token account (of either token program) is for `mint`.
fn token_mint_is(account: &AccountInfo, mint: &[u8; 32]) -> Result<bool> {
    let data = account.try_borrow_data()?;
    require!(data.len() >= rpv_core::token::TOKEN_ACCOUNT_LEN, VaultError::InvalidTokenAccount);
    Ok(data[..32] == mint[..])
}
