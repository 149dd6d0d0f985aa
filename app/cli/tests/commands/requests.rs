//! The request path and the flow parameters from the command line (issue 15), on the embedded
//! SVM running the built `.so`: `rpv withdraw` refusing an instant exit the base cannot pay and
//! saying how to request it, `withdraw --request`, `requests`, a keeper's `settle_requests`
//! (the SDK's plan and builder), `claim`; a deposit request cancelled; `flow-params` set at
//! once, refused under the timelock with what to do, proposed and applied.

use rpv_core::layout::{REQUEST_DEPOSIT, REQUEST_WITHDRAW};
use rpv_sdk::{
    ata,
    chain::Ledger,
    client::VaultClient,
    events::{parse_logs, Event, RequestSettled},
    ix::{self, FlowParams},
    pda, pk, Pubkey, TOKEN_PROGRAM_ID,
};
use serde_json::Value;
use solana_keypair::Keypair;
use solana_signer::Signer;

use super::{
    e2e::{steps, string, Launched},
    support::{check_failure, rpv, s, u},
};

/// A Pyth-priced SOL at $150 that can be deposited in kind.
fn sol_entry() -> String {
    format!(
        "[[assets]]\nsymbol = \"SOL\"\nfeed_id = \"{}\"\nmax_oracle_age = 60\nmax_conf_bps = 100\ndecimals = 9\n\
         in_kind_cap = 100_000_000_000\nsvm = {{ price = 150.0 }}\n",
        "4".repeat(64)
    )
}

/// `rpv cmd…` on `t`'s state fails; its one-line message holds every one of `needles`.
fn fails_with(t: &Launched, cmd: &[&str], needles: &[&str]) -> String {
    let out = rpv(&[cmd, &t.flags()[..]].concat());
    check_failure(&format!("{cmd:?}"), &out, needles[0]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    for n in needles {
        assert!(stderr.contains(n), "{cmd:?}: {stderr:?} lacks {n:?}");
    }
    stderr
}

/// A keeper's `settle_requests`, 5 s after the last command (every price published after the
/// requests): the requests the SDK's plan says settle, sent with the SDK's builder. Its
/// `RequestSettled` events.
fn settle(t: &Launched) -> Vec<RequestSettled> {
    let mut ledger = t.ledger();
    ledger.advance(5).unwrap();
    let keeper = Keypair::new();
    ledger.ensure_sol(&keeper.pubkey()).unwrap();
    let view = VaultClient::new(&mut ledger.chain, t.vault).fetch().unwrap();
    let open = VaultClient::new(&mut ledger.chain, t.vault).requests(&view.vault).unwrap();
    let plan = view.settle_plan(&open).unwrap();
    assert!(!plan.requests.is_empty(), "something to settle: {plan:?}");
    let keeper_base = ledger.fund(&keeper.pubkey(), &pk(&view.vault.base_mint), 0).unwrap();
    let keys: Vec<Pubkey> = plan.requests.iter().map(|(k, _)| *k).collect();
    let settle = ix::settle_requests(&keeper.pubkey(), &t.vault, &view.vault, &keeper_base, &keys);
    let done = ledger.chain.svm.send(&[settle], &[&keeper]).unwrap();
    ledger.save().unwrap();
    let settled: Vec<RequestSettled> = parse_logs(&done.logs)
        .into_iter()
        .filter_map(|e| if let Event::RequestSettled(e) = e { Some(e) } else { None })
        .collect();
    // the plan was the program's own steps
    let planned: Vec<_> = plan.requests.iter().filter_map(|(_, f)| *f).map(|f| (f.filled, f.out)).collect();
    assert_eq!(settled.iter().map(|e| (e.filled, e.out)).collect::<Vec<_>>(), planned);
    settled
}

/// Token balance of `owner`'s associated account for `mint` (SPL Token), 0 when it has none.
fn balance(ledger: &Ledger, owner: &Pubkey, mint: &Pubkey) -> u64 {
    let key = ata::address(owner, mint, &TOKEN_PROGRAM_ID);
    ledger.chain.svm.get_account(&key).map_or(0, |a| rpv_sdk::spl::amount(&a.data))
}

/// A holder of 2 SOL in kind and 10 base (about three quarters of the NAV) cannot leave in base
/// at once: `rpv withdraw` says so and how to request it. The request is listed, filled in part
/// from the base on hand, in full once a deposit brings base, and claimed.
#[test]
fn a_withdrawal_the_base_cannot_pay_is_requested_settled_and_claimed() {
    let t = Launched::new("requests", 21, &[sol_entry()]);
    let (vault, vs) = (t.vault, t.vault.to_string());
    let user = Keypair::new();
    let uf = t.dir.join("user.json");
    rpv_sdk::keypair::write(&user, &uf).unwrap();
    let me = ["--keypair", s(&uf)];
    t.json(&[&["deposit", "--amount", "10"][..], &me].concat());
    let base_mint = pk(&t.vault_state(&vault).base_mint);
    // a deposit request taken back before it settles: the base returns, the request closes
    let d = t.json(&[&["deposit", "--amount", "50", "--request"][..], &me].concat());
    assert_eq!((d["action"].as_str(), u(&d["id"]), u(&d["amount"])), (Some("request_deposit"), 0, 50_000_000));
    assert!(u(&d["estimate"]) > 0, "{d}");
    let escrowed = balance(&t.ledger(), &user.pubkey(), &base_mint);
    let escrow = pk(&t.vault_state(&vault).flows.escrow);
    assert_eq!(rpv_sdk::spl::amount(&t.ledger().chain.svm.get_account(&escrow).unwrap().data), 50_000_000);
    let row = &t.json(&[&["requests"][..], &me].concat())["requests"][0];
    assert_eq!(
        (row["kind"].as_str(), row["state"].as_str(), u(&row["pending"])),
        (Some("deposit"), Some("pending"), 50_000_000)
    );
    let text = t.text(&[&["cancel-request", "--kind", "deposit", "--id", "0"][..], &me].concat());
    assert!(
        text.starts_with(&format!("cancelled 1 request(s) of {vs}:\n  deposit 0: 50.000000 base, closed")),
        "{text}"
    );
    assert_eq!(balance(&t.ledger(), &user.pubkey(), &base_mint), escrowed + 50_000_000);
    assert_eq!(rpv_sdk::spl::amount(&t.ledger().chain.svm.get_account(&escrow).unwrap().data), 0);
    let v = t.vault_state(&vault);
    assert_eq!((v.flows.deposits.pending, v.flows.deposits.head), (0, 1));
    assert!(t
        .ledger()
        .chain
        .svm
        .get_account(&pda::request(&vault, REQUEST_DEPOSIT, 0).0)
        .is_none_or(|a| a.lamports == 0));
    fails_with(
        &t,
        &[&["cancel-request", "--kind", "deposit", "--id", "0"][..], &me].concat(),
        &["has no open deposit request 0", "`rpv requests` lists them"],
    );
    let share_mint = pda::share_mint(&vault).0;
    {
        let mut ledger = t.ledger();
        let sol: Pubkey = string(&t.init["assets"][0]["mint"]).parse().unwrap();
        let from = ledger.fund(&user.pubkey(), &sol, 2_000_000_000).unwrap();
        let v = t.vault_state(&vault);
        let shares = ata::address(&user.pubkey(), &share_mint, &TOKEN_PROGRAM_ID);
        let dep = ix::deposit_asset(&user.pubkey(), &vault, &v, 0, &from, &shares, 2_000_000_000, 1);
        ledger.chain.svm.send(&[dep], &[&user]).unwrap();
        ledger.save().unwrap();
    }
    let held = balance(&t.ledger(), &user.pubkey(), &share_mint);
    let base_on_hand = t.vault_state(&vault).base_quantity;
    assert!(held > 300_000_000 && base_on_hand < 120_000_000, "{held} shares, {base_on_hand} base");

    // no instant exit: the message says why and what to run instead
    let request_cmd = format!(
        "rpv withdraw --vault {vs} --shares {} --request",
        rpv_cli::cmd::format_amount(held, t.vault_state(&vault).base_decimals)
    );
    fails_with(
        &t,
        &[&["withdraw", "--all"][..], &me].concat(),
        &["withdraw failed: InsufficientBaseLiquidity (", "no instant exit now", &request_cmd, "rpv redeem-in-kind"],
    );

    // requested: the shares are burnt into the queue
    let r = t.json(&[&["withdraw", "--all", "--request"][..], &me].concat());
    assert_eq!(
        (r["action"].as_str(), r["kind"].as_str(), u(&r["id"]), u(&r["amount"])),
        (Some("request_withdraw"), Some("withdraw"), 0, held)
    );
    assert_eq!(r["request"], pda::request(&vault, REQUEST_WITHDRAW, 0).0.to_string());
    assert!(u(&r["estimate"]) > 300_000_000 && u(&r["base_on_hand"]) == base_on_hand, "{r}");
    assert_eq!(steps(&r), ["request_withdraw"]);
    assert_eq!(balance(&t.ledger(), &user.pubkey(), &share_mint), 0);
    let v = t.vault_state(&vault);
    assert_eq!((v.flows.withdrawals.pending, v.flows.withdrawals.next_id), (held, 1));

    // listed: the signer's by default, every owner's without --keypair
    let mine = t.json(&[&["requests"][..], &me].concat());
    assert_eq!(mine["owner"], user.pubkey().to_string());
    let row = &mine["requests"][0];
    assert_eq!((row["kind"].as_str(), u(&row["id"]), row["state"].as_str()), (Some("withdraw"), 0, Some("pending")));
    assert_eq!((u(&row["pending"]), u(&row["claimable"])), (held, 0));
    let every = t.json(&["requests"]);
    assert_eq!((every["owner"].clone(), every["requests"].as_array().unwrap().len()), (Value::Null, 1));
    let admins = t.json(&["requests", "--owner", &string(&t.init["admin"])]);
    assert!(admins["requests"].as_array().unwrap().is_empty());
    fails_with(
        &t,
        &[&["claim", "--kind", "withdraw", "--id", "0"][..], &me].concat(),
        &["withdraw request 0 has nothing to claim yet", "a keeper settles it"],
    );
    fails_with(&t, &["claim", "--kind", "withdraw", "--id", "0"], &["belongs to", "sign with its owner's keypair"]);

    // a keeper settles what the base on hand pays: a partial fill keeps the head
    let first = settle(&t);
    assert_eq!(first.len(), 1);
    assert!(first[0].remaining > 0 && first[0].filled + first[0].remaining == held, "{first:?}");
    assert!(first[0].out + first[0].incentive <= base_on_hand);
    let row = &t.json(&[&["requests"][..], &me].concat())["requests"][0];
    assert_eq!((row["state"].as_str(), u(&row["claimable"])), (Some("partially filled"), first[0].out));

    // base arrives (an instant deposit): the rest settles
    t.json(&["deposit", "--amount", "400"]);
    let rest = settle(&t);
    assert_eq!((rest.len(), rest[0].remaining, rest[0].filled), (1, 0, first[0].remaining));
    let row = &t.json(&[&["requests"][..], &me].concat())["requests"][0];
    assert_eq!((row["state"].as_str(), u(&row["pending"])), (Some("claimable"), 0));

    // claimed: every base unit settled is paid, the request closes
    let before = balance(&t.ledger(), &user.pubkey(), &base_mint);
    let c = t.json(&[&["claim", "--all"][..], &me].concat());
    let done = &c["requests"][0];
    assert_eq!(
        (c["action"].as_str(), done["unit"].as_str(), done["closed"].as_bool()),
        (Some("claim_request"), Some("base"), Some(true))
    );
    assert_eq!(u(&done["amount"]), first[0].out + rest[0].out);
    assert_eq!(balance(&t.ledger(), &user.pubkey(), &base_mint), before + first[0].out + rest[0].out);
    let v = t.vault_state(&vault);
    assert_eq!((v.flows.withdrawals.pending, v.flows.withdrawals.claimable, v.flows.withdrawals.head), (0, 0, 1));
    assert!(t.json(&[&["requests"][..], &me].concat())["requests"].as_array().unwrap().is_empty());
    fails_with(&t, &[&["claim", "--all"][..], &me].concat(), &["has no request to claim", "rpv requests --vault"]);
}

/// `rpv flow-params`: shown; the cash buffer set at once under the timelock; a higher instant
/// fee refused with what to do, proposed with --propose and applied by `rpv apply-change
/// --kind flow` after the eta.
#[test]
fn flow_params_set_at_once_or_through_the_timelock() {
    let t = Launched::new("flow-params", 22, &[sol_entry()]);
    let vs = t.vault.to_string();
    let shown = t.json(&["flow-params"]);
    let named = |p: &FlowParams| -> Value {
        p.ranges().iter().map(|(k, v, _, _)| (k.to_string(), Value::from(*v))).collect::<serde_json::Map<_, _>>().into()
    };
    assert_eq!(
        (shown["action"].as_str(), &shown["params"], &shown["proposed"]),
        (Some("show"), &named(&FlowParams::DEFAULT), &Value::Null)
    );

    let set = t.json(&["flow-params", "--cash-buffer-bps", "500"]);
    assert_eq!((set["action"].as_str(), u(&set["params"]["cash_buffer_bps"])), (Some("set_flow_params"), 500));
    assert_eq!(steps(&set), ["set_flow_params"]);
    assert_eq!(t.vault_state(&t.vault).flows.params, FlowParams { cash_buffer_bps: 500, ..FlowParams::DEFAULT });

    let apply = format!("rpv apply-change --vault {vs} --kind flow");
    fails_with(&t, &["flow-params", "--instant-fee-bps", "10"], &["TimelockRequired", "--propose", &apply]);
    fails_with(&t, &["flow-params", "--settle-delay-secs", "0"], &["--settle-delay-secs 0 is outside 1..=300"]);
    fails_with(&t, &["flow-params", "--propose"], &["--propose needs the parameters to change"]);

    let p = t.json(&["flow-params", "--instant-fee-bps", "10", "--propose"]);
    let now = t.ledger().chain.svm.get_sysvar::<rpv_sdk::chain::Clock>().unix_timestamp;
    assert_eq!(
        (p["action"].as_str(), u(&p["params"]["instant_fee_bps"]), u(&p["proposed"]["instant_fee_bps"])),
        (Some("propose_change"), 0, 10)
    );
    assert_eq!((p["eta"].as_i64(), u(&p["proposed"]["cash_buffer_bps"])), (Some(now + 3600), 500));
    assert_eq!(steps(&p), ["propose_change (flow)"]);
    let text = t.text(&["flow-params"]);
    assert!(text.contains("proposed: cash_buffer_bps 500, instant_fee_bps 10") && text.contains(&apply), "{text}");

    let applied = t.json(&["apply-change", "--kind", "flow", "--advance", "3600"]);
    assert_eq!(applied["kind"], "flow");
    let want = FlowParams { cash_buffer_bps: 500, instant_fee_bps: 10, ..FlowParams::DEFAULT };
    assert_eq!(t.vault_state(&t.vault).flows.params, want);
    let after = t.json(&["flow-params"]);
    assert_eq!((&after["params"], &after["proposed"]), (&named(&want), &Value::Null));
    // a tightening applies at once under the timelock
    t.json(&["flow-params", "--instant-fee-bps", "0"]);
    assert_eq!(t.vault_state(&t.vault).flows.params.instant_fee_bps, 0);
}

/// Two requests race for one id: the one built on a view read before the other landed is
/// refused (that id's request account exists), the vault is read again and it goes through with
/// the next id.
#[test]
fn a_request_whose_id_was_taken_is_sent_again_with_the_next_one() {
    use rpv_cli::cmd::{
        request::{make, Kind},
        Conn,
    };
    let t = Launched::new("request-race", 23, &[sol_entry()]);
    let ledger = t.ledger();
    let admin = ledger.admin().unwrap();
    let mut conn = Conn::Svm(Box::new(ledger));
    let mut stale = conn.fetch(&t.vault).unwrap();
    let shares = ata::address(&admin.pubkey(), &pda::share_mint(&t.vault).0, &TOKEN_PROGRAM_ID);
    let first = stale.vault.flows.withdrawals.next_id;
    let other = ix::request_withdraw(&admin.pubkey(), &t.vault, &stale.vault, &shares, first, 1_000_000);
    conn.send(&mut vec![], "the other request", &[other], &[&admin]).unwrap();
    let r = make(&mut conn, &admin, &mut stale, Kind::Withdraw, 2_000_000, &shares, &[]).unwrap();
    assert_eq!((r.id, r.amount), (first + 1, 2_000_000));
    assert_eq!(r.request, pda::request(&t.vault, REQUEST_WITHDRAW, first + 1).0.to_string());
    assert_eq!(r.transactions.len(), 1, "the refused attempt sent nothing");
    let v = conn.fetch(&t.vault).unwrap().vault;
    assert_eq!((v.flows.withdrawals.next_id, v.flows.withdrawals.pending), (first + 2, 3_000_000));
}
