//! Exit to base on the real VM: the vault's `.so` beside the venue (Manifest, built from its
//! crate), an invested vault (two spot legs and an option series held), a Manifest market per
//! spot leg against the vault's base with a maker's bids near the oracle, and the exit the SDK
//! plans (`rpv_sdk::exit`): `redeem_in_kind` then a swap of each spot leg, one transaction.

use std::collections::BTreeMap;

use rpv_core::math::{mul_div, Rounding};
use rpv_sdk::{
    ata,
    client::VaultView,
    exit::{self, ExitPlan, ExitTransaction, LegAction, Probe, Prober, Simulated},
    flash::Route,
    pk,
    venue::{self, Ladder},
    TOKEN_PROGRAM_ID,
};
use rpv_tests::*;
use solana_instruction::Instruction;
use solana_message::{v0, AddressLookupTableAccount, Message, VersionedMessage};
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;

/// Holdings of the vault: A (9 decimals, $10.50), B (8 decimals, $20.50), the call on A
/// (6 decimals).
const HOLDINGS: [u64; 3] = [40_000_000_000, 2_000_000_000, 3_000_000];

/// The vault after a 1,000 USDC deposit by `user`, holding [`HOLDINGS`] besides, in a bank with
/// the venue loaded.
async fn invested() -> (Fixture, User) {
    let env = env_with_venue().await;
    let mut f = Fixture::with_assets_in(env, 2).await;
    f.add_option(&Series::call(0, 11.0, 30 * DAY, 0.6), 100_000_000).await.ok();
    f.set_equal_budgets().await.ok();
    f.step(60).await.ok();
    let u = f.user(1_000 * USDC).await;
    f.deposit(&u, 1_000 * USDC, 0).await.ok();
    f.set_holdings(&HOLDINGS).await;
    (f, u)
}

/// Opens a Manifest market of asset `i` against the vault's base where a maker rests `ladder`
/// around the oracle (`tests/src/market.rs`).
async fn market(f: &mut Fixture, i: usize, ladder: Ladder) -> Route {
    let route = f.open_market(i).await;
    let mid = f.atom_price(i);
    f.make_market(i, &route, mid, ladder).await;
    route
}

/// The vault as the SDK's client sees it, read from the bank.
async fn view(f: &mut Fixture) -> VaultView {
    let vault = f.state().await;
    let risk = f.risk().await;
    let sm = f.share_mint();
    let share_supply = f.env.mint_supply(&sm).await;
    let clock = f.env.clock().await;
    let mut oracles = vec![];
    for a in vault.active_assets() {
        oracles.push(f.env.account(&pk(&a.oracle)).await);
    }
    VaultView { key: f.vault, vault, risk, share_supply, clock, oracles }
}

/// The exit of all of `u`'s shares with the markets given, minimum = the quote less 1 %.
async fn planned(f: &mut Fixture, u: &User, markets: &[Route]) -> ExitPlan {
    f.refresh_oracles().await;
    let v = view(f).await;
    let shares = f.env.token_amount(&u.share_token).await;
    let by_mint: BTreeMap<Pubkey, Route> = markets.iter().map(|m| (m.header.base_mint, *m)).collect();
    let mut p = exit::plan(&v, shares, &by_mint, exit::DEFAULT_HORIZON_SECS).expect("a plan");
    let min = mul_div(p.expected_out, 9_900, 10_000, Rounding::Down).unwrap();
    p.set_min_out(min).unwrap();
    p
}

/// The plan's transactions for `u` (the test payer pays), v0 through `table` when given.
async fn transactions(
    f: &mut Fixture,
    u: &User,
    p: &ExitPlan,
    table: Option<&AddressLookupTableAccount>,
) -> Vec<ExitTransaction> {
    let s = f.state().await;
    let mut missing = vec![];
    for a in p.user_accounts(&u.kp.pubkey()) {
        if f.env.account(&a).await.is_none() {
            missing.push(a);
        }
    }
    let ixs = p.instructions(&s, &u.kp.pubkey(), &u.share_token, |a| missing.contains(a));
    exit::pack(&ixs, &f.env.payer().pubkey(), table.map(std::slice::from_ref).unwrap_or(&[])).unwrap()
}

/// A lookup table of the plan's vault and market addresses, and the plan's transactions through it.
async fn through_a_table(f: &mut Fixture, u: &User, p: &ExitPlan) -> (AddressLookupTableAccount, Vec<ExitTransaction>) {
    let s = f.state().await;
    let addresses = exit::table_addresses(p, &s);
    let key = f.env.lookup_table(&addresses).await;
    let table = AddressLookupTableAccount { key, addresses };
    let txs = transactions(f, u, p, Some(&table)).await;
    (table, txs)
}

/// `u`'s shares and what `redeem_in_kind` of all of them pays per [`HOLDINGS`] entry (the
/// program's rule: ⌊shares × quantity / total shares⌋; this vault charges no fee).
async fn redeemable(f: &mut Fixture, u: &User) -> (u64, Vec<u64>) {
    let shares = f.env.token_amount(&u.share_token).await;
    let total = f.total_shares().await;
    (shares, HOLDINGS.iter().map(|q| mul_div(shares, *q, total, Rounding::Down).unwrap()).collect())
}

/// Simulates `ixs` signed by the payer and `u` (v0 through `table` when given).
async fn simulate(
    f: &mut Fixture,
    u: &User,
    ixs: &[Instruction],
    table: Option<&AddressLookupTableAccount>,
) -> Simulated {
    let payer = f.env.payer();
    let hash = f.env.ctx.last_blockhash;
    let message = match table {
        None => VersionedMessage::Legacy(Message::new_with_blockhash(ixs, Some(&payer.pubkey()), &hash)),
        Some(t) => {
            VersionedMessage::V0(v0::Message::try_compile(&payer.pubkey(), ixs, std::slice::from_ref(t), hash).unwrap())
        }
    };
    let tx = VersionedTransaction::try_new(message, &[&payer, &u.kp]).unwrap();
    let r = f.env.ctx.banks_client.simulate_transaction(tx).await.expect("banks client");
    let d = r.simulation_details.expect("simulation details");
    match r.result.expect("a result") {
        Ok(()) => Ok(d.units_consumed),
        Err(e) => Err((e, d.logs)),
    }
}

/// [`exit::probe`] on the bank.
async fn probe(f: &mut Fixture, u: &User, tx: &ExitTransaction, table: Option<&AddressLookupTableAccount>) -> Probe {
    let mut p = Prober::new(tx);
    while let Some(ixs) = p.next() {
        let ixs = ixs.to_vec();
        let outcome = simulate(f, u, &ixs, table).await;
        p.record(outcome);
    }
    p.finish()
}

/// Bids for a leg of `amount` atoms: 60 % of it 20 bps under the oracle, 60 % more 50 bps under.
fn deep(amount: u64) -> Ladder {
    Ladder { half_spread_bps: 20.0, step_bps: 30.0, levels: 2, size: amount * 6 / 10 }
}

/// One bid of `size` atoms `bps` under the oracle (and an ask as far above it).
fn one_bid(bps: f64, size: u64) -> Ladder {
    Ladder { half_spread_bps: bps, step_bps: 0.0, levels: 1, size }
}

/// The books of `markets` as the chain holds them now, by market address.
async fn books(f: &mut Fixture, markets: &[&Route]) -> BTreeMap<Pubkey, venue::Book> {
    let mut out = BTreeMap::new();
    for m in markets {
        let data = f.env.data(&m.market).await.expect("the market");
        out.insert(m.market, venue::decode_book(&data).expect("a book"));
    }
    out
}

/// What the user holds: shares, then the base, A, B and the call in their associated accounts.
async fn balances(f: &mut Fixture, u: &User, p: &ExitPlan) -> Vec<u64> {
    let mut out = vec![f.env.token_amount(&u.share_token).await];
    for a in p.user_accounts(&u.kp.pubkey()) {
        out.push(match f.env.data(&a).await {
            Some(d) => rpv_sdk::spl::amount(&d),
            None => 0,
        });
    }
    out
}

/// (a) The user leaves with base at least the minimum in ONE v0 transaction (redeem + two
/// swaps), keeps only the option tokens; the swaps sold exactly what the redemption paid.
#[tokio::test]
async fn an_exit_to_base_returns_at_least_its_minimum_in_one_transaction() {
    let (mut f, u) = invested().await;
    let (shares, paid) = redeemable(&mut f, &u).await;
    let ma = market(&mut f, 0, deep(paid[0])).await;
    let mb = market(&mut f, 1, deep(paid[1])).await;
    let p = planned(&mut f, &u, &[ma, mb]).await;
    // the plan: A and B sold on their markets, the call kept; the redemption's amounts are the program's
    assert_eq!(p.legs.iter().map(|l| l.amount).collect::<Vec<_>>(), paid);
    assert!(matches!(p.legs[0].action, LegAction::Swap { market, .. } if market == ma));
    assert!(matches!(p.legs[1].action, LegAction::Swap { market, .. } if market == mb));
    assert_eq!(p.legs[2].action, LegAction::KeepOption);
    assert_eq!(p.shares, shares);
    assert!(p.guaranteed() >= p.min_out && p.min_out < p.expected_out);

    // a legacy transaction cannot hold it all: the redemption and the swaps would be split
    let legacy = transactions(&mut f, &u, &p, None).await;
    let sizes: Vec<usize> = legacy.iter().map(|t| t.size).collect();
    assert!(legacy.len() > 1, "legacy: {sizes:?}");
    println!(
        "legacy: {} transactions of {sizes:?} bytes (legs {:?})",
        legacy.len(),
        legacy.iter().map(|t| t.legs.clone()).collect::<Vec<_>>()
    );
    // a lookup table of the vault's and the markets' addresses: one v0 transaction
    let (table, txs) = through_a_table(&mut f, &u, &p).await;
    let (key, addresses) = (table.key, table.addresses.clone());
    assert_eq!(txs.len(), 1);
    assert_eq!((txs[0].redeems, txs[0].legs.clone()), (true, vec![0, 1]));
    let checked = probe(&mut f, &u, &txs[0], Some(&table)).await;
    assert!(checked.passes(), "{checked:?}");
    // the SDK's quote of each book (the venue's arithmetic) meets each minimum
    let slot = f.env.clock().await.slot;
    let quotes = p.book_quotes(&books(&mut f, &[&ma, &mb]).await, slot);
    assert_eq!(quotes.iter().map(|q| q.0).collect::<Vec<_>>(), [0, 1]);
    for (k, (_, q)) in quotes.iter().enumerate() {
        let q = q.expect("a quote");
        assert!(q.passes && q.in_atoms == paid[k], "leg {k}: {q:?}");
    }

    let before = f.state().await;
    let mut books_before = vec![];
    for m in [&ma, &mb] {
        books_before
            .push((f.env.token_amount(&m.header.base_vault).await, f.env.token_amount(&m.header.quote_vault).await));
    }
    let out = f.env.send_v0(&txs[0].instructions, &[&u.kp], &[(key, addresses)]).await;
    out.ok();
    println!(
        "exit to base (4 account creations, redeem_in_kind of 4 holdings, 2 swaps; v0, {} bytes): {} CU",
        txs[0].size, out.cu
    );
    let after = balances(&mut f, &u, &p).await;
    let (got, kept) = (after[1], &after[2..]);
    assert!(got >= p.min_out, "received {got}, minimum {}", p.min_out);
    assert!(got <= p.expected_out, "the bids are below the oracle");
    assert_eq!(kept, &[0, 0, paid[2]], "only base and the option tokens are left");
    assert_eq!(after[0], 0, "every share redeemed");
    // the vault paid the pro-rata amounts and nothing else
    let s = f.state().await;
    assert_eq!(s.base_quantity, before.base_quantity - p.base);
    for (i, l) in p.legs.iter().enumerate() {
        assert_eq!(s.assets[i].quantity, before.assets[i].quantity - l.amount);
    }
    // each market took exactly the leg's tokens; the base received is the redemption's base plus
    // what both books paid out
    let mut paid_out = 0;
    for (k, m) in [&ma, &mb].into_iter().enumerate() {
        let (base_after, quote_after) =
            (f.env.token_amount(&m.header.base_vault).await, f.env.token_amount(&m.header.quote_vault).await);
        assert_eq!(base_after - books_before[k].0, paid[k]);
        paid_out += books_before[k].1 - quote_after;
    }
    assert_eq!(got, p.base + paid_out);
    // exactly what the SDK quoted from the books before sending
    let quoted: u64 = quotes.iter().map(|(_, q)| q.unwrap().out_atoms).sum();
    assert_eq!(paid_out, quoted, "the book quotes are the venue's own results");
}

/// (b) A book whose bids sit 5 % under the oracle cannot give leg B's minimum: the whole exit
/// fails — shares, the vault, the user's balances and the markets unchanged.
#[tokio::test]
async fn an_exit_the_book_cannot_pay_fails_as_a_whole() {
    let (mut f, u) = invested().await;
    let (shares, paid) = redeemable(&mut f, &u).await;
    let ma = market(&mut f, 0, deep(paid[0])).await;
    let mb = market(&mut f, 1, one_bid(500.0, paid[1] * 2)).await;
    let p = planned(&mut f, &u, &[ma, mb]).await;
    let (table, txs) = through_a_table(&mut f, &u, &p).await;
    assert_eq!(txs.len(), 1);
    let state_before = f.vault_and_risk_bytes().await;
    let user_before = balances(&mut f, &u, &p).await;
    let markets_before = [
        f.env.token_amount(&ma.header.base_vault).await,
        f.env.token_amount(&ma.header.quote_vault).await,
        f.env.token_amount(&mb.header.base_vault).await,
        f.env.token_amount(&mb.header.quote_vault).await,
    ];
    let out = f.env.send_v0(&txs[0].instructions, &[&u.kp], &[(table.key, table.addresses)]).await;
    out.assert_failed();
    assert!(out.logs.iter().any(|l| l.contains("Insufficient out atoms returned")), "{}", out.logs.join("\n"));
    assert_eq!(f.vault_and_risk_bytes().await, state_before, "the vault did not move");
    assert_eq!(balances(&mut f, &u, &p).await, user_before, "the user's shares and tokens did not move");
    assert_eq!(user_before[0], shares);
    for a in p.user_accounts(&u.kp.pubkey()) {
        assert!(f.env.account(&a).await.is_none(), "no account was created");
    }
    let markets_after = [
        f.env.token_amount(&ma.header.base_vault).await,
        f.env.token_amount(&ma.header.quote_vault).await,
        f.env.token_amount(&mb.header.base_vault).await,
        f.env.token_amount(&mb.header.quote_vault).await,
    ];
    assert_eq!(markets_after, markets_before);
}

/// (c) A thin book on leg A (a tenth of the leg bid) and a deep one on B: the probe names A, with
/// what its book gives, below its minimum, and passes B; split legacy transactions are probed
/// the same way (the first one holds the redemption).
#[tokio::test]
async fn a_thin_book_is_named_by_the_plan() {
    let (mut f, u) = invested().await;
    let (shares, paid) = redeemable(&mut f, &u).await;
    let ma = market(&mut f, 0, one_bid(20.0, paid[0] / 10)).await;
    let mb = market(&mut f, 1, deep(paid[1])).await;
    let p = planned(&mut f, &u, &[ma, mb]).await;
    let (table, txs) = through_a_table(&mut f, &u, &p).await;
    let checked = probe(&mut f, &u, &txs[0], Some(&table)).await;
    let LegAction::Swap { min_out, expected, .. } = p.legs[0].action else { panic!("A is sold") };
    assert_eq!(checked.short.len(), 1, "{checked:?}");
    let short = checked.short[0];
    assert_eq!((short.leg, short.min_out), (0, min_out));
    // the book gives what its one bid pays for a tenth of the leg: about a tenth of the value
    assert!(short.book_out < min_out && short.book_out <= expected / 10 + 1, "{short:?}");
    assert!(short.book_out >= expected / 10 * 99 / 100, "{short:?}");
    assert!(checked.other.is_none() && checked.units > 0, "B passes, the rest of the transaction too");
    // the SDK's book quote says the same before any simulation: A short by as much, B passes
    let slot = f.env.clock().await.slot;
    let quotes = p.book_quotes(&books(&mut f, &[&ma, &mb]).await, slot);
    let (a, b) = (quotes[0].1.unwrap(), quotes[1].1.unwrap());
    assert_eq!((a.passes, a.out_atoms), (false, short.book_out), "the venue's own figure");
    assert!(b.passes && b.out_atoms >= p.swaps().nth(1).unwrap().3);
    // nothing was sent
    assert_eq!(f.env.token_amount(&u.share_token).await, shares);
}

/// Markets that do not trade the leg against the base are refused with what to give instead;
/// a spot leg without a market is kept.
#[tokio::test]
async fn markets_must_match_their_legs() {
    let (mut f, u) = invested().await;
    let ma = f.open_market(0).await;
    let v = view(&mut f).await;
    let shares = f.env.token_amount(&u.share_token).await;
    let swapped: BTreeMap<Pubkey, Route> = [(f.assets[1].mint, ma)].into();
    let e = exit::plan(&v, shares, &swapped, 0).unwrap_err();
    assert!(matches!(e, exit::ExitError::Route { .. }), "{e}");
    let p = exit::plan(&v, shares, &[(f.assets[0].mint, ma)].into(), 0).unwrap();
    assert_eq!(p.legs[1].action, LegAction::KeepNoMarket);
    assert_eq!(p.kept().map(|l| l.slot).collect::<Vec<_>>(), vec![1, 2]);
    assert!(ata::address(&u.kp.pubkey(), &f.assets[0].mint, &TOKEN_PROGRAM_ID) == p.user_accounts(&u.kp.pubkey())[1]);
}

/// Without a lookup table the exit does not fit one legacy transaction: the redemption and the
/// first swap, then the other swap; both land, each swap meeting its own minimum (the overall
/// minimum then holds per transaction only).
#[tokio::test]
async fn a_split_exit_lands_transaction_by_transaction() {
    let (mut f, u) = invested().await;
    let (_, paid) = redeemable(&mut f, &u).await;
    let ma = market(&mut f, 0, deep(paid[0])).await;
    let mb = market(&mut f, 1, deep(paid[1])).await;
    let p = planned(&mut f, &u, &[ma, mb]).await;
    let txs = transactions(&mut f, &u, &p, None).await;
    assert_eq!(
        txs.iter().map(|t| (t.redeems, t.legs.clone())).collect::<Vec<_>>(),
        [(true, vec![0]), (false, vec![1])]
    );
    let mut units = vec![];
    for tx in &txs {
        let out = f.env.send(&tx.instructions, &[&u.kp]).await;
        out.ok();
        units.push(out.cu);
    }
    println!("split legacy exit: {units:?} CU (creations + redeem_in_kind + 1 swap; 1 swap)");
    let after = balances(&mut f, &u, &p).await;
    assert!(after[1] >= p.min_out, "{} < {}", after[1], p.min_out);
    assert_eq!(&after[2..], &[0, 0, paid[2]]);
    assert_eq!(after[0], 0);
}

/// A vault of `n` spot legs (10 whole tokens of each held besides a 1,000 USDC deposit), each sold
/// on its market through a lookup table in the transactions the SDK packs: at least the minimum,
/// no token left. Returns each transaction's compute units and legs sold.
async fn exit_of_spot_legs(n: usize) -> Vec<(u64, usize)> {
    let env = env_with_venue().await;
    let mut f = Fixture::with_assets_in(env, n).await;
    let u = f.user(1_000 * USDC).await;
    f.deposit(&u, 1_000 * USDC, 0).await.ok();
    let holdings: Vec<u64> = f.assets.iter().map(|a| 10 * 10u64.pow(a.decimals.into())).collect();
    f.set_holdings(&holdings).await;
    let mut markets = vec![];
    for (i, q) in holdings.iter().enumerate() {
        markets.push(market(&mut f, i, deep(*q)).await);
    }
    let p = planned(&mut f, &u, &markets).await;
    assert_eq!(p.swaps().count(), n);
    let (table, txs) = through_a_table(&mut f, &u, &p).await;
    let mut sent = vec![];
    for tx in &txs {
        assert!(tx.instructions.iter().map(exit::trace_length).sum::<usize>() <= exit::MAX_INSTRUCTION_TRACE);
        let out = f.env.send_v0(&tx.instructions, &[&u.kp], &[(table.key, table.addresses.clone())]).await;
        out.ok();
        // the runtime's count of what ran: the SDK's estimate is not below it
        let ran = out.logs.iter().filter(|l| l.contains(" invoke [")).count();
        assert!(ran <= tx.instructions.iter().map(exit::trace_length).sum::<usize>(), "{ran} instructions ran");
        println!(
            "exit to base, {n} spot legs: {} ({} instructions, {} swaps; v0, {} bytes): {} CU, {ran} instructions run",
            tx.label,
            tx.instructions.len(),
            tx.legs.len(),
            tx.size,
            out.cu
        );
        sent.push((out.cu, tx.legs.len()));
    }
    let after = balances(&mut f, &u, &p).await;
    assert!(after[1] >= p.min_out);
    assert!(after[2..].iter().all(|b| *b == 0), "{after:?}");
    sent
}

/// Four spot legs leave in one v0 transaction; six outgrow the instruction trace (64) with the
/// account creations, so the last swap goes in a second transaction.
#[tokio::test]
async fn four_spot_legs_leave_in_one_transaction_six_in_two() {
    let four = exit_of_spot_legs(4).await;
    assert_eq!(four.iter().map(|t| t.1).collect::<Vec<_>>(), [4]);
    let six = exit_of_spot_legs(6).await;
    assert_eq!(six.iter().map(|t| t.1).collect::<Vec<_>>(), [5, 1]);
    assert!(six[0].0 > four[0].0 && six[0].0 < 1_400_000);
}

/// The redemption is quoted `horizon` seconds ahead: in a vault charging a management fee, an
/// exit landing within the horizon gets at least the planned amounts (the fee accrued since
/// leaves a few atoms more with the user), one landing after it is refused by the redemption's
/// own minimums (`SlippageExceeded`) with nothing moved.
#[tokio::test]
async fn the_plan_holds_within_its_horizon() {
    let (mut f, _, _) = Fixture::with_fees(2, 200, 0).await;
    f.set_holdings(&[40_000_000_000, 2_000_000_000]).await;
    let mut users = vec![];
    for _ in 0..2 {
        let u = f.user(1_000 * USDC).await;
        f.deposit(&u, 1_000 * USDC, 0).await.ok();
        users.push(u);
    }
    let mut plans = vec![];
    for u in &users {
        f.refresh_oracles().await;
        let v = view(&mut f).await;
        let shares = f.env.token_amount(&u.share_token).await;
        let p = exit::plan(&v, shares, &BTreeMap::new(), 120).unwrap();
        assert!(p.legs.iter().all(|l| l.action == LegAction::KeepNoMarket));
        let s = f.state().await;
        let ixs = p.instructions(&s, &u.kp.pubkey(), &u.share_token, |_| true);
        let txs = exit::pack(&ixs, &f.env.payer().pubkey(), &[]).unwrap();
        assert_eq!(txs.len(), 1);
        plans.push((p, txs));
    }
    // within the horizon: at least every planned amount, the base a little more than planned
    f.env.advance_time(100).await;
    let (p, txs) = &plans[0];
    f.env.send(&txs[0].instructions, &[&users[0].kp]).await.ok();
    let got = balances(&mut f, &users[0], p).await;
    assert!(got[1] >= p.base && got[2] >= p.legs[0].amount && got[3] >= p.legs[1].amount, "{got:?}");
    assert!(got[2] - p.legs[0].amount <= p.legs[0].amount / 1_000_000, "dust at most");
    // after it: refused as a whole
    f.env.advance_time(600).await;
    let (p, txs) = &plans[1];
    let before = f.vault_and_risk_bytes().await;
    let out = f.env.send(&txs[0].instructions, &[&users[1].kp]).await;
    out.assert_error("SlippageExceeded");
    assert_eq!(f.vault_and_risk_bytes().await, before);
    assert_eq!(balances(&mut f, &users[1], p).await[1..], [0, 0, 0]);
}
