//! SPL Token and Token-2022 accounts, read byte by byte (both programs share the base layouts),
//! and the vault's policy on Token-2022 mint extensions.
//!
//! Token account (165 bytes base): mint 0..32, owner 32..64, amount 64..72, delegate
//! COption 72..108, state 108, is_native COption 109..121, delegated amount 121..129,
//! close authority COption 129..165; Token-2022 appends an account-type byte (2) and TLV data.
//!
//! Mint (82 bytes base): mint authority COption 0..36, supply 36..44, decimals 44,
//! is_initialized 45, freeze authority COption 46..82; Token-2022 pads to 165, writes the
//! account-type byte (1) at 165 and TLV extensions from 166 (type u16, length u16, value).

use crate::{
    bytes::{bytes32_at, u64_at},
    error::CoreResult,
    Address, CoreError,
};

/// `TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA`
pub const TOKEN_PROGRAM_ID: Address = [
    6, 221, 246, 225, 215, 101, 161, 147, 217, 203, 225, 70, 206, 235, 121, 172, 28, 180, 133, 237, 95, 91, 55, 145,
    58, 140, 245, 133, 126, 255, 0, 169,
];
/// `TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb`
pub const TOKEN_2022_PROGRAM_ID: Address = [
    6, 221, 246, 225, 238, 117, 143, 222, 24, 66, 93, 188, 228, 108, 205, 218, 182, 26, 252, 77, 131, 185, 13, 39, 254,
    189, 249, 40, 216, 161, 139, 252,
];

pub const TOKEN_ACCOUNT_LEN: usize = 165;
pub const MINT_LEN: usize = 82;
/// Byte offset of Token-2022's account-type byte (after the base layout padded to 165).
const ACCOUNT_TYPE_OFFSET: usize = 165;
const ACCOUNT_TYPE_MINT: u8 = 1;
const ACCOUNT_TYPE_ACCOUNT: u8 = 2;

pub fn is_token_program(id: &Address) -> bool {
    *id == TOKEN_PROGRAM_ID || *id == TOKEN_2022_PROGRAM_ID
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountState {
    Initialized,
    Frozen,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenAccountView {
    pub mint: Address,
    pub owner: Address,
    pub amount: u64,
    pub delegate: Option<Address>,
    pub state: AccountState,
    pub close_authority: Option<Address>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MintView {
    pub mint_authority: Option<Address>,
    pub supply: u64,
    pub decimals: u8,
    pub freeze_authority: Option<Address>,
}

fn coption_addr(d: &[u8], at: usize) -> Result<Option<Address>, ()> {
    match d[at..at + 4] {
        [0, 0, 0, 0] => Ok(None),
        [1, 0, 0, 0] => Ok(Some(bytes32_at(d, at + 4))),
        _ => Err(()),
    }
}

/// Reads the amount of a token account without validating the rest (hot path: the account
/// was validated when the vault registered it and its owner program guarantees the layout).
pub fn token_amount(data: &[u8]) -> CoreResult<u64> {
    if data.len() < TOKEN_ACCOUNT_LEN {
        return Err(CoreError::InvalidTokenAccount);
    }
    Ok(u64_at(data, 64))
}

/// Byte offset of a token account's `state` (both programs): 1 = initialised, 2 = frozen.
const STATE_OFFSET: usize = 108;
const STATE_INITIALIZED: u8 = 1;
const STATE_FROZEN: u8 = 2;

/// Whether a token account is frozen by its mint's freeze authority (its `state` byte), without
/// validating the rest (hot path, as [`token_amount`]): a frozen account can neither send nor
/// receive, so an in-kind redemption skips the holding.
pub fn is_frozen(data: &[u8]) -> CoreResult<bool> {
    if data.len() < TOKEN_ACCOUNT_LEN {
        return Err(CoreError::InvalidTokenAccount);
    }
    Ok(data[STATE_OFFSET] == STATE_FROZEN)
}

pub fn parse_token_account(data: &[u8]) -> CoreResult<TokenAccountView> {
    let bad = CoreError::InvalidTokenAccount;
    if data.len() < TOKEN_ACCOUNT_LEN
        || (data.len() > TOKEN_ACCOUNT_LEN && data[ACCOUNT_TYPE_OFFSET] != ACCOUNT_TYPE_ACCOUNT)
    {
        return Err(bad);
    }
    let state = match data[STATE_OFFSET] {
        STATE_INITIALIZED => AccountState::Initialized,
        STATE_FROZEN => AccountState::Frozen,
        _ => return Err(bad),
    };
    Ok(TokenAccountView {
        mint: bytes32_at(data, 0),
        owner: bytes32_at(data, 32),
        amount: u64_at(data, 64),
        delegate: coption_addr(data, 72).map_err(|_| bad)?,
        state,
        close_authority: coption_addr(data, 129).map_err(|_| bad)?,
    })
}

pub fn parse_mint(data: &[u8]) -> CoreResult<MintView> {
    let bad = CoreError::InvalidMint;
    if data.len() < MINT_LEN || data[45] != 1 {
        return Err(bad);
    }
    if data.len() > MINT_LEN && (data.len() <= ACCOUNT_TYPE_OFFSET || data[ACCOUNT_TYPE_OFFSET] != ACCOUNT_TYPE_MINT) {
        return Err(bad);
    }
    Ok(MintView {
        mint_authority: coption_addr(data, 0).map_err(|_| bad)?,
        supply: u64_at(data, 36),
        decimals: data[44],
        freeze_authority: coption_addr(data, 46).map_err(|_| bad)?,
    })
}

/// Token-2022 mint extensions the vault accepts. Everything else is refused because it can
/// take tokens from the vault (PermanentDelegate), make received amounts differ from sent ones
/// (TransferFee), freeze or block transfers (DefaultAccountState, Pausable, NonTransferable),
/// require extra accounts on every transfer (TransferHook), hide balances (confidential), make
/// the UI amount differ from the raw amount the vault values (InterestBearingConfig,
/// ScaledUiAmount: oracles quote per UI unit, the vault multiplies raw units by that price, and
/// the mint's authority moves the ratio at will), or let the mint be closed and re-created at
/// the same address with other extensions after registration (MintCloseAuthority). Accepted
/// ones carry metadata only and need no space in token accounts.
pub const ALLOWED_MINT_EXTENSIONS: &[(u16, &str)] = &[
    (18, "MetadataPointer"),
    (19, "TokenMetadata"),
    (20, "GroupPointer"),
    (21, "TokenGroup"),
    (22, "GroupMemberPointer"),
    (23, "TokenGroupMember"),
];

/// Checks a mint's TLV extensions against [`ALLOWED_MINT_EXTENSIONS`]. A plain 82-byte mint
/// (SPL Token, or Token-2022 without extensions) passes.
pub fn check_mint_extensions(data: &[u8]) -> CoreResult<()> {
    if data.len() <= MINT_LEN {
        return Ok(());
    }
    parse_mint(data)?;
    let mut at = ACCOUNT_TYPE_OFFSET + 1;
    while at + 4 <= data.len() {
        let ty = u16::from_le_bytes([data[at], data[at + 1]]);
        let len = u16::from_le_bytes([data[at + 2], data[at + 3]]) as usize;
        if ty == 0 {
            break; // uninitialized: the rest is padding
        }
        if !ALLOWED_MINT_EXTENSIONS.iter().any(|(t, _)| *t == ty) {
            return Err(CoreError::UnsupportedMintExtension);
        }
        at += 4 + len;
    }
    if at > data.len() {
        return Err(CoreError::InvalidMint);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mint_bytes(supply: u64, decimals: u8) -> Vec<u8> {
        let mut d = vec![0u8; MINT_LEN];
        d[0] = 1;
        d[4..36].copy_from_slice(&[3; 32]);
        d[36..44].copy_from_slice(&supply.to_le_bytes());
        d[44] = decimals;
        d[45] = 1;
        d
    }

    fn with_extensions(exts: &[(u16, usize)]) -> Vec<u8> {
        let mut d = mint_bytes(5, 6);
        d.resize(ACCOUNT_TYPE_OFFSET, 0);
        d.push(ACCOUNT_TYPE_MINT);
        for (ty, len) in exts {
            d.extend_from_slice(&ty.to_le_bytes());
            d.extend_from_slice(&(*len as u16).to_le_bytes());
            d.extend(std::iter::repeat_n(0xAB, *len));
        }
        d
    }

    #[test]
    fn mint_known_answer() {
        let m = parse_mint(&mint_bytes(1_234, 9)).unwrap();
        assert_eq!(m, MintView { mint_authority: Some([3; 32]), supply: 1_234, decimals: 9, freeze_authority: None });
        let mut uninit = mint_bytes(0, 6);
        uninit[45] = 0;
        assert_eq!(parse_mint(&uninit), Err(CoreError::InvalidMint));
        assert_eq!(parse_mint(&[0; 10]), Err(CoreError::InvalidMint));
    }

    #[test]
    fn token_account_known_answer() {
        let mut d = vec![0u8; TOKEN_ACCOUNT_LEN];
        d[0..32].copy_from_slice(&[1; 32]);
        d[32..64].copy_from_slice(&[2; 32]);
        d[64..72].copy_from_slice(&77u64.to_le_bytes());
        d[108] = 1;
        let v = parse_token_account(&d).unwrap();
        assert_eq!(
            (v.mint, v.owner, v.amount, v.delegate, v.state),
            ([1; 32], [2; 32], 77, None, AccountState::Initialized)
        );
        assert_eq!(token_amount(&d), Ok(77));
        d[72] = 1;
        d[76..108].copy_from_slice(&[4; 32]);
        assert_eq!(parse_token_account(&d).unwrap().delegate, Some([4; 32]));
        assert_eq!(is_frozen(&d), Ok(false));
        d[108] = 2;
        assert_eq!(parse_token_account(&d).unwrap().state, AccountState::Frozen);
        assert_eq!(is_frozen(&d), Ok(true));
        // a Token-2022 account (account type and extensions after the base) reads the same
        let mut ext = d.clone();
        ext.extend_from_slice(&[ACCOUNT_TYPE_ACCOUNT, 7, 0, 2, 0, 0, 0]);
        assert_eq!(is_frozen(&ext), Ok(true));
        assert_eq!(parse_token_account(&ext).unwrap().state, AccountState::Frozen);
        assert_eq!(is_frozen(&d[..TOKEN_ACCOUNT_LEN - 1]), Err(CoreError::InvalidTokenAccount));
        d[108] = 0;
        assert_eq!(parse_token_account(&d), Err(CoreError::InvalidTokenAccount));
    }

    #[test]
    fn extension_policy() {
        assert_eq!(check_mint_extensions(&mint_bytes(1, 6)), Ok(()));
        assert_eq!(check_mint_extensions(&with_extensions(&[(18, 64), (19, 100)])), Ok(()));
        // 3 MintCloseAuthority, 10 InterestBearingConfig, 25 ScaledUiAmount (issue 14) and the
        // ones that move or block tokens
        for bad in [1u16, 3, 4, 6, 9, 10, 12, 14, 25, 26] {
            assert_eq!(
                check_mint_extensions(&with_extensions(&[(18, 64), (bad, 8)])),
                Err(CoreError::UnsupportedMintExtension),
                "extension {bad} must be refused"
            );
        }
        let mut truncated = with_extensions(&[(18, 64)]);
        truncated.truncate(truncated.len() - 4);
        assert_eq!(check_mint_extensions(&truncated), Err(CoreError::InvalidMint));
    }
}
