//! The client: sends transactions and returns their [`Outcome`] (result, compute units, logs,
//! return data, events), reads and decodes the accounts, and computes with the SDK / core what
//! the program should have done.

use rpv_core::layout::VaultState;
use rpv_sdk::{
    events::{parse_logs, Event},
    ix, pda, spl,
};
use solana_account::Account;
use solana_instruction::{error::InstructionError, Instruction};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

use crate::{errors, Env, Fixture, Keeper, Series, TestAsset, User};

/// Result of one transaction.
#[derive(Debug)]
pub struct Outcome {
    pub result: Result<(), TransactionError>,
    pub cu: u64,
    pub logs: Vec<String>,
    /// Return data set by the program (empty if none).
    pub return_data: Vec<u8>,
}

impl Outcome {
    pub fn ok(&self) -> &Self {
        assert!(self.result.is_ok(), "transaction failed: {:?}\n{}", self.result, self.logs.join("\n"));
        self
    }

    /// The program's custom error code, if the transaction failed with one.
    pub fn custom_code(&self) -> Option<u32> {
        match &self.result {
            Err(TransactionError::InstructionError(_, InstructionError::Custom(c))) => Some(*c),
            _ => None,
        }
    }

    /// Asserts the transaction failed with the vault error `name`: the custom code must be the
    /// one the SDK's table gives for `name`, and the program's log must name it.
    pub fn assert_error(&self, name: &str) {
        let code = errors::code(name).unwrap_or_else(|| panic!("unknown vault error {name}"));
        self.assert_named_error(code, name);
    }

    /// Asserts the transaction failed with the Anchor-style program error `name` of `code`: the
    /// custom code, and the log line Anchor writes for it.
    pub fn assert_named_error(&self, code: u32, name: &str) {
        assert_eq!(
            self.custom_code(),
            Some(code),
            "expected {name} ({code}), got {:?}\n{}",
            self.result,
            self.logs.join("\n")
        );
        assert!(
            self.logs.iter().any(|l| l.contains(&format!("Error Code: {name}."))),
            "log does not name {name}:\n{}",
            self.logs.join("\n")
        );
    }

    /// Asserts an Anchor framework error (e.g. 3010 AccountNotSigner, 3007 wrong owner).
    pub fn assert_anchor_error(&self, code: u32) {
        assert_eq!(
            self.custom_code(),
            Some(code),
            "expected Anchor error {code}, got {:?}\n{}",
            self.result,
            self.logs.join("\n")
        );
    }

    /// Asserts the transaction failed (for failures raised by another program, e.g. the token
    /// program refusing a transfer signed by the wrong owner).
    pub fn assert_failed(&self) {
        assert!(self.result.is_err(), "transaction unexpectedly succeeded:\n{}", self.logs.join("\n"));
    }

    pub fn events(&self) -> Vec<Event> {
        parse_logs(&self.logs)
    }
}

/// Anchor's framework error for instruction data that does not deserialise (e.g. an enum byte
/// out of range): `InstructionDidNotDeserialize`.
pub const ANCHOR_INSTRUCTION_DID_NOT_DESERIALIZE: u32 = 102;

/// The `PositionsUpdated` event of an outcome (panics if there is none).
pub fn positions_updated(out: &Outcome) -> rpv_sdk::events::PositionsUpdated {
    out.events()
        .into_iter()
        .find_map(|e| if let Event::PositionsUpdated(p) = e { Some(p) } else { None })
        .expect("PositionsUpdated emitted")
}

/// The `FeesAccrued` event of an outcome (panics if there is none).
pub fn fees_accrued(out: &Outcome) -> rpv_sdk::events::FeesAccrued {
    out.events()
        .into_iter()
        .find_map(|e| if let Event::FeesAccrued(e) = e { Some(e) } else { None })
        .unwrap_or_else(|| panic!("no FeesAccrued event in {:?}", out.events()))
}

/// The `Rebalanced` events of an outcome.
pub fn rebalanced(out: &Outcome) -> Vec<rpv_sdk::events::Rebalanced> {
    out.events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Rebalanced(r) => Some(r),
            _ => None,
        })
        .collect()
}

/// The signers of a transaction: the fee payer, then `signers` (the payer once).
fn with_payer<'a>(payer: &'a Keypair, signers: &[&'a Keypair]) -> Vec<&'a Keypair> {
    let mut all = vec![payer];
    all.extend(signers.iter().copied().filter(|k| k.pubkey() != payer.pubkey()));
    all
}

impl Env {
    /// Sends one transaction (payer = the test payer) and returns its outcome.
    pub async fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Outcome {
        let payer = self.payer();
        let all = with_payer(&payer, signers);
        let mut tx = Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &all, self.ctx.last_blockhash);
        if !self.seen.insert(tx.signatures[0]) {
            // the identical transaction was sent before: a new blockhash makes it distinct
            self.ctx.last_blockhash = self.ctx.get_new_latest_blockhash().await.expect("blockhash");
            tx = Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &all, self.ctx.last_blockhash);
            self.seen.insert(tx.signatures[0]);
        }
        self.process(tx).await
    }

    /// Sends a v0 transaction that loads accounts through the lookup tables `tables`
    /// (`(table address, addresses in it)`).
    pub async fn send_v0(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        tables: &[(Pubkey, Vec<Pubkey>)],
    ) -> Outcome {
        use solana_message::{v0, AddressLookupTableAccount, VersionedMessage};
        let payer = self.payer();
        let all = with_payer(&payer, signers);
        let luts: Vec<AddressLookupTableAccount> = tables
            .iter()
            .map(|(key, addresses)| AddressLookupTableAccount { key: *key, addresses: addresses.clone() })
            .collect();
        let msg = v0::Message::try_compile(&payer.pubkey(), ixs, &luts, self.ctx.last_blockhash).expect("compile v0");
        let tx = solana_transaction::versioned::VersionedTransaction::try_new(VersionedMessage::V0(msg), &all)
            .expect("sign v0");
        self.process(tx).await
    }

    async fn process(&mut self, tx: impl Into<solana_transaction::versioned::VersionedTransaction>) -> Outcome {
        let r = self.ctx.banks_client.process_transaction_with_metadata(tx).await.expect("banks client");
        let md = r.metadata.unwrap_or_else(|| panic!("no metadata: {:?}", r.result));
        let return_data = md.return_data.map(|d| d.data).unwrap_or_default();
        Outcome { result: r.result, cu: md.compute_units_consumed, logs: md.log_messages, return_data }
    }

    pub async fn data(&mut self, key: &Pubkey) -> Option<Vec<u8>> {
        self.ctx.banks_client.get_account(*key).await.expect("get_account").map(|a| a.data)
    }

    pub async fn account(&mut self, key: &Pubkey) -> Option<Account> {
        self.ctx.banks_client.get_account(*key).await.expect("get_account")
    }

    pub async fn token_amount(&mut self, key: &Pubkey) -> u64 {
        spl::amount(&self.data(key).await.expect("token account exists"))
    }

    pub async fn mint_supply(&mut self, key: &Pubkey) -> u64 {
        spl::supply(&self.data(key).await.expect("mint exists"))
    }

    pub async fn vault(&mut self, key: &Pubkey) -> VaultState {
        rpv_sdk::decode_vault(&self.data(key).await.expect("vault exists")).expect("vault decodes")
    }
}

/// Reading the vault.
impl Fixture {
    pub async fn state(&mut self) -> VaultState {
        let v = self.vault;
        self.env.vault(&v).await
    }

    pub async fn risk(&mut self) -> rpv_core::layout::RiskState {
        let k = pda::risk(&self.vault).0;
        rpv_sdk::decode_risk(&self.env.data(&k).await.expect("risk account")).expect("risk decodes")
    }

    /// The vault and risk accounts' bytes (what a refused instruction must leave untouched).
    pub async fn vault_and_risk_bytes(&mut self) -> (Vec<u8>, Vec<u8>) {
        let v = self.vault;
        (self.env.data(&v).await.expect("vault account"), self.env.data(&pda::risk(&v).0).await.expect("risk account"))
    }

    /// Total shares (share mint supply + dead shares + fee shares accrued but not minted).
    pub async fn total_shares(&mut self) -> u64 {
        let sm = self.share_mint();
        let supply = self.env.mint_supply(&sm).await;
        self.state().await.total_shares(supply).expect("total shares fit in u64")
    }

    /// The pending proposal of `kind`, if any.
    pub async fn proposal(&mut self, kind: ix::ProposalKind) -> Option<ix::Proposal> {
        let key = pda::proposal(&self.vault, kind).0;
        self.env.data(&key).await.and_then(|d| ix::decode_proposal(&d))
    }

    /// The oracle prices as written (one per asset, registry order).
    pub fn prices(&self) -> Vec<rpv_core::price::OraclePrice> {
        self.assets
            .iter()
            .map(|a| rpv_core::price::OraclePrice {
                price: a.price as u64,
                conf: a.conf,
                expo: a.expo,
                publish_time: 0,
            })
            .collect()
    }

    /// NAV computed off-chain with the core crate from the oracle accounts as written.
    pub async fn nav(&mut self, round: rpv_core::math::Rounding) -> u64 {
        let s = self.state().await;
        let prices = self.prices();
        let now = self.env.now().await;
        s.nav(|i, _| Ok(prices[i]), now, round).unwrap()
    }

    /// NAV at the `band` end of every oracle's confidence interval, as instant flows are priced
    /// (`Band::High`: a deposit; `Band::Low`: a withdrawal).
    pub async fn banded_nav(&mut self, band: rpv_core::valuation::Band) -> u64 {
        let s = self.state().await;
        let prices = self.prices();
        let now = self.env.now().await;
        s.nav_banded(&prices[..usize::from(s.num_assets)], 0, now, band).unwrap()
    }

    /// What the SDK computes `quote` should answer now, from the accounts as they are.
    pub async fn expected_quote(&mut self) -> ix::VaultQuote {
        let s = self.state().await;
        let r = self.risk().await;
        let sm = self.share_mint();
        let supply = self.env.mint_supply(&sm).await;
        let now = self.env.now().await;
        ix::expected_quote(&s, &r, supply, &self.prices(), now).expect("no overflow")
    }

    /// The leg `rebalance` picks with `leg = AUTO_LEG` now (computed off-chain with the core).
    pub async fn auto_leg(&mut self) -> Option<u8> {
        let s = self.state().await;
        let r = self.risk().await;
        let now = self.env.now().await;
        rpv_sdk::sim::auto_leg(&s, &r, now).unwrap().map(|i| i as u8)
    }

    /// The trade the program would plan now for slot `leg` (SDK simulation on the accounts and
    /// oracle values as written).
    pub async fn planned(&mut self, leg: u8) -> rpv_core::rebalance::Plan {
        self.plan_now(leg).await.expect("a trade")
    }

    /// [`Fixture::planned`], or the core error the program would refuse with.
    pub async fn plan_now(&mut self, leg: u8) -> rpv_core::error::CoreResult<rpv_core::rebalance::Plan> {
        let s = self.state().await;
        let r = self.risk().await;
        let now = self.env.now().await;
        let prices = self.prices();
        let i = usize::from(leg);
        let under = s.assets[i].option.is_option().then(|| prices[usize::from(s.assets[i].option.underlying)]);
        rpv_sdk::sim::rebalance_plan(&s, &r, i, Some(&prices[i]), under.as_ref(), 0, now).map(|p| p.0)
    }

    /// Value of slot `i`'s accounted holding at the oracle mid price (base units, rounded down).
    pub async fn value_of(&mut self, i: usize) -> u64 {
        let s = self.state().await;
        let a = &self.assets[i];
        let p = rpv_core::price::OraclePrice { price: a.price as u64, conf: 0, expo: a.expo, publish_time: 0 };
        rpv_core::math::value_in_base(
            s.assets[i].quantity,
            &p,
            a.decimals,
            s.base_decimals,
            rpv_core::math::Rounding::Down,
        )
        .unwrap()
    }
}

/// Sending the vault's instructions.
impl Fixture {
    /// Sends `ix` signed by the vault's admin.
    pub async fn send_as_admin(&mut self, ix: Instruction) -> Outcome {
        let admin = self.admin.insecure_clone();
        self.env.send(&[ix], &[&admin]).await
    }

    pub async fn initialize(&mut self, args: ix::InitializeVaultArgs) -> Outcome {
        let ix = self.init_ix(args);
        self.send_as_admin(ix).await
    }

    pub async fn add_asset(&mut self, a: &TestAsset, args: ix::AddAssetArgs) -> Outcome {
        let ix = self.add_asset_ix(a, args);
        self.send_as_admin(ix).await
    }

    /// Registers option series `s`; on success it joins `self.assets`.
    pub async fn add_option(&mut self, s: &Series, budget: u64) -> Outcome {
        let (a, ix) = self.option_ix(s, budget).await;
        let out = self.send_as_admin(ix).await;
        if out.result.is_ok() {
            self.assets.push(a);
        }
        out
    }

    pub async fn set_equal_budgets(&mut self) -> Outcome {
        let n = self.assets.len();
        self.set_budgets(Self::equal_budgets(n)).await
    }

    pub async fn set_budgets(&mut self, b: Vec<u64>) -> Outcome {
        let ix = ix::set_risk_budgets(&self.admin.pubkey(), &self.vault, b);
        self.send_as_admin(ix).await
    }

    pub async fn set_risk_params(&mut self, p: ix::RiskParams) -> Outcome {
        let ix = ix::set_risk_params(&self.admin.pubkey(), &self.vault, p);
        self.send_as_admin(ix).await
    }

    pub async fn set_option_params(&mut self, p: ix::OptionParams) -> Outcome {
        let ix = ix::set_option_params(&self.admin.pubkey(), &self.vault, p);
        self.send_as_admin(ix).await
    }

    pub async fn set_rebalance_params(&mut self, p: ix::RebalanceParams) -> Outcome {
        let ix = ix::set_rebalance_params(&self.admin.pubkey(), &self.vault, p);
        self.send_as_admin(ix).await
    }

    /// A minute later, with the oracles re-published: `refresh`, then `update_positions` in a
    /// transaction of its own (each measured alone; [`Fixture::refresh`] sends them together).
    pub async fn refresh_then_update_positions(&mut self) -> (Outcome, Outcome) {
        self.env.advance_time(60).await;
        self.refresh_oracles().await;
        let ix = self.refresh_ix().await;
        let refresh = self.env.send(&[ix], &[]).await;
        let update = self.env.send(&[ix::update_positions(&self.vault)], &[]).await;
        (refresh, update)
    }

    /// Cranks `refresh` with the oracles as they are (followed by `update_positions` in the
    /// same transaction when the vault has option series).
    pub async fn refresh(&mut self) -> Outcome {
        let s = self.state().await;
        let ixs = ix::refresh_all(&self.vault, &s);
        self.env.send(&ixs, &[]).await
    }

    /// `deposit`, then one slot passes (as on a cluster, where the depositor's next transaction
    /// lands later): an instant redemption in the deposit's own slot is refused
    /// (`SharesMintedThisSlot`), which the tests about that rule send in one transaction.
    pub async fn deposit(&mut self, u: &User, amount: u64, min_shares: u64) -> Outcome {
        let ix = self.deposit_ix(u, amount, min_shares).await;
        let out = self.env.send(&[ix], &[&u.kp]).await;
        self.advance_slots(1).await;
        out
    }

    pub async fn withdraw(&mut self, u: &User, shares: u64, min_amount: u64) -> Outcome {
        let ix = self.withdraw_ix(u, shares, min_amount).await;
        self.env.send(&[ix], &[&u.kp]).await
    }

    pub async fn deposit_asset(&mut self, u: &User, i: u8, from: &Pubkey, amount: u64, min_shares: u64) -> Outcome {
        let ix = self.deposit_asset_ix(u, i, from, amount, min_shares).await;
        let out = self.env.send(&[ix], &[&u.kp]).await;
        self.advance_slots(1).await; // as after `deposit`
        out
    }

    pub async fn redeem(&mut self, u: &User, accounts: &[Pubkey], shares: u64, min: Vec<u64>) -> Outcome {
        let ix = self.redeem_ix(u, accounts, shares, min).await;
        self.env.send(&[ix], &[&u.kp]).await
    }

    /// Cranks `accrue_fees` (permissionless: only the test payer signs).
    pub async fn accrue_fees(&mut self, recipient_share_token: &Pubkey) -> Outcome {
        let ix = self.accrue_fees_ix(recipient_share_token).await;
        self.env.send(&[ix], &[]).await
    }

    pub async fn set_fees(&mut self, management_bps: u16, performance_bps: u16) -> Outcome {
        let s = self.state().await;
        let ix = ix::set_fees(&self.admin.pubkey(), &self.vault, &s, management_bps, performance_bps);
        self.send_as_admin(ix).await
    }

    /// `propose_change` signed by the admin.
    pub async fn propose(&mut self, change: &ix::ConfigChange) -> Outcome {
        let ix = ix::propose_change(&self.admin.pubkey(), &self.vault, change);
        self.send_as_admin(ix).await
    }

    pub async fn apply(&mut self, kind: ix::ProposalKind) -> Outcome {
        let ix = self.apply_ix(kind).await;
        self.env.send(&[ix], &[]).await
    }

    /// `set_depositor(user, allowed)` signed by the admin.
    pub async fn set_depositor(&mut self, user: &Pubkey, allowed: bool) -> Outcome {
        let ix = ix::set_depositor(&self.admin.pubkey(), &self.vault, user, allowed);
        self.send_as_admin(ix).await
    }

    /// Sends `quote` (no signer besides the fee payer).
    pub async fn quote(&mut self) -> Outcome {
        let ix = self.quote_ix().await;
        self.env.send(&[ix], &[]).await
    }

    /// `rebalance` of slot `leg` with `args` (the keeper signs).
    pub async fn rebalance(&mut self, k: &Keeper, leg: u8, args: ix::RebalanceArgs) -> Outcome {
        let ix = self.rebalance_ix(k, leg, args).await;
        self.env.send(&[ix], &[&k.kp]).await
    }
}

/// The risk budgets in force (ppb, registry order).
pub fn risk_budgets(v: &VaultState) -> Vec<u64> {
    v.active_assets().iter().map(|a| a.risk_budget).collect()
}

/// `budgets` rescaled to sum 10^9 (each within one ppb of `b · 10^9 / Σb`): the repair
/// `set_risk_budgets` applies at once, timelock or not, after a registration.
pub fn rescaled(budgets: &[u64]) -> Vec<u64> {
    let sum: u128 = budgets.iter().map(|b| u128::from(*b)).sum();
    let mut out: Vec<u64> = budgets.iter().map(|b| (u128::from(*b) * 1_000_000_000 / sum) as u64).collect();
    let rem = 1_000_000_000 - out.iter().sum::<u64>();
    for o in out.iter_mut().take(rem as usize) {
        *o += 1;
    }
    out
}

/// The weights in force of the first `n` assets, as fixed-point bits.
pub fn weight_bits(r: &rpv_core::layout::RiskState, n: usize) -> Vec<i128> {
    (0..n).map(|i| r.weights[i].get().to_bits()).collect()
}

/// `x` basis points as the program's fixed-point fraction (x / 10,000).
pub fn fraction_of_bps(x: u32) -> rpv_core::fixed_point::Fx {
    rpv_core::fixed_point::Fx::from_num(x) / rpv_core::fixed_point::Fx::from_num(10_000)
}
