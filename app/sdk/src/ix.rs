//! Instruction builders. Each lists its accounts in the order the program expects; the compute
//! units each costs, as measured on the `.so`, come from [`crate::cu::estimate`].

use borsh::BorshSerialize;
use rpv_core::layout::VaultState;
pub use rpv_interface::{
    args::{
        DEFAULT_MAX_MANAGEMENT_FEE_BPS, DEFAULT_MAX_PERFORMANCE_FEE_BPS, DEFAULT_TIMELOCK_SECS,
        MANAGEMENT_FEE_CEILING_BPS, MAX_ONCHAIN_SOLVE, MAX_ORACLE_AGE, MAX_TIMELOCK_SECS, MIN_SEED_DEPOSIT,
        PERFORMANCE_FEE_CEILING_BPS,
    },
    client::{InitializeVaultArgs, Proposal},
    AddAssetArgs, ConfigChange, FlowParams, OptionKind, OptionParams, OptionQuote, OptionQuoteArgs, OptionSeriesArgs,
    OracleChange, OracleKind, ProposalKind, RebalanceArgs, RebalanceParams, Registration, RiskParams, VaultQuote,
    WeightsFallback, NO_IN_KIND,
};

use rpv_core::layout::{REQUEST_DEPOSIT, REQUEST_WITHDRAW};

use crate::{
    discriminator, pda, pk, AccountMeta, Instruction, Pubkey, PROGRAM_ID, SYSTEM_PROGRAM_ID, TOKEN_PROGRAM_ID,
};

/// Rebalancing parameters with every cap open (1-minute cooldown, whole-NAV legs and days,
/// 1 % of NAV incentive budget): for tests, demos and benchmarks that are not about the caps.
pub fn loose_rebalance_params() -> RebalanceParams {
    RebalanceParams {
        cooldown_secs: 60,
        max_leg_bps: 10_000,
        max_turnover_bps: 10_000,
        max_reduction_bps: 10_000,
        incentive_budget_ppm: 10_000,
        ..RebalanceParams::default()
    }
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
            AccountMeta::new(pda::escrow(&vault).0, false),
        ],
        data: data("initialize_vault", &args),
    }
}

/// `add_asset`: registers `mint` (owned by `token_program`) priced by `oracle`. Under a
/// timelock, once the vault has outside shares, it consumes the matured proposal of
/// [`registration`] for the same accounts and arguments (`propose_change` first).
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
            AccountMeta::new_readonly(pda::share_mint(vault).0, false),
            AccountMeta::new(pda::proposal(vault, ProposalKind::Registration).0, false),
        ],
        data: data("add_asset", &args),
    }
}

/// The timelocked change naming a registration: `add_asset` (`series` = `None`) or
/// `add_option` of `mint` under `token_program` priced by `oracle` with `args`. Propose it with
/// [`propose_change`]; once matured, the same `add_asset` / `add_option` consumes it.
pub fn registration(
    mint: &Pubkey,
    token_program: &Pubkey,
    oracle: &Pubkey,
    args: AddAssetArgs,
    series: Option<OptionSeriesArgs>,
) -> ConfigChange {
    ConfigChange::Registration(Registration {
        mint: mint.to_bytes(),
        token_program: token_program.to_bytes(),
        oracle: oracle.to_bytes(),
        args,
        series,
    })
}

/// The `add_asset` (spot) or `add_option` (a series) that registers `r` exactly as proposed:
/// the instruction consuming a matured [`registration`] proposal (or, with no timelock in the
/// way, registering at once).
pub fn register(admin: &Pubkey, vault: &Pubkey, r: &Registration) -> Instruction {
    let (mint, program, oracle) = (pk(&r.mint), pk(&r.token_program), pk(&r.oracle));
    match r.series {
        None => add_asset(admin, vault, &mint, &program, &oracle, r.args),
        Some(series) => add_option(admin, vault, &mint, &program, &oracle, r.args, series),
    }
}

/// `set_in_kind_cap(index, cap)` (admin; a raise under a timelock: `propose_change` of
/// `ConfigChange::InKindCap`).
pub fn set_in_kind_cap(admin: &Pubkey, vault_key: &Pubkey, index: u8, cap: u64) -> Instruction {
    governance(admin, vault_key, data("set_in_kind_cap", &(index, cap)))
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
    let mut accounts = flow_accounts(user, vault_key, vault, user_base_token, user_share_token);
    accounts.extend(allow_entry(user, vault_key, vault));
    Instruction { program_id: PROGRAM_ID, accounts, data: data("deposit", &(amount, min_shares_out)) }
}

/// The depositor's allowlist entry, when the vault's allowlist is on (it follows the oracles).
fn allow_entry(user: &Pubkey, vault_key: &Pubkey, vault: &VaultState) -> Option<AccountMeta> {
    vault.allowlist_enabled().then(|| AccountMeta::new_readonly(pda::allow_entry(vault_key, user).0, false))
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
        AccountMeta::new(pda::risk(vault_key).0, false),
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
    accounts.extend(allow_entry(user, vault_key, vault));
    Instruction {
        program_id: PROGRAM_ID,
        accounts,
        data: data("deposit_asset", &(asset_index, amount, min_shares_out)),
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

/// `update_positions`: the positions step after `refresh` for vaults with option series.
/// Permissionless.
pub fn update_positions(vault_key: &Pubkey) -> Instruction {
    let accounts = vec![AccountMeta::new(*vault_key, false), AccountMeta::new(pda::risk(vault_key).0, false)];
    Instruction { program_id: PROGRAM_ID, accounts, data: data("update_positions", &()) }
}

/// What a keeper sends to refresh the risk state: `refresh`, followed by `update_positions`
/// when the vault has option series (one transaction).
pub fn refresh_all(vault_key: &Pubkey, vault: &VaultState) -> Vec<Instruction> {
    let mut v = vec![refresh(vault_key, vault)];
    if vault.has_options() {
        v.push(update_positions(vault_key));
    }
    v
}

/// `add_option(args, series)`: like `add_asset`, with the option token's mint and the series'
/// implied-vol feed as `oracle`.
pub fn add_option(
    admin: &Pubkey,
    vault: &Pubkey,
    mint: &Pubkey,
    token_program: &Pubkey,
    iv_oracle: &Pubkey,
    args: AddAssetArgs,
    series: OptionSeriesArgs,
) -> Instruction {
    let mut ix = add_asset(admin, vault, mint, token_program, iv_oracle, args);
    ix.data = data("add_option", &(args, series));
    ix
}

/// `settle_expired(index)`: permissionless; `underlying_oracle` is the underlying's registered
/// price oracle.
pub fn settle_expired(caller: &Pubkey, vault_key: &Pubkey, vault: &VaultState, index: u8) -> Instruction {
    let u = usize::from(vault.assets[usize::from(index)].option.underlying);
    let mut accounts = risk_accounts(caller, vault_key, true);
    accounts.push(AccountMeta::new_readonly(pk(&vault.assets[u].oracle), false));
    Instruction { program_id: PROGRAM_ID, accounts, data: data("settle_expired", &index) }
}

/// `retire_asset(index)`: permissionless, for a settled series holding nothing of value (any
/// other slot: `propose_change(ConfigChange::Retire { index, mint })`, then `apply_change`).
pub fn retire_asset(caller: &Pubkey, vault_key: &Pubkey, index: u8) -> Instruction {
    Instruction {
        program_id: PROGRAM_ID,
        accounts: risk_accounts(caller, vault_key, true),
        data: data("retire_asset", &index),
    }
}

/// `set_option_params(params)` (admin).
pub fn set_option_params(admin: &Pubkey, vault_key: &Pubkey, params: OptionParams) -> Instruction {
    Instruction {
        program_id: PROGRAM_ID,
        accounts: risk_accounts(admin, vault_key, true),
        data: data("set_option_params", &params),
    }
}

/// The fixed accounts of `rebalance` / `rebalance_begin` for slot `leg` (see the program),
/// then an option leg's underlying oracle.
fn rebalance_accounts(
    keeper: &Pubkey,
    vault_key: &Pubkey,
    vault: &VaultState,
    leg: u8,
    keeper_base_token: &Pubkey,
    keeper_asset_token: &Pubkey,
) -> (Vec<AccountMeta>, Option<AccountMeta>) {
    let slot = &vault.assets[usize::from(leg)];
    let accounts = vec![
        AccountMeta::new_readonly(*keeper, true),
        AccountMeta::new(*vault_key, false),
        AccountMeta::new(pda::risk(vault_key).0, false),
        AccountMeta::new_readonly(pk(&vault.authority), false),
        AccountMeta::new_readonly(pk(&vault.base_mint), false),
        AccountMeta::new(pk(&vault.base_vault), false),
        AccountMeta::new_readonly(pk(&slot.mint), false),
        AccountMeta::new(pk(&slot.token_account), false),
        AccountMeta::new(*keeper_base_token, false),
        AccountMeta::new(*keeper_asset_token, false),
        AccountMeta::new_readonly(pk(&vault.base_token_program), false),
        AccountMeta::new_readonly(pk(&slot.token_program), false),
        AccountMeta::new_readonly(pk(&slot.oracle), false),
    ];
    // a settled series trades at its payoff: no underlying price
    let underlying = (slot.option.is_option() && !slot.option.is_settled())
        .then(|| AccountMeta::new_readonly(pk(&vault.assets[usize::from(slot.option.underlying)].oracle), false));
    (accounts, underlying)
}

/// `rebalance(args)` of slot `leg` (with `args.leg` = `leg`, or the auto leg when it is that
/// slot). Permissionless; the keeper is the counterparty. CU: the `rebalance` rows of
/// `docs/compute-units.md` ([`crate::cu::estimate`]).
pub fn rebalance(
    keeper: &Pubkey,
    vault_key: &Pubkey,
    vault: &VaultState,
    leg: u8,
    keeper_base_token: &Pubkey,
    keeper_asset_token: &Pubkey,
    args: RebalanceArgs,
) -> Instruction {
    let (mut accounts, underlying) =
        rebalance_accounts(keeper, vault_key, vault, leg, keeper_base_token, keeper_asset_token);
    accounts.extend(underlying);
    Instruction { program_id: PROGRAM_ID, accounts, data: data("rebalance", &args) }
}

/// The instructions sysvar.
pub const INSTRUCTIONS_SYSVAR_ID: Pubkey = Pubkey::from_str_const("Sysvar1nstructions1111111111111111111111111");

/// `rebalance_begin(args)`: as [`rebalance`], then the instructions sysvar. Must be followed by
/// [`rebalance_end`] in the same transaction.
pub fn rebalance_begin(
    keeper: &Pubkey,
    vault_key: &Pubkey,
    vault: &VaultState,
    leg: u8,
    keeper_base_token: &Pubkey,
    keeper_asset_token: &Pubkey,
    args: RebalanceArgs,
) -> Instruction {
    let (mut accounts, underlying) =
        rebalance_accounts(keeper, vault_key, vault, leg, keeper_base_token, keeper_asset_token);
    accounts.push(AccountMeta::new_readonly(INSTRUCTIONS_SYSVAR_ID, false));
    accounts.extend(underlying);
    Instruction { program_id: PROGRAM_ID, accounts, data: data("rebalance_begin", &args) }
}

/// `rebalance_end()` for a flash rebalance of slot `leg`.
pub fn rebalance_end(keeper: &Pubkey, vault_key: &Pubkey, vault: &VaultState, leg: u8) -> Instruction {
    let slot = &vault.assets[usize::from(leg)];
    Instruction {
        program_id: PROGRAM_ID,
        accounts: vec![
            AccountMeta::new_readonly(*keeper, true),
            AccountMeta::new(*vault_key, false),
            AccountMeta::new(pda::risk(vault_key).0, false),
            AccountMeta::new_readonly(pk(&vault.base_vault), false),
            AccountMeta::new_readonly(pk(&slot.token_account), false),
            AccountMeta::new_readonly(INSTRUCTIONS_SYSVAR_ID, false),
        ],
        data: data("rebalance_end", &()),
    }
}

/// `set_rebalance_params(params)` (admin; raises need the timelock).
pub fn set_rebalance_params(admin: &Pubkey, vault_key: &Pubkey, params: RebalanceParams) -> Instruction {
    Instruction {
        program_id: PROGRAM_ID,
        accounts: risk_accounts(admin, vault_key, true),
        data: data("set_rebalance_params", &params),
    }
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
/// `price_option(args)`: Black–Scholes price and Greeks through return data (no accounts).
pub fn price_option(args: OptionQuoteArgs) -> Instruction {
    Instruction { program_id: PROGRAM_ID, accounts: vec![], data: data("price_option", &args) }
}

/// Decodes `price_option`'s return data ([`OptionQuote`]: price, delta, gamma, vega, theta as
/// I80F48 bits; exactly 80 bytes).
pub fn decode_option_quote(return_data: &[u8]) -> Option<OptionQuote> {
    if return_data.len() != 80 {
        return None;
    }
    borsh::from_slice(return_data).ok()
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

/// `set_guardian(guardian)` (admin; under a timelock once the vault has outside shares:
/// `propose_change(ConfigChange::Guardian)` instead).
pub fn set_guardian(admin: &Pubkey, vault_key: &Pubkey, guardian: &Pubkey) -> Instruction {
    let mut ix = governance(admin, vault_key, data("set_guardian", &guardian.to_bytes()));
    ix.accounts.push(AccountMeta::new_readonly(pda::share_mint(vault_key).0, false));
    ix
}

/// `propose_admin(new_admin)` (admin).
pub fn propose_admin(admin: &Pubkey, vault_key: &Pubkey, new_admin: &Pubkey) -> Instruction {
    governance(admin, vault_key, data("propose_admin", &new_admin.to_bytes()))
}

/// `accept_admin()` (the proposed admin).
pub fn accept_admin(new_admin: &Pubkey, vault_key: &Pubkey) -> Instruction {
    governance(new_admin, vault_key, data("accept_admin", &()))
}

fn oracles(vault: &VaultState) -> impl Iterator<Item = AccountMeta> + '_ {
    vault.active_assets().iter().map(|s| AccountMeta::new_readonly(pk(&s.oracle), false))
}

/// `accrue_fees()`: accrues the fees due and mints the pending fee shares to
/// `recipient_share_token` (a share token account owned by the vault's fee recipient).
/// Permissionless; one oracle per asset follows.
pub fn accrue_fees(vault_key: &Pubkey, vault: &VaultState, recipient_share_token: &Pubkey) -> Instruction {
    let mut accounts = vec![
        AccountMeta::new(*vault_key, false),
        AccountMeta::new_readonly(pk(&vault.authority), false),
        AccountMeta::new(pk(&vault.share_mint), false),
        AccountMeta::new(*recipient_share_token, false),
        AccountMeta::new_readonly(TOKEN_PROGRAM_ID, false),
    ];
    accounts.extend(oracles(vault));
    Instruction { program_id: PROGRAM_ID, accounts, data: data("accrue_fees", &()) }
}

/// `set_fees(management_bps, performance_bps)` (admin): lowering applies at once; a raise needs
/// `propose_change` when the vault has a timelock. One oracle per asset follows.
pub fn set_fees(
    admin: &Pubkey,
    vault_key: &Pubkey,
    vault: &VaultState,
    management_bps: u16,
    performance_bps: u16,
) -> Instruction {
    let mut accounts = vec![
        AccountMeta::new_readonly(*admin, true),
        AccountMeta::new(*vault_key, false),
        AccountMeta::new_readonly(pk(&vault.share_mint), false),
    ];
    accounts.extend(oracles(vault));
    Instruction { program_id: PROGRAM_ID, accounts, data: data("set_fees", &(management_bps, performance_bps)) }
}

/// `set_fee_recipient(recipient)` (admin).
pub fn set_fee_recipient(admin: &Pubkey, vault_key: &Pubkey, recipient: &Pubkey) -> Instruction {
    governance(admin, vault_key, data("set_fee_recipient", &recipient.to_bytes()))
}

/// Decodes a proposal account (discriminator, then borsh; trailing space ignored).
pub fn decode_proposal(data: &[u8]) -> Option<Proposal> {
    Proposal::decode(data)
}

/// `propose_change(change)` (admin, pays the proposal PDA `["proposal", vault, kind]`).
pub fn propose_change(admin: &Pubkey, vault_key: &Pubkey, change: &ConfigChange) -> Instruction {
    Instruction {
        program_id: PROGRAM_ID,
        accounts: vec![
            AccountMeta::new(*admin, true),
            AccountMeta::new_readonly(*vault_key, false),
            AccountMeta::new(pda::proposal(vault_key, change.kind()).0, false),
            AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
        ],
        data: data("propose_change", change),
    }
}

/// `apply_change()` for the pending proposal of `kind` (permissionless after its eta); the
/// rent goes back to `proposer`. For a fee change one oracle per asset follows: fees
/// are accrued at the old rates before the new ones apply.
pub fn apply_change(vault_key: &Pubkey, vault: &VaultState, kind: ProposalKind, proposer: &Pubkey) -> Instruction {
    let mut accounts = vec![
        AccountMeta::new(*vault_key, false),
        AccountMeta::new(pda::risk(vault_key).0, false),
        AccountMeta::new(pda::proposal(vault_key, kind).0, false),
        AccountMeta::new(*proposer, false),
        AccountMeta::new_readonly(pk(&vault.share_mint), false),
    ];
    if kind == ProposalKind::Fees {
        accounts.extend(oracles(vault));
    }
    Instruction { program_id: PROGRAM_ID, accounts, data: data("apply_change", &()) }
}

/// `apply_change()` of a pending oracle change (`ConfigChange::OracleChange`): the new oracle
/// account follows, read as `set_oracle` reads it.
pub fn apply_oracle_change(
    vault_key: &Pubkey,
    vault: &VaultState,
    change: &OracleChange,
    proposer: &Pubkey,
) -> Instruction {
    let mut ix = apply_change(vault_key, vault, ProposalKind::OracleChange, proposer);
    ix.accounts.push(AccountMeta::new_readonly(pk(&change.oracle), false));
    ix
}

/// `set_oracle(change)` (admin; refused under a timelock: propose `ConfigChange::OracleChange`
/// and [`apply_oracle_change`] instead).
pub fn set_oracle(admin: &Pubkey, vault_key: &Pubkey, change: &OracleChange) -> Instruction {
    Instruction {
        program_id: PROGRAM_ID,
        accounts: vec![
            AccountMeta::new_readonly(*admin, true),
            AccountMeta::new(*vault_key, false),
            AccountMeta::new_readonly(pk(&change.oracle), false),
        ],
        data: data("set_oracle", change),
    }
}

/// `cancel_change()` of the pending proposal of `kind` (admin or guardian).
pub fn cancel_change(signer: &Pubkey, vault_key: &Pubkey, kind: ProposalKind, proposer: &Pubkey) -> Instruction {
    Instruction {
        program_id: PROGRAM_ID,
        accounts: vec![
            AccountMeta::new_readonly(*signer, true),
            AccountMeta::new_readonly(*vault_key, false),
            AccountMeta::new(pda::proposal(vault_key, kind).0, false),
            AccountMeta::new(*proposer, false),
        ],
        data: data("cancel_change", &()),
    }
}

/// `set_allowlist(enabled)` (admin).
pub fn set_allowlist(admin: &Pubkey, vault_key: &Pubkey, enabled: bool) -> Instruction {
    governance(admin, vault_key, data("set_allowlist", &enabled))
}

/// `set_depositor(user, allowed)` (admin, pays the entry PDA `["allow", vault, user]`).
pub fn set_depositor(admin: &Pubkey, vault_key: &Pubkey, user: &Pubkey, allowed: bool) -> Instruction {
    Instruction {
        program_id: PROGRAM_ID,
        accounts: vec![
            AccountMeta::new(*admin, true),
            AccountMeta::new_readonly(*vault_key, false),
            AccountMeta::new(pda::allow_entry(vault_key, user).0, false),
            AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
        ],
        data: data("set_depositor", &(user.to_bytes(), allowed)),
    }
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

/// Length of `quote`'s return data.
pub const VAULT_QUOTE_LEN: usize = 108;

/// Decodes `quote`'s return data (exactly [`VAULT_QUOTE_LEN`] bytes).
pub fn decode_vault_quote(return_data: &[u8]) -> Option<VaultQuote> {
    if return_data.len() != VAULT_QUOTE_LEN {
        return None;
    }
    borsh::from_slice(return_data).ok()
}

/// What `quote` answers for `vault` and its `risk` state, a share mint supply of
/// `share_supply`, validated oracle `prices` (one per asset, registry order) at cluster time
/// `now`: the same core functions the program runs. `None` on arithmetic overflow.
pub fn expected_quote(
    vault: &VaultState,
    risk: &rpv_core::layout::RiskState,
    share_supply: u64,
    prices: &[rpv_core::price::OraclePrice],
    now: i64,
) -> Option<VaultQuote> {
    rpv_core::engine::quote::quote(vault, risk, share_supply, prices, now).ok()
}

/// `set_flow_params(params)` (admin; a raise of cost under a timelock: `propose_change` of
/// `ConfigChange::Flow`).
pub fn set_flow_params(admin: &Pubkey, vault_key: &Pubkey, params: FlowParams) -> Instruction {
    governance(admin, vault_key, data("set_flow_params", &params))
}

/// `request_deposit(id, amount)`: escrows `amount` base units from `owner_base_token` as
/// deposit request `id` (the queue's next id: `vault.flows.deposits.next_id`).
pub fn request_deposit(
    owner: &Pubkey,
    vault_key: &Pubkey,
    vault: &VaultState,
    owner_base_token: &Pubkey,
    id: u64,
    amount: u64,
) -> Instruction {
    let mut accounts = vec![
        AccountMeta::new(*owner, true),
        AccountMeta::new(*vault_key, false),
        AccountMeta::new(pda::request(vault_key, REQUEST_DEPOSIT, id).0, false),
        AccountMeta::new_readonly(pk(&vault.base_mint), false),
        AccountMeta::new(pk(&vault.flows.escrow), false),
        AccountMeta::new(*owner_base_token, false),
        AccountMeta::new_readonly(pk(&vault.base_token_program), false),
        AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
    ];
    accounts.extend(allow_entry(owner, vault_key, vault));
    Instruction { program_id: PROGRAM_ID, accounts, data: data("request_deposit", &(id, amount)) }
}

/// `request_withdraw(id, shares)`: burns `shares` from `owner_share_token` into withdrawal
/// request `id` (the queue's next id: `vault.flows.withdrawals.next_id`).
pub fn request_withdraw(
    owner: &Pubkey,
    vault_key: &Pubkey,
    vault: &VaultState,
    owner_share_token: &Pubkey,
    id: u64,
    shares: u64,
) -> Instruction {
    let accounts = vec![
        AccountMeta::new(*owner, true),
        AccountMeta::new(*vault_key, false),
        AccountMeta::new(pda::request(vault_key, REQUEST_WITHDRAW, id).0, false),
        AccountMeta::new(pk(&vault.share_mint), false),
        AccountMeta::new(*owner_share_token, false),
        AccountMeta::new_readonly(TOKEN_PROGRAM_ID, false),
        AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
    ];
    Instruction { program_id: PROGRAM_ID, accounts, data: data("request_withdraw", &(id, shares)) }
}

/// `settle_requests`: the keeper settles `requests` (request account addresses, each queue in
/// order from its head) and takes the incentive in `keeper_base_token`.
pub fn settle_requests(
    keeper: &Pubkey,
    vault_key: &Pubkey,
    vault: &VaultState,
    keeper_base_token: &Pubkey,
    requests: &[Pubkey],
) -> Instruction {
    let mut accounts = vec![
        AccountMeta::new_readonly(*keeper, true),
        AccountMeta::new(*vault_key, false),
        AccountMeta::new_readonly(pk(&vault.authority), false),
        AccountMeta::new_readonly(pk(&vault.base_mint), false),
        AccountMeta::new(pk(&vault.base_vault), false),
        AccountMeta::new(pk(&vault.flows.escrow), false),
        AccountMeta::new_readonly(pk(&vault.share_mint), false),
        AccountMeta::new(*keeper_base_token, false),
        AccountMeta::new_readonly(pk(&vault.base_token_program), false),
    ];
    accounts.extend(vault.active_assets().iter().map(|s| AccountMeta::new_readonly(pk(&s.oracle), false)));
    accounts.extend(requests.iter().map(|r| AccountMeta::new(*r, false)));
    Instruction { program_id: PROGRAM_ID, accounts, data: data("settle_requests", &()) }
}

fn request_action(
    name: &str,
    owner: &Pubkey,
    vault_key: &Pubkey,
    vault: &VaultState,
    request: &Pubkey,
    owner_base_token: &Pubkey,
    owner_share_token: &Pubkey,
) -> Instruction {
    let accounts = vec![
        AccountMeta::new(*owner, true),
        AccountMeta::new(*vault_key, false),
        AccountMeta::new(*request, false),
        AccountMeta::new_readonly(pk(&vault.authority), false),
        AccountMeta::new_readonly(pk(&vault.base_mint), false),
        AccountMeta::new(pk(&vault.flows.escrow), false),
        AccountMeta::new(pk(&vault.share_mint), false),
        AccountMeta::new(*owner_base_token, false),
        AccountMeta::new(*owner_share_token, false),
        AccountMeta::new_readonly(pk(&vault.base_token_program), false),
        AccountMeta::new_readonly(TOKEN_PROGRAM_ID, false),
    ];
    Instruction { program_id: PROGRAM_ID, accounts, data: data(name, &()) }
}

/// `claim_request`: pays `owner` what `request` has settled (shares for a deposit, base for a
/// withdrawal) and closes it once finished.
pub fn claim_request(
    owner: &Pubkey,
    vault_key: &Pubkey,
    vault: &VaultState,
    request: &Pubkey,
    owner_base_token: &Pubkey,
    owner_share_token: &Pubkey,
) -> Instruction {
    request_action("claim_request", owner, vault_key, vault, request, owner_base_token, owner_share_token)
}

/// `cancel_request`: gives `owner` back what `request` still has pending.
pub fn cancel_request(
    owner: &Pubkey,
    vault_key: &Pubkey,
    vault: &VaultState,
    request: &Pubkey,
    owner_base_token: &Pubkey,
    owner_share_token: &Pubkey,
) -> Instruction {
    request_action("cancel_request", owner, vault_key, vault, request, owner_base_token, owner_share_token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_quote_layout_is_108_bytes_and_round_trips() {
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
            nav_instant_withdraw: 9,
            nav_instant_deposit: 10,
        };
        let bytes = borsh::to_vec(&q).unwrap();
        assert_eq!(bytes.len(), VAULT_QUOTE_LEN);
        assert_eq!(decode_vault_quote(&bytes), Some(q));
        assert_eq!(decode_vault_quote(&bytes[..107]), None);
        assert_eq!(quote(&Pubkey::new_unique(), &<VaultState as bytemuck::Zeroable>::zeroed()).accounts.len(), 3);
    }
}
