//! Flow requests (issue 15) for a fixture: `request_deposit`, `request_withdraw`,
//! `settle_requests`, `claim_request`, `cancel_request` and `set_flow_params`, each sent as one
//! transaction through the SDK's builders and returning its [`Outcome`].
//!
//! A request settles only at prices published after it: [`Fixture::publish_after_requests`]
//! moves the clock past the settlement delay and re-publishes every oracle.

use rpv_core::layout::{RequestState, REQUEST_DEPOSIT, REQUEST_WITHDRAW};
use rpv_sdk::{ix, pda};
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

use crate::{Env, Fixture, Outcome, User};

impl Fixture {
    /// Address of request `id` of `kind` (`REQUEST_DEPOSIT` / `REQUEST_WITHDRAW`).
    pub fn request_address(&self, kind: u8, id: u64) -> Pubkey {
        pda::request(&self.vault, kind, id).0
    }

    /// The request account at `key`, decoded (`None` once it has closed).
    pub async fn request_state(&mut self, key: &Pubkey) -> Option<RequestState> {
        let data = self.env.data(key).await?;
        (!data.is_empty()).then(|| rpv_sdk::decode_request(&data).expect("request account decodes"))
    }

    /// The vault's request escrow balance (pending deposit requests' base and settled,
    /// unclaimed withdrawals').
    pub async fn escrow_balance(&mut self) -> u64 {
        self.env.token_amount(&pda::escrow(&self.vault).0).await
    }

    /// `u` requests a deposit of `amount` base units (the deposit queue's next id): the outcome
    /// and the request's address.
    pub async fn request_deposit(&mut self, u: &User, amount: u64) -> (Outcome, Pubkey) {
        let s = self.state().await;
        let id = s.flows.deposits.next_id;
        let ix = ix::request_deposit(&u.kp.pubkey(), &self.vault, &s, &u.base_token, id, amount);
        (self.env.send(&[ix], &[&u.kp]).await, self.request_address(REQUEST_DEPOSIT, id))
    }

    /// `u` requests the withdrawal of `shares` (the withdrawal queue's next id): the outcome and
    /// the request's address.
    pub async fn request_withdraw(&mut self, u: &User, shares: u64) -> (Outcome, Pubkey) {
        let s = self.state().await;
        let id = s.flows.withdrawals.next_id;
        let ix = ix::request_withdraw(&u.kp.pubkey(), &self.vault, &s, &u.share_token, id, shares);
        (self.env.send(&[ix], &[&u.kp]).await, self.request_address(REQUEST_WITHDRAW, id))
    }

    /// Moves the clock past the settlement delay (`settle_delay_secs`) and re-publishes every
    /// oracle: the prices are now published after every request made before.
    pub async fn publish_after_requests(&mut self) {
        let delay = self.state().await.flows.params.settle_delay_secs;
        self.env.advance_time(i64::from(delay)).await;
        self.refresh_oracles().await;
    }

    /// The `settle_requests` instruction: `keeper` settles `requests` (each queue in order from
    /// its head) and takes the incentive in its base account.
    pub async fn settle_ix(&mut self, keeper: &User, requests: &[Pubkey]) -> Instruction {
        let s = self.state().await;
        ix::settle_requests(&keeper.kp.pubkey(), &self.vault, &s, &keeper.base_token, requests)
    }

    /// `keeper` sends `settle_requests` of `requests` (legacy transaction: at 16 assets a few
    /// requests fit; [`Fixture::settle_v0`] for more).
    pub async fn settle(&mut self, keeper: &User, requests: &[Pubkey]) -> Outcome {
        let ix = self.settle_ix(keeper, requests).await;
        self.env.send(&[ix], &[&keeper.kp]).await
    }

    /// `settle_requests` of `requests` in a v0 transaction loading every account but the
    /// keeper through `table` (`(address, its addresses)`, e.g. from [`Fixture::settle_table`]),
    /// after the instructions `before` (e.g. a compute-unit limit).
    pub async fn settle_v0(
        &mut self,
        keeper: &User,
        requests: &[Pubkey],
        before: &[Instruction],
        table: &(Pubkey, Vec<Pubkey>),
    ) -> Outcome {
        let mut ixs = before.to_vec();
        ixs.push(self.settle_ix(keeper, requests).await);
        self.env.send_v0(&ixs, &[&keeper.kp], std::slice::from_ref(table)).await
    }

    /// A lookup table for [`Fixture::settle_v0`]: the accounts of `settle_requests` of
    /// `requests` by `keeper`, the keeper (a signer) left out.
    pub async fn settle_table(&mut self, keeper: &User, requests: &[Pubkey]) -> (Pubkey, Vec<Pubkey>) {
        let ix = self.settle_ix(keeper, requests).await;
        let addresses: Vec<Pubkey> =
            ix.accounts.iter().map(|a| a.pubkey).filter(|k| *k != keeper.kp.pubkey()).collect();
        (self.env.lookup_table(&addresses).await, addresses)
    }

    /// `u` claims what `request` has settled (shares or base).
    pub async fn claim(&mut self, u: &User, request: &Pubkey) -> Outcome {
        let s = self.state().await;
        let ix = ix::claim_request(&u.kp.pubkey(), &self.vault, &s, request, &u.base_token, &u.share_token);
        self.env.send(&[ix], &[&u.kp]).await
    }

    /// `u` cancels what `request` still has pending (base or shares back).
    pub async fn cancel(&mut self, u: &User, request: &Pubkey) -> Outcome {
        let s = self.state().await;
        let ix = ix::cancel_request(&u.kp.pubkey(), &self.vault, &s, request, &u.base_token, &u.share_token);
        self.env.send(&[ix], &[&u.kp]).await
    }

    /// `set_flow_params(params)` signed by the admin.
    pub async fn set_flow_params(&mut self, params: ix::FlowParams) -> Outcome {
        let ix = ix::set_flow_params(&self.admin.pubkey(), &self.vault, params);
        self.send_as_admin(ix).await
    }

    /// The most of `deposits` then `withdrawals` (pending requests at the heads of their
    /// queues, priced after) one `settle_requests` settles within `budget` CU: `n` split as
    /// `⌈n/2⌉` deposits and `⌊n/2⌋` withdrawals (as far as each list goes), found by simulating
    /// (nothing commits), then settled for good. `n` stops at the lists' length, or where the
    /// transaction can hold no more accounts.
    pub async fn settle_most_within(
        &mut self,
        keeper: &User,
        deposits: &[Pubkey],
        withdrawals: &[Pubkey],
        budget: u64,
    ) -> SettleFit {
        let pick = |n: usize| -> Vec<Pubkey> {
            let d = n.div_ceil(2).min(deposits.len());
            let w = (n - d).min(withdrawals.len());
            deposits[..d].iter().chain(&withdrawals[..w]).copied().collect()
        };
        let available = deposits.len() + withdrawals.len();
        let table = self.settle_table(keeper, &pick(available)).await;
        // binary search: `lo` settles within the budget, `hi` does not (or is past the lists)
        let (mut lo, mut hi, mut one_more) = (0usize, available + 1, None);
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            let ix = self.settle_ix(keeper, &pick(mid)).await;
            // the default limit (200k) is above any budget asked for: a try over it fails
            let out = self.env.simulate_v0(&[ix], &[&keeper.kp], &table).await;
            if out.result.is_ok() && out.cu <= budget {
                lo = mid;
            } else {
                hi = mid;
                one_more = Some(out);
            }
        }
        let requests = pick(lo);
        let settled = self.settle_v0(keeper, &requests, &[], &table).await;
        SettleFit { n: lo, requests, settled, one_more: if hi > available { None } else { one_more } }
    }
}

impl Env {
    /// Simulates a v0 transaction loading accounts through `table` (nothing commits): its
    /// result, compute units and logs as an [`Outcome`].
    pub async fn simulate_v0(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        table: &(Pubkey, Vec<Pubkey>),
    ) -> Outcome {
        use solana_message::{v0, AddressLookupTableAccount, VersionedMessage};
        let payer = self.payer();
        let mut all = vec![&payer];
        all.extend(signers.iter().copied().filter(|k| k.pubkey() != payer.pubkey()));
        let lut = [AddressLookupTableAccount { key: table.0, addresses: table.1.clone() }];
        let msg = v0::Message::try_compile(&payer.pubkey(), ixs, &lut, self.ctx.last_blockhash).expect("compile v0");
        let tx = solana_transaction::versioned::VersionedTransaction::try_new(VersionedMessage::V0(msg), &all)
            .expect("sign v0");
        let r = self.ctx.banks_client.simulate_transaction(tx).await.expect("banks client");
        let d = r.simulation_details.unwrap_or_else(|| panic!("no simulation details: {:?}", r.result));
        Outcome {
            result: r.result.unwrap_or_else(|| panic!("no simulation result")),
            cu: d.units_consumed,
            logs: d.logs,
            return_data: d.return_data.map(|x| x.data).unwrap_or_default(),
        }
    }
}

/// One of each request instruction, as [`Fixture::every_request_instruction`] sent them.
pub struct RequestRound {
    /// `set_flow_params` (a 5 % cash buffer: applies at once).
    pub set_flow_params: Outcome,
    pub request_deposit: Outcome,
    pub request_withdraw: Outcome,
    /// `settle_requests` of the one deposit request, then of the one withdrawal request.
    pub settle_deposit: Outcome,
    pub settle_withdrawal: Outcome,
    /// `claim_request`: the deposit's shares minted, the withdrawal's base paid (both close).
    pub claim_deposit: Outcome,
    pub claim_withdrawal: Outcome,
    /// `cancel_request` of a new deposit request (base back) and withdrawal request (shares
    /// minted back).
    pub cancel_deposit: Outcome,
    pub cancel_withdrawal: Outcome,
}

impl Fixture {
    /// Sends one of each request instruction on this vault (a user depositing 50 USDC first,
    /// requests of 10 USDC and a tenth of the shares, a keeper settling each alone, claims,
    /// then two requests cancelled), asserting each succeeds and does what it says (shares
    /// burnt on request, incentive paid, accounts closed on claim and cancel).
    pub async fn every_request_instruction(&mut self) -> RequestRound {
        let set_flow_params =
            self.set_flow_params(ix::FlowParams { cash_buffer_bps: 500, ..ix::FlowParams::DEFAULT }).await;
        set_flow_params.ok();
        let u = self.user(100_000_000).await;
        self.deposit(&u, 50_000_000, 0).await.ok();
        let held = self.env.token_amount(&u.share_token).await;
        let (request_deposit, dep) = self.request_deposit(&u, 10_000_000).await;
        request_deposit.ok();
        let (request_withdraw, wd) = self.request_withdraw(&u, held / 10).await;
        request_withdraw.ok();
        assert_eq!(self.env.token_amount(&u.share_token).await, held - held / 10, "the requested shares are burnt");
        self.publish_after_requests().await;
        let keeper = self.user(0).await;
        let settle_deposit = self.settle(&keeper, &[dep]).await;
        settle_deposit.ok();
        let settle_withdrawal = self.settle(&keeper, &[wd]).await;
        settle_withdrawal.ok();
        assert!(self.env.token_amount(&keeper.base_token).await > 0, "the keeper earned the incentive");
        let claim_deposit = self.claim(&u, &dep).await;
        claim_deposit.ok();
        let claim_withdrawal = self.claim(&u, &wd).await;
        claim_withdrawal.ok();
        assert!(self.request_state(&dep).await.is_none() && self.request_state(&wd).await.is_none(), "claimed: closed");
        let (out, dep) = self.request_deposit(&u, 1_000_000).await;
        out.ok();
        let (out, wd) = self.request_withdraw(&u, held / 10).await;
        out.ok();
        let cancel_deposit = self.cancel(&u, &dep).await;
        cancel_deposit.ok();
        let cancel_withdrawal = self.cancel(&u, &wd).await;
        cancel_withdrawal.ok();
        assert!(
            self.request_state(&dep).await.is_none() && self.request_state(&wd).await.is_none(),
            "cancelled: closed"
        );
        RequestRound {
            set_flow_params,
            request_deposit,
            request_withdraw,
            settle_deposit,
            settle_withdrawal,
            claim_deposit,
            claim_withdrawal,
            cancel_deposit,
            cancel_withdrawal,
        }
    }

    /// `per_queue` deposit requests (1 USDC each) and as many withdrawal requests (1 % of a
    /// 500 USDC deposit's shares each) by one user, priced after; then
    /// [`Fixture::settle_most_within`] `budget`.
    pub async fn settle_batch_within(&mut self, per_queue: usize, budget: u64) -> SettleFit {
        let usdc = crate::USDC;
        let u = self.user(1_000 * usdc).await;
        self.deposit(&u, 500 * usdc, 0).await.ok();
        let shares = self.env.token_amount(&u.share_token).await;
        let (mut deposits, mut withdrawals) = (vec![], vec![]);
        for _ in 0..per_queue {
            let (out, d) = self.request_deposit(&u, usdc).await;
            out.ok();
            deposits.push(d);
            let (out, w) = self.request_withdraw(&u, shares / 100).await;
            out.ok();
            withdrawals.push(w);
        }
        self.publish_after_requests().await;
        let keeper = self.user(0).await;
        self.settle_most_within(&keeper, &deposits, &withdrawals, budget).await
    }
}

/// What [`Fixture::settle_most_within`] found.
pub struct SettleFit {
    /// Requests settled by one call within the budget.
    pub n: usize,
    /// Those requests (deposits first).
    pub requests: Vec<Pubkey>,
    /// Their settlement (committed, no limit instruction): its `cu` is the cost.
    pub settled: Outcome,
    /// The simulation with one request more: over the budget (its `cu`), or failed (its
    /// result: e.g. `TooManyAccountLocks`, a transaction's 64 accounts); `None` when every
    /// request given fitted.
    pub one_more: Option<Outcome>,
}
