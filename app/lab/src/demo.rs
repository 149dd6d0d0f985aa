//! The vault lifecycle on an embedded SVM (`rpv_sdk::svm`): real SPL mints and token accounts
//! (the token programs litesvm ships), Pyth `PriceUpdateV2` accounts in the receiver's byte
//! layout, and the built `rpv_vault.so` executed by the BPF loader. Every figure printed comes
//! from account state read back from the SVM, valued with the same core-crate code the program
//! runs.

use std::path::Path;

use rpv_core::{
    layout::{VaultState, REQUEST_DEPOSIT, REQUEST_WITHDRAW},
    math::{share_price, value_in_base, Rounding},
    pyth::{self, FeedPolicy},
};
use rpv_sdk::{
    chain::LocalChain,
    client::{VaultClient, VaultView},
    events::{parse_logs, Event},
    ix, pda, spl,
    svm::LocalSvm,
    Instruction, Pubkey, TOKEN_PROGRAM_ID,
};
use solana_clock::Clock;
use solana_keypair::Keypair;
use solana_signer::Signer;

const BASE_DECIMALS: u8 = 6;
/// One USDC in base units.
const USDC: u64 = 1_000_000;

struct Asset {
    symbol: &'static str,
    decimals: u8,
    mint: Pubkey,
    oracle: Pubkey,
    feed: [u8; 32],
    /// Price mantissa at exponent −8.
    price: i64,
}

/// A keeper with token accounts for the base and every asset.
struct Keeper {
    kp: Keypair,
    base: Pubkey,
    assets: Vec<Pubkey>,
}

struct Demo {
    /// The embedded SVM as a [`Chain`](rpv_sdk::chain::Chain), for the SDK's `VaultClient`.
    chain: LocalChain,
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
        match self.chain.svm.send(ixs, signers) {
            Ok(e) => Ok((e.cu, parse_logs(&e.logs))),
            Err(f) if std::env::var_os("RPV_DEBUG").is_some() => {
                Err(format!("{label} failed: {:?} {}", f.err, f.logs.join("\n")))
            }
            Err(f) => Err(format!("{label} failed: {}", f.summary())),
        }
    }

    fn data(&self, key: &Pubkey) -> Vec<u8> {
        self.chain.svm.data(key)
    }

    fn now(&self) -> i64 {
        self.chain.svm.now()
    }

    fn publish(&mut self, i: usize) {
        let a = &self.assets[i];
        let (oracle, feed, price) = (a.oracle, a.feed, a.price);
        self.chain.svm.publish_price(&oracle, feed, price, price as u64 / 2_000, -8).expect("set oracle account");
    }

    fn advance(&mut self, seconds: i64) {
        self.chain.svm.advance(seconds);
        for i in 0..self.assets.len() {
            self.publish(i);
        }
    }

    fn create_mint(&mut self, decimals: u8) -> Result<Pubkey, String> {
        self.chain.svm.create_mint(decimals)
    }

    fn token_account(&mut self, mint: &Pubkey, owner: &Pubkey, amount: u64) -> Result<Pubkey, String> {
        self.chain.svm.token_account(mint, owner, amount)
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
                    .chain
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
        let total = s.total_shares(supply).map_err(|e| e.to_string())?;
        let price = share_price(nav, total).map_err(|e| e.to_string())?;
        let queued = s.flows.withdrawals.pending + s.flows.deposits.claimable;
        let queued = if queued > 0 { format!(", {} in the request queues", usdc(queued)) } else { String::new() };
        println!(
            "   NAV {} USDC | shares {} (incl. {} dead{queued}) | share price {:.6} USDC",
            usdc(nav),
            usdc(total),
            usdc(s.dead_shares),
            price.to_num::<f64>()
        );
        let mut line = format!("   holdings: USDC {}", usdc(s.base_quantity));
        let now = self.now();
        for (a, slot) in self.assets.iter().zip(s.active_assets()) {
            let acct = self.chain.svm.get_account(&a.oracle).expect("oracle");
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
                Event::FlowParamsSet(e) => format!(
                    "FlowParamsSet(cash buffer {:.2} %, settlement incentive {} bps)",
                    f64::from(e.params.cash_buffer_bps) / 100.0,
                    e.params.settle_incentive_bps
                ),
                Event::RebalanceParamsSet(e) => format!(
                    "RebalanceParamsSet({:.0} % of NAV per trade, cooldown {} s)",
                    f64::from(e.params.max_leg_bps) / 100.0,
                    e.params.cooldown_secs
                ),
                Event::FlowRequested(e) if e.kind == REQUEST_DEPOSIT => {
                    format!("FlowRequested(deposit #{}: {} USDC escrowed)", e.id, usdc(e.amount))
                }
                Event::FlowRequested(e) => format!(
                    "FlowRequested(withdrawal #{}: {} shares burnt into the queue, {} pending)",
                    e.id,
                    usdc(e.amount),
                    usdc(e.queue_pending)
                ),
                Event::RequestSettled(e) => {
                    let (what, into, kind) = if e.kind == REQUEST_DEPOSIT {
                        ("USDC", "shares", "deposit")
                    } else {
                        ("shares", "USDC", "withdrawal")
                    };
                    format!(
                        "RequestSettled({kind} #{}: {} {what} → {} {into}, keeper {} USDC, {} left, at {:.6} USDC/share)",
                        e.id,
                        usdc(e.filled),
                        usdc(e.out),
                        usdc(e.incentive),
                        usdc(e.remaining),
                        e.nav as f64 / e.total_shares as f64
                    )
                }
                Event::RequestClaimed(e) => format!(
                    "RequestClaimed(#{}: {} {}{})",
                    e.id,
                    usdc(e.amount),
                    if e.kind == REQUEST_DEPOSIT { "shares" } else { "USDC" },
                    if e.closed { ", closed" } else { "" }
                ),
                Event::Rebalanced(e) => format!(
                    "Rebalanced({} {} {} for {} USDC, keeper {} USDC)",
                    if e.side == 1 { "sold" } else { "bought" },
                    units(e.qty, self.assets[usize::from(e.leg)].decimals),
                    self.assets[usize::from(e.leg)].symbol,
                    usdc(e.base_amount),
                    usdc(e.incentive)
                ),
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

    /// The vault as the SDK fetches it (accounts, oracles, clock), for its quotes.
    fn view(&mut self) -> Result<VaultView, String> {
        VaultClient::new(&mut self.chain, self.vault).fetch().map_err(|e| e.to_string())
    }

    /// NAV per share at the mid (NAV rounded down over every outstanding share, the queues
    /// included).
    fn share_price(&self) -> Result<f64, String> {
        let s = self.state();
        let nav = self.nav(&s)?;
        let total = s.total_shares(spl::supply(&self.data(&rpv_sdk::pk(&s.share_mint)))).map_err(|e| e.to_string())?;
        Ok(share_price(nav, total).map_err(|e| e.to_string())?.to_num::<f64>())
    }

    /// The requests with something pending, as `settle_requests` takes them: deposits then
    /// withdrawals, each queue from its head.
    fn pending_requests(&mut self) -> Result<Vec<Pubkey>, String> {
        let s = self.state();
        let all = VaultClient::new(&mut self.chain, self.vault).requests(&s).map_err(|e| e.to_string())?;
        let mut pending: Vec<_> = all.into_iter().filter(|(_, r)| r.pending > 0).collect();
        pending.sort_by_key(|(_, r)| (r.kind, r.id));
        Ok(pending.into_iter().map(|(k, _)| k).collect())
    }

    /// The keeper settles every pending request it can (`settle_requests`); `None` when there
    /// was nothing pending, else the refusal when nothing could settle.
    fn settle(&mut self, keeper: &Keeper) -> Result<Option<String>, String> {
        let pending = self.pending_requests()?;
        if pending.is_empty() {
            return Ok(None);
        }
        let s = self.state();
        let ix = ix::settle_requests(&keeper.kp.pubkey(), &self.vault, &s, &keeper.base, &pending);
        match self.send("settle_requests", &[ix], &[&keeper.kp]) {
            Ok((cu, ev)) => {
                self.show("settle_requests (keeper)", cu, &ev);
                Ok(None)
            }
            Err(e) => Ok(Some(e)),
        }
    }

    /// The keeper trades every leg the program would pick (`rebalance`, auto leg), up to
    /// `max` trades; returns how many went through.
    fn rebalance(&mut self, keeper: &Keeper, max: usize) -> Result<usize, String> {
        let mut done = 0;
        while done < max {
            let v = self.view()?;
            let Some(leg) =
                rpv_sdk::sim::auto_leg(&v.vault, &v.risk, v.clock.unix_timestamp).map_err(|e| e.to_string())?
            else {
                break;
            };
            if std::env::var_os("RPV_DEBUG").is_some() {
                // what the rebalancer sees: its cash target at the risk account's reference NAV
                let (_, live) = rpv_core::rebalance::sampled_values(&v.vault, &v.risk).map_err(|e| e.to_string())?;
                let nav = rpv_core::rebalance::reference_nav(&v.risk, live);
                println!(
                    "   [debug] leg {leg}: base {}, cash target {} ({:?}, {} shares queued)",
                    usdc(v.vault.base_quantity),
                    usdc(rpv_core::rebalance::cash_target(&v.vault, nav)),
                    v.vault.fee_snapshot,
                    usdc(v.vault.flows.withdrawals.pending)
                );
            }
            let args = ix::RebalanceArgs::any_price(rpv_core::rebalance::AUTO_LEG);
            let ix = ix::rebalance(
                &keeper.kp.pubkey(),
                &self.vault,
                &v.vault,
                leg as u8,
                &keeper.base,
                &keeper.assets[leg],
                args,
            );
            match self.send("rebalance", &[ix], &[&keeper.kp]) {
                Ok((cu, ev)) => self.show("rebalance (keeper)", cu, &ev),
                Err(e) => {
                    println!("   the keeper stops: {e}");
                    break;
                }
            }
            done += 1;
        }
        Ok(done)
    }

    /// `owner` requests the withdrawal of `shares` from `share_token`; returns the request.
    fn request_withdraw(&mut self, owner: &Keypair, share_token: &Pubkey, shares: u64) -> Result<Pubkey, String> {
        let s = self.state();
        let id = s.flows.withdrawals.next_id;
        let ix = ix::request_withdraw(&owner.pubkey(), &self.vault, &s, share_token, id, shares);
        let (cu, ev) = self.send("request_withdraw", &[ix], &[owner])?;
        self.show("request_withdraw", cu, &ev);
        Ok(pda::request(&self.vault, REQUEST_WITHDRAW, id).0)
    }

    /// `owner` claims what `request` settled.
    fn claim(&mut self, owner: &Keypair, request: &Pubkey, base: &Pubkey, shares: &Pubkey) -> Result<(), String> {
        let s = self.state();
        let ix = ix::claim_request(&owner.pubkey(), &self.vault, &s, request, base, shares);
        let (cu, ev) = self.send("claim_request", &[ix], &[owner])?;
        self.show("claim_request", cu, &ev);
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
    let mut d = Demo {
        chain: LocalChain::new(svm),
        base_mint: Pubkey::default(),
        assets: vec![],
        vault: Pubkey::default(),
        users: vec![],
        step: 0,
    };
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
    d.chain.svm.airdrop(&admin.pubkey(), 10_000_000_000).map_err(|e| format!("airdrop: {:?}", e.err))?;
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
        d.chain.svm.airdrop(&kp.pubkey(), 1_000_000_000).map_err(|e| format!("airdrop: {:?}", e.err))?;
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
    println!("   (an instant exit is paid from the base on hand; a quarter fits)");
    let s = d.state();
    let wd = ix::withdraw(&bob.pubkey(), &d.vault, &s, &bob_usdc, &bob_shares, bob_held / 4, 1);
    let (cu, ev) = d.send("withdraw", &[wd], &[&bob])?;
    d.show("withdraw a quarter", cu, &ev);
    println!("   bob's USDC: {}", usdc(spl::amount(&d.data(&bob_usdc))));
    d.report()?;

    requests_section(&mut d, &admin)?;

    d.header("Two minutes without oracle updates: prices are stale, the vault refuses to sell shares");
    let mut c = d.chain.svm.get_sysvar::<Clock>();
    c.unix_timestamp += 120;
    d.chain.svm.set_sysvar(&c);
    let s = d.state();
    let dep = ix::deposit(&alice.pubkey(), &d.vault, &s, &alice_usdc, &alice_shares, 1_000_000, 1);
    match d.send("deposit", &[dep], &[&alice]) {
        Err(e) => println!("   refused as expected: {e}"),
        Ok(_) => return Err("a deposit on stale oracles should have been refused".into()),
    }
    println!("   (a withdrawal would go through, valuing every stale leg at zero: exits never wait for a feed)");

    d.header("Still no oracle updates: Alice redeems the rest of her shares in kind, which needs no oracle at all");
    let mut accounts = vec![alice_usdc];
    for i in 0..d.assets.len() {
        let mint = d.assets[i].mint;
        accounts.push(d.token_account(&mint, &alice.pubkey(), 0)?);
    }
    let alice_held = spl::amount(&d.data(&alice_shares));
    let s = d.state();
    let redeem = ix::redeem_in_kind(&alice.pubkey(), &d.vault, &s, &alice_shares, &accounts, alice_held, vec![]);
    let (cu, ev) = d.send("redeem_in_kind", &[redeem], &[&alice])?;
    d.show("redeem_in_kind", cu, &ev);
    let mut line = "   alice now holds:".to_string();
    line += &format!(" USDC {}", usdc(spl::amount(&d.data(&accounts[0]))));
    for (i, a) in d.assets.iter().enumerate() {
        line += &format!(" | {} {}", a.symbol, units(spl::amount(&d.data(&accounts[i + 1])), a.decimals));
    }
    println!("{line}");

    println!("\nDemo complete: every transaction above ran the built .so in the SVM.");
    Ok(())
}

/// The request path (issue 15): Bob, holding over half the shares of a mostly invested vault,
/// cannot leave instantly; he requests a withdrawal and Alice a smaller one behind him; the
/// keeper's rebalances raise the cash the queue is owed (the cash target, on-chain) and
/// `settle_requests` pays the queue in order, in parts as the cash arrives; both claim. Then
/// Carol's deposit request settles at the next price, not at one she knew.
fn requests_section(d: &mut Demo, admin: &Keypair) -> Result<(), String> {
    let (bob, bob_usdc, bob_shares) = d.user("bob");
    let (alice, alice_usdc, alice_shares) = d.user("alice");

    d.header("Bob, holding over half the shares, cannot leave instantly: he requests a withdrawal, Alice a smaller one behind him");
    let flow = ix::FlowParams { cash_buffer_bps: 500, ..ix::FlowParams::DEFAULT };
    let (cu, ev) = d.send("set_flow_params", &[ix::set_flow_params(&admin.pubkey(), &d.vault, flow)], &[admin])?;
    d.show("set_flow_params (admin: keep 5 % of NAV in USDC)", cu, &ev);
    let bob_held = spl::amount(&d.data(&bob_shares));
    let v = d.view()?;
    let total = v.vault.total_shares(v.share_supply).map_err(|e| e.to_string())?;
    println!("   bob holds {} shares, {:.0} % of the vault", usdc(bob_held), 100.0 * bob_held as f64 / total as f64);
    match v.quote_withdraw(bob_held) {
        Err(e) => println!("   instant quote: {}", e.explain("withdraw")),
        Ok(q) => {
            return Err(format!(
                "an instant exit of all Bob's shares should be refused; quoted {} USDC",
                usdc(q.amount)
            ))
        }
    }
    let q = v.quote_request_withdraw(bob_held).map_err(|e| e.explain("request_withdraw"))?;
    println!(
        "   request quote at today's mid (an estimate: it settles at prices published after it): {} USDC after a {} USDC keeper incentive; {} USDC on hand, {} USDC owed to the queue ahead",
        usdc(q.out),
        usdc(q.incentive),
        usdc(q.base_on_hand),
        usdc(q.queue_ahead)
    );
    let before = d.share_price()?;
    let bob_req = d.request_withdraw(&bob, &bob_shares, bob_held)?;
    let alice_req = d.request_withdraw(&alice, &alice_shares, 1_000 * USDC)?;
    d.report()?;
    let s = d.state();
    let nav = d.nav(&s)?;
    println!(
        "   the rebalancer's cash target is now {} USDC (the 5 % buffer plus what the queue is owed; rpv_core::rebalance::cash_target) against {} USDC on hand",
        usdc(rpv_core::rebalance::cash_target(&s, nav)),
        usdc(s.base_quantity)
    );

    d.header("Day by day the keeper raises the cash (rebalances sell towards USDC within the default caps: 5 % of NAV per trade, 10 % a day) and settles the queue in order, in parts");
    let kp = Keypair::new();
    d.chain.svm.airdrop(&kp.pubkey(), 1_000_000_000).map_err(|e| format!("airdrop: {:?}", e.err))?;
    let bm = d.base_mint;
    let base = d.token_account(&bm, &kp.pubkey(), 100_000 * USDC)?;
    let mut assets = vec![];
    for i in 0..d.assets.len() {
        let (mint, decimals) = (d.assets[i].mint, d.assets[i].decimals);
        assets.push(d.token_account(&mint, &kp.pubkey(), 1_000 * 10u64.pow(u32::from(decimals)))?);
    }
    let keeper = Keeper { kp, base, assets };
    let mut round = 0;
    while !d.pending_requests()?.is_empty() {
        round += 1;
        if round > 8 {
            return Err("the withdrawal queue did not drain in 8 days of the keeper".into());
        }
        // fresh prices (published after the requests: the settlement delay is 2 s); then a day
        // later each time, when the daily caps have room again
        let (wait, when) = if round == 1 { (5, "5 s later".to_string()) } else { (86_400, format!("day {round}")) };
        d.advance(wait);
        println!("   -- {when}: fresh prices; the keeper trades, then settles");
        if round > 1 {
            let s = d.state();
            let (cu, _) = d.send("refresh", &[ix::refresh(&d.vault, &s)], &[])?;
            println!("   tx refresh (keeper): {cu} CU");
        }
        d.rebalance(&keeper, 4)?;
        if let Some(why) = d.settle(&keeper)? {
            println!("   nothing settled: {why}");
        }
        let s = d.state();
        let nav = d.nav(&s)?;
        println!(
            "   queue: {} shares pending, {} USDC claimable (in escrow) | USDC on hand {}, cash target now {}",
            usdc(s.flows.withdrawals.pending),
            usdc(s.flows.withdrawals.claimable),
            usdc(s.base_quantity),
            usdc(rpv_core::rebalance::cash_target(&s, nav))
        );
    }
    d.report()?;

    d.header("Bob and Alice claim their USDC; the holders who stay lost nothing");
    let (bob_had, alice_had) = (spl::amount(&d.data(&bob_usdc)), spl::amount(&d.data(&alice_usdc)));
    d.claim(&bob, &bob_req, &bob_usdc, &bob_shares)?;
    d.claim(&alice, &alice_req, &alice_usdc, &alice_shares)?;
    let (bob_has, alice_has) = (spl::amount(&d.data(&bob_usdc)), spl::amount(&d.data(&alice_usdc)));
    println!(
        "   bob's USDC {} (+{}), alice's {} (+{})",
        usdc(bob_has),
        usdc(bob_has - bob_had),
        usdc(alice_has),
        usdc(alice_has - alice_had)
    );
    let after = d.share_price()?;
    println!(
        "   NAV per share {before:.6} USDC before the requests, {after:.6} after ({:+.2} bps): the holders who stay lost nothing (fills at the mid, rounded for the vault; each fill pays its own settlement incentive)",
        1e4 * (after / before - 1.0)
    );
    d.report()?;

    d.header("Carol requests a deposit of 2,000 USDC: it settles at the next price, published after her request");
    let carol = Keypair::new();
    d.chain.svm.airdrop(&carol.pubkey(), 1_000_000_000).map_err(|e| format!("airdrop: {:?}", e.err))?;
    let carol_usdc = d.token_account(&bm, &carol.pubkey(), 2_000 * USDC)?;
    let sm = pda::share_mint(&d.vault).0;
    let carol_shares = d.token_account(&sm, &carol.pubkey(), 0)?;
    d.users.push(("carol", carol.insecure_clone(), carol_usdc, carol_shares));
    let v = d.view()?;
    let q = v.quote_request_deposit(2_000 * USDC).map_err(|e| e.explain("request_deposit"))?;
    println!(
        "   request quote at today's mid (an estimate): {} shares after a {} USDC keeper incentive",
        usdc(q.out),
        usdc(q.incentive)
    );
    let s = d.state();
    let id = s.flows.deposits.next_id;
    let ix = ix::request_deposit(&carol.pubkey(), &d.vault, &s, &carol_usdc, id, 2_000 * USDC);
    let (cu, ev) = d.send("request_deposit", &[ix], &[&carol])?;
    d.show("request_deposit", cu, &ev);
    let carol_req = pda::request(&d.vault, REQUEST_DEPOSIT, id).0;
    match d.settle(&keeper)? {
        Some(why) => println!("   settling now, at prices published before the request, is refused: {why}"),
        None => return Err("a deposit request settled at a price published before it".into()),
    }
    d.assets[0].price = d.assets[0].price * 102 / 100;
    d.advance(5);
    println!(
        "   5 s later SOL is up 2 % to ${:.2} (a fresh Pyth update): the keeper settles",
        d.assets[0].price as f64 / 1e8
    );
    if let Some(why) = d.settle(&keeper)? {
        return Err(format!("Carol's deposit request should settle at the new price: {why}"));
    }
    d.claim(&carol, &carol_req, &carol_usdc, &carol_shares)?;
    d.report()?;
    Ok(())
}
