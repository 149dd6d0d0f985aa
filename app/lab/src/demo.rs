//! The vault lifecycle on an embedded SVM (`rpv_sdk::svm`): real SPL mints and token accounts
//! (the token programs litesvm ships), Pyth `PriceUpdateV2` accounts in the receiver's byte
//! layout, and the built `rpv_vault.so` executed by the BPF loader. Every figure printed comes
//! from account state read back from the SVM, valued with the same core-crate code the program
//! runs.

use std::path::Path;

use rpv_core::{
    layout::VaultState,
    math::{share_price, value_in_base, Rounding},
    pyth::{self, FeedPolicy},
};
use rpv_sdk::{
    events::{parse_logs, Event},
    ix, pda, spl,
    svm::LocalSvm,
    Instruction, Pubkey, TOKEN_PROGRAM_ID,
};
use solana_clock::Clock;
use solana_keypair::Keypair;
use solana_signer::Signer;

const BASE_DECIMALS: u8 = 6;

struct Asset {
    symbol: &'static str,
    decimals: u8,
    mint: Pubkey,
    oracle: Pubkey,
    feed: [u8; 32],
    /// Price mantissa at exponent −8.
    price: i64,
}

struct Demo {
    svm: LocalSvm,
    base_mint: Pubkey,
    assets: Vec<Asset>,
    vault: Pubkey,
    users: Vec<(&'static str, Keypair, Pubkey, Pubkey)>,
    step: usize,
}

/// Base units of a 6-decimal base as `1,234.56`.
pub(crate) fn usdc(v: u64) -> String {
    let whole = v / 1_000_000;
    let frac = v % 1_000_000;
    let mut s = String::new();
    for (i, c) in whole.to_string().chars().rev().enumerate() {
        if i > 0 && i % 3 == 0 {
            s.push(',');
        }
        s.push(c);
    }
    format!("{}.{:02}", s.chars().rev().collect::<String>(), frac / 10_000)
}

fn fx(bits: i128) -> f64 {
    rpv_core::fixed_point::Fx::from_bits(bits).to_num::<f64>()
}

fn units(v: u64, decimals: u8) -> String {
    let d = 10u64.pow(u32::from(decimals));
    format!("{}.{:0w$}", v / d, v % d, w = usize::from(decimals))
}

impl Demo {
    fn send(&mut self, label: &str, ixs: &[Instruction], signers: &[&Keypair]) -> Result<(u64, Vec<Event>), String> {
        match self.svm.send(ixs, signers) {
            Ok(e) => Ok((e.cu, parse_logs(&e.logs))),
            Err(f) if std::env::var_os("RPV_DEBUG").is_some() => {
                Err(format!("{label} failed: {:?} {}", f.err, f.logs.join("\n")))
            }
            Err(f) => Err(format!("{label} failed: {}", f.summary())),
        }
    }

    fn data(&self, key: &Pubkey) -> Vec<u8> {
        self.svm.data(key)
    }

    fn now(&self) -> i64 {
        self.svm.now()
    }

    fn publish(&mut self, i: usize) {
        let a = &self.assets[i];
        let (oracle, feed, price) = (a.oracle, a.feed, a.price);
        self.svm.publish_price(&oracle, feed, price, price as u64 / 2_000, -8).expect("set oracle account");
    }

    fn advance(&mut self, seconds: i64) {
        self.svm.advance(seconds);
        for i in 0..self.assets.len() {
            self.publish(i);
        }
    }

    fn create_mint(&mut self, decimals: u8) -> Result<Pubkey, String> {
        self.svm.create_mint(decimals)
    }

    fn token_account(&mut self, mint: &Pubkey, owner: &Pubkey, amount: u64) -> Result<Pubkey, String> {
        self.svm.token_account(mint, owner, amount)
    }

    fn state(&self) -> VaultState {
        rpv_sdk::decode_vault(&self.data(&self.vault)).expect("vault account decodes")
    }

    /// NAV from the oracle accounts as the program reads them, rounded down.
    fn nav(&self, s: &VaultState) -> Result<u64, String> {
        let now = self.now();
        s.nav(
            |i, slot| {
                let acct = self
                    .svm
                    .get_account(&rpv_sdk::pk(&slot.oracle))
                    .ok_or(rpv_core::CoreError::OracleInvalidAccount)?;
                pyth::read_price(
                    &acct.owner.to_bytes(),
                    &acct.data,
                    &FeedPolicy {
                        feed_id: &slot.feed_id,
                        max_age: slot.max_oracle_age,
                        max_conf_bps: slot.max_conf_bps,
                    },
                    now,
                )
                .map(|p| {
                    let _ = i;
                    p
                })
            },
            now,
            Rounding::Down,
        )
        .map_err(|e| format!("NAV: {e}"))
    }

    fn header(&mut self, title: &str) {
        self.step += 1;
        println!("\n== {}. {title} ==", self.step);
    }

    fn report(&self) -> Result<(), String> {
        let s = self.state();
        let nav = self.nav(&s)?;
        let supply = spl::supply(&self.data(&rpv_sdk::pk(&s.share_mint)));
        let total = supply + s.dead_shares;
        let price = share_price(nav, total).map_err(|e| e.to_string())?;
        println!(
            "   NAV {} USDC | shares {} (incl. {} dead) | share price {:.6} USDC",
            usdc(nav),
            usdc(total),
            usdc(s.dead_shares),
            price.to_num::<f64>()
        );
        let mut line = format!("   holdings: USDC {}", usdc(s.base_quantity));
        let now = self.now();
        for (a, slot) in self.assets.iter().zip(s.active_assets()) {
            let acct = self.svm.get_account(&a.oracle).expect("oracle");
            let p = pyth::read_price(
                &acct.owner.to_bytes(),
                &acct.data,
                &FeedPolicy { feed_id: &slot.feed_id, max_age: slot.max_oracle_age, max_conf_bps: slot.max_conf_bps },
                now,
            )
            .map_err(|e| e.to_string())?;
            let v = value_in_base(slot.quantity, &p, slot.decimals, BASE_DECIMALS, Rounding::Down)
                .map_err(|e| e.to_string())?;
            line += &format!(" | {} {} (${})", a.symbol, units(slot.quantity, a.decimals), usdc(v));
        }
        println!("{line}");
        let mut users = "   depositors:".to_string();
        for (name, _, _, share_token) in &self.users {
            let sh = spl::amount(&self.data(share_token));
            users += &format!(
                " {name} {} shares ({} USDC)",
                usdc(sh),
                usdc((sh as u128 * nav as u128 / total as u128) as u64)
            );
        }
        println!("{users}");
        Ok(())
    }

    fn show(&self, what: &str, cu: u64, events: &[Event]) {
        let ev = events
            .iter()
            .map(|e| match e {
                Event::VaultInitialized(e) => {
                    format!("VaultInitialized(seed {} USDC, dead shares {})", usdc(e.seed_deposit), usdc(e.dead_shares))
                }
                Event::AssetAdded(e) => format!("AssetAdded(#{}, budget {:.3})", e.index, e.risk_budget as f64 / 1e9),
                Event::Deposited(e) => format!("Deposited({} USDC → {} shares)", usdc(e.amount), usdc(e.shares)),
                Event::AssetDeposited(e) => {
                    format!("AssetDeposited(value {} USDC → {} shares)", usdc(e.value), usdc(e.shares))
                }
                Event::Withdrawn(e) => format!("Withdrawn({} shares → {} USDC)", usdc(e.shares), usdc(e.amount)),
                Event::RiskRefreshed(e) => format!(
                    "RiskRefreshed(sample {}, L {:.4}, σp {:.2} %)",
                    e.samples,
                    fx(e.leverage_bits),
                    100.0 * fx(e.portfolio_vol_bits)
                ),
                Event::WeightsAccepted(e) => format!("WeightsAccepted(source {}, sweeps {})", e.source, e.sweeps),
                Event::RiskParamsSet(e) => format!("RiskParamsSet(method {})", e.params.method),
                Event::RiskBudgetsSet(e) => format!("RiskBudgetsSet({:?})", e.budgets_ppb),
                Event::PausedSet(e) => format!("PausedSet({})", e.paused),
                Event::RoleChanged(e) => format!("RoleChanged(role {})", e.role),
                Event::RedeemedInKind(e) => format!("RedeemedInKind({} shares → {:?})", usdc(e.shares), e.amounts),
                Event::OptionAdded(e) => {
                    format!("OptionAdded(#{}, kind {}, expiry {})", e.index, e.kind.name(), e.expiry)
                }
                Event::PositionsUpdated(e) => format!(
                    "PositionsUpdated(NAV {} USDC, L {:.4}, σp {:.2} %)",
                    usdc(e.nav),
                    fx(e.leverage_bits),
                    100.0 * fx(e.portfolio_vol_bits)
                ),
                Event::OptionSettled(e) => {
                    format!("OptionSettled(#{}, payoff {:.4})", e.index, fx(e.settlement_value_bits))
                }
                Event::OptionParamsSet(e) => format!("OptionParamsSet(rate {:.4})", fx(e.rate_bits)),
                other => format!("{other:?}"),
            })
            .collect::<Vec<_>>()
            .join(", ");
        println!("   tx {what}: {cu} CU; events: {ev}");
    }

    /// A keeper cranks `refresh`: oracles → EWMA covariance, weights, leverage, targets.
    fn refresh(&mut self) -> Result<(), String> {
        let s = self.state();
        let (cu, ev) = self.send("refresh", &[ix::refresh(&self.vault, &s)], &[])?;
        self.show("refresh (keeper)", cu, &ev);
        let r = rpv_sdk::decode_risk(&self.data(&pda::risk(&self.vault).0)).map_err(|e| e.to_string())?;
        let n = usize::from(s.num_assets);
        let mut line = "   risk: σ".to_string();
        for (i, a) in self.assets.iter().enumerate().take(n) {
            let var = r.cov[rpv_core::fixed_point::packed_index(i, i)].get().to_num::<f64>();
            line += &format!(" {} {:.1} %", a.symbol, 100.0 * var.sqrt());
        }
        line += " | weights";
        for (i, a) in self.assets.iter().enumerate().take(n) {
            line += &format!(" {} {:.3}", a.symbol, r.weights[i].get().to_num::<f64>());
        }
        line += &format!(
            " | σp {:.1} % → L {:.3} | targets",
            100.0 * r.portfolio_vol.get().to_num::<f64>(),
            r.leverage.get().to_num::<f64>()
        );
        for (i, a) in self.assets.iter().enumerate().take(n) {
            line += &format!(" {} ${}", a.symbol, usdc(r.targets[i]));
        }
        println!("{line}");
        Ok(())
    }

    fn user(&self, name: &str) -> (Keypair, Pubkey, Pubkey) {
        let (_, kp, base, share) = self.users.iter().find(|u| u.0 == name).expect("user");
        (kp.insecure_clone(), *base, *share)
    }
}

pub fn run(program: &Path) -> Result<(), String> {
    let svm = LocalSvm::load(program)?;
    let elf_len = std::fs::metadata(program).map(|m| m.len()).unwrap_or(0);
    let mut d =
        Demo { svm, base_mint: Pubkey::default(), assets: vec![], vault: Pubkey::default(), users: vec![], step: 0 };
    println!("Real-time risk-parity vault — lifecycle demo on an embedded SVM (litesvm)");
    println!("program: {} ({} bytes, loaded by the BPF upgradeable loader)", program.display(), elf_len);

    d.header("Mints and Pyth price accounts");
    d.base_mint = d.create_mint(BASE_DECIMALS)?;
    for (symbol, decimals, price) in
        [("SOL", 9u8, 150_00_000_000i64), ("BTC", 8, 97_000_00_000_000), ("ETH", 8, 3_400_00_000_000)]
    {
        let mint = d.create_mint(decimals)?;
        let oracle = Pubkey::new_unique();
        let feed = rpv_sdk::pyth::feed_id(&format!("{symbol}/USD"));
        d.assets.push(Asset { symbol, decimals, mint, oracle, feed, price });
        let i = d.assets.len() - 1;
        d.publish(i);
        println!("   {symbol}: mint {mint}, PriceUpdateV2 {oracle} at ${:.2} ± 0.05 %", price as f64 / 1e8);
    }

    d.header("Admin initialises the vault (seed 10 USDC → dead shares) and registers SOL, BTC, ETH");
    let admin = Keypair::new();
    d.svm.airdrop(&admin.pubkey(), 10_000_000_000).map_err(|e| format!("airdrop: {:?}", e.err))?;
    let bm = d.base_mint;
    let admin_usdc = d.token_account(&bm, &admin.pubkey(), 10_000_000)?;
    let args = ix::InitializeVaultArgs::new(1, 10_000_000 * 1_000_000, 1_000_000, 10_000_000, &admin.pubkey());
    d.vault = pda::vault(&admin.pubkey(), 1).0;
    let (cu, ev) = d.send(
        "initialize_vault",
        &[ix::initialize_vault(&admin.pubkey(), &bm, &TOKEN_PROGRAM_ID, &admin_usdc, args)],
        &[&admin],
    )?;
    d.show("initialize_vault", cu, &ev);
    let budgets = [333_333_333u64, 333_333_333, 333_333_334];
    for i in 0..3 {
        let a = &d.assets[i];
        let args = ix::AddAssetArgs {
            oracle_kind: ix::OracleKind::Pyth,
            feed_id: a.feed,
            max_oracle_age: 60,
            max_conf_bps: 100,
            risk_budget: budgets[i],
            // Bob's in-kind deposits below stay well inside: 1,000 whole tokens
            in_kind_cap: 1_000 * 10u64.pow(u32::from(d.assets[i].decimals)),
            oracle_queue: [0; 32],
        };
        let add = ix::add_asset(&admin.pubkey(), &d.vault, &a.mint, &TOKEN_PROGRAM_ID, &a.oracle, args);
        let (cu, ev) = d.send("add_asset", &[add], &[&admin])?;
        d.show(&format!("add_asset {}", d.assets[i].symbol), cu, &ev);
    }
    println!(
        "   vault {} | share mint {} | authority {}",
        d.vault,
        pda::share_mint(&d.vault).0,
        pda::authority(&d.vault).0
    );
    d.report()?;

    d.header("A keeper cranks refresh: first sample (prior volatility 60 % for every asset)");
    d.refresh()?;

    d.header("Alice deposits 10,000 USDC");
    for (name, usdc_amount) in [("alice", 10_000_000_000u64), ("bob", 0)] {
        let kp = Keypair::new();
        d.svm.airdrop(&kp.pubkey(), 1_000_000_000).map_err(|e| format!("airdrop: {:?}", e.err))?;
        let base = d.token_account(&bm, &kp.pubkey(), usdc_amount)?;
        let sm = pda::share_mint(&d.vault).0;
        let share = d.token_account(&sm, &kp.pubkey(), 0)?;
        d.users.push((name, kp, base, share));
    }
    let (alice, alice_usdc, alice_shares) = d.user("alice");
    let s = d.state();
    let dep = ix::deposit(&alice.pubkey(), &d.vault, &s, &alice_usdc, &alice_shares, 10_000_000_000, 9_900_000_000);
    let (cu, ev) = d.send("deposit", &[dep], &[&alice])?;
    d.show("deposit", cu, &ev);
    d.report()?;

    d.header("Bob deposits 20 SOL and 0.05 BTC in kind (valued at price − confidence)");
    let (bob, bob_usdc, bob_shares) = d.user("bob");
    for (i, amount) in [(0usize, 20_000_000_000u64), (1, 5_000_000)] {
        let mint = d.assets[i].mint;
        let from = d.token_account(&mint, &bob.pubkey(), amount)?;
        let s = d.state();
        let dep = ix::deposit_asset(&bob.pubkey(), &d.vault, &s, i as u8, &from, &bob_shares, amount, 1);
        let (cu, ev) = d.send("deposit_asset", &[dep], &[&bob])?;
        d.show(&format!("deposit_asset {}", d.assets[i].symbol), cu, &ev);
    }
    d.report()?;

    d.header("30 s later prices move: SOL +20 %, BTC −10 %, ETH +5 % (fresh Pyth updates)");
    d.assets[0].price = d.assets[0].price * 12 / 10;
    d.assets[1].price = d.assets[1].price * 9 / 10;
    d.assets[2].price = d.assets[2].price * 105 / 100;
    d.advance(30);
    for a in &d.assets {
        println!("   {}: ${:.2}", a.symbol, a.price as f64 / 1e8);
    }
    d.report()?;
    println!("   the keeper refreshes: moves this large over 30 s read as very high volatility,");
    println!("   so weights tilt away from the movers and volatility targeting cuts exposure");
    d.refresh()?;

    d.header("Alice withdraws half her shares in USDC");
    let held = spl::amount(&d.data(&alice_shares));
    let s = d.state();
    let wd = ix::withdraw(&alice.pubkey(), &d.vault, &s, &alice_usdc, &alice_shares, held / 2, 1);
    let (cu, ev) = d.send("withdraw", &[wd], &[&alice])?;
    d.show("withdraw", cu, &ev);
    d.report()?;

    d.header("Bob asks for all his shares in USDC: more than the vault's USDC, so it is refused");
    let bob_held = spl::amount(&d.data(&bob_shares));
    let s = d.state();
    let wd = ix::withdraw(&bob.pubkey(), &d.vault, &s, &bob_usdc, &bob_shares, bob_held, 1);
    match d.send("withdraw", &[wd], &[&bob]) {
        Err(e) => println!("   refused as expected: {e}"),
        Ok(_) => return Err("Bob's oversized withdrawal should have been refused".into()),
    }
    println!("   (in-kind redemption, which needs no base liquidity, is a later instruction)");
    let s = d.state();
    let wd = ix::withdraw(&bob.pubkey(), &d.vault, &s, &bob_usdc, &bob_shares, bob_held / 4, 1);
    let (cu, ev) = d.send("withdraw", &[wd], &[&bob])?;
    d.show("withdraw a quarter", cu, &ev);
    println!("   bob's USDC: {}", usdc(spl::amount(&d.data(&bob_usdc))));
    d.report()?;

    d.header("Two minutes without oracle updates: prices are stale, the vault refuses to sell shares");
    let mut c = d.svm.get_sysvar::<Clock>();
    c.unix_timestamp += 120;
    d.svm.set_sysvar(&c);
    let s = d.state();
    let dep = ix::deposit(&alice.pubkey(), &d.vault, &s, &alice_usdc, &alice_shares, 1_000_000, 1);
    match d.send("deposit", &[dep], &[&alice]) {
        Err(e) => println!("   refused as expected: {e}"),
        Ok(_) => return Err("a deposit on stale oracles should have been refused".into()),
    }
    println!("   (a withdrawal would go through, valuing every stale leg at zero: exits never wait for a feed)");

    d.header("Still no oracle updates: Bob redeems in kind, which needs no oracle at all");
    let mut accounts = vec![bob_usdc];
    for i in 0..d.assets.len() {
        let mint = d.assets[i].mint;
        accounts.push(d.token_account(&mint, &bob.pubkey(), 0)?);
    }
    let bob_held = spl::amount(&d.data(&bob_shares));
    let s = d.state();
    let redeem = ix::redeem_in_kind(&bob.pubkey(), &d.vault, &s, &bob_shares, &accounts, bob_held, vec![]);
    let (cu, ev) = d.send("redeem_in_kind", &[redeem], &[&bob])?;
    d.show("redeem_in_kind", cu, &ev);
    let mut line = "   bob now holds:".to_string();
    line += &format!(" USDC {}", usdc(spl::amount(&d.data(&accounts[0]))));
    for (i, a) in d.assets.iter().enumerate() {
        line += &format!(" | {} {}", a.symbol, units(spl::amount(&d.data(&accounts[i + 1])), a.decimals));
    }
    println!("{line}");

    println!("\nDemo complete: every transaction above ran the built .so in the SVM.");
    Ok(())
}
