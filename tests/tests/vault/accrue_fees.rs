//! `accrue_fees` — one test per Specification bullet, known answers from the core crate's
//! formulas, fees inside the flows, and a farming attempt. `cargo test fee` selects this group.

use rpv_core::{
    fees::{management_growth_bits, performance_fee_shares, Accrual},
    fixed_point::SECONDS_PER_YEAR,
    layout::VaultState,
    math::{amount_for_shares, mul_div, shares_for_deposit, Rounding},
};
use rpv_sdk::{events::Event, ix, TOKEN_2022_PROGRAM_ID};
use rpv_tests::*;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

/// What the program will accrue next, from the core crate on a copy of the state.
async fn expected_accrual(f: &mut Fixture, nav_down: Option<u64>) -> (Accrual, VaultState, u64) {
    let mut s = f.state().await;
    let sm = f.share_mint();
    let supply = f.env.mint_supply(&sm).await;
    let now = f.env.now().await;
    let a = s.accrue_fees(supply, nav_down, now).unwrap();
    (a, s, supply)
}

#[tokio::test]
async fn fee_management_known_answer_two_percent_a_year() {
    let (mut f, _, to) = Fixture::with_fees(0, 200, 0).await;
    // 1,000,000 dead shares over a constant NAV of 1,000,000 base units
    assert_eq!(f.total_shares().await, 1_000_000);
    f.env.advance_time(SECONDS_PER_YEAR).await;
    let out = f.accrue_fees(&to).await;
    out.ok();
    // 1e6 · (1/0.98 − 1) = 20,408.16 shares
    assert_eq!(f.env.token_amount(&to).await, 20_408);
    let total = f.total_shares().await;
    assert_eq!(total, 1_020_408);
    let s = f.state().await;
    assert_eq!(s.fees.pending_shares, 0);
    // the recipient now owns 2 % of the value, to one share
    let value = mul_div(20_408, s.base_quantity, total, Rounding::Down).unwrap();
    assert!(value.abs_diff(20_000) <= 1, "recipient holds {value} of 1,000,000");
    let e = fees_accrued(&out);
    assert_eq!(
        (e.management_shares, e.performance_shares, e.minted, e.pending_after, e.total_shares_after),
        (20_408, 0, 20_408, 0, 1_020_408)
    );
    // the core formula gives the same
    let g = management_growth_bits(200, SECONDS_PER_YEAR as u64).unwrap();
    assert_eq!((1_000_000u128 * g) >> 48, 20_408);
}

/// A vault of 1e12 shares at 5 %/yr, and its recipient's account.
async fn large_vault() -> (Fixture, Pubkey) {
    let (mut f, _, to) = Fixture::with_fees(0, 500, 0).await;
    let u = f.user(1_000_000_000_000).await;
    f.deposit(&u, 1_000_000_000_000, 0).await.ok();
    (f, to)
}

#[tokio::test]
async fn fee_management_frequent_accruals_cannot_farm_the_fee() {
    const SECONDS: u32 = 120;
    // one vault accrues every second…
    let (mut every, to_every) = large_vault().await;
    for i in 0..SECONDS {
        every.env.advance_time(1).await;
        let ix = every.accrue_fees_ix(&to_every).await;
        every.env.send(&[distinct(i), ix], &[]).await.ok();
    }
    // …an identical one once over the whole span
    let (mut once, to_once) = large_vault().await;
    once.env.advance_time(i64::from(SECONDS)).await;
    once.accrue_fees(&to_once).await.ok();
    let frequent = every.env.token_amount(&to_every).await;
    let single = once.env.token_amount(&to_once).await;
    assert!(frequent + 1 >= single && frequent <= single + 1, "every second {frequent}, once {single}");
    // and both are the exact (1 − r)^(−t/year) − 1 dilution: ≈ 1,626 shares a second
    let shares = 1_000_001_000_000f64;
    let want = shares * ((0.95f64).powf(-(f64::from(SECONDS)) / SECONDS_PER_YEAR as f64) - 1.0);
    assert!((single as f64 - want).abs() <= 2.0, "{single} vs {want}");
    assert!(single > 190_000, "{single}");
}

#[tokio::test]
async fn fee_performance_high_water_mark_cycle() {
    let (mut f, _, to) = Fixture::with_fees(1, 0, 0).await;
    // 1 unit of asset 0 at $10.50 plus the 1 USDC seed: NAV 11.5 USDC for 1e6 shares
    f.set_holdings(&[1_000_000_000]).await;
    // the performance fee is never measured above the last positions step's NAV per share:
    // every price below is sampled by a refresh before the accrual
    f.step(60).await.ok();
    // at rate 0 the mark follows the price up: no fee for the set-up's jump
    f.accrue_fees(&to).await.ok();
    let s = f.state().await;
    assert_eq!((s.fees.hwm_nav, s.fees.hwm_shares, s.fees.pending_shares), (11_500_000, 1_000_000, 0));
    // 20 % from now on (this fixture has no timelock)
    f.set_fees(0, 2_000).await.ok();
    assert_eq!(f.state().await.fees.performance_bps, 2_000);

    let mut minted = 0;
    // (price, NAV, fee shares): gain; drawdown; recovery below the mark; past the mark
    let cycle = [
        // gain 5.25 USDC → fee 1.05 → ⌊1e6 · 1.05 / 15.70⌋
        (1_575_000_000i64, 16_750_000u64, 66_878u64),
        (900_000_000, 10_000_000, 0),
        (1_570_000_000, 16_700_000, 0),
        // 2.00 USDC above the mark → fee 0.40 → ⌊1,066,878 · 0.40 / 18.35⌋
        (1_775_000_000, 18_750_000, 23_256),
    ];
    for (price, nav, fee) in cycle {
        f.env.advance_time(60).await;
        f.set_price(0, price).await;
        f.refresh().await.ok();
        assert_eq!((f.nav(Rounding::Down).await, f.risk().await.nav_snapshot), (nav, nav));
        let before = f.state().await;
        let total = f.total_shares().await;
        let out = f.accrue_fees(&to).await;
        out.ok();
        let want = performance_fee_shares(nav, total, before.fees.hwm_nav, before.fees.hwm_shares, 2_000).unwrap();
        assert_eq!(want, fee, "core and known answer at NAV {nav}");
        minted += fee;
        assert_eq!(f.env.token_amount(&to).await, minted, "at NAV {nav}");
        let s = f.state().await;
        let e = fees_accrued(&out);
        assert_eq!((e.performance_shares, e.nav), (fee, nav));
        if fee > 0 {
            assert_eq!((s.fees.hwm_nav, s.fees.hwm_shares), (nav, total + fee), "mark moves to the post-fee price");
        } else {
            assert_eq!((s.fees.hwm_nav, s.fees.hwm_shares), (before.fees.hwm_nav, before.fees.hwm_shares));
        }
    }
    assert_eq!(minted, 66_878 + 23_256);
}

#[tokio::test]
async fn fee_entry_exit_and_in_kind_redemption_are_priced_after_fees() {
    let (mut f, _, to) = Fixture::with_fees(0, 500, 2_000).await;
    let a = f.user(2_000_000_000).await;
    f.deposit(&a, 1_000_000_000, 0).await.ok();
    let bv = f.base_vault();

    // a deposit 30 days later: the management fee accrues first, then the deposit is priced
    f.env.advance_time(30 * DAY).await;
    let nav = f.state().await.base_quantity;
    let (acc, after, supply) = expected_accrual(&mut f, Some(nav)).await;
    assert!(acc.management > 100_000, "{acc:?}");
    let total = after.total_shares(supply).unwrap();
    let b = f.user(100_000_000).await;
    let out = f.deposit(&b, 100_000_000, 0).await;
    out.ok();
    let shares = shares_for_deposit(100_000_000, total, nav).unwrap();
    match &out.events()[..] {
        [Event::FeesAccrued(e), Event::Deposited(d)] => {
            assert_eq!((e.management_shares, e.performance_shares, e.minted), (acc.management, 0, 0));
            assert_eq!((d.total_shares_before, d.nav_before, d.shares), (total, nav, shares));
        }
        other => panic!("expected FeesAccrued then Deposited, got {other:?}"),
    }
    assert_eq!(f.env.token_amount(&b.share_token).await, shares);
    assert_eq!(f.state().await.fees.pending_shares, acc.management);

    // a withdrawal 30 days later is priced after the next accrual
    f.env.advance_time(30 * DAY).await;
    let nav = f.env.token_amount(&bv).await;
    let (acc2, after, supply) = expected_accrual(&mut f, Some(nav)).await;
    let total = after.total_shares(supply).unwrap();
    let half = f.env.token_amount(&a.share_token).await / 2;
    let out = f.withdraw(&a, half, 0).await;
    out.ok();
    match &out.events()[..] {
        [Event::FeesAccrued(e), Event::Withdrawn(w)] => {
            assert_eq!(e.management_shares, acc2.management);
            assert_eq!((w.total_shares_before, w.amount), (total, amount_for_shares(half, total, nav).unwrap()));
        }
        other => panic!("expected FeesAccrued then Withdrawn, got {other:?}"),
    }

    // in-kind redemption accrues the management fee (the risk state is 30 days old: the
    // performance fee waits for a priced accrual)
    f.env.advance_time(30 * DAY).await;
    let (acc3, after, supply) = expected_accrual(&mut f, None).await;
    let total = after.total_shares(supply).unwrap();
    let accounts = f.holding_accounts(&b).await;
    let out = f.redeem(&b, &accounts, shares, vec![]).await;
    out.ok();
    match &out.events()[..] {
        [Event::FeesAccrued(e), Event::RedeemedInKind(r)] => {
            assert_eq!((e.management_shares, e.nav), (acc3.management, 0));
            assert_eq!(r.total_shares_before, total);
        }
        other => panic!("expected FeesAccrued then RedeemedInKind, got {other:?}"),
    }

    // accrue_fees mints every pending share to the recipient; the total does not move
    let pending = f.state().await.fees.pending_shares;
    assert_eq!(pending, acc.management + acc2.management + acc3.management);
    let total = f.total_shares().await;
    f.accrue_fees(&to).await.ok();
    assert_eq!(f.env.token_amount(&to).await, pending);
    assert_eq!(f.total_shares().await, total);
    assert_eq!(f.state().await.fees.pending_shares, 0);
}

#[tokio::test]
async fn fee_accrue_fees_checks_every_account() {
    let (mut f, recipient, to) = Fixture::with_fees(2, 200, 1_000).await;
    f.env.advance_time(DAY).await;
    f.refresh_oracles().await;
    let stranger = Keypair::new().pubkey();
    let strangers_shares = f.share_account(&stranger).await;
    let base = (f.base_program, f.base_mint);
    let recipients_base = f.env.create_token_account(&base.0, &base.1, &recipient).await;
    let sm = f.share_mint();
    let before = (f.state().await, f.env.mint_supply(&sm).await);
    let cases: [(usize, Pubkey, &str); 5] = [
        (3, strangers_shares, "WrongFeeRecipient"),
        (3, recipients_base, "WrongMint"),
        (2, f.base_mint, "WrongShareMint"),
        (1, stranger, "WrongAuthority"),
        (4, TOKEN_2022_PROGRAM_ID, "WrongTokenProgram"),
    ];
    for (index, key, err) in cases {
        let mut ix = f.accrue_fees_ix(&to).await;
        ix.accounts[index].pubkey = key;
        f.env.send(&[ix], &[]).await.assert_error(err);
    }
    let mut ix = f.accrue_fees_ix(&to).await;
    ix.accounts.pop();
    f.env.send(&[ix], &[]).await.assert_error("OracleAccountCount");
    let mut ix = f.accrue_fees_ix(&to).await;
    ix.accounts.swap(5, 6);
    f.env.send(&[ix], &[]).await.assert_error("OracleAccountMismatch");
    assert_eq!((f.state().await, f.env.mint_supply(&sm).await), before, "nothing moved");
    // (a dead feed of a held leg: the management fee only, `attacks_feeds.rs`)
    // permissionless, and it works while paused and with a stale risk state
    let (g, v) = (f.admin.insecure_clone(), f.vault);
    f.env.send(&[ix::set_paused(&g.pubkey(), &v, true)], &[&g]).await.ok();
    f.refresh_oracles().await;
    assert!(!f.state().await.risk_is_fresh(f.env.now().await));
    f.accrue_fees(&to).await.ok();
    assert!(f.env.token_amount(&to).await > 0);
}
