//! The request path (issue 15): a request is escrowed now and settled by a keeper's
//! `settle_requests` at prices published after it, then claimed.
//!
//! - `rpv deposit --request` / `rpv withdraw --request` make one ([`make`]: `request_deposit` /
//!   `request_withdraw` with the queue's next id, asked again once if someone took that id);
//! - `rpv requests` lists the vault's open requests ([`list`]);
//! - `rpv claim` takes what has settled, `rpv cancel-request` takes back what has not ([`act`]),
//!   for one request (`--kind K --id N`) or every one of the signer (`--all`).

use std::fmt;

use clap::ValueEnum;
use rpv_core::{
    engine::{requests, EngineError},
    layout::{RequestState, REQUEST_DEPOSIT, REQUEST_WITHDRAW},
};
use rpv_sdk::{
    ata,
    client::{QuoteError, RequestQuote, VaultClient, VaultView},
    ix, pda, pk, Pubkey, TOKEN_PROGRAM_ID,
};
use serde::Serialize;
use solana_keypair::Keypair;
use solana_signer::Signer;

use super::{format_amount, on_chain, program_error, show::table, steps_text, Conn, Step, Target, VaultArg};

/// A request's queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Deposit,
    Withdraw,
}

impl Kind {
    pub fn code(self) -> u8 {
        match self {
            Kind::Deposit => REQUEST_DEPOSIT,
            Kind::Withdraw => REQUEST_WITHDRAW,
        }
    }

    fn of(r: &RequestState) -> Self {
        if r.kind == REQUEST_DEPOSIT {
            Kind::Deposit
        } else {
            Kind::Withdraw
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Deposit => "deposit",
            Kind::Withdraw => "withdraw",
        }
    }

    /// What the request escrows (pending) and what it pays (claimable).
    fn units(self) -> (&'static str, &'static str) {
        match self {
            Kind::Deposit => ("base", "shares"),
            Kind::Withdraw => ("shares", "base"),
        }
    }
}

/// A flow done at once, or requested.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Flow<T> {
    Instant(T),
    Requested(Box<RequestReport>),
}

impl<T: fmt::Display> fmt::Display for Flow<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Flow::Instant(r) => r.fmt(f),
            Flow::Requested(r) => r.fmt(f),
        }
    }
}

/// A request made.
#[derive(Debug, Serialize)]
pub struct RequestReport {
    /// `request_deposit` or `request_withdraw`.
    pub action: &'static str,
    pub vault: String,
    pub user: String,
    pub decimals: u8,
    pub kind: Kind,
    pub id: u64,
    pub request: String,
    /// Escrowed: base units (deposit) or shares (withdrawal).
    pub amount: u64,
    /// What it would settle into at today's mid NAV, after the keeper's incentive (shares for a
    /// deposit, base units for a withdrawal): an estimate, it settles at prices published after
    /// it. `null` when the SDK's estimate refused: `no_estimate` names the program error it met.
    pub estimate: Option<u64>,
    pub no_estimate: Option<String>,
    /// Withdrawals: base the queue ahead is owed, and the base the vault holds now.
    pub queue_ahead: Option<u64>,
    pub base_on_hand: Option<u64>,
    pub signature: String,
    pub transactions: Vec<Step>,
}

/// The SDK's estimate of a request of `amount` of `kind`, at today's mid NAV.
pub fn quote(l: &VaultView, kind: Kind, amount: u64) -> Result<RequestQuote, QuoteError> {
    match kind {
        Kind::Deposit => l.quote_request_deposit(amount),
        Kind::Withdraw => l.quote_request_withdraw(amount),
    }
}

/// Sends `request_deposit` (`amount` base units from `from`) or `request_withdraw` (`amount`
/// shares from `from`) with the queue's next id, after `first` (token accounts to create);
/// when another request took that id first, fetches the vault again and retries once with the
/// next one.
pub fn make(
    conn: &mut Conn,
    user: &Keypair,
    l: &mut VaultView,
    kind: Kind,
    amount: u64,
    from: &Pubkey,
    first: &[rpv_sdk::Instruction],
) -> Result<RequestReport, String> {
    let user_key = user.pubkey();
    let quoted = quote(l, kind, amount);
    let estimate = quoted.as_ref().ok().copied();
    let mut steps = vec![];
    let label = format!("request_{}", kind.name());
    let mut retried = false;
    loop {
        let id = requests::queue(&l.vault, kind.code()).map_err(|e| e.to_string())?.next_id;
        let req = match kind {
            Kind::Deposit => ix::request_deposit(&user_key, &l.key, &l.vault, from, id, amount),
            Kind::Withdraw => ix::request_withdraw(&user_key, &l.key, &l.vault, from, id, amount),
        };
        let ixs: Vec<_> = first.iter().cloned().chain([req]).collect();
        match conn.try_send(&mut steps, &label, &ixs, &[user]) {
            Ok(signature) => {
                let withdraw = kind == Kind::Withdraw;
                return Ok(RequestReport {
                    action: if withdraw { "request_withdraw" } else { "request_deposit" },
                    vault: l.key.to_string(),
                    user: user_key.to_string(),
                    decimals: l.vault.base_decimals,
                    kind,
                    id,
                    request: pda::request(&l.key, kind.code(), id).0.to_string(),
                    amount,
                    estimate: estimate.map(|q| q.out),
                    no_estimate: quoted.as_ref().err().map(QuoteError::name),
                    queue_ahead: estimate.filter(|_| withdraw).map(|q| q.queue_ahead),
                    base_on_hand: estimate.filter(|_| withdraw).map(|q| q.base_on_hand),
                    signature,
                    transactions: steps,
                });
            }
            Err(e) if !retried => {
                // another request took the id (its account exists, or `WrongRequest`): the
                // queue's next id moved; anything else fails again below
                *l = conn.fetch(&l.key)?;
                let moved = requests::queue(&l.vault, kind.code()).is_ok_and(|q| q.next_id != id);
                if !moved && program_error(&e) != Some("WrongRequest") {
                    return Err(e.to_string());
                }
                retried = true;
            }
            Err(e) => return Err(e.to_string()),
        }
    }
}

impl fmt::Display for RequestReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = |x| format_amount(x, self.decimals);
        let (escrowed, paid) = self.kind.units();
        write!(
            f,
            "requested {} {} {escrowed} of {} (request {}, id {})",
            self.kind.name(),
            a(self.amount),
            self.vault,
            self.request,
            self.id
        )?;
        if let Some(e) = self.estimate {
            write!(f, "; about {} {paid} at today's mid NAV", a(e))?;
        }
        if let Some(why) = &self.no_estimate {
            write!(f, "; no estimate now ({why})")?;
        }
        if let (Some(q), Some(b)) = (self.queue_ahead, self.base_on_hand) {
            write!(f, " ({} base owed ahead of it, {} base on hand)", a(q), a(b))?;
        }
        write!(
            f,
            "\n  a keeper settles it at prices published after it; then `rpv claim --vault {} --kind {} --id {}` \
             (or `rpv cancel-request` until then){}",
            self.vault,
            self.kind.name(),
            self.id,
            steps_text(&self.transactions)
        )
    }
}

/// Lists the vault's open requests: pending, partially filled, claimable, or finished and not
/// yet closed (a claim closes it).
#[derive(clap::Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub vault: VaultArg,
    /// Only this owner's requests [default: the --keypair's owner when --keypair is given,
    /// else every owner].
    #[arg(long, value_name = "ADDRESS", conflicts_with = "every_owner")]
    pub owner: Option<Pubkey>,
    /// Every owner's requests, also with --keypair.
    #[arg(long)]
    pub every_owner: bool,
}

#[derive(Debug, Serialize)]
pub struct RequestsReport {
    pub vault: String,
    pub decimals: u8,
    /// The owner listed (`null`: every owner).
    pub owner: Option<String>,
    pub requests: Vec<RequestRow>,
}

/// One open request.
#[derive(Debug, Serialize)]
pub struct RequestRow {
    pub request: String,
    pub kind: Kind,
    pub id: u64,
    pub owner: String,
    /// Not settled: base units (deposit) or shares (withdrawal).
    pub pending: u64,
    /// Settled, not claimed: shares (deposit) or base units (withdrawal).
    pub claimable: u64,
    pub filled: u64,
    pub claimed: u64,
    /// `pending`, `partially filled`, `claimable`, `finished (not closed)` or `cancelled`
    /// (nothing left, waiting for the queue to pass it).
    pub state: &'static str,
    /// Cluster time it was made (it settles at prices published after it).
    pub created_at: i64,
}

/// The state of request `r` of vault `v`, in words.
fn state(l: &VaultView, r: &RequestState) -> &'static str {
    match (r.pending, r.claimable, r.filled) {
        (0, 0, _) if requests::finished(&l.vault, r) => "finished (not closed)",
        (0, 0, _) => "cancelled",
        (0, _, _) => "claimable",
        (_, _, 0) => "pending",
        _ => "partially filled",
    }
}

/// The vault's open requests ([`VaultClient::requests`]), of `owner` if given.
fn open_requests(
    conn: &mut Conn,
    l: &VaultView,
    owner: Option<&Pubkey>,
) -> Result<Vec<(Pubkey, RequestState)>, String> {
    let all = VaultClient::new(conn.chain(), l.key).requests(&l.vault).map_err(|e| e.to_string())?;
    Ok(all.into_iter().filter(|(_, r)| owner.is_none_or(|o| r.owner == o.to_bytes())).collect())
}

pub fn list(target: &Target, args: ListArgs) -> Result<RequestsReport, String> {
    on_chain(target, false, |conn, signer| {
        let l = args.vault.fetch(conn)?;
        let mine = target.keypair.as_ref().filter(|_| !args.every_owner).map(|_| signer.pubkey());
        let owner = args.owner.or(mine);
        let rows = open_requests(conn, &l, owner.as_ref())?
            .into_iter()
            .map(|(key, r)| RequestRow {
                request: key.to_string(),
                kind: Kind::of(&r),
                id: r.id,
                owner: pk(&r.owner).to_string(),
                pending: r.pending,
                claimable: r.claimable,
                filled: r.filled,
                claimed: r.claimed,
                state: state(&l, &r),
                created_at: r.created_at,
            })
            .collect();
        Ok(RequestsReport {
            vault: l.key.to_string(),
            decimals: l.vault.base_decimals,
            owner: owner.map(|o| o.to_string()),
            requests: rows,
        })
    })
}

impl fmt::Display for RequestsReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whose = self.owner.as_ref().map_or("every owner".to_string(), |o| format!("owner {o}"));
        write!(f, "requests of {} ({whose}): {}", self.vault, self.requests.len())?;
        if self.requests.is_empty() {
            return Ok(());
        }
        let a = |x, unit| format!("{} {unit}", format_amount(x, self.decimals));
        let rows: Vec<Vec<String>> = self
            .requests
            .iter()
            .map(|r| {
                let (escrowed, paid) = r.kind.units();
                vec![
                    r.kind.name().to_string(),
                    r.id.to_string(),
                    rpv_sdk::report::short(&r.owner.parse().unwrap_or_default()),
                    a(r.pending, escrowed),
                    a(r.claimable, paid),
                    r.state.to_string(),
                    r.created_at.to_string(),
                ]
            })
            .collect();
        write!(f, "\n{}", table(&["kind", "id", "owner", "pending", "claimable", "state", "created at"], &rows))
    }
}

/// Which requests: one by kind and id, or every one of the signer.
#[derive(clap::Args, Debug)]
pub struct Which {
    #[command(flatten)]
    pub vault: VaultArg,
    /// The request's queue.
    #[arg(long, value_enum, requires = "id", required_unless_present = "all")]
    pub kind: Option<Kind>,
    /// The request's id (`rpv requests` lists them).
    #[arg(long, requires = "kind")]
    pub id: Option<u64>,
    /// Every request of the signer that has something to take.
    #[arg(long, conflicts_with_all = ["kind", "id"])]
    pub all: bool,
}

/// Takes what a request has settled (shares for a deposit, base for a withdrawal) into the
/// signer's associated token accounts (created if needed); a finished request closes and its
/// rent returns to the owner.
#[derive(clap::Args, Debug)]
pub struct ClaimArgs {
    #[command(flatten)]
    pub which: Which,
}

/// Takes back what a request still has pending (base for a deposit, shares for a withdrawal);
/// what already settled stays claimable.
#[derive(clap::Args, Debug)]
pub struct CancelArgs {
    #[command(flatten)]
    pub which: Which,
}

/// `claim_request` or `cancel_request`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Claim,
    Cancel,
}

impl Action {
    fn name(self) -> &'static str {
        match self {
            Action::Claim => "claim_request",
            Action::Cancel => "cancel_request",
        }
    }

    /// Whether `r` has something for this action (the program's rule, on a copy), and if not
    /// why, in words that say what to do.
    fn check(self, l: &VaultView, r: &RequestState) -> Result<(), String> {
        let (mut v, mut r) = (l.vault, *r);
        let done = match self {
            Action::Claim => requests::claim(&mut v, &mut r),
            Action::Cancel => requests::cancel(&mut v, &mut r),
        };
        let what = format!("{} request {}", Kind::of(&r).name(), r.id);
        done.map(|_| ()).map_err(|e| match e {
            EngineError::NothingToClaim => format!(
                "{what} has nothing to claim yet ({} pending): a keeper settles it at prices published after it; \
                 `rpv requests` shows its state",
                r.pending
            ),
            EngineError::NothingToCancel => format!(
                "{what} has nothing pending to cancel: {}",
                if r.claimable > 0 { "it has settled, claim it with `rpv claim`" } else { "it is finished" }
            ),
            e => QuoteError::from(e).explain(self.name()),
        })
    }

    /// What it pays: shares for a deposit's claim and a withdrawal's cancel, else base.
    fn pays_shares(self, kind: Kind) -> bool {
        (self == Action::Claim) == (kind == Kind::Deposit)
    }
}

#[derive(Debug, Serialize)]
pub struct ActionReport {
    /// `claim_request` or `cancel_request`.
    pub action: &'static str,
    pub vault: String,
    pub user: String,
    pub decimals: u8,
    pub requests: Vec<Done>,
    pub transactions: Vec<Step>,
}

/// One request claimed or cancelled.
#[derive(Debug, Serialize)]
pub struct Done {
    pub request: String,
    pub kind: Kind,
    pub id: u64,
    /// Paid to the owner: shares or base units (`unit`), as its token account moved.
    pub amount: u64,
    pub unit: &'static str,
    pub account: String,
    /// Whether the request account closed (its rent returned to the owner).
    pub closed: bool,
    pub signature: String,
}

pub fn act(target: &Target, action: Action, w: Which) -> Result<ActionReport, String> {
    on_chain(target, false, |conn, user| {
        let l = w.vault.fetch(conn)?;
        let me = user.pubkey();
        let chosen: Vec<(Pubkey, RequestState)> = match (w.kind, w.id) {
            (Some(kind), Some(id)) => {
                let key = pda::request(&l.key, kind.code(), id).0;
                let acct = conn.account(&key)?.ok_or_else(|| {
                    format!("vault {} has no open {} request {id} (`rpv requests` lists them)", l.key, kind.name())
                })?;
                let r = rpv_sdk::decode_request(&acct.data).map_err(|e| format!("request {key}: {e}"))?;
                if r.owner != me.to_bytes() {
                    return Err(format!(
                        "{} request {id} belongs to {}: sign with its owner's keypair (--keypair)",
                        kind.name(),
                        pk(&r.owner)
                    ));
                }
                action.check(&l, &r)?;
                vec![(key, r)]
            }
            _ => {
                let mine: Vec<_> = open_requests(conn, &l, Some(&me))?
                    .into_iter()
                    .filter(|(_, r)| action.check(&l, r).is_ok())
                    .collect();
                if mine.is_empty() {
                    let what = if action == Action::Claim { "to claim" } else { "pending to cancel" };
                    return Err(format!(
                        "{me} has no request {what} in vault {} (`rpv requests --vault {}` lists them)",
                        l.key, l.key
                    ));
                }
                mine
            }
        };
        let (base_mint, base_program) = (pk(&l.vault.base_mint), pk(&l.vault.base_token_program));
        let (create_base, base) = ata::create_idempotent(&me, &me, &base_mint, &base_program);
        let (create_shares, shares) = ata::create_idempotent(&me, &me, &pk(&l.vault.share_mint), &TOKEN_PROGRAM_ID);
        let (mut steps, mut done) = (vec![], vec![]);
        for (key, r) in chosen {
            let kind = Kind::of(&r);
            let account = if action.pays_shares(kind) { shares } else { base };
            let before = conn.balance(&account)?;
            let ixn = match action {
                Action::Claim => ix::claim_request(&me, &l.key, &l.vault, &key, &base, &shares),
                Action::Cancel => ix::cancel_request(&me, &l.key, &l.vault, &key, &base, &shares),
            };
            let label = format!("{} ({} {})", action.name(), kind.name(), r.id);
            let signature =
                conn.send(&mut steps, &label, &[create_base.clone(), create_shares.clone(), ixn], &[user])?;
            done.push(Done {
                request: key.to_string(),
                kind,
                id: r.id,
                amount: conn.balance(&account)? - before,
                unit: if action.pays_shares(kind) { "shares" } else { "base" },
                account: account.to_string(),
                closed: conn.account(&key)?.is_none_or(|a| a.lamports == 0),
                signature,
            });
        }
        Ok(ActionReport {
            action: action.name(),
            vault: l.key.to_string(),
            user: me.to_string(),
            decimals: l.vault.base_decimals,
            requests: done,
            transactions: steps,
        })
    })
}

impl fmt::Display for ActionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.action == "claim_request" { "claimed" } else { "cancelled" };
        write!(f, "{verb} {} request(s) of {}:", self.requests.len(), self.vault)?;
        for d in &self.requests {
            let closed = if d.closed { ", closed" } else { "" };
            write!(f, "\n  {} {}: {} {}{closed}", d.kind.name(), d.id, format_amount(d.amount, self.decimals), d.unit)?;
        }
        write!(f, "{}", steps_text(&self.transactions))
    }
}
