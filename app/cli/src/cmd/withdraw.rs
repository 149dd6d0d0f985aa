//! `rpv withdraw (--shares SHARES | --all) [--request | --to-base]`: shares for the base token
//! at NAV, now when the vault's base can pay, else through a request, or in kind then sold on
//! the venue ([`to_base`]).

use std::fmt;

use rpv_sdk::{
    ata,
    client::{QuoteError, VaultView},
    ix, pk, TOKEN_PROGRAM_ID,
};
use serde::Serialize;
use solana_signer::Signer;

use super::{
    format_amount, on_chain,
    request::{self, Flow, Kind},
    steps_text, to_base, SharesArg, Slippage, Step, Target, VaultArg,
};

/// Burns shares for base tokens at NAV.
///
/// Burns shares for the base token at NAV (rounded down), paid to the signer's associated
/// token account. The minimum defaults to the expected amount less --slippage-bps.
///
/// An instant withdrawal is paid from the base the vault holds beyond what its withdrawal
/// queue is owed, at the low end of each oracle's confidence interval; when that base cannot
/// pay (or shares were minted in this slot) the command says so and how to request it instead.
/// With --request the shares are burnt into the withdrawal queue (`request_withdraw`): the
/// rebalancer raises the base, a keeper settles the request at prices published after it (the
/// mid NAV), then `rpv claim` pays it (`rpv cancel-request` returns the shares until then).
///
/// With --to-base the shares are redeemed in kind and each spot leg is sold on the venue at
/// once (an exit that does not wait for the vault's cash); see the --to-base options below.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub vault: VaultArg,
    #[command(flatten)]
    pub shares: SharesArg,
    /// The least base to accept (whole tokens).
    #[arg(long, value_name = "AMOUNT", conflicts_with = "slippage_bps")]
    pub min_out: Option<String>,
    #[command(flatten)]
    pub slippage: Slippage,
    /// Request the withdrawal (settled later at prices published after it) instead of
    /// withdrawing now.
    #[arg(long, conflicts_with_all = ["min_out", "slippage_bps"])]
    pub request: bool,
    /// Leave in base now whatever the vault's cash: redeem in kind, then sell each spot leg on
    /// the venue (Manifest, a --market per leg) in as few transactions as fit, the whole exit
    /// bounded by --min-out (default: the quote at the oracle mid less --slippage-bps). Option
    /// series have no venue: their tokens are kept.
    #[arg(long, conflicts_with = "request")]
    pub to_base: bool,
    #[command(flatten)]
    pub venue: to_base::VenueArgs,
}

#[derive(Debug, Serialize)]
pub struct WithdrawReport {
    pub action: &'static str,
    pub vault: String,
    pub user: String,
    pub decimals: u8,
    pub shares: u64,
    pub expected_amount: u64,
    pub min_amount: u64,
    pub amount: u64,
    pub base_account: String,
    pub share_balance: u64,
    pub nav: u64,
    /// Asset slots valued at zero because a feed they need is dead (the program's rule).
    pub zeroed_legs: Vec<usize>,
    pub signature: String,
    pub transactions: Vec<Step>,
}

pub fn run(target: &Target, args: Args) -> Result<Flow<WithdrawReport>, String> {
    on_chain(target, false, |conn, user| {
        let mut l = args.vault.fetch(conn)?;
        let decimals = l.vault.base_decimals;
        let user_key = user.pubkey();
        let (base_mint, base_program) = (pk(&l.vault.base_mint), pk(&l.vault.base_token_program));
        let user_shares = ata::address(&user_key, &pk(&l.vault.share_mint), &TOKEN_PROGRAM_ID);
        let s = args.shares.get(conn.balance(&user_shares)?, decimals)?;
        if args.request {
            return request::make(conn, user, &mut l, Kind::Withdraw, s, &user_shares, &[])
                .map(|r| Flow::Requested(Box::new(r)));
        }
        // no refresh: a withdrawal needs no fresh risk state (and a dead feed stops refresh)
        let mut steps = vec![];
        let q = l.quote_withdraw(s).map_err(|e| not_instant(&l, s, e))?;
        let expected = q.amount;
        let min = args.slippage.min(args.min_out.as_deref(), decimals, "--min-out", expected)?;
        let (create, user_base) = ata::create_idempotent(&user_key, &user_key, &base_mint, &base_program);
        let before = conn.balance(&user_base)?;
        let wd = ix::withdraw(&user_key, &l.key, &l.vault, &user_base, &user_shares, s, min);
        let signature = conn.send(&mut steps, "withdraw", &[create, wd], &[user])?;
        let after = conn.balance(&user_base)?;
        Ok(Flow::Instant(WithdrawReport {
            action: "withdraw",
            vault: l.key.to_string(),
            user: user_key.to_string(),
            decimals,
            shares: s,
            expected_amount: expected,
            min_amount: min,
            amount: after - before,
            base_account: user_base.to_string(),
            share_balance: conn.balance(&user_shares)?,
            nav: q.nav,
            zeroed_legs: (0..32).filter(|i| q.zeroed_legs & (1 << i) != 0).collect(),
            signature,
            transactions: steps,
        }))
    })
}

/// Why an instant withdrawal of `shares` is refused (`e`), and — when the base on hand or the
/// same-slot rule is the reason — the request to make instead, with its estimate.
fn not_instant(l: &VaultView, shares: u64, e: QuoteError) -> String {
    let why = e.explain("withdraw");
    let d = l.vault.base_decimals;
    let a = |x| format_amount(x, d);
    let now = match e.name().as_str() {
        "InsufficientBaseLiquidity" => {
            "no instant exit now: the vault's base beyond what its withdrawal queue is owed cannot pay it"
        }
        "SharesMintedThisSlot" => "no instant exit in this slot (try again in the next one)",
        _ => return why,
    };
    let estimate = match request::quote(l, Kind::Withdraw, shares) {
        Ok(q) => format!(
            " (about {} base at today's mid NAV; {} base on hand, {} owed ahead of it: the rebalancer raises the cash)",
            a(q.out),
            a(q.base_on_hand),
            a(q.queue_ahead)
        ),
        Err(_) => String::new(),
    };
    format!(
        "{why}: {now}; request it instead: `rpv withdraw --vault {} --shares {} --request`{estimate}, or redeem in kind \
         with `rpv redeem-in-kind`, or leave in base now with `--to-base` (in kind, then sold on the venue)",
        l.key,
        a(shares)
    )
}

impl fmt::Display for WithdrawReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = |x| format_amount(x, self.decimals);
        write!(
            f,
            "withdrew {} shares from {} → {} base (expected {}, minimum {}); share balance {}{}{}",
            a(self.shares),
            self.vault,
            a(self.amount),
            a(self.expected_amount),
            a(self.min_amount),
            a(self.share_balance),
            if self.zeroed_legs.is_empty() {
                String::new()
            } else {
                format!("; assets {:?} valued at zero (their feeds are dead)", self.zeroed_legs)
            },
            steps_text(&self.transactions)
        )
    }
}
