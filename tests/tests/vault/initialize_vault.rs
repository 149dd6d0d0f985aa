//! `initialize_vault` — one test per Specification bullet.

use rpv_core::layout::STATE_VERSION;
use rpv_sdk::{events::Event, ix, pda, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID};
use rpv_tests::*;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

#[tokio::test]
async fn creates_vault_share_mint_and_base_account_with_dead_shares() {
    let mut f = Fixture::empty().await;
    let before = f.env.token_amount(&f.admin_base_token.clone()).await;
    let out = f.initialize(f.init_args()).await;
    out.ok();
    let s = f.state().await;
    assert_eq!(s.version, STATE_VERSION);
    assert_eq!(s.admin, f.admin.pubkey().to_bytes());
    assert_eq!(s.base_mint, f.base_mint.to_bytes());
    assert_eq!(s.base_quantity, SEED_DEPOSIT);
    assert_eq!(s.dead_shares, SEED_DEPOSIT);
    assert_eq!((s.deposit_cap, s.min_deposit, s.num_assets, s.base_decimals), (DEFAULT_CAP, DEFAULT_MIN, 0, 6));
    assert_eq!(s.authority, pda::authority(&f.vault).0.to_bytes());
    // the seed moved from the admin to the vault's PDA token account
    let bv = f.base_vault();
    assert_eq!(f.env.token_amount(&bv).await, SEED_DEPOSIT);
    assert_eq!(f.env.token_amount(&f.admin_base_token.clone()).await, before - SEED_DEPOSIT);
    // the base account is a real SPL token account owned by the vault authority
    let acct = f.env.account(&bv).await.unwrap();
    assert_eq!(acct.owner, TOKEN_PROGRAM_ID);
    let view = rpv_core::token::parse_token_account(&acct.data).unwrap();
    assert_eq!(view.owner, s.authority);
    // share mint: SPL Token, same decimals, authority = vault authority, no supply (dead shares are not minted)
    let sm = f.env.account(&f.share_mint()).await.unwrap();
    assert_eq!(sm.owner, TOKEN_PROGRAM_ID);
    let m = rpv_core::token::parse_mint(&sm.data).unwrap();
    assert_eq!((m.supply, m.decimals, m.mint_authority, m.freeze_authority), (0, 6, Some(s.authority), None));
    // event
    match &out.events()[..] {
        [Event::VaultInitialized(e)] => {
            assert_eq!(e.vault, f.vault);
            assert_eq!(
                (e.seed_deposit, e.dead_shares, e.deposit_cap, e.min_deposit),
                (SEED_DEPOSIT, SEED_DEPOSIT, DEFAULT_CAP, DEFAULT_MIN)
            );
        }
        other => panic!("expected one VaultInitialized event, got {other:?}"),
    }
}

#[tokio::test]
async fn accepts_a_token_2022_base_mint() {
    let mut f = Fixture::empty_with(TOKEN_2022_PROGRAM_ID).await;
    f.initialize(f.init_args()).await.ok();
    let bv = f.base_vault();
    assert_eq!(f.env.account(&bv).await.unwrap().owner, TOKEN_2022_PROGRAM_ID);
    assert_eq!(f.state().await.base_token_program, TOKEN_2022_PROGRAM_ID.to_bytes());
}

#[tokio::test]
async fn requires_the_admin_signature() {
    let mut f = Fixture::empty().await;
    let mut ix = f.init_ix(f.init_args());
    ix.accounts[0].is_signer = false;
    let out = f.env.send(&[ix], &[]).await;
    assert!(out.result.is_err(), "unsigned initialize must fail");
    assert!(f.env.account(&f.vault.clone()).await.is_none(), "nothing created");
}

#[tokio::test]
async fn rejects_a_base_mint_of_another_token_program() {
    let mut f = Fixture::empty().await;
    // claim Token-2022 for an SPL Token mint
    f.base_program = TOKEN_2022_PROGRAM_ID;
    let out = f.initialize(f.init_args()).await;
    out.assert_error("WrongTokenProgram");
    // a "mint" owned by an arbitrary program
    let mut f = Fixture::empty().await;
    let fake = Keypair::new().pubkey();
    let data = f.env.data(&f.base_mint.clone()).await.unwrap();
    f.env.set_account(
        &fake,
        solana_account::Account {
            lamports: 1_000_000_000,
            data,
            owner: rpv_sdk::PROGRAM_ID,
            executable: false,
            rent_epoch: 0,
        },
    );
    f.base_mint = fake;
    f.initialize(f.init_args()).await.assert_error("WrongTokenProgram");
}

#[tokio::test]
async fn rejects_a_token_2022_mint_with_a_permanent_delegate() {
    let mut f = Fixture::empty_with(TOKEN_2022_PROGRAM_ID).await;
    // rewrite the mint with a PermanentDelegate extension (type 12) in Token-2022's TLV layout
    let mut data = f.env.data(&f.base_mint.clone()).await.unwrap();
    data.resize(165, 0);
    data.push(1); // account type: mint
    data.extend_from_slice(&12u16.to_le_bytes());
    data.extend_from_slice(&32u16.to_le_bytes());
    data.extend_from_slice(&[9; 32]);
    let key = f.base_mint;
    let mut acct = f.env.account(&key).await.unwrap();
    acct.data = data;
    f.env.set_account(&key, acct);
    f.initialize(f.init_args()).await.assert_error("UnsupportedMintExtension");
}

#[tokio::test]
async fn validates_limits_and_seed() {
    let mut f = Fixture::empty().await;
    let base = f.init_args();
    let cases = [
        (rpv_sdk::ix::InitializeVaultArgs { min_deposit: 0, ..base }, "InvalidDepositLimits"),
        (rpv_sdk::ix::InitializeVaultArgs { deposit_cap: 10, min_deposit: 11, ..base }, "InvalidDepositLimits"),
        (rpv_sdk::ix::InitializeVaultArgs { seed_deposit: 999, ..base }, "SeedDepositTooSmall"),
        (
            rpv_sdk::ix::InitializeVaultArgs { deposit_cap: 5_000, min_deposit: 1_000, seed_deposit: 5_001, ..base },
            "DepositCapExceeded",
        ),
    ];
    for (args, err) in cases {
        f.initialize(args).await.assert_error(err);
    }
    assert!(f.env.account(&f.vault.clone()).await.is_none(), "failed initialisations leave nothing behind");
    f.initialize(rpv_sdk::ix::InitializeVaultArgs { seed_deposit: 1_000, ..base }).await.ok();
}

#[tokio::test]
async fn survives_a_prefunded_share_mint_address() {
    // griefing: lamports sent to the share-mint PDA before initialisation must not block it
    let mut f = Fixture::empty().await;
    let sm = f.share_mint();
    f.env.fund(&sm, 5_000_000).await;
    f.initialize(f.init_args()).await.ok();
    assert_eq!(f.env.account(&sm).await.unwrap().owner, TOKEN_PROGRAM_ID);
}

#[tokio::test]
async fn cannot_initialize_twice() {
    let mut f = Fixture::empty().await;
    f.initialize(f.init_args()).await.ok();
    let s = f.state().await;
    let out = f.initialize(rpv_sdk::ix::InitializeVaultArgs { seed_deposit: 2_000, ..f.init_args() }).await;
    assert!(out.result.is_err());
    assert_eq!(f.state().await, s, "state untouched");
}

#[tokio::test]
async fn refuses_a_base_mint_with_more_than_18_decimals() {
    let mut f = Fixture::empty().await;
    let mint = f.env.create_mint(&TOKEN_PROGRAM_ID, 19).await;
    let admin = f.admin.pubkey();
    f.admin_base_token = f.env.create_token_account(&TOKEN_PROGRAM_ID, &mint, &admin).await;
    f.base_mint = mint;
    f.initialize(f.init_args()).await.assert_error("UnsupportedDecimals");
}

#[tokio::test]
async fn fee_maxima_rates_recipient_and_timelock_are_checked_at_initialisation() {
    let mut f = Fixture::empty().await;
    let base = f.init_args();
    assert_eq!((base.max_management_fee_bps, base.max_performance_fee_bps), (500, 3_000), "SDK defaults");
    let cases = [
        (ix::InitializeVaultArgs { max_management_fee_bps: 1_001, ..base }, "InvalidFeeConfig"),
        (ix::InitializeVaultArgs { max_performance_fee_bps: 5_001, ..base }, "InvalidFeeConfig"),
        (ix::InitializeVaultArgs { management_fee_bps: 501, ..base }, "FeeAboveMaximum"),
        (ix::InitializeVaultArgs { performance_fee_bps: 3_001, ..base }, "FeeAboveMaximum"),
        (ix::InitializeVaultArgs { fee_recipient: Pubkey::default(), ..base }, "InvalidRole"),
        (ix::InitializeVaultArgs { timelock_secs: 30 * 86_400 + 1, ..base }, "InvalidTimelock"),
    ];
    for (args, err) in cases {
        f.initialize(args).await.assert_error(err);
    }
    assert!(f.env.account(&f.vault.clone()).await.is_none(), "nothing created");
    let args = ix::InitializeVaultArgs {
        max_management_fee_bps: 1_000,
        max_performance_fee_bps: 5_000,
        management_fee_bps: 1_000,
        performance_fee_bps: 5_000,
        timelock_secs: 30 * 86_400,
        allowlist: true,
        ..base
    };
    f.initialize(args).await.ok();
    let s = f.state().await;
    assert_eq!(
        (s.fees.max_management_bps, s.fees.max_performance_bps, s.fees.management_bps, s.fees.performance_bps),
        (1_000, 5_000, 1_000, 5_000)
    );
    assert_eq!((s.fees.recipient, s.timelock_secs), (f.admin.pubkey().to_bytes(), 30 * 86_400));
    assert!(s.allowlist_enabled());
    assert_eq!((s.fees.hwm_nav, s.fees.hwm_shares), (SEED_DEPOSIT, SEED_DEPOSIT), "mark at the seed's price");
}
