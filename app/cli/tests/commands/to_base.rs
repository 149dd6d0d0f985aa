//! `rpv withdraw --to-base` over JSON-RPC (the mock cluster's litesvm running the vault's `.so`
//! and the venue's, Manifest, with a market per asset where a maker bids near the oracle): the
//! plan (`--dry-run`), a spot leg without a market, a minimum the books cannot give, then the
//! exit itself in one transaction.

use rpv_sdk::{
    ata,
    chain::{self, Chain, CommitmentLevel, RpcChain},
    decode_vault, ix, pda, Pubkey, TOKEN_PROGRAM_ID,
};
use solana_signer::Signer;

use super::{
    e2e::steps,
    mock_rpc,
    support::{fails, ok_json, ok_text, rpv, s, tempdir, u},
};

fn balance(client: &mut RpcChain, key: &Pubkey) -> u64 {
    client.account(key).unwrap().map_or(0, |a| rpv_sdk::spl::amount(&a.data))
}

#[test]
fn exit_to_base_over_json_rpc() {
    let dir = tempdir("to-base");
    // bids for 6 whole tokens at 99.8 % of the oracle and 6 more at 99.5 %
    let c = mock_rpc::start_with_venue(&dir, &[(9_980, 6), (9_950, 6)]);
    let (sol, btc) = (&c.assets[0], &c.assets[1]);
    let cfg = dir.join("vault.toml");
    // each entry names its venue market (`rpv init` ignores it; `withdraw --to-base --config` reads it)
    let entry = |symbol: &str, a: &mock_rpc::Asset, market: &Pubkey, in_kind_cap: u64| {
        let feed: String = a.feed.iter().map(|x| format!("{x:02x}")).collect();
        format!(
            "[[assets]]\nsymbol = \"{symbol}\"\nmint = \"{}\"\noracle = \"{}\"\nfeed_id = \"{feed}\"\n\
             max_oracle_age = 60\nmax_conf_bps = 100\nbudget_ppb = 500_000_000\nin_kind_cap = {in_kind_cap}\n\
             market = \"{market}\"\n",
            a.mint, a.oracle
        )
    };
    let head = format!("{}base_mint = \"{}\"\n", super::e2e::vault_head(43, 0), c.base_mint);
    let file = format!(
        "{head}{}{}",
        entry("SOL", sol, &c.markets[0], 100_000_000_000),
        entry("BTC", btc, &c.markets[1], 100_000_000)
    );
    std::fs::write(&cfg, file).unwrap();
    let (admin_file, user_file) = (dir.join("admin.json"), dir.join("user.json"));
    let with = |cmd: &[&str], who: &std::path::Path| -> Vec<String> {
        let mut a: Vec<String> = cmd.iter().map(|x| x.to_string()).collect();
        a.extend([
            "--url".into(),
            c.url.clone(),
            "--keypair".into(),
            s(who).to_string(),
            "--output".into(),
            "json".into(),
        ]);
        a
    };
    let run =
        |cmd: &[&str], who: &std::path::Path| ok_json(&with(cmd, who).iter().map(String::as_str).collect::<Vec<_>>());
    let client = &mut RpcChain::new(&c.url, CommitmentLevel::Confirmed, std::time::Duration::from_secs(10)).unwrap();
    run(&["init", "--config", s(&cfg)], &admin_file);
    let vault = pda::vault(&c.admin.pubkey(), 43).0;
    let vs = vault.to_string();
    run(&["deposit", "--vault", &vs, "--amount", "1000"], &user_file);
    // invested: 10 SOL and 0.05 BTC in kind (the SDK's RPC client directly)
    let user_shares = ata::address(&c.user.pubkey(), &pda::share_mint(&vault).0, &TOKEN_PROGRAM_ID);
    for (i, mint, amount) in [(0u8, sol.mint, 10_000_000_000u64), (1, btc.mint, 5_000_000)] {
        let v = decode_vault(&client.account(&vault).unwrap().unwrap().data).unwrap();
        let from = ata::address(&c.user.pubkey(), &mint, &TOKEN_PROGRAM_ID);
        let dep = ix::deposit_asset(&c.user.pubkey(), &vault, &v, i, &from, &user_shares, amount, 1);
        chain::submit(client, "deposit_asset", &[dep], &[&c.user], &[], std::time::Duration::from_secs(10)).unwrap();
    }
    // a quarter of the shares to a second holder with no token accounts yet (its exit below)
    let other = solana_keypair::Keypair::new();
    let other_file = dir.join("other.json");
    rpv_sdk::keypair::write(&other, &other_file).unwrap();
    let share_mint = pda::share_mint(&vault).0;
    let (create, other_shares) =
        ata::create_idempotent(&c.user.pubkey(), &other.pubkey(), &share_mint, &TOKEN_PROGRAM_ID);
    let quarter = balance(client, &user_shares) / 4;
    let give = [
        rpv_sdk::spl::transfer_lamports(&c.user.pubkey(), &other.pubkey(), 1_000_000_000),
        create,
        rpv_sdk::spl::transfer_checked(
            &TOKEN_PROGRAM_ID,
            &user_shares,
            &share_mint,
            &other_shares,
            &c.user.pubkey(),
            quarter,
            6,
        ),
    ];
    chain::submit(client, "give shares", &give, &[&c.user], &[], std::time::Duration::from_secs(10)).unwrap();
    let shares = balance(client, &user_shares);
    let markets = [format!("{}={}", sol.mint, c.markets[0]), format!("{}={}", btc.mint, c.markets[1])];
    let exit = ["withdraw", "--vault", &vs, "--all", "--to-base", "--market", &markets[0], "--market", &markets[1]];

    // the plan: both legs sold in one legacy transaction, the minimum the quote less 1 %
    let plan = run(&[&exit[..], &["--dry-run"]].concat(), &user_file);
    assert_eq!((plan["dry_run"].as_bool(), plan["amount"].is_null()), (Some(true), true));
    assert_eq!(u(&plan["shares"]), shares);
    let (expected, min) = (u(&plan["expected_amount"]), u(&plan["min_amount"]));
    assert_eq!(min, expected * 9_900 / 10_000);
    let legs = plan["legs"].as_array().unwrap();
    assert_eq!(legs.len(), 2);
    for (l, m) in legs.iter().zip(&c.markets) {
        assert_eq!((l["action"].as_str(), l["market"].as_str()), (Some("swap"), Some(m.to_string().as_str())));
        assert!(l["book_out"].is_null(), "the books are deep enough");
        assert!(u(&l["book_quote"]) >= u(&l["min_base"]) && u(&l["book_quote"]) <= u(&l["expected_base"]));
    }
    // about 10 SOL at $150 and 0.05 BTC at $97,000 (the user holds nearly every share)
    // SOL at $150: 0.15 base atoms per SOL atom; BTC at $97,000: 970 per satoshi
    assert_eq!(u(&legs[0]["expected_base"]), u(&legs[0]["redeemed"]) * 15 / 100);
    assert_eq!(u(&legs[1]["expected_base"]), u(&legs[1]["redeemed"]) * 970);
    assert!(u(&legs[0]["redeemed"]) > 7_400_000_000, "about three quarters of 10 SOL");
    let mins: u64 = legs.iter().map(|l| u(&l["min_base"])).sum();
    assert!(u(&plan["base_paid"]) + mins >= min);
    assert_eq!(plan["atomic"], true);
    assert_eq!(
        (plan["plan"][0]["version"].as_str(), plan["plan"][0]["sells"].as_array().unwrap().len()),
        (Some("legacy"), 2)
    );
    assert!(!plan["table_addresses"].as_array().unwrap().is_empty());
    assert_eq!(balance(client, &user_shares), shares, "a dry run sends nothing");
    let mut text_args = with(&[&exit[..], &["--dry-run"]].concat(), &user_file);
    text_args.truncate(text_args.len() - 2); // text output
    let text = ok_text(&text_args.iter().map(String::as_str).collect::<Vec<_>>());
    println!("{text}");
    assert!(text.contains("(dry run: nothing sent)") && text.contains("one legacy transaction"), "{text}");
    assert_eq!(text.matches(": expected ").count(), 2, "{text}");
    assert_eq!(text.matches("the book gives").count(), 2, "{text}");

    // --market values: MINT=MARKET, one per leg, an existing Manifest market
    for (bad, needle) in [
        (sol.mint.to_string(), "is not MINT=MARKET"),
        (format!("{}=x", sol.mint), "is not MINT=MARKET"),
        (format!("{}={}", sol.mint, Pubkey::new_unique()), "does not exist: check the --market address"),
        (format!("{}={}", sol.mint, sol.mint), "is not a Manifest market"),
    ] {
        let args = with(&["withdraw", "--vault", &vs, "--all", "--to-base", "--market", &bad], &user_file);
        fails(&args.iter().map(String::as_str).collect::<Vec<_>>(), needle);
    }
    let twice = with(&[&exit[..], &["--market", &markets[0]]].concat(), &user_file);
    fails(&twice.iter().map(String::as_str).collect::<Vec<_>>(), "give one market per leg");
    let swapped = [format!("{}={}", sol.mint, c.markets[1]), format!("{}={}", btc.mint, c.markets[0])];
    let crossed = with(
        &["withdraw", "--vault", &vs, "--all", "--to-base", "--market", &swapped[0], "--market", &swapped[1]],
        &user_file,
    );
    fails(&crossed.iter().map(String::as_str).collect::<Vec<_>>(), "does not trade");
    // a spot leg without a market: refused, saying what to give
    let only_sol = ["withdraw", "--vault", &vs, "--all", "--to-base", "--market", &markets[0]];
    let args = with(&only_sol, &user_file);
    fails(&args.iter().map(String::as_str).collect::<Vec<_>>(), "no market for");
    let out = rpv(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("--market {}=MARKET", btc.mint)) && err.contains("--keep-unlisted"), "{err}");
    // a minimum above what the books give: the thin book named with what it gives
    let g = expected + 50_000_000;
    let greedy = format!("{}.{:06}", g / 1_000_000, g % 1_000_000);
    let args = with(&[&exit[..], &["--min-out", &greedy]].concat(), &user_file);
    fails(&args.iter().map(String::as_str).collect::<Vec<_>>(), "thin book: the book gives ");
    assert_eq!(balance(client, &user_shares), shares);

    // the exit: at least the minimum, every share burnt, the legs' redeemed tokens all sold
    let base = ata::address(&c.user.pubkey(), &c.base_mint, &TOKEN_PROGRAM_ID);
    let held: Vec<u64> = [sol.mint, btc.mint]
        .iter()
        .map(|m| balance(client, &ata::address(&c.user.pubkey(), m, &TOKEN_PROGRAM_ID)))
        .collect();
    let before = balance(client, &base);
    let done = run(&exit, &user_file);
    let got = u(&done["amount"]);
    assert!(got >= min && got <= expected, "{got} ∉ [{min}, {expected}]");
    assert_eq!(balance(client, &base) - before, got);
    let quoted: u64 = legs.iter().map(|l| u(&l["book_quote"])).sum();
    assert_eq!(got, u(&plan["base_paid"]) + quoted, "the books paid what the SDK quoted from them");
    assert_eq!((u(&done["share_balance"]), balance(client, &user_shares)), (0, 0));
    assert_eq!(steps(&done), ["redeem_in_kind + swaps"]);
    for (k, m) in [sol.mint, btc.mint].iter().enumerate() {
        let now = balance(client, &ata::address(&c.user.pubkey(), m, &TOKEN_PROGRAM_ID));
        assert_eq!(now, held[k], "the redeemed tokens were all sold, the rest untouched");
        assert_eq!(u(&done["legs"][k]["balance"]), held[k]);
    }
    // the second holder has no token accounts: created in the exit's own transaction; the
    // markets (and the symbols) from the vault file
    let theirs = with(&["withdraw", "--vault", &vs, "--all", "--to-base", "--config", s(&cfg)], &other_file);
    let fresh = ok_json(&theirs.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(fresh["atomic"], true);
    assert_eq!((fresh["legs"][0]["label"].as_str(), fresh["legs"][1]["label"].as_str()), (Some("SOL"), Some("BTC")));
    assert_eq!(fresh["legs"][1]["market"].as_str(), Some(c.markets[1].to_string().as_str()));
    assert_eq!(steps(&fresh), ["redeem_in_kind + swaps"]);
    assert!(fresh["plan"][0]["bytes"].as_u64().unwrap() > done["plan"][0]["bytes"].as_u64().unwrap());
    assert!(u(&fresh["amount"]) >= u(&fresh["min_amount"]));
    assert_eq!((u(&fresh["share_balance"]), balance(client, &other_shares)), (0, 0));
    for m in [sol.mint, btc.mint] {
        let theirs = ata::address(&other.pubkey(), &m, &TOKEN_PROGRAM_ID);
        assert!(client.account(&theirs).unwrap().is_some(), "created by the exit");
        assert_eq!(balance(client, &theirs), 0, "and emptied by its swap");
    }
    let mut text_args = with(&["withdraw", "--vault", &vs, "--all", "--to-base"], &other_file);
    text_args.truncate(text_args.len() - 2);
    let out = rpv(&text_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no shares to redeem"), "nothing left to exit");

    let units = done["transactions"][0]["compute_units"].as_u64().unwrap();
    assert!(units > 0 && units < 200_000, "{units}");
    println!("rpv withdraw --to-base (redeem_in_kind of 3 holdings + 2 swaps, legacy): {units} CU");
}

#[test]
fn to_base_flags() {
    let l = super::e2e::Launched::new("to-base-svm", 9, &[]);
    l.fails("--to-base on --svm", &["withdraw", "--all", "--to-base"], "the embedded SVM (--svm) does not load");
    fails(&["withdraw", "--svm", "--all", "--to-base", "--request"], "cannot be used with");
    fails(&["withdraw", "--svm", "--all", "--market", "a=b"], "--to-base");
    fails(&["withdraw", "--svm", "--all", "--dry-run"], "--to-base");
}
