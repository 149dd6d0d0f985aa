//! A sandbox vault on the embedded SVM, built only through the program's instructions: mints,
//! Pyth accounts, `initialize_vault`, `add_asset` / `add_option`, budgets, risk and rebalancing
//! parameters, a first `refresh`, then a depositor's base deposit (and option tokens in kind).
//! Right after creation every spot leg is far below its target (the deposit sits in base):
//! the mis-weighted vault a keeper has to bring inside its bands. Used by the keeper's
//! `--embedded` mode, the market demo and the tests (the keeper's, and [`crate::client`]'s).

use rpv_core::layout::BUDGET_ONE;

use super::LocalSvm;
use crate::{ix, pda, Pubkey, TOKEN_PROGRAM_ID};
use solana_keypair::Keypair;
use solana_signer::Signer;

/// A spot asset: symbol, decimals, price mantissa at exponent −8.
#[derive(Clone, Debug)]
pub struct AssetSpec {
    pub symbol: String,
    pub decimals: u8,
    pub price: i64,
}

/// An option series on an earlier spot slot, held by the vault.
#[derive(Clone, Debug)]
pub struct OptionSpec {
    pub kind: ix::OptionKind,
    pub underlying: u8,
    /// Strike in base currency per whole unit of the underlying.
    pub strike: f64,
    /// Seconds from creation to expiry.
    pub expires_in: i64,
    /// Implied vol its feed publishes.
    pub iv: f64,
    /// Option tokens (6 decimals) a depositor puts in the vault.
    pub quantity: u64,
}

/// What to build.
#[derive(Clone, Debug)]
pub struct Spec {
    pub assets: Vec<AssetSpec>,
    pub options: Vec<OptionSpec>,
    /// Base units (6 decimals) a depositor puts in after the first refresh.
    pub deposit: u64,
    /// 0 = inverse volatility, 1 = risk budgeting (weights submitted by keepers).
    pub method: u8,
    pub rebalance: ix::RebalanceParams,
    /// Each asset's maximum oracle age, seconds.
    pub max_oracle_age: u32,
    /// Confidence of every price, parts per 10,000 of the price.
    pub conf_bps: u64,
}

impl Spec {
    /// SOL ($150), BTC ($97,000), ETH ($3,400); 1,000,000 USDC deposited; risk budgeting;
    /// rebalancing caps opened wide (1-minute cooldown, whole-NAV legs and days) so a keeper can
    /// bring the vault inside its bands in a few ticks.
    pub fn spot() -> Self {
        Self {
            assets: vec![
                AssetSpec { symbol: "SOL".into(), decimals: 9, price: 15_000_000_000 },
                AssetSpec { symbol: "BTC".into(), decimals: 8, price: 9_700_000_000_000 },
                AssetSpec { symbol: "ETH".into(), decimals: 8, price: 340_000_000_000 },
            ],
            options: vec![],
            deposit: 1_000_000_000_000,
            method: 1,
            rebalance: ix::loose_rebalance_params(),
            max_oracle_age: 60,
            conf_bps: 5,
        }
    }
}

/// One registered slot's token and oracle.
#[derive(Clone, Debug)]
pub struct Feed {
    pub symbol: String,
    pub mint: Pubkey,
    pub decimals: u8,
    pub oracle: Pubkey,
    pub feed: [u8; 32],
    /// Mantissa at exponent −8 (an implied vol for an option series).
    pub price: i64,
    pub is_option: bool,
}

/// The sandbox vault.
pub struct Sandbox {
    pub admin: Keypair,
    pub vault: Pubkey,
    pub base_mint: Pubkey,
    /// One per slot, in registry order.
    pub feeds: Vec<Feed>,
    pub conf_bps: u64,
    rng: u64,
}

fn err(what: &str) -> impl Fn(crate::svm::Failed) -> String + '_ {
    move |f| format!("{what} failed: {}", f.summary())
}

impl Sandbox {
    /// Builds the vault described by `spec` on `svm` (module doc); the clock ends 60 s after the
    /// first refresh with every oracle re-published, so a refresh is due.
    pub fn create(svm: &mut LocalSvm, spec: &Spec) -> Result<Self, String> {
        let admin = Keypair::new();
        svm.fund(&admin.pubkey(), 100_000_000_000)?;
        let base_mint = svm.create_mint(6)?;
        let seed = 1_000_000;
        let admin_base = svm.token_account(&base_mint, &admin.pubkey(), seed)?;
        let args = ix::InitializeVaultArgs {
            timelock_secs: 0,
            ..ix::InitializeVaultArgs::new(1, u64::MAX / 4, 1_000, seed, &admin.pubkey())
        };
        let vault = pda::vault(&admin.pubkey(), 1).0;
        svm.send(&[ix::initialize_vault(&admin.pubkey(), &base_mint, &TOKEN_PROGRAM_ID, &admin_base, args)], &[&admin])
            .map_err(err("initialize_vault"))?;
        let mut sb =
            Self { admin, vault, base_mint, feeds: vec![], conf_bps: spec.conf_bps, rng: 0x9E37_79B9_7F4A_7C15 };
        let total = spec.assets.len() + spec.options.len();
        let budget = BUDGET_ONE / total as u64;
        for a in &spec.assets {
            let mint = svm.create_mint(a.decimals)?;
            let feed = Feed {
                symbol: a.symbol.clone(),
                mint,
                decimals: a.decimals,
                oracle: Keypair::new().pubkey(),
                feed: crate::pyth::feed_id(&format!("{}/USD", a.symbol)),
                price: a.price,
                is_option: false,
            };
            sb.publish_one(svm, &feed)?;
            let args = ix::AddAssetArgs {
                oracle_kind: ix::OracleKind::Pyth,
                feed_id: feed.feed,
                max_oracle_age: spec.max_oracle_age,
                max_conf_bps: 100,
                risk_budget: budget,
                in_kind_cap: ix::NO_IN_KIND,
                oracle_queue: [0; 32],
            };
            let add = ix::add_asset(&sb.admin.pubkey(), &vault, &mint, &TOKEN_PROGRAM_ID, &feed.oracle, args);
            svm.send(&[add], &[&sb.admin]).map_err(err("add_asset"))?;
            sb.feeds.push(feed);
        }
        let now = svm.now();
        for o in &spec.options {
            let mint = svm.create_mint(6)?;
            let under = &sb.feeds[usize::from(o.underlying)].symbol;
            let feed = Feed {
                symbol: format!("{under}-{}-{}", if o.kind == ix::OptionKind::Call { "C" } else { "P" }, o.strike),
                mint,
                decimals: 6,
                oracle: Keypair::new().pubkey(),
                feed: crate::pyth::feed_id(&format!("{under}/IV/{}", o.strike)),
                price: (o.iv * 1e8).round() as i64,
                is_option: true,
            };
            sb.publish_one(svm, &feed)?;
            let b = |x: f64| rpv_core::fixed_point::Fx::from_num(x).to_bits();
            let series = ix::OptionSeriesArgs {
                kind: o.kind,
                underlying: o.underlying,
                strike_bits: b(o.strike),
                contract_size_bits: b(1.0),
                expiry: now + o.expires_in,
            };
            let args = ix::AddAssetArgs {
                oracle_kind: ix::OracleKind::Pyth,
                feed_id: feed.feed,
                max_oracle_age: spec.max_oracle_age,
                max_conf_bps: 200,
                risk_budget: budget,
                // the depositor below brings `quantity` in kind
                in_kind_cap: o.quantity,
                oracle_queue: [0; 32],
            };
            let add = ix::add_option(&sb.admin.pubkey(), &vault, &mint, &TOKEN_PROGRAM_ID, &feed.oracle, args, series);
            svm.send(&[add], &[&sb.admin]).map_err(err("add_option"))?;
            sb.feeds.push(feed);
        }
        let mut budgets = vec![budget; total];
        budgets[total - 1] += BUDGET_ONE - budget * total as u64;
        let admin_key = sb.admin.pubkey();
        svm.send(&[ix::set_risk_budgets(&admin_key, &vault, budgets)], &[&sb.admin])
            .map_err(err("set_risk_budgets"))?;
        if spec.method != 0 {
            let p = ix::RiskParams { method: spec.method, ..ix::RiskParams::default() };
            svm.send(&[ix::set_risk_params(&admin_key, &vault, p)], &[&sb.admin]).map_err(err("set_risk_params"))?;
        }
        svm.send(&[ix::set_rebalance_params(&admin_key, &vault, spec.rebalance)], &[&sb.admin])
            .map_err(err("set_rebalance_params"))?;
        let state = sb.state(svm)?;
        svm.send(&ix::refresh_all(&vault, &state), &[]).map_err(err("refresh"))?;
        // a depositor: base, then option tokens in kind
        let user = Keypair::new();
        svm.fund(&user.pubkey(), 1_000_000_000)?;
        let share_mint = pda::share_mint(&vault).0;
        let user_shares = svm.token_account(&share_mint, &user.pubkey(), 0)?;
        let user_base = svm.token_account(&base_mint, &user.pubkey(), spec.deposit)?;
        let state = sb.state(svm)?;
        let dep = ix::deposit(&user.pubkey(), &vault, &state, &user_base, &user_shares, spec.deposit, 1);
        svm.send(&[dep], &[&user]).map_err(err("deposit"))?;
        for (k, o) in spec.options.iter().enumerate() {
            if o.quantity == 0 {
                continue;
            }
            let i = spec.assets.len() + k;
            let mint = sb.feeds[i].mint;
            let from = svm.token_account(&mint, &user.pubkey(), o.quantity)?;
            let state = sb.state(svm)?;
            let dep = ix::deposit_asset(&user.pubkey(), &vault, &state, i as u8, &from, &user_shares, o.quantity, 1);
            svm.send(&[dep], &[&user]).map_err(err("deposit_asset"))?;
        }
        svm.advance(60);
        sb.publish(svm)?;
        Ok(sb)
    }

    /// The vault's state.
    pub fn state(&self, svm: &LocalSvm) -> Result<rpv_core::layout::VaultState, String> {
        crate::decode_vault(&svm.data(&self.vault)).map_err(|e| format!("vault {}: {e}", self.vault))
    }

    /// The vault's risk state.
    pub fn risk(&self, svm: &LocalSvm) -> Result<rpv_core::layout::RiskState, String> {
        crate::decode_risk(&svm.data(&pda::risk(&self.vault).0)).map_err(|e| format!("risk: {e}"))
    }

    /// What `feed`'s oracle publishes: its price (mantissa at exponent −8) ± `conf_bps`.
    pub fn quote(&self, f: &Feed) -> rpv_core::price::OraclePrice {
        let price = f.price as u64;
        rpv_core::price::OraclePrice {
            price,
            conf: price.saturating_mul(self.conf_bps) / 10_000,
            expo: -8,
            publish_time: 0,
        }
    }

    fn publish_one(&self, svm: &mut LocalSvm, f: &Feed) -> Result<(), String> {
        let q = self.quote(f);
        svm.publish_price(&f.oracle, f.feed, f.price, q.conf, q.expo)
    }

    /// Publishes every oracle at the current clock.
    pub fn publish(&self, svm: &mut LocalSvm) -> Result<(), String> {
        for f in &self.feeds {
            self.publish_one(svm, f)?;
        }
        Ok(())
    }

    /// Sets slot `i`'s price (mantissa at exponent −8) and publishes it.
    pub fn set_price(&mut self, svm: &mut LocalSvm, i: usize, price: i64) -> Result<(), String> {
        self.feeds[i].price = price;
        let f = self.feeds[i].clone();
        self.publish_one(svm, &f)
    }

    fn next(&mut self) -> u64 {
        // xorshift64*
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Moves the clock `seconds` forward; with `move_prices`, every spot price takes a step of a
    /// deterministic random walk (within ±`step_bps`); then every oracle is re-published.
    pub fn step(&mut self, svm: &mut LocalSvm, seconds: i64, step_bps: u64) -> Result<(), String> {
        svm.advance(seconds);
        if step_bps > 0 {
            for i in 0..self.feeds.len() {
                if self.feeds[i].is_option {
                    continue;
                }
                let r = self.next() % (2 * step_bps + 1);
                let p = self.feeds[i].price as i128;
                self.feeds[i].price = (p * (10_000 + r as i128 - step_bps as i128) / 10_000) as i64;
            }
        }
        self.publish(svm)
    }

    /// Gives `keeper` SOL and, in its associated token accounts, `base` base units and
    /// `value_each` base units' worth of every slot's token (at the current prices; options at
    /// `option_tokens` tokens).
    pub fn fund_keeper(
        &self,
        svm: &mut LocalSvm,
        keeper: &Pubkey,
        base: u64,
        value_each: u64,
        option_tokens: u64,
    ) -> Result<(), String> {
        svm.fund(keeper, 10_000_000_000)?;
        svm.associated_token_account(&self.base_mint, keeper, base)?;
        for f in &self.feeds {
            let amount = if f.is_option {
                option_tokens
            } else {
                // value (6 decimals) / price (8) × 10^decimals
                let v = u128::from(value_each) * 100 * 10u128.pow(u32::from(f.decimals)) / f.price as u128;
                u64::try_from(v).unwrap_or(u64::MAX)
            };
            svm.associated_token_account(&f.mint, keeper, amount)?;
        }
        Ok(())
    }

    /// Pauses or unpauses the vault (the admin is its guardian).
    pub fn set_paused(&self, svm: &mut LocalSvm, paused: bool) -> Result<(), String> {
        svm.send(&[ix::set_paused(&self.admin.pubkey(), &self.vault, paused)], &[&self.admin])
            .map(|_| ())
            .map_err(err("set_paused"))
    }
}
