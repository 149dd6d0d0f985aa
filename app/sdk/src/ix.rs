//! Instruction builders. Each lists its accounts in the order the program expects.

use borsh::BorshSerialize;
use rpv_core::state::VaultState;

use crate::{
    discriminator, pda, pk, AccountMeta, Instruction, Pubkey, PROGRAM_ID, SYSTEM_PROGRAM_ID, TOKEN_PROGRAM_ID,
};

#[derive(BorshSerialize, Clone, Copy, Debug)]
pub struct InitializeVaultArgs {
    pub vault_id: u64,
    pub deposit_cap: u64,
    pub min_deposit: u64,
    pub seed_deposit: u64,
}

#[derive(BorshSerialize, Clone, Copy, Debug)]
pub struct AddAssetArgs {
    /// 0 = Pyth `PriceUpdateV2`.
    pub oracle_kind: u8,
    pub feed_id: [u8; 32],
    pub max_oracle_age: u32,
    pub max_conf_bps: u16,
    /// Parts per 10^9.
    pub risk_budget: u64,
}

fn data(name: &str, args: &impl BorshSerialize) -> Vec<u8> {
    let mut d = discriminator("global", name).to_vec();
    args.serialize(&mut d).expect("serialising into a Vec cannot fail");
    d
}

/// `initialize_vault`: `admin` signs and pays and provides the seed deposit from
/// `admin_base_token`.
pub fn initialize_vault(
    admin: &Pubkey,
    base_mint: &Pubkey,
    base_token_program: &Pubkey,
    admin_base_token: &Pubkey,
    args: InitializeVaultArgs,
) -> Instruction {
    let (vault, _) = pda::vault(admin, args.vault_id);
    Instruction {
        program_id: PROGRAM_ID,
        accounts: vec![
            AccountMeta::new(*admin, true),
            AccountMeta::new(vault, false),
            AccountMeta::new(pda::risk(&vault).0, false),
            AccountMeta::new_readonly(pda::authority(&vault).0, false),
            AccountMeta::new_readonly(*base_mint, false),
            AccountMeta::new(pda::share_mint(&vault).0, false),
            AccountMeta::new(pda::token_account(&vault, base_mint).0, false),
            AccountMeta::new(*admin_base_token, false),
            AccountMeta::new_readonly(*base_token_program, false),
            AccountMeta::new_readonly(TOKEN_PROGRAM_ID, false),
            AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
        ],
        data: data("initialize_vault", &args),
    }
}

/// `add_asset`: registers `mint` (owned by `token_program`) priced by `oracle`.
pub fn add_asset(
    admin: &Pubkey,
    vault: &Pubkey,
    mint: &Pubkey,
    token_program: &Pubkey,
    oracle: &Pubkey,
    args: AddAssetArgs,
) -> Instruction {
    Instruction {
        program_id: PROGRAM_ID,
        accounts: vec![
            AccountMeta::new(*admin, true),
            AccountMeta::new(*vault, false),
            AccountMeta::new_readonly(pda::authority(vault).0, false),
            AccountMeta::new_readonly(*mint, false),
            AccountMeta::new(pda::token_account(vault, mint).0, false),
            AccountMeta::new_readonly(*oracle, false),
            AccountMeta::new_readonly(*token_program, false),
            AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
        ],
        data: data("add_asset", &args),
    }
}

/// Accounts shared by `deposit` and `withdraw`, followed by one oracle per registered asset in
/// registry order (read from the decoded vault state).
fn flow_accounts(
    user: &Pubkey,
    vault_key: &Pubkey,
    vault: &VaultState,
    user_base_token: &Pubkey,
    user_share_token: &Pubkey,
) -> Vec<AccountMeta> {
    let mut a = vec![
        AccountMeta::new_readonly(*user, true),
        AccountMeta::new(*vault_key, false),
        AccountMeta::new_readonly(pk(&vault.authority), false),
        AccountMeta::new_readonly(pk(&vault.base_mint), false),
        AccountMeta::new(pk(&vault.base_vault), false),
        AccountMeta::new(pk(&vault.share_mint), false),
        AccountMeta::new(*user_base_token, false),
        AccountMeta::new(*user_share_token, false),
        AccountMeta::new_readonly(pk(&vault.base_token_program), false),
        AccountMeta::new_readonly(TOKEN_PROGRAM_ID, false),
    ];
    a.extend(vault.active_assets().iter().map(|s| AccountMeta::new_readonly(pk(&s.oracle), false)));
    a
}

/// `deposit(amount, min_shares_out)`.
pub fn deposit(
    user: &Pubkey,
    vault_key: &Pubkey,
    vault: &VaultState,
    user_base_token: &Pubkey,
    user_share_token: &Pubkey,
    amount: u64,
    min_shares_out: u64,
) -> Instruction {
    Instruction {
        program_id: PROGRAM_ID,
        accounts: flow_accounts(user, vault_key, vault, user_base_token, user_share_token),
        data: data("deposit", &(amount, min_shares_out)),
    }
}

/// `withdraw(shares, min_amount_out)`.
pub fn withdraw(
    user: &Pubkey,
    vault_key: &Pubkey,
    vault: &VaultState,
    user_base_token: &Pubkey,
    user_share_token: &Pubkey,
    shares: u64,
    min_amount_out: u64,
) -> Instruction {
    Instruction {
        program_id: PROGRAM_ID,
        accounts: flow_accounts(user, vault_key, vault, user_base_token, user_share_token),
        data: data("withdraw", &(shares, min_amount_out)),
    }
}

/// `deposit_asset(asset_index, amount, min_shares_out)`: in-kind deposit of a registered asset.
#[allow(clippy::too_many_arguments)]
pub fn deposit_asset(
    user: &Pubkey,
    vault_key: &Pubkey,
    vault: &VaultState,
    asset_index: u8,
    user_asset_token: &Pubkey,
    user_share_token: &Pubkey,
    amount: u64,
    min_shares_out: u64,
) -> Instruction {
    let slot = &vault.assets[usize::from(asset_index)];
    let mut accounts = vec![
        AccountMeta::new_readonly(*user, true),
        AccountMeta::new(*vault_key, false),
        AccountMeta::new_readonly(pk(&vault.authority), false),
        AccountMeta::new_readonly(pk(&slot.mint), false),
        AccountMeta::new(pk(&slot.token_account), false),
        AccountMeta::new(pk(&vault.share_mint), false),
        AccountMeta::new(*user_asset_token, false),
        AccountMeta::new(*user_share_token, false),
        AccountMeta::new_readonly(pk(&slot.token_program), false),
        AccountMeta::new_readonly(TOKEN_PROGRAM_ID, false),
    ];
    accounts.extend(vault.active_assets().iter().map(|s| AccountMeta::new_readonly(pk(&s.oracle), false)));
    Instruction {
        program_id: PROGRAM_ID,
        accounts,
        data: data("deposit_asset", &(asset_index, amount, min_shares_out)),
    }
}

/// Risk-model parameters in integer units (see `set_risk_params` in the program).
#[derive(BorshSerialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct RiskParams {
    /// 0 = inverse volatility, 1 = risk budgeting.
    pub method: u8,
    pub lambda_ppm: u32,
    pub horizon_secs: u32,
    pub vol_target_bps: u32,
    pub max_leverage_bps: u32,
    pub prior_vol_bps: u32,
    pub rc_tolerance_ppb: u32,
    pub min_sample_interval: u32,
    pub max_risk_age: u32,
    pub band_bps: u16,
}

impl Default for RiskParams {
    /// The program's defaults at initialisation.
    fn default() -> Self {
        Self {
            method: 0,
            lambda_ppm: 940_000,
            horizon_secs: 86_400,
            vol_target_bps: 1_500,
            max_leverage_bps: 10_000,
            prior_vol_bps: 6_000,
            rc_tolerance_ppb: 100_000,
            min_sample_interval: 30,
            max_risk_age: 900,
            band_bps: 500,
        }
    }
}

/// Accounts of the risk instructions: the signer, the vault (writable for the admin ones) and
/// its risk account.
fn risk_accounts(signer: &Pubkey, vault_key: &Pubkey, vault_writable: bool) -> Vec<AccountMeta> {
    let vault =
        if vault_writable { AccountMeta::new(*vault_key, false) } else { AccountMeta::new_readonly(*vault_key, false) };
    vec![AccountMeta::new_readonly(*signer, true), vault, AccountMeta::new(pda::risk(vault_key).0, false)]
}

/// `refresh`: vault, risk, then one oracle per asset in registry order. Permissionless.
pub fn refresh(vault_key: &Pubkey, vault: &VaultState) -> Instruction {
    let mut accounts = vec![AccountMeta::new(*vault_key, false), AccountMeta::new(pda::risk(vault_key).0, false)];
    accounts.extend(vault.active_assets().iter().map(|s| AccountMeta::new_readonly(pk(&s.oracle), false)));
    Instruction { program_id: PROGRAM_ID, accounts, data: data("refresh", &()) }
}

/// `submit_weights(weights)`: I80F48 raw bits, one per asset. Permissionless.
pub fn submit_weights(submitter: &Pubkey, vault_key: &Pubkey, weights_bits: Vec<i128>) -> Instruction {
    Instruction {
        program_id: PROGRAM_ID,
        accounts: risk_accounts(submitter, vault_key, false),
        data: data("submit_weights", &weights_bits),
    }
}

/// `solve_weights(max_sweeps)`: on-chain risk-budget solve (small vaults). Permissionless.
pub fn solve_weights(caller: &Pubkey, vault_key: &Pubkey, max_sweeps: u16) -> Instruction {
    Instruction {
        program_id: PROGRAM_ID,
        accounts: risk_accounts(caller, vault_key, false),
        data: data("solve_weights", &max_sweeps),
    }
}

/// `set_risk_params(params)` (admin).
pub fn set_risk_params(admin: &Pubkey, vault_key: &Pubkey, params: RiskParams) -> Instruction {
    Instruction {
        program_id: PROGRAM_ID,
        accounts: risk_accounts(admin, vault_key, true),
        data: data("set_risk_params", &params),
    }
}

/// `set_risk_budgets(budgets_ppb)` (admin): one per asset, summing to 10^9.
pub fn set_risk_budgets(admin: &Pubkey, vault_key: &Pubkey, budgets_ppb: Vec<u64>) -> Instruction {
    Instruction {
        program_id: PROGRAM_ID,
        accounts: risk_accounts(admin, vault_key, true),
        data: data("set_risk_budgets", &budgets_ppb),
    }
}

/// Arguments of `price_option` (I80F48 raw bits; kind 0 = call, 1 = put).
#[derive(BorshSerialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionQuoteArgs {
    pub kind: u8,
    pub spot_bits: i128,
    pub strike_bits: i128,
    pub vol_bits: i128,
    pub rate_bits: i128,
    pub years_bits: i128,
}

/// `price_option(args)`: Black–Scholes price and Greeks through return data (no accounts).
pub fn price_option(args: OptionQuoteArgs) -> Instruction {
    Instruction { program_id: PROGRAM_ID, accounts: vec![], data: data("price_option", &args) }
}

/// Decodes `price_option`'s return data: price, delta, gamma, vega, theta (I80F48 bits).
pub fn decode_option_quote(return_data: &[u8]) -> Option<[i128; 5]> {
    if return_data.len() != 80 {
        return None;
    }
    let mut out = [0i128; 5];
    for (i, o) in out.iter_mut().enumerate() {
        *o = i128::from_le_bytes(return_data[i * 16..i * 16 + 16].try_into().ok()?);
    }
    Some(out)
}

/// `redeem_in_kind(shares, min_amounts)`: `user_token_accounts` are the user's accounts for the
/// base mint, then each registered asset in registry order (they must exist). No oracles.
pub fn redeem_in_kind(
    user: &Pubkey,
    vault_key: &Pubkey,
    vault: &VaultState,
    user_share_token: &Pubkey,
    user_token_accounts: &[Pubkey],
    shares: u64,
    min_amounts: Vec<u64>,
) -> Instruction {
    let mut accounts = vec![
        AccountMeta::new_readonly(*user, true),
        AccountMeta::new(*vault_key, false),
        AccountMeta::new_readonly(pk(&vault.authority), false),
        AccountMeta::new(pk(&vault.share_mint), false),
        AccountMeta::new(*user_share_token, false),
        AccountMeta::new_readonly(TOKEN_PROGRAM_ID, false),
    ];
    let mut holdings = vec![(vault.base_vault, vault.base_mint, vault.base_token_program)];
    holdings.extend(vault.active_assets().iter().map(|a| (a.token_account, a.mint, a.token_program)));
    for ((vault_account, mint, program), user_account) in holdings.iter().zip(user_token_accounts) {
        accounts.push(AccountMeta::new(pk(vault_account), false));
        accounts.push(AccountMeta::new_readonly(pk(mint), false));
        accounts.push(AccountMeta::new(*user_account, false));
        accounts.push(AccountMeta::new_readonly(pk(program), false));
    }
    Instruction { program_id: PROGRAM_ID, accounts, data: data("redeem_in_kind", &(shares, min_amounts)) }
}

fn governance(signer: &Pubkey, vault_key: &Pubkey, data: Vec<u8>) -> Instruction {
    Instruction {
        program_id: PROGRAM_ID,
        accounts: vec![AccountMeta::new_readonly(*signer, true), AccountMeta::new(*vault_key, false)],
        data,
    }
}

/// `set_paused(paused)` (guardian).
pub fn set_paused(guardian: &Pubkey, vault_key: &Pubkey, paused: bool) -> Instruction {
    governance(guardian, vault_key, data("set_paused", &paused))
}

/// `set_guardian(guardian)` (admin).
pub fn set_guardian(admin: &Pubkey, vault_key: &Pubkey, guardian: &Pubkey) -> Instruction {
    governance(admin, vault_key, data("set_guardian", &guardian.to_bytes()))
}

/// `propose_admin(new_admin)` (admin).
pub fn propose_admin(admin: &Pubkey, vault_key: &Pubkey, new_admin: &Pubkey) -> Instruction {
    governance(admin, vault_key, data("propose_admin", &new_admin.to_bytes()))
}

/// `accept_admin()` (the proposed admin).
pub fn accept_admin(new_admin: &Pubkey, vault_key: &Pubkey) -> Instruction {
    governance(new_admin, vault_key, data("accept_admin", &()))
}

/// `quote()`: vault, risk, share mint, then one oracle per asset in registry order. Read-only
/// and permissionless (no signer); the answer comes back as return data
/// ([`decode_vault_quote`]).
pub fn quote(vault_key: &Pubkey, vault: &VaultState) -> Instruction {
    let mut accounts = vec![
        AccountMeta::new_readonly(*vault_key, false),
        AccountMeta::new_readonly(pda::risk(vault_key).0, false),
        AccountMeta::new_readonly(pk(&vault.share_mint), false),
    ];
    accounts.extend(vault.active_assets().iter().map(|s| AccountMeta::new_readonly(pk(&s.oracle), false)));
    Instruction { program_id: PROGRAM_ID, accounts, data: data("quote", &()) }
}

/// What `quote` returns (the program's `VaultQuote`, same Borsh layout, 92 bytes).
#[derive(borsh::BorshDeserialize, BorshSerialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct VaultQuote {
    /// NAV in base units, rounded down per asset (withdrawal pricing).
    pub nav: u64,
    /// NAV in base units, rounded up per asset (deposit pricing).
    pub nav_round_up: u64,
    /// Share supply plus dead shares.
    pub total_shares: u64,
    /// ⌊nav × 10^9 / total_shares⌋: base units per 10^9 shares.
    pub share_price_e9: u128,
    pub base_decimals: u8,
    pub num_assets: u8,
    pub paused: bool,
    /// Whether deposits and withdrawals would accept the risk state at `quoted_at`.
    pub risk_fresh: bool,
    pub risk_refreshed_at: i64,
    /// σ_p of the last refresh, I80F48 bits.
    pub portfolio_vol_bits: i128,
    /// L of the last refresh, I80F48 bits.
    pub leverage_bits: i128,
    pub quoted_at: i64,
}

/// Length of `quote`'s return data.
pub const VAULT_QUOTE_LEN: usize = 92;

/// Decodes `quote`'s return data (exactly [`VAULT_QUOTE_LEN`] bytes).
pub fn decode_vault_quote(return_data: &[u8]) -> Option<VaultQuote> {
    if return_data.len() != VAULT_QUOTE_LEN {
        return None;
    }
    borsh::from_slice(return_data).ok()
}

impl VaultQuote {
    /// What `quote` answers for `vault` and its `risk` state, a share mint supply of
    /// `share_supply`, validated oracle `prices` (one per asset, registry order) at cluster time
    /// `now`: the same core functions the program runs. `None` on arithmetic overflow.
    pub fn expected(
        vault: &VaultState,
        risk: &rpv_core::state::RiskState,
        share_supply: u64,
        prices: &[rpv_core::pyth::OraclePrice],
        now: i64,
    ) -> Option<Self> {
        use rpv_core::math::Rounding;
        let nav = vault.nav(|i, _| Ok(prices[i]), Rounding::Down).ok()?;
        let nav_round_up = vault.nav(|i, _| Ok(prices[i]), Rounding::Up).ok()?;
        let total_shares = vault.total_shares(share_supply).ok()?;
        Some(Self {
            nav,
            nav_round_up,
            total_shares,
            share_price_e9: u128::from(nav) * 1_000_000_000 / u128::from(total_shares.max(1)),
            base_decimals: vault.base_decimals,
            num_assets: vault.num_assets,
            paused: vault.is_paused(),
            risk_fresh: vault.risk_is_fresh(now),
            risk_refreshed_at: vault.risk_refreshed_at,
            portfolio_vol_bits: risk.portfolio_vol.get().to_bits(),
            leverage_bits: risk.leverage.get().to_bits(),
            quoted_at: now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_quote_layout_is_92_bytes_and_round_trips() {
        let q = VaultQuote {
            nav: 1,
            nav_round_up: 2,
            total_shares: 3,
            share_price_e9: 4,
            base_decimals: 6,
            num_assets: 16,
            paused: true,
            risk_fresh: false,
            risk_refreshed_at: -5,
            portfolio_vol_bits: -6,
            leverage_bits: 7,
            quoted_at: 8,
        };
        let bytes = borsh::to_vec(&q).unwrap();
        assert_eq!(bytes.len(), VAULT_QUOTE_LEN);
        assert_eq!(decode_vault_quote(&bytes), Some(q));
        assert_eq!(decode_vault_quote(&bytes[..91]), None);
        assert_eq!(quote(&Pubkey::new_unique(), &<VaultState as bytemuck::Zeroable>::zeroed()).accounts.len(), 3);
    }
}
