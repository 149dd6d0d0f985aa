//! The on-chain commands: `init`, `deposit`, `withdraw`, `redeem-in-kind`, `apply-change`
//! (and the reads they share with `show`). Each builds its instructions with `rpv_sdk::ix`,
//! sends them through a [`Chain`] and reports what changed, read back from the accounts.

use std::str::FromStr;

use rpv_core::{
    fixed_point::Fx,
    layout::{AssetSlot, OracleKind, RebalanceConfig, RiskState, VaultState, MAX_ASSETS},
    math::{amount_for_shares, mul_div, shares_for_deposit, Rounding},
    price::OraclePrice,
    pyth::{self, FeedPolicy},
    switchboard::{self, SwitchboardPolicy},
    valuation::needs_own_oracle,
    CoreError,
};
use rpv_sdk::{
    ata, decode_risk, decode_vault,
    ix::{self, AddAssetArgs, ConfigChange, InitializeVaultArgs, OptionSeriesArgs, RiskParams, VaultQuote},
    pda, pk, Instruction, Pubkey, TOKEN_PROGRAM_ID,
};
use serde_json::{json, Value};
use solana_account::Account;
use solana_clock::Clock;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::{
    args::{format_amount, parse_amount},
    chain::{data_of, token_balance, Chain, Sent},
    config::VaultConfig,
};

/// Default bound on how far the result may fall below the expected one (1 %).
pub const DEFAULT_SLIPPAGE_BPS: u16 = 100;

/// The vault and risk accounts, decoded.
pub struct Loaded {
    pub key: Pubkey,
    pub vault: VaultState,
    pub risk: RiskState,
}

pub fn load(chain: &mut dyn Chain, key: &Pubkey) -> Result<Loaded, String> {
    let data = data_of(chain, key, "vault")?;
    let vault = decode_vault(&data).map_err(|e| format!("{key}: {e}"))?;
    let risk_key = pda::risk(key).0;
    let risk = decode_risk(&data_of(chain, &risk_key, "risk account")?).map_err(|e| format!("{risk_key}: {e}"))?;
    Ok(Loaded { key: *key, vault, risk })
}

/// Reads slot `slot`'s oracle from `account` as the program does, with maximum age `max_age`
/// (the slot's own when `None`; seconds for Pyth, slots for Switchboard) and confidence bound
/// `max_conf_bps` (the slot's own when `None`).
pub fn read_oracle(
    slot: &AssetSlot,
    account: Option<&Account>,
    clock: &Clock,
    max_age: Option<u64>,
    max_conf_bps: Option<u16>,
) -> Result<OraclePrice, CoreError> {
    let a = account.ok_or(CoreError::OracleInvalidAccount)?;
    let conf = max_conf_bps.unwrap_or(slot.max_conf_bps);
    let age = max_age.unwrap_or(u64::from(slot.max_oracle_age));
    match OracleKind::from_u8(slot.oracle_kind) {
        Some(OracleKind::Pyth) => pyth::read_price(
            &a.owner.to_bytes(),
            &a.data,
            &FeedPolicy { feed_id: &slot.feed_id, max_age: u32::try_from(age).unwrap_or(u32::MAX), max_conf_bps: conf },
            clock.unix_timestamp,
        ),
        Some(OracleKind::Switchboard) => switchboard::read_price(
            &a.owner.to_bytes(),
            &a.data,
            &SwitchboardPolicy { max_stale_slots: age, max_conf_bps: conf, feed_hash: Some(slot.feed_id) },
            clock.slot,
        ),
        None => Err(CoreError::OracleInvalidAccount),
    }
}

/// Validated prices of every slot (zero for an expired series, as the program), or the first
/// failure with the slot it came from.
pub fn fresh_prices(
    chain: &mut dyn Chain,
    v: &VaultState,
    clock: &Clock,
) -> Result<[OraclePrice; MAX_ASSETS], (usize, CoreError)> {
    let keys: Vec<Pubkey> = v.active_assets().iter().map(|a| pk(&a.oracle)).collect();
    let accounts = chain.accounts(&keys).map_err(|_| (0, CoreError::OracleInvalidAccount))?;
    let mut prices = [OraclePrice { price: 0, conf: 0, expo: 0, publish_time: 0 }; MAX_ASSETS];
    for (i, slot) in v.active_assets().iter().enumerate() {
        if needs_own_oracle(v, i, clock.unix_timestamp) {
            prices[i] = read_oracle(slot, accounts[i].as_ref(), clock, None, None).map_err(|e| (i, e))?;
        }
    }
    Ok(prices)
}

fn core_name(e: CoreError) -> String {
    format!("{e:?}")
}

fn send_step(
    chain: &mut dyn Chain,
    steps: &mut Vec<Value>,
    label: &str,
    ixs: &[Instruction],
    signers: &[&Keypair],
) -> Result<Sent, String> {
    let sent = chain.send(label, ixs, signers)?;
    steps.push(json!({"step": label, "signature": sent.signature, "compute_units": sent.compute_units}));
    Ok(sent)
}

/// Sends `refresh` (and `update_positions` for vaults with options) when the risk state is
/// too old for deposits and withdrawals. Returns whether it did.
pub fn refresh_if_stale(
    chain: &mut dyn Chain,
    l: &mut Loaded,
    payer: &Keypair,
    steps: &mut Vec<Value>,
) -> Result<bool, String> {
    let now = chain.clock()?.unix_timestamp;
    if l.vault.risk_is_fresh(now) {
        return Ok(false);
    }
    send_step(chain, steps, "refresh (the risk state was stale)", &ix::refresh_all(&l.key, &l.vault), &[payer])?;
    *l = load(chain, &l.key)?;
    Ok(true)
}

// ---- init ---------------------------------------------------------------------------------

/// Fills in the addresses `--svm` creates: the base mint, each asset's mint and oracle; and
/// funds the admin's seed deposit.
pub fn svm_prepare(chain: &mut dyn Chain, cfg: &VaultConfig, admin: &Pubkey) -> Result<VaultConfig, String> {
    cfg.check_svm_prices()?;
    let svm = chain.svm().ok_or("internal: not an SVM target")?;
    let mut out = cfg.clone();
    let base_program = cfg.base_token_program.unwrap_or(TOKEN_PROGRAM_ID);
    let base = svm.create_mint("base", cfg.base_decimals, &base_program)?;
    out.base_mint = Some(base);
    out.base_token_program = Some(base_program);
    for a in out.assets.iter_mut() {
        let program = a.token_program.unwrap_or(TOKEN_PROGRAM_ID);
        a.mint = Some(svm.create_mint(&a.symbol, a.decimals, &program)?);
        a.token_program = Some(program);
        let price = a.svm_price.expect("checked by check_svm_prices");
        a.oracle = Some(svm.create_oracle(&a.symbol, a.oracle_kind, a.feed_id, price, a.svm_conf_bps)?);
    }
    svm.fund(admin, &base, cfg.seed_deposit)?;
    Ok(out)
}

/// The program's `set_risk_params` timelock rule: whether `p` raises risk over the state in
/// force (then it must wait for the timelock).
pub fn risk_params_raise(p: &RiskParams, v: &VaultState, r: &RiskState) -> bool {
    let ratio = |num: u32, den: u32| Fx::from_num(num) / Fx::from_num(den);
    !(p.method == r.method
        && ratio(p.lambda_ppm, 1_000_000) == r.lambda.get()
        && i64::from(p.horizon_secs) == r.horizon
        && p.min_sample_interval == r.min_sample_interval
        && ratio(p.vol_target_bps, 10_000) <= r.vol_target.get()
        && ratio(p.max_leverage_bps, 10_000) <= r.max_leverage.get()
        && ratio(p.rc_tolerance_ppb, 1_000_000_000) <= r.rc_tolerance.get()
        && ratio(p.prior_vol_bps, 10_000) >= r.prior_vol.get()
        && p.band_bps <= r.band_bps
        && p.max_risk_age <= v.max_risk_age)
}

fn config_of(r: &RiskState) -> RebalanceConfig {
    r.rebalance
}

fn kind_name(kind: u8) -> &'static str {
    match kind {
        0 => "risk-params",
        1 => "budgets",
        2 => "fees",
        _ => "rebalance",
    }
}

/// Proposes `change` unless the same change is already pending; returns the pending entry.
fn propose(
    chain: &mut dyn Chain,
    admin: &Keypair,
    vault: &Pubkey,
    change: ConfigChange,
    steps: &mut Vec<Value>,
) -> Result<Value, String> {
    let kind = change.kind();
    let key = pda::proposal(vault, kind).0;
    if let Some(acct) = chain.account(&key)? {
        let p = ix::decode_proposal(&acct.data).ok_or_else(|| format!("{key} is not a proposal account"))?;
        if p.change != change {
            return Err(format!(
                "a different {} change is already pending (eta {}); cancel it first",
                kind_name(kind),
                p.eta
            ));
        }
        return Ok(json!({"kind": kind_name(kind), "proposal": key.to_string(), "eta": p.eta}));
    }
    send_step(
        chain,
        steps,
        &format!("propose_change ({})", kind_name(kind)),
        &[ix::propose_change(&admin.pubkey(), vault, &change)],
        &[admin],
    )?;
    let acct = chain.account(&key)?.ok_or("the proposal was not created")?;
    let p = ix::decode_proposal(&acct.data).ok_or("the proposal does not decode")?;
    Ok(json!({"kind": kind_name(kind), "proposal": key.to_string(), "eta": p.eta}))
}

/// `rpv init`: everything the configuration asks for, skipping what is already on chain (so a
/// run that stopped half-way can be repeated). Returns the report.
pub fn init(chain: &mut dyn Chain, cfg: &VaultConfig, admin: &Keypair) -> Result<Value, String> {
    let admin_key = admin.pubkey();
    let base_mint = cfg.base_mint.ok_or("vault.base_mint is required")?;
    let mint_account = chain.account(&base_mint)?.ok_or_else(|| format!("base mint {base_mint} does not exist"))?;
    let base_program = mint_account.owner;
    if cfg.base_token_program.is_some_and(|p| p != base_program) {
        return Err(format!("base mint {base_mint} is owned by {base_program}, not the configured token program"));
    }
    let (vault_key, _) = pda::vault(&admin_key, cfg.vault_id);
    let mut steps = vec![];
    let mut pending = vec![];
    let mut warnings: Vec<String> = vec![];

    // 1. the vault
    if chain.account(&vault_key)?.is_none() {
        let (create, admin_base) = ata::create_idempotent(&admin_key, &admin_key, &base_mint, &base_program);
        let have = token_balance(chain, &admin_base)?;
        if have < cfg.seed_deposit {
            return Err(format!(
                "the admin's base token account {admin_base} holds {have} base units; the seed deposit needs {}",
                cfg.seed_deposit
            ));
        }
        let mut args =
            InitializeVaultArgs::new(cfg.vault_id, cfg.deposit_cap, cfg.min_deposit, cfg.seed_deposit, &admin_key);
        args.fee_recipient = cfg.fee_recipient.unwrap_or(admin_key).to_bytes();
        args.max_management_fee_bps = cfg.max_management_fee_bps;
        args.max_performance_fee_bps = cfg.max_performance_fee_bps;
        args.management_fee_bps = cfg.management_fee_bps;
        args.performance_fee_bps = cfg.performance_fee_bps;
        args.timelock_secs = cfg.timelock_secs;
        args.allowlist = cfg.allowlist;
        send_step(
            chain,
            &mut steps,
            "initialize_vault",
            &[create, ix::initialize_vault(&admin_key, &base_mint, &base_program, &admin_base, args)],
            &[admin],
        )?;
    } else {
        warnings.push(format!("vault {vault_key} already exists: continuing from its state"));
    }
    let mut l = load(chain, &vault_key)?;
    if l.vault.admin != admin_key.to_bytes() {
        return Err(format!("vault {vault_key} has another admin"));
    }
    if l.vault.base_mint != base_mint.to_bytes() {
        return Err(format!("vault {vault_key} has another base mint"));
    }

    // 2. risk, rebalancing and option parameters
    let timelocked = l.vault.timelock_secs > 0;
    if cfg.risk != RiskParams::default() || !timelocked {
        if !timelocked || !risk_params_raise(&cfg.risk, &l.vault, &l.risk) {
            send_step(
                chain,
                &mut steps,
                "set_risk_params",
                &[ix::set_risk_params(&admin_key, &vault_key, cfg.risk)],
                &[admin],
            )?;
        } else {
            pending.push(propose(chain, admin, &vault_key, ConfigChange::RiskParams(cfg.risk), &mut steps)?);
        }
    }
    let wanted: RebalanceConfig = RebalanceConfig {
        cooldown_secs: cfg.rebalance.cooldown_secs,
        max_oracle_age: cfg.rebalance.max_oracle_age,
        max_leg_bps: cfg.rebalance.max_leg_bps,
        max_turnover_bps: cfg.rebalance.max_turnover_bps,
        max_reduction_bps: cfg.rebalance.max_reduction_bps,
        keeper_bps: cfg.rebalance.keeper_bps,
        max_slippage_bps: cfg.rebalance.max_slippage_bps,
        incentive_budget_ppm: cfg.rebalance.incentive_budget_ppm,
    };
    if wanted != config_of(&l.risk) {
        if !timelocked || !config_of(&l.risk).raised_by(&wanted) {
            send_step(
                chain,
                &mut steps,
                "set_rebalance_params",
                &[ix::set_rebalance_params(&admin_key, &vault_key, cfg.rebalance)],
                &[admin],
            )?;
        } else {
            pending.push(propose(chain, admin, &vault_key, ConfigChange::Rebalance(cfg.rebalance), &mut steps)?);
        }
    }
    if let Some(o) = cfg.options {
        send_step(
            chain,
            &mut steps,
            "set_option_params",
            &[ix::set_option_params(&admin_key, &vault_key, o)],
            &[admin],
        )?;
    }

    // 3. assets, in order
    let now = chain.clock()?.unix_timestamp;
    l = load(chain, &vault_key)?;
    let registered = usize::from(l.vault.num_assets);
    if registered > cfg.assets.len() {
        return Err(format!("vault {vault_key} has {registered} assets, the configuration {}", cfg.assets.len()));
    }
    let mut assets = vec![];
    for (i, a) in cfg.assets.iter().enumerate() {
        let mint = a.mint.ok_or_else(|| format!("asset {}: mint is required", a.symbol))?;
        let oracle = a.oracle.ok_or_else(|| format!("asset {}: oracle is required", a.symbol))?;
        if i < registered {
            if l.vault.assets[i].mint != mint.to_bytes() {
                return Err(format!(
                    "vault {vault_key} registered {} as asset {i}, the configuration {} ({mint})",
                    pk(&l.vault.assets[i].mint),
                    a.symbol
                ));
            }
        } else {
            let program = match a.token_program {
                Some(p) => p,
                None => {
                    chain
                        .account(&mint)?
                        .ok_or_else(|| format!("asset {}: mint {mint} does not exist", a.symbol))?
                        .owner
                }
            };
            let args = AddAssetArgs {
                oracle_kind: a.oracle_kind,
                feed_id: a.feed_id,
                max_oracle_age: a.max_oracle_age,
                max_conf_bps: a.max_conf_bps,
                risk_budget: a.budget_ppb,
            };
            let ix = match &a.option {
                None => ix::add_asset(&admin_key, &vault_key, &mint, &program, &oracle, args),
                Some(o) => ix::add_option(
                    &admin_key,
                    &vault_key,
                    &mint,
                    &program,
                    &oracle,
                    args,
                    OptionSeriesArgs {
                        kind: o.kind,
                        underlying: o.underlying,
                        strike_bits: o.strike_bits,
                        contract_size_bits: o.contract_size_bits,
                        expiry: o.expiry.resolve(now),
                    },
                ),
            };
            let what = if a.option.is_some() { "add_option" } else { "add_asset" };
            send_step(chain, &mut steps, &format!("{what} {}", a.symbol), &[ix], &[admin])?;
        }
        assets.push(json!({
            "index": i, "symbol": a.symbol, "mint": mint.to_string(), "oracle": oracle.to_string(),
            "kind": match &a.option { None => "spot", Some(o) if o.kind == 1 => "call", Some(_) => "put" },
            "budget_ppb": a.budget_ppb,
        }));
    }

    // 4. depositors
    for d in &cfg.depositors {
        if chain.account(&pda::allow_entry(&vault_key, d).0)?.is_none() {
            send_step(
                chain,
                &mut steps,
                &format!("set_depositor {d}"),
                &[ix::set_depositor(&admin_key, &vault_key, d, true)],
                &[admin],
            )?;
        }
    }

    // 5. a first refresh, so deposits can start
    l = load(chain, &vault_key)?;
    if l.vault.num_assets > 0 {
        let is_svm = chain.svm().is_some();
        match refresh_if_stale(chain, &mut l, admin, &mut steps) {
            Ok(_) => {}
            Err(e) if !is_svm => warnings.push(format!("{e} (deposits wait for a keeper's refresh)")),
            Err(e) => return Err(e),
        }
    }
    if let Some(svm) = chain.svm() {
        svm.file.vaults.retain(|v| *v != vault_key.to_string());
        svm.file.vaults.push(vault_key.to_string());
    }
    Ok(json!({
        "vault": vault_key.to_string(),
        "admin": admin_key.to_string(),
        "base_mint": base_mint.to_string(),
        "base_token_program": base_program.to_string(),
        "share_mint": pda::share_mint(&vault_key).0.to_string(),
        "risk": pda::risk(&vault_key).0.to_string(),
        "authority": pda::authority(&vault_key).0.to_string(),
        "assets": assets,
        "transactions": steps,
        "pending_changes": pending,
        "warnings": warnings,
    }))
}

pub fn init_text(r: &Value) -> String {
    let mut s = format!(
        "vault {}\n  admin {}\n  base mint {}\n  share mint {}\n",
        r["vault"].as_str().unwrap_or(""),
        r["admin"].as_str().unwrap_or(""),
        r["base_mint"].as_str().unwrap_or(""),
        r["share_mint"].as_str().unwrap_or("")
    );
    for a in r["assets"].as_array().into_iter().flatten() {
        s += &format!(
            "  asset {} {} ({}): mint {}, oracle {}, budget {:.4}\n",
            a["index"],
            a["symbol"].as_str().unwrap_or(""),
            a["kind"].as_str().unwrap_or(""),
            a["mint"].as_str().unwrap_or(""),
            a["oracle"].as_str().unwrap_or(""),
            a["budget_ppb"].as_u64().unwrap_or(0) as f64 / 1e9
        );
    }
    for t in r["transactions"].as_array().into_iter().flatten() {
        s += &format!("  tx {}: {}\n", t["step"].as_str().unwrap_or(""), t["signature"].as_str().unwrap_or(""));
    }
    for p in r["pending_changes"].as_array().into_iter().flatten() {
        s += &format!(
            "  pending {} change until {} (timelock): then `rpv apply-change --vault {} --kind {}`\n",
            p["kind"].as_str().unwrap_or(""),
            p["eta"],
            r["vault"].as_str().unwrap_or(""),
            p["kind"].as_str().unwrap_or("")
        );
    }
    for w in r["warnings"].as_array().into_iter().flatten() {
        s += &format!("  note: {}\n", w.as_str().unwrap_or(""));
    }
    s.trim_end().to_string()
}

// ---- deposit / withdraw / redeem in kind --------------------------------------------------

/// NAV (down, up) and total shares after fees for a flow now, from fresh oracle reads.
fn quote_now(chain: &mut dyn Chain, l: &Loaded) -> Result<VaultQuote, String> {
    let clock = chain.clock()?;
    let prices = fresh_prices(chain, &l.vault, &clock).map_err(|(i, e)| {
        format!("cannot price the vault: asset {i} ({}): {}", pk(&l.vault.assets[i].mint), core_name(e))
    })?;
    let supply = rpv_core::token::parse_mint(&data_of(chain, &pk(&l.vault.share_mint), "share mint")?)
        .map_err(|e| format!("share mint: {e}"))?
        .supply;
    let n = usize::from(l.vault.num_assets);
    VaultQuote::expected(&l.vault, &l.risk, supply, &prices[..n], clock.unix_timestamp)
        .ok_or_else(|| "cannot price the vault: arithmetic overflow".to_string())
}

fn below(x: u64, slippage_bps: u16) -> u64 {
    mul_div(x, 10_000 - u64::from(slippage_bps), 10_000, Rounding::Down).unwrap_or(0)
}

/// `rpv deposit`: `amount` of the base token (decimal, whole tokens) for shares.
pub fn deposit(
    chain: &mut dyn Chain,
    vault_key: &Pubkey,
    user: &Keypair,
    amount: &str,
    min_shares: Option<&str>,
    slippage_bps: u16,
) -> Result<Value, String> {
    let mut l = load(chain, vault_key)?;
    let decimals = l.vault.base_decimals;
    let amount = parse_amount(amount, decimals, "--amount")?;
    if amount == 0 {
        return Err("--amount must be positive".into());
    }
    let user_key = user.pubkey();
    let base_mint = pk(&l.vault.base_mint);
    let base_program = pk(&l.vault.base_token_program);
    let share_mint = pk(&l.vault.share_mint);
    if let Some(svm) = chain.svm() {
        svm.fund(&user_key, &base_mint, amount)?;
    }
    let user_base = ata::address(&user_key, &base_mint, &base_program);
    let have = token_balance(chain, &user_base)?;
    if have < amount {
        return Err(format!(
            "{user_key}'s base token account {user_base} holds {}; the deposit needs {}",
            format_amount(have, decimals),
            format_amount(amount, decimals)
        ));
    }
    let mut steps = vec![];
    refresh_if_stale(chain, &mut l, user, &mut steps)?;
    let q = quote_now(chain, &l)?;
    let expected = shares_for_deposit(amount, q.total_shares, q.nav_round_up).map_err(core_name)?;
    let min = match min_shares {
        Some(m) => parse_amount(m, decimals, "--min-shares")?,
        None => below(expected, slippage_bps),
    };
    let (create, user_shares) = ata::create_idempotent(&user_key, &user_key, &share_mint, &TOKEN_PROGRAM_ID);
    let before = token_balance(chain, &user_shares)?;
    let dep = ix::deposit(&user_key, vault_key, &l.vault, &user_base, &user_shares, amount, min);
    let sent = send_step(chain, &mut steps, "deposit", &[create, dep], &[user])?;
    let after = token_balance(chain, &user_shares)?;
    Ok(json!({
        "action": "deposit",
        "vault": vault_key.to_string(),
        "user": user_key.to_string(),
        "decimals": decimals,
        "amount": amount,
        "expected_shares": expected,
        "min_shares": min,
        "shares": after - before,
        "share_account": user_shares.to_string(),
        "share_balance": after,
        "nav": q.nav,
        "signature": sent.signature,
        "transactions": steps,
    }))
}

/// Shares from `--shares X` (decimal) or `--all` (the whole balance).
fn shares_arg(balance: u64, shares: Option<&str>, all: bool, decimals: u8) -> Result<u64, String> {
    let s = match (shares, all) {
        (Some(_), true) => return Err("give either --shares or --all, not both".into()),
        (None, false) => return Err("needs --shares AMOUNT or --all".into()),
        (Some(s), false) => parse_amount(s, decimals, "--shares")?,
        (None, true) => balance,
    };
    if s == 0 {
        return Err("no shares to redeem (the share balance is zero)".into());
    }
    if s > balance {
        return Err(format!(
            "the share account holds {} shares, fewer than {}",
            format_amount(balance, decimals),
            format_amount(s, decimals)
        ));
    }
    Ok(s)
}

/// `rpv withdraw`: shares for the base token at NAV.
pub fn withdraw(
    chain: &mut dyn Chain,
    vault_key: &Pubkey,
    user: &Keypair,
    shares: Option<&str>,
    all: bool,
    min_out: Option<&str>,
    slippage_bps: u16,
) -> Result<Value, String> {
    let mut l = load(chain, vault_key)?;
    let decimals = l.vault.base_decimals;
    let user_key = user.pubkey();
    let base_mint = pk(&l.vault.base_mint);
    let base_program = pk(&l.vault.base_token_program);
    let user_shares = ata::address(&user_key, &pk(&l.vault.share_mint), &TOKEN_PROGRAM_ID);
    let balance = token_balance(chain, &user_shares)?;
    let s = shares_arg(balance, shares, all, decimals)?;
    let mut steps = vec![];
    refresh_if_stale(chain, &mut l, user, &mut steps)?;
    let q = quote_now(chain, &l)?;
    let expected = amount_for_shares(s, q.total_shares, q.nav).map_err(core_name)?;
    let min = match min_out {
        Some(m) => parse_amount(m, decimals, "--min-out")?,
        None => below(expected, slippage_bps),
    };
    let (create, user_base) = ata::create_idempotent(&user_key, &user_key, &base_mint, &base_program);
    let before = token_balance(chain, &user_base)?;
    let wd = ix::withdraw(&user_key, vault_key, &l.vault, &user_base, &user_shares, s, min);
    let sent = send_step(chain, &mut steps, "withdraw", &[create, wd], &[user])?;
    let after = token_balance(chain, &user_base)?;
    Ok(json!({
        "action": "withdraw",
        "vault": vault_key.to_string(),
        "user": user_key.to_string(),
        "decimals": decimals,
        "shares": s,
        "expected_amount": expected,
        "min_amount": min,
        "amount": after - before,
        "base_account": user_base.to_string(),
        "share_balance": token_balance(chain, &user_shares)?,
        "nav": q.nav,
        "signature": sent.signature,
        "transactions": steps,
    }))
}

/// `rpv redeem-in-kind`: shares for the pro-rata part of every holding (no oracle needed).
#[allow(clippy::too_many_arguments)]
pub fn redeem_in_kind(
    chain: &mut dyn Chain,
    vault_key: &Pubkey,
    user: &Keypair,
    shares: Option<&str>,
    all: bool,
    min_amounts: Option<&str>,
    slippage_bps: u16,
    labels: &dyn Fn(&Pubkey) -> String,
) -> Result<Value, String> {
    let l = load(chain, vault_key)?;
    let v = &l.vault;
    let decimals = v.base_decimals;
    let user_key = user.pubkey();
    let user_shares = ata::address(&user_key, &pk(&v.share_mint), &TOKEN_PROGRAM_ID);
    let balance = token_balance(chain, &user_shares)?;
    let s = shares_arg(balance, shares, all, decimals)?;
    // holdings: base first, then each asset (mint, token program, decimals, accounted quantity)
    let mut holdings = vec![(pk(&v.base_mint), pk(&v.base_token_program), v.base_decimals, v.base_quantity)];
    holdings.extend(v.active_assets().iter().map(|a| (pk(&a.mint), pk(&a.token_program), a.decimals, a.quantity)));
    let now = chain.clock()?.unix_timestamp;
    let supply = rpv_core::token::parse_mint(&data_of(chain, &pk(&v.share_mint), "share mint")?)
        .map_err(|e| format!("share mint: {e}"))?
        .supply;
    let total = v.total_shares_after_fees(supply, None, now).map_err(core_name)?;
    let expected: Vec<u64> = holdings.iter().map(|h| mul_div(s, h.3, total, Rounding::Down).unwrap_or(0)).collect();
    let mins: Vec<u64> = match min_amounts {
        Some(text) => {
            let parts: Vec<&str> = text.split(',').map(str::trim).collect();
            if parts.len() != holdings.len() {
                return Err(format!(
                    "--min-amounts needs {} values (the base, then each asset in registry order), got {}",
                    holdings.len(),
                    parts.len()
                ));
            }
            parts.iter().zip(&holdings).map(|(p, h)| parse_amount(p, h.2, "--min-amounts")).collect::<Result<_, _>>()?
        }
        None => expected.iter().map(|e| below(*e, slippage_bps)).collect(),
    };
    let mut steps = vec![];
    let mut accounts = vec![];
    let mut creates = vec![];
    for (mint, program, _, _) in &holdings {
        let (create, account) = ata::create_idempotent(&user_key, &user_key, mint, program);
        if chain.account(&account)?.is_none() {
            creates.push(create);
        }
        accounts.push(account);
    }
    for chunk in creates.chunks(4) {
        send_step(chain, &mut steps, "create token accounts", chunk, &[user])?;
    }
    let before: Vec<u64> = accounts.iter().map(|a| token_balance(chain, a)).collect::<Result<_, _>>()?;
    let ix = ix::redeem_in_kind(&user_key, vault_key, v, &user_shares, &accounts, s, mins.clone());
    let sent = send_step(chain, &mut steps, "redeem_in_kind", &[ix], &[user]).map_err(|e| {
        if e.contains("more than the") {
            format!("{e}: {} holdings need an address lookup table, which the CLI does not build yet", holdings.len())
        } else {
            e
        }
    })?;
    let mut received = vec![];
    for (k, (a, h)) in accounts.iter().zip(&holdings).enumerate() {
        let after = token_balance(chain, a)?;
        received.push(json!({
            "mint": h.0.to_string(),
            "label": if k == 0 { "base".to_string() } else { labels(&h.0) },
            "decimals": h.2,
            "account": a.to_string(),
            "expected": expected[k],
            "min": mins[k],
            "amount": after - before[k],
        }));
    }
    Ok(json!({
        "action": "redeem_in_kind",
        "vault": vault_key.to_string(),
        "user": user_key.to_string(),
        "shares": s,
        "decimals": decimals,
        "received": received,
        "share_balance": token_balance(chain, &user_shares)?,
        "signature": sent.signature,
        "transactions": steps,
    }))
}

pub fn flow_text(r: &Value) -> String {
    let d = r["decimals"].as_u64().unwrap_or(0) as u8;
    let amt = |k: &str| format_amount(r[k].as_u64().unwrap_or(0), d);
    let mut s = match r["action"].as_str() {
        Some("deposit") => format!(
            "deposited {} base into {} → {} shares (expected {}, minimum {}); share balance {}",
            amt("amount"),
            r["vault"].as_str().unwrap_or(""),
            amt("shares"),
            amt("expected_shares"),
            amt("min_shares"),
            amt("share_balance")
        ),
        Some("withdraw") => format!(
            "withdrew {} shares from {} → {} base (expected {}, minimum {}); share balance {}",
            amt("shares"),
            r["vault"].as_str().unwrap_or(""),
            amt("amount"),
            amt("expected_amount"),
            amt("min_amount"),
            amt("share_balance")
        ),
        _ => {
            let mut s = format!("redeemed {} shares of {} in kind:", amt("shares"), r["vault"].as_str().unwrap_or(""));
            for h in r["received"].as_array().into_iter().flatten() {
                let hd = h["decimals"].as_u64().unwrap_or(0) as u8;
                s += &format!(
                    "\n  {} {} (expected {})",
                    h["label"].as_str().unwrap_or(""),
                    format_amount(h["amount"].as_u64().unwrap_or(0), hd),
                    format_amount(h["expected"].as_u64().unwrap_or(0), hd)
                );
            }
            s + &format!("\n  share balance {}", amt("share_balance"))
        }
    };
    for t in r["transactions"].as_array().into_iter().flatten() {
        s += &format!("\n  tx {}: {}", t["step"].as_str().unwrap_or(""), t["signature"].as_str().unwrap_or(""));
    }
    s
}

// ---- apply-change -------------------------------------------------------------------------

/// `rpv apply-change`: applies the pending timelocked change of `kind` once its eta passed.
pub fn apply_change(chain: &mut dyn Chain, vault_key: &Pubkey, payer: &Keypair, kind: &str) -> Result<Value, String> {
    let k = match kind {
        "risk-params" => 0,
        "budgets" => 1,
        "fees" => 2,
        "rebalance" => 3,
        other => return Err(format!("--kind `{other}` is not risk-params, budgets, fees or rebalance")),
    };
    let l = load(chain, vault_key)?;
    let key = pda::proposal(vault_key, k).0;
    let acct = chain.account(&key)?.ok_or_else(|| format!("no pending {kind} change for {vault_key}"))?;
    let p = ix::decode_proposal(&acct.data).ok_or_else(|| format!("{key} is not a proposal"))?;
    let now = chain.clock()?.unix_timestamp;
    if now < p.eta {
        return Err(format!("the {kind} change applies from {} ({} s from now)", p.eta, p.eta - now));
    }
    let mut steps = vec![];
    let sent = send_step(
        chain,
        &mut steps,
        &format!("apply_change ({kind})"),
        &[ix::apply_change(vault_key, &l.vault, k, &pk(&p.proposer))],
        &[payer],
    )?;
    Ok(json!({"action": "apply_change", "vault": vault_key.to_string(), "kind": kind, "signature": sent.signature}))
}

/// A vault address from `--vault`, or (with `--svm`) the last vault initialised in the state.
pub fn vault_arg(chain: &mut dyn Chain, flag: Option<&str>) -> Result<Pubkey, String> {
    match flag {
        Some(v) => Pubkey::from_str(v).map_err(|_| format!("--vault `{v}` is not a base58 address")),
        None => chain.svm().and_then(|s| s.last_vault()).ok_or_else(|| "needs --vault ADDRESS".to_string()),
    }
}
