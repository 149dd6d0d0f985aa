//! `LocalChain` (the embedded SVM running the built `.so`) through the `Chain` trait: a v0
//! transaction whose account comes from an address lookup table created and read back through
//! the SDK, airdrops, rent, and the record of what was sent.
#![cfg(feature = "svm")]

use std::time::Duration;

use rpv_sdk::{
    alt,
    chain::{self, Chain, ChainError, LocalChain, TxStatus},
    spl,
    svm::{default_program_path, LocalSvm},
    Pubkey,
};
use solana_keypair::Keypair;
use solana_message::VersionedMessage;
use solana_signer::Signer;

const T: Duration = Duration::from_secs(5);

#[test]
fn v0_transactions_look_accounts_up_in_a_table() {
    let mut chain = LocalChain::new(LocalSvm::load(&default_program_path()).expect("program loads"));
    let payer = Keypair::new();
    chain.airdrop(&payer.pubkey(), 10_000_000_000).unwrap();
    assert_eq!(chain.svm.get_balance(&payer.pubkey()), Some(10_000_000_000));
    // a recent slot the lookup table program accepts
    let slot = chain.slot().unwrap() + 10;
    chain.svm.warp_to_slot(slot);
    let hashes = solana_slot_hashes::SlotHashes::new(&[(slot - 1, chain::Hash::new_from_array([1; 32]))]);
    chain.svm.set_sysvar(&hashes);
    let (create, table) = alt::create(&payer.pubkey(), &payer.pubkey(), slot - 1);
    let far: Vec<Pubkey> = (0..3).map(|_| Pubkey::new_unique()).collect();
    let extend = alt::extend(&table, &payer.pubkey(), &payer.pubkey(), &far);
    chain::submit(&mut chain, "create table", &[create, extend], &[&payer], &[], T).expect("table created");
    chain.svm.warp_to_slot(slot + 1);
    let t = chain::lookup_table(&mut chain, &table).expect("table reads back");
    assert_eq!((t.key, &t.addresses), (table, &far));

    // lamports to the three addresses, each named by a one-byte index
    let rent = chain.rent(0).unwrap();
    let ixs: Vec<_> = far.iter().map(|to| spl::transfer_lamports(&payer.pubkey(), to, rent)).collect();
    let blockhash = chain.latest_blockhash().unwrap();
    let v0 = chain::sign(&ixs, &[&payer], &[t.clone()], blockhash).unwrap();
    let legacy = chain::sign(&ixs, &[&payer], &[], blockhash).unwrap();
    assert!(matches!(v0.message, VersionedMessage::V0(_)));
    assert!(chain::wire_size(&v0) < chain::wire_size(&legacy));
    let sent = chain::submit(&mut chain, "pay", &ixs, &[&payer], &[t], T).expect("v0 lands");
    for to in &far {
        assert_eq!(chain.svm.get_balance(to), Some(rent));
    }
    assert_eq!(chain.status(&sent.signature).unwrap(), TxStatus::Confirmed);
    assert_eq!(chain.logs(&sent.signature).unwrap(), Some(sent.logs.clone()));
    assert_eq!(chain.sent.len(), 2);
    assert!(chain.sent.iter().all(|e| e.result.is_ok() && e.units > 0));
    assert_eq!(chain.simulations, 2);

    // a transaction that fails in simulation is refused, and nothing more is sent
    let broke = Keypair::new();
    chain.airdrop(&broke.pubkey(), 1_000_000).unwrap();
    let too_much = spl::transfer_lamports(&broke.pubkey(), &far[0], 1_000_000_000);
    match chain::submit(&mut chain, "overdraw", &[too_much], &[&broke], &[], T) {
        Err(ChainError::Rejected(r)) => {
            assert_eq!(r.vault_error, None);
            // the System program's ResultWithNegativeLamports, not a vault error
            assert_eq!(r.program, Some(rpv_sdk::SYSTEM_PROGRAM_ID));
            assert_eq!(
                r.to_string(),
                format!("overdraw failed: custom error 1 of program {}", rpv_sdk::SYSTEM_PROGRAM_ID)
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(chain.sent.len(), 2);
    // a missing account is `None`, as on a cluster
    assert_eq!(chain.account(&Pubkey::new_unique()).unwrap(), None);
}
