//! Flash rebalances through the real venue (Manifest built from its crate, `cargo xtask
//! build-dex`) on the `.so`: a keeper with no inventory converges a mis-weighted vault, and what
//! the market does around the keeper's swap never makes the vault accept less than the
//! program's price (`rpv_sdk::flash`).

use rpv_core::rebalance::Side;
use rpv_sdk::{flash, venue};
use rpv_tests::*;
use solana_signer::Signer;

#[tokio::test]
async fn a_keeper_without_inventory_converges_the_vault_through_the_venue() {
    let (mut f, routes, k) = vault_beside_markets(3).await;
    let mut trades = 0;
    while let Some(leg) = f.auto_leg().await {
        let plan = f.planned(leg).await;
        let before = f.state().await;
        let ixs = f.flash_via(&k, leg, &routes[usize::from(leg)]).await;
        let out = f.env.send(&ixs, &[&k.kp]).await;
        out.ok();
        let e = &rebalanced(&out)[0];
        assert!(e.flash);
        assert_eq!((e.qty, e.base_amount), (plan.qty, plan.base_amount), "the program's own trade");
        assert_eq!(e.side, Side::Buy as u8, "an all-base vault buys");
        let after = f.state().await;
        assert_eq!(after.assets[usize::from(leg)].quantity, before.assets[usize::from(leg)].quantity + plan.qty);
        assert_eq!(after.base_quantity, before.base_quantity - plan.base_amount);
        assert!(!after.is_rebalancing());
        // the keeper keeps only base: the difference between the vault's price and the venue's
        assert_eq!(f.env.token_amount(&k.asset_tokens[usize::from(leg)]).await, 0);
        println!("flash rebalance through the venue: leg {leg}, {} CU", out.cu);
        trades += 1;
        assert!(trades <= 10, "does not converge");
        f.step(61).await.ok();
    }
    assert!(trades >= 3, "each leg traded");
    let r = f.risk().await;
    let s = f.state().await;
    let nav = rpv_core::rebalance::sampled_nav(&s, &r).unwrap();
    let band = rpv_core::rebalance::band(&r, nav);
    for i in 0..3 {
        let target = rpv_core::rebalance::scaled_target(&r, i, nav).unwrap();
        assert!(f.value_of(i).await.abs_diff(target) <= band + 1, "leg {i} inside its band");
    }
    let profit = f.env.token_amount(&k.base_token).await;
    assert!(profit > 0, "the incentive covered the spread and the impact");
    println!("keeper's profit over {trades} trades: {profit} base units");
}

#[tokio::test]
async fn an_overweight_leg_is_sold_through_the_venue() {
    let (mut f, routes, k) = vault_beside_markets(3).await;
    while let Some(leg) = f.auto_leg().await {
        let ixs = f.flash_via(&k, leg, &routes[usize::from(leg)]).await;
        f.env.send(&ixs, &[&k.kp]).await.ok();
        f.step(61).await.ok();
    }
    // a depositor brings $150,000 of asset 1 in kind: it is now above its target
    let u = f.user(0).await;
    let qty = (150_000.0 * 1e6 / f.atom_price(1)) as u64;
    let from = f.asset_account(1, &u.kp.pubkey(), qty).await;
    f.deposit_asset(&u, 1, &from, qty, 1).await.ok();
    f.step(61).await.ok();
    assert_eq!(f.auto_leg().await, Some(1), "the leg brought in kind is the furthest out");
    let plan = f.planned(1).await;
    assert_eq!(plan.side, Side::Sell);
    let keeper_before = f.env.token_amount(&k.base_token).await;
    let base_before = f.state().await.base_quantity;
    let ixs = f.flash_via(&k, 1, &routes[1]).await;
    let out = f.env.send(&ixs, &[&k.kp]).await;
    out.ok();
    assert_eq!(rebalanced(&out)[0].side, Side::Sell as u8);
    assert_eq!(f.state().await.base_quantity, base_before + plan.base_amount, "the vault got what it was owed");
    assert_eq!(f.env.token_amount(&k.asset_tokens[1]).await, 0, "the keeper sold all it was handed");
    assert!(f.env.token_amount(&k.base_token).await > keeper_before, "and kept its margin");
}

/// What a failed trade must leave exactly as it was: the vault and risk accounts, the vault's
/// base and leg token accounts, and the keeper's.
async fn money_state(f: &mut Fixture, k: &Keeper, leg: usize) -> (Vec<u8>, Vec<u8>, [u64; 4]) {
    let (v, r) = f.vault_and_risk_bytes().await;
    let leg_vault = rpv_sdk::pk(&f.state().await.assets[leg].token_account);
    let balances = [
        f.env.token_amount(&f.base_vault()).await,
        f.env.token_amount(&leg_vault).await,
        f.env.token_amount(&k.base_token).await,
        f.env.token_amount(&k.asset_tokens[leg]).await,
    ];
    (v, r, balances)
}

/// Asserts `out` failed in the venue because its book could not meet the swap's bound: an
/// exact-in swap short of its minimum (`InsufficientOut`), or an exact-out swap that needs more
/// than its maximum in (the venue takes the maximum in first: `InsufficientFunds`).
fn assert_venue_refused(out: &Outcome) {
    let failed = format!("Program {} failed: ", venue::MANIFEST_ID);
    let why = out.logs.iter().find_map(|l| l.strip_prefix(&failed)).unwrap_or_else(|| {
        panic!("the venue did not refuse it:\n{}", out.logs.join("\n"));
    });
    let short = format!("custom program error: {:#x}", venue::error::INSUFFICIENT_OUT);
    assert!(why == short || why == "insufficient funds for instruction", "{why}");
    assert!(out.result.is_err());
}

/// The vault buys leg `leg`; the keeper swaps the base it was handed with no bound of its own
/// and pays the vault what the venue gave it (`paid` of the owed quantity, in parts per
/// thousand) — the instructions of a keeper trying to keep the difference.
async fn underpaying_flash(
    f: &mut Fixture,
    k: &Keeper,
    leg: u8,
    route: &flash::Route,
    paid_ppt: u64,
) -> Vec<rpv_sdk::Instruction> {
    let plan = f.planned(leg).await;
    assert_eq!(plan.side, Side::Buy);
    let mut ixs = f.flash_via(k, leg, route).await;
    let l = usize::from(leg);
    ixs[1] = venue::swap(
        &k.kp.pubkey(),
        &route.market,
        &route.header,
        &k.asset_tokens[l],
        &k.base_token,
        plan.base_amount,
        0,
        false,
    );
    let s = f.state().await;
    let slot = &s.assets[l];
    ixs[2] = rpv_sdk::spl::transfer_checked(
        &rpv_sdk::pk(&slot.token_program),
        &k.asset_tokens[l],
        &rpv_sdk::pk(&slot.mint),
        &rpv_sdk::pk(&slot.token_account),
        &k.kp.pubkey(),
        plan.qty * paid_ppt / 1_000,
        slot.decimals,
    );
    ixs
}

#[tokio::test]
async fn attack_flash_swap_returning_less_than_owed_fails_the_whole_transaction() {
    // the makers quote 300 bps either side: the venue gives less than the vault is owed
    let f = Fixture::with_assets_in(env_with_venue().await, 3).await;
    let mut f = f.funded_for_rebalance(venue_params(), 1_000_000 * USDC).await;
    let route = f.open_market(0).await;
    let (mid, mut l) = (f.atom_price(0), f.ladder(0));
    l.half_spread_bps = 300.0;
    f.make_market(0, &route, mid, l).await;
    let k = f.keeper(0, 0).await;
    let before = money_state(&mut f, &k, 0).await;
    // the SDK's route: the venue itself refuses to sell the quantity for the base the vault pays
    let ixs = f.flash_via(&k, 0, &route).await;
    let out = f.env.send(&ixs, &[&k.kp]).await;
    assert_venue_refused(&out);
    assert_eq!(money_state(&mut f, &k, 0).await, before);
    // a keeper that swaps without a bound and pays the vault what it got (95 % of the quantity)
    let ixs = underpaying_flash(&mut f, &k, 0, &route, 950).await;
    let out = f.env.send(&ixs, &[&k.kp]).await;
    out.assert_error("RebalanceUnderpaid");
    assert_eq!(money_state(&mut f, &k, 0).await, before, "nothing moved: not the vault's, not the keeper's");
}

#[tokio::test]
async fn attack_sandwich_cannot_make_the_vault_accept_less_than_its_price() {
    let (mut f, routes, k) = vault_beside_markets(3).await;
    let leg = f.auto_leg().await.expect("an all-base vault buys");
    let route = routes[usize::from(leg)];
    let plan = f.planned(leg).await;
    // the attacker sees the keeper's trade coming and buys up the asks first ($300,000)
    let attacker = f.env.funded_keypair().await;
    let ab = f.asset_account(usize::from(leg), &attacker.pubkey(), 0).await;
    let aq = f.env.create_token_account(&rpv_sdk::TOKEN_PROGRAM_ID, &f.base_mint.clone(), &attacker.pubkey()).await;
    let bm = f.base_mint;
    f.env.mint_to(&rpv_sdk::TOKEN_PROGRAM_ID, &bm, &aq, 300_000 * USDC).await;
    let front = venue::swap(&attacker.pubkey(), &route.market, &route.header, &ab, &aq, 300_000 * USDC, 0, false);
    f.env.send(&[front], &[&attacker]).await.ok();
    let before = money_state(&mut f, &k, usize::from(leg)).await;
    // the keeper's transaction as the SDK builds it: the venue refuses the worse price
    let ixs = f.flash_via(&k, leg, &route).await;
    let out = f.env.send(&ixs, &[&k.kp]).await;
    assert_venue_refused(&out);
    assert_eq!(money_state(&mut f, &k, usize::from(leg)).await, before);
    // a careless keeper with no bound on its swap cannot pay: the vault refuses less than owed
    let ixs = underpaying_flash(&mut f, &k, leg, &route, 990).await;
    let out = f.env.send(&ixs, &[&k.kp]).await;
    out.assert_error("RebalanceUnderpaid");
    assert_eq!(money_state(&mut f, &k, usize::from(leg)).await, before);
    // a smaller sandwich the keeper's margin absorbs: the trade lands at exactly the program's
    // price — the market's move changes the keeper's margin, never the vault's terms
    let (mid, l) = (f.atom_price(usize::from(leg)), f.ladder(usize::from(leg)));
    f.make_market(usize::from(leg), &route, mid, l).await;
    f.env.mint_to(&rpv_sdk::TOKEN_PROGRAM_ID, &bm, &aq, 20_000 * USDC).await;
    let front = venue::swap(&attacker.pubkey(), &route.market, &route.header, &ab, &aq, 20_000 * USDC, 0, false);
    f.env.send(&[front], &[&attacker]).await.ok();
    let s = f.state().await;
    let ixs = f.flash_via(&k, leg, &route).await;
    let out = f.env.send(&ixs, &[&k.kp]).await;
    out.ok();
    let e = &rebalanced(&out)[0];
    assert_eq!((e.qty, e.base_amount), (plan.qty, plan.base_amount));
    let after = f.state().await;
    assert_eq!(after.base_quantity, s.base_quantity - plan.base_amount);
    assert_eq!(after.assets[usize::from(leg)].quantity, s.assets[usize::from(leg)].quantity + plan.qty);
}
