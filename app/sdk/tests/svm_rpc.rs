//! The embedded SVM's JSON-RPC endpoint (`rpv_sdk::svm::rpc`) on the built `.so`, asked by
//! agave's own client (`solana-rpc-client`) and, for what a browser does (CORS), over raw HTTP:
//! a request per method, a v0 deposit whose share balance changes by the program's `Deposited`
//! amount, `quote`'s return data, the request queue through `getProgramAccounts` filters, a
//! preflight refusal and an unknown blockhash.
#![cfg(all(feature = "rpc", feature = "svm"))]

use std::{
    io::{Read, Write},
    net::TcpStream,
};

use rpv_core::layout::{RequestState, REQUEST_DEPOSIT};
use rpv_sdk::{
    ata,
    events::{self, Event},
    ix, pda,
    svm::{
        default_program_path,
        rpc::{self, Node},
        sandbox::{Sandbox, Spec},
        LocalSvm,
    },
    Instruction, Pubkey, PROGRAM_ID, TOKEN_PROGRAM_ID,
};
use solana_account_decoder_client_types::UiAccountEncoding;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_message::{v0, VersionedMessage};
use solana_rpc_client::rpc_client::RpcClient;
use solana_rpc_client_api::{
    config::{RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcSimulateTransactionConfig},
    filter::{Memcmp, RpcFilterType},
};
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;

const DEPOSITOR_BASE: u64 = 50_000_000_000;

struct Served {
    url: String,
    client: RpcClient,
    node: rpc::SharedNode,
    vault: Pubkey,
    base_mint: Pubkey,
    user: Keypair,
}

fn serve() -> Served {
    serve_with(false)
}

fn serve_with(history: bool) -> Served {
    let mut svm = LocalSvm::load(&default_program_path()).expect("the built program (cargo xtask build-sbf)");
    let sb = Sandbox::create(&mut svm, &Spec::spot()).expect("sandbox vault");
    let user = Keypair::new();
    svm.fund(&user.pubkey(), 5_000_000_000).unwrap();
    svm.associated_token_account(&sb.base_mint, &user.pubkey(), DEPOSITOR_BASE).unwrap();
    svm.associated_token_account(&pda::share_mint(&sb.vault).0, &user.pubkey(), 0).unwrap();
    let node = if history { Node::new(svm).with_history() } else { Node::new(svm) }.shared();
    let url = rpc::start(0, node.clone()).expect("listens");
    let client = RpcClient::new_with_commitment(url.clone(), CommitmentConfig::confirmed());
    Served { url, client, node, vault: sb.vault, base_mint: sb.base_mint, user }
}

impl Served {
    fn state(&self) -> rpv_core::layout::VaultState {
        rpv_sdk::decode_vault(&self.client.get_account_data(&self.vault).unwrap()).unwrap()
    }

    fn v0(&self, ixs: &[Instruction]) -> VersionedTransaction {
        let blockhash = self.client.get_latest_blockhash().unwrap();
        let msg = v0::Message::try_compile(&self.user.pubkey(), ixs, &[], blockhash).unwrap();
        VersionedTransaction::try_new(VersionedMessage::V0(msg), &[&self.user]).unwrap()
    }

    fn token(&self, mint: &Pubkey) -> Pubkey {
        ata::address(&self.user.pubkey(), mint, &TOKEN_PROGRAM_ID)
    }

    fn balance(&self, account: &Pubkey) -> u64 {
        self.client.get_token_account_balance(account).unwrap().amount.parse().unwrap()
    }
}

#[test]
fn reads_answer_from_the_svm() {
    let s = serve();
    let vault = s.client.get_account(&s.vault).unwrap();
    assert_eq!(vault.owner, PROGRAM_ID);
    let state = rpv_sdk::decode_vault(&vault.data).unwrap();
    assert_eq!(rpv_sdk::pk(&state.base_mint), s.base_mint);
    // base64, as @solana/kit asks
    let cfg = RpcAccountInfoConfig { encoding: Some(UiAccountEncoding::Base64), ..Default::default() };
    let risk = pda::risk(&s.vault).0;
    let many =
        s.client.get_multiple_ui_accounts_with_config(&[s.vault, risk, Pubkey::new_unique()], cfg).unwrap().value;
    assert_eq!(many[0].as_ref().unwrap().data.decode().unwrap(), vault.data);
    assert_eq!(many[1].as_ref().unwrap().owner, PROGRAM_ID.to_string());
    assert!(many[2].is_none());
    assert_eq!(s.client.get_balance(&s.user.pubkey()).unwrap(), 5_000_000_000);
    let b = s.client.get_token_account_balance(&s.token(&s.base_mint)).unwrap();
    assert_eq!((b.amount.as_str(), b.decimals, b.ui_amount_string.as_str()), ("50000000000", 6, "50000"));
    assert!(s.client.get_token_account_balance(&Pubkey::new_unique()).is_err());
    let node_slot = s.node.lock().unwrap().svm.get_sysvar::<solana_clock::Clock>().slot;
    assert_eq!(s.client.get_slot().unwrap(), node_slot);
    let rent = s.node.lock().unwrap().svm.minimum_balance_for_rent_exemption(165);
    assert_eq!(s.client.get_minimum_balance_for_rent_exemption(165).unwrap(), rent);
    assert_eq!(s.client.get_latest_blockhash().unwrap(), s.node.lock().unwrap().svm.latest_blockhash());
    // the vault among the program's accounts of its size
    let by_size = RpcProgramAccountsConfig {
        filters: Some(vec![RpcFilterType::DataSize(vault.data.len() as u64)]),
        account_config: RpcAccountInfoConfig { encoding: Some(UiAccountEncoding::Base64), ..Default::default() },
        ..Default::default()
    };
    let found = s.client.get_program_ui_accounts_with_config(&PROGRAM_ID, by_size).unwrap();
    assert_eq!(found.iter().map(|(k, _)| *k).collect::<Vec<_>>(), vec![s.vault]);
    // `quote`'s return data, simulated without signatures as a page does
    let blockhash = s.client.get_latest_blockhash().unwrap();
    let msg = v0::Message::try_compile(&s.user.pubkey(), &[ix::quote(&s.vault, &state)], &[], blockhash).unwrap();
    let unsigned = VersionedTransaction { signatures: vec![Default::default()], message: VersionedMessage::V0(msg) };
    let sim = s
        .client
        .simulate_transaction_with_config(
            &unsigned,
            RpcSimulateTransactionConfig { sig_verify: false, replace_recent_blockhash: true, ..Default::default() },
        )
        .unwrap()
        .value;
    assert!(sim.err.is_none(), "{:?} {:?}", sim.err, sim.logs);
    let rd = sim.return_data.expect("quote sets return data");
    assert_eq!(rd.program_id, PROGRAM_ID.to_string());
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &rd.data.0).unwrap();
    let q = ix::decode_vault_quote(&bytes).expect("a VaultQuote");
    // the sandbox's 1,000,000 USDC deposit and the admin's 1 USDC seed, all still in base
    assert_eq!(q.nav, 1_000_001_000_000);
    assert!(q.risk_fresh);
}

#[test]
fn a_v0_deposit_changes_the_share_balance_by_the_programs_amount() {
    let s = serve_with(true);
    let state = s.state();
    let share_mint = pda::share_mint(&s.vault).0;
    let (base, shares) = (s.token(&s.base_mint), s.token(&share_mint));
    let amount = 2_500_000_000;
    let dep = ix::deposit(&s.user.pubkey(), &s.vault, &state, &base, &shares, amount, 1);
    let tx = s.v0(&[dep]);
    // what the program says it mints, from the simulation's events
    let sim = s.client.simulate_transaction(&tx).unwrap().value;
    assert!(sim.err.is_none(), "{:?}", sim.logs);
    let minted = events::parse_logs(&sim.logs.unwrap())
        .into_iter()
        .find_map(|e| match e {
            Event::Deposited(d) => Some(d.shares),
            _ => None,
        })
        .expect("a Deposited event");
    assert!(minted > 0);
    let before = s.balance(&shares);
    let sig = s.client.send_and_confirm_transaction(&tx).expect("the deposit lands");
    let status = s.client.get_signature_statuses(&[sig]).unwrap().value;
    assert!(status[0].as_ref().unwrap().err.is_none());
    assert_eq!(s.balance(&shares) - before, minted);
    assert_eq!(s.balance(&base), DEPOSITOR_BASE - amount);
    // the node kept it: the landed transaction's own logs carry the same event
    let landed = s
        .client
        .get_transaction_with_config(
            &sig,
            solana_rpc_client_api::config::RpcTransactionConfig {
                encoding: Some(solana_transaction_status_client_types::UiTransactionEncoding::Base64),
                commitment: None,
                max_supported_transaction_version: Some(0),
            },
        )
        .expect("getTransaction answers with history");
    let meta = landed.transaction.meta.unwrap();
    assert!(meta.err.is_none());
    let logs: Option<Vec<String>> = meta.log_messages.into();
    let landed_minted = events::parse_logs(&logs.unwrap()).into_iter().find_map(|e| match e {
        Event::Deposited(d) => Some(d.shares),
        _ => None,
    });
    assert_eq!(landed_minted, Some(minted));
    assert_eq!(landed.transaction.transaction.decode().unwrap().signatures[0], sig);
}

#[test]
fn preflight_refuses_a_failing_transaction_and_stale_blockhashes() {
    let s = serve();
    let state = s.state();
    let share_mint = pda::share_mint(&s.vault).0;
    let (base, shares) = (s.token(&s.base_mint), s.token(&share_mint));
    // more than the depositor holds: refused by preflight, with the node's code, nothing spent
    let dep = ix::deposit(&s.user.pubkey(), &s.vault, &state, &base, &shares, DEPOSITOR_BASE + 1, 1);
    let err = s.client.send_transaction(&s.v0(&[dep])).unwrap_err();
    assert!(err.to_string().contains("simulation failed"), "{err}");
    assert_eq!(s.balance(&base), DEPOSITOR_BASE);
    assert_eq!(s.client.get_balance(&s.user.pubkey()).unwrap(), 5_000_000_000);
    // a blockhash this node never handed out
    let msg = v0::Message::try_compile(
        &s.user.pubkey(),
        &[ix::quote(&s.vault, &state)],
        &[],
        solana_hash::Hash::new_from_array([7; 32]),
    )
    .unwrap();
    let tx = VersionedTransaction::try_new(VersionedMessage::V0(msg), &[&s.user]).unwrap();
    let err = s.client.send_transaction(&tx).unwrap_err();
    assert!(err.to_string().contains("Blockhash not found"), "{err}");
    // a blockhash handed out before another transaction ran is still accepted
    let early = s.v0(&[ix::quote(&s.vault, &state)]);
    let amount = 1_000_000_000;
    s.client
        .send_and_confirm_transaction(&s.v0(&[ix::deposit(
            &s.user.pubkey(),
            &s.vault,
            &state,
            &base,
            &shares,
            amount,
            1,
        )]))
        .unwrap();
    s.client.send_and_confirm_transaction(&early).expect("an earlier blockhash of this node");
}

#[test]
fn the_request_queue_through_program_account_filters() {
    let s = serve();
    let state = s.state();
    let base = s.token(&s.base_mint);
    let id = state.flows.deposits.next_id;
    let req = ix::request_deposit(&s.user.pubkey(), &s.vault, &state, &base, id, 3_000_000_000);
    s.client.send_and_confirm_transaction(&s.v0(&[req])).unwrap();
    let space = 8 + RequestState::LEN;
    // requests of this vault: its address at the state's offset 0, after the discriminator
    let filters = |vault: &Pubkey, encoding| RpcProgramAccountsConfig {
        filters: Some(vec![
            RpcFilterType::DataSize(space as u64),
            RpcFilterType::Memcmp(match encoding {
                "base58" => Memcmp::new_base58_encoded(8, vault.as_ref()),
                _ => Memcmp::new(
                    8,
                    solana_rpc_client_api::filter::MemcmpEncodedBytes::Base64(base64::Engine::encode(
                        &base64::engine::general_purpose::STANDARD,
                        vault.as_ref(),
                    )),
                ),
            }),
        ]),
        account_config: RpcAccountInfoConfig { encoding: Some(UiAccountEncoding::Base64), ..Default::default() },
        ..Default::default()
    };
    for encoding in ["base58", "base64"] {
        let found = s.client.get_program_ui_accounts_with_config(&PROGRAM_ID, filters(&s.vault, encoding)).unwrap();
        assert_eq!(found.len(), 1, "{encoding}");
        assert_eq!(found[0].0, pda::request(&s.vault, REQUEST_DEPOSIT, id).0);
        let data = found[0].1.data.decode().unwrap();
        let r: &RequestState = bytemuck::from_bytes(&data[8..]);
        assert_eq!((r.pending, r.kind, rpv_sdk::pk(&r.owner)), (3_000_000_000, REQUEST_DEPOSIT, s.user.pubkey()));
        let other = s.client.get_program_ui_accounts_with_config(&PROGRAM_ID, filters(&Pubkey::new_unique(), encoding));
        assert!(other.unwrap().is_empty());
    }
}

/// One raw HTTP exchange, as a browser makes it.
fn http(url: &str, request: &str) -> String {
    let mut stream = TcpStream::connect(url.trim_start_matches("http://")).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn browsers_pass_the_cors_preflight() {
    let s = serve();
    let pre = http(
        &s.url,
        "OPTIONS / HTTP/1.1\r\nHost: x\r\nOrigin: http://localhost:4173\r\nAccess-Control-Request-Method: POST\r\n\
         Access-Control-Request-Headers: content-type,solana-client\r\n\r\n",
    );
    assert!(pre.starts_with("HTTP/1.1 204"), "{pre}");
    let lower = pre.to_ascii_lowercase();
    assert!(lower.contains("access-control-allow-origin: *"), "{pre}");
    assert!(lower.contains("access-control-allow-methods: post"), "{pre}");
    assert!(lower.contains("access-control-allow-headers: content-type,solana-client"), "{pre}");
    let body = r#"{"jsonrpc":"2.0","id":7,"method":"getSlot","params":[]}"#;
    let post = http(
        &s.url,
        &format!(
            "POST / HTTP/1.1\r\nHost: x\r\nOrigin: http://localhost:4173\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(post.to_ascii_lowercase().contains("access-control-allow-origin: *"), "{post}");
    let json: serde_json::Value = serde_json::from_str(post.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(json["id"], 7);
    assert_eq!(json["result"].as_u64(), Some(s.client.get_slot().unwrap()));
    // unknown methods get JSON-RPC's code (getTransaction too, on a node without history)
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"getTransaction","params":["x"]}"#;
    let post = http(&s.url, &format!("POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n{body}", body.len()));
    assert!(post.contains("-32601"), "{post}");
}

#[test]
fn base58_decodes_as_bitcoin_does() {
    let k = Pubkey::new_unique();
    assert_eq!(rpc::base58_decode(&k.to_string()).unwrap(), k.to_bytes().to_vec());
    assert_eq!(rpc::base58_decode("1112").unwrap(), vec![0, 0, 0, 1]);
    assert!(rpc::base58_decode("0OIl").is_err());
}
