//! A JSON-RPC "cluster" for the `--url` tests: the SDK's endpoint over the embedded SVM
//! (`rpv_sdk::svm::rpc`; `getTransaction` is refused, as by a node without history) serving a
//! litesvm running the built `.so`, with real SPL mints and token accounts and Pyth
//! `PriceUpdateV2` accounts in the receiver's layout.

use std::{net::TcpListener, path::Path, sync::mpsc};

use litesvm::LiteSVM;
use rpv_sdk::{
    ata, spl,
    svm::{rpc, LocalSvm},
    venue, Instruction, Pubkey, PROGRAM_ID, PYTH_RECEIVER_PROGRAM_ID, TOKEN_PROGRAM_ID,
};
use solana_account::Account;
use solana_clock::Clock;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::Transaction;

/// One asset of the cluster.
#[derive(Clone, Debug)]
pub struct Asset {
    pub mint: Pubkey,
    pub oracle: Pubkey,
    pub feed: [u8; 32],
}

/// What the tests need to know about the cluster.
pub struct Cluster {
    pub url: String,
    pub admin: Keypair,
    pub user: Keypair,
    pub base_mint: Pubkey,
    pub assets: Vec<Asset>,
    /// With [`start_with_venue`]: a Manifest market per asset against the base, in order.
    pub markets: Vec<Pubkey>,
}

pub const NOW: i64 = 1_800_000_000;

fn send(svm: &mut LiteSVM, ixs: &[Instruction], signers: &[&Keypair]) {
    let tx = Transaction::new_signed_with_payer(ixs, Some(&signers[0].pubkey()), signers, svm.latest_blockhash());
    svm.send_transaction(tx).unwrap_or_else(|e| panic!("setup transaction: {:?}\n{}", e.err, e.meta.logs.join("\n")));
    svm.expire_blockhash();
}

fn create_mint(svm: &mut LiteSVM, authority: &Keypair, decimals: u8) -> Pubkey {
    let mint = Keypair::new();
    let rent = svm.minimum_balance_for_rent_exemption(spl::MINT_LEN as usize);
    send(
        svm,
        &[
            spl::create_account(&authority.pubkey(), &mint.pubkey(), rent, spl::MINT_LEN, &TOKEN_PROGRAM_ID),
            spl::initialize_mint2(&TOKEN_PROGRAM_ID, &mint.pubkey(), &authority.pubkey(), decimals),
        ],
        &[authority, &mint],
    );
    mint.pubkey()
}

/// Mints `amount` of `mint` to `owner`'s associated token account (created if needed).
fn fund(svm: &mut LiteSVM, authority: &Keypair, owner: &Pubkey, mint: &Pubkey, amount: u64) {
    let (create, account) = ata::create_idempotent(&authority.pubkey(), owner, mint, &TOKEN_PROGRAM_ID);
    send(svm, &[create, spl::mint_to(&TOKEN_PROGRAM_ID, mint, &account, &authority.pubkey(), amount)], &[authority]);
}

/// Starts a cluster: the program, an admin (mint authority of every mint, 100 base tokens for
/// the seed), a user with 10,000 base tokens, 20 SOL and 0.5 BTC, and fresh Pyth prices for SOL
/// ($150) and BTC ($97,000). Keypair files are written to `dir`.
pub fn start(dir: &Path) -> Cluster {
    start_with(dir, None)
}

/// [`start`] with the venue (Manifest, `cargo xtask build-dex`) loaded and a market per asset
/// against the base, where a maker bids `levels` (`(price in bps of the oracle, whole tokens)`).
pub fn start_with_venue(dir: &Path, levels: &'static [(u64, u64)]) -> Cluster {
    start_with(dir, Some(levels))
}

/// Opens a Manifest market of `mint` (priced `price` at exponent −8, `decimals`) against
/// `base_mint`, and a new maker rests a bid per level of `levels`.
fn open_market(
    svm: &mut LiteSVM,
    admin: &Keypair,
    base_mint: &Pubkey,
    (mint, decimals, price): (Pubkey, u8, i64),
    levels: &[(u64, u64)],
) -> Pubkey {
    let market = Keypair::new();
    let rent = svm.minimum_balance_for_rent_exemption(venue::MARKET_FIXED_SIZE);
    send(svm, &venue::create_market(&admin.pubkey(), &market.pubkey(), &mint, base_mint, rent), &[admin, &market]);
    let m = market.pubkey();
    let maker = Keypair::new();
    svm.airdrop(&maker.pubkey(), 10_000_000_000).unwrap();
    let funds = 10_000_000_000_000; // 10 M base tokens
    fund(svm, admin, &maker.pubkey(), base_mint, funds);
    let quote = ata::address(&maker.pubkey(), base_mint, &TOKEN_PROGRAM_ID);
    let orders: Vec<venue::Order> = levels
        .iter()
        .map(|(bps, whole)| {
            // quote atoms per base atom: the oracle's price (exponent −8) in 6-decimal base per atom
            let bid = venue::atom_price(price, -8, decimals, 6) * *bps as f64 / 10_000.0;
            let (price_mantissa, price_exponent) = venue::encode_price(bid, false).expect("a price");
            venue::Order {
                base_atoms: whole * 10u64.pow(decimals.into()),
                price_mantissa,
                price_exponent,
                is_bid: true,
            }
        })
        .collect();
    for ix in [
        venue::claim_seat(&maker.pubkey(), &m),
        venue::deposit(&maker.pubkey(), &m, base_mint, &quote, funds),
        venue::batch_update(&maker.pubkey(), &m, &orders),
    ] {
        send(svm, &[ix], &[&maker]);
    }
    m
}

fn start_with(dir: &Path, venue_levels: Option<&'static [(u64, u64)]>) -> Cluster {
    let elf = std::fs::read(super::support::program()).expect("the built program (cargo xtask build-sbf)");
    let venue_elf = venue_levels
        .map(|_| std::fs::read(venue::default_venue_path()).expect("the built venue (cargo xtask build-dex)"));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut svm = LiteSVM::new();
        svm.add_program(PROGRAM_ID, &elf).unwrap();
        if let Some(v) = &venue_elf {
            svm.add_program(venue::MANIFEST_ID, v).unwrap();
        }
        let mut c = svm.get_sysvar::<Clock>();
        c.unix_timestamp = NOW;
        c.slot = 1_000;
        svm.set_sysvar(&c);
        let admin = Keypair::new();
        let user = Keypair::new();
        for k in [&admin, &user] {
            svm.airdrop(&k.pubkey(), 100_000_000_000).unwrap();
        }
        let base_mint = create_mint(&mut svm, &admin, 6);
        fund(&mut svm, &admin, &admin.pubkey(), &base_mint, 100_000_000);
        fund(&mut svm, &admin, &user.pubkey(), &base_mint, 10_000_000_000);
        let (mut assets, mut markets) = (vec![], vec![]);
        for (symbol, decimals, price, holding) in
            [("SOL", 9u8, 15_000_000_000_i64, 20_000_000_000_u64), ("BTC", 8, 9_700_000_000_000, 50_000_000)]
        {
            let mint = create_mint(&mut svm, &admin, decimals);
            fund(&mut svm, &admin, &user.pubkey(), &mint, holding);
            let oracle = Pubkey::new_unique();
            let feed = rpv_sdk::pyth::feed_id(&format!("{symbol}/USD"));
            let data = rpv_sdk::pyth::price_update(feed, price, price as u64 / 2_000, -8, NOW, 1_000);
            svm.set_account(
                oracle,
                Account {
                    lamports: 10_000_000,
                    data,
                    owner: PYTH_RECEIVER_PROGRAM_ID,
                    executable: false,
                    rent_epoch: 0,
                },
            )
            .unwrap();
            assets.push(Asset { mint, oracle, feed });
            if let Some(levels) = venue_levels {
                markets.push(open_market(&mut svm, &admin, &base_mint, (mint, decimals, price), levels));
            }
        }
        tx.send((admin.to_bytes(), user.to_bytes(), base_mint, assets, markets)).unwrap();
        let node = rpc::Node::new(LocalSvm { svm, payer: admin });
        rpc::spawn(listener, node.shared());
    });
    let (admin, user, base_mint, assets, markets) = rx.recv().expect("the mock cluster starts");
    let admin = Keypair::try_from(admin.as_slice()).unwrap();
    let user = Keypair::try_from(user.as_slice()).unwrap();
    rpv_sdk::keypair::write(&admin, &dir.join("admin.json")).unwrap();
    rpv_sdk::keypair::write(&user, &dir.join("user.json")).unwrap();
    Cluster { url, admin, user, base_mint, assets, markets }
}
