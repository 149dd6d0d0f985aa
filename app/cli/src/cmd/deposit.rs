//! `rpv deposit --amount AMOUNT [--request]`: base tokens for shares, now or through a request.

use std::fmt;

use rpv_sdk::{ata, ix, pk, TOKEN_PROGRAM_ID};
use serde::Serialize;
use solana_signer::Signer;

use super::{
    format_amount, on_chain, parse_amount, refresh_if_stale,
    request::{self, Flow, Kind},
    steps_text, Slippage, Step, Target, VaultArg,
};

/// Deposits base tokens for shares.
///
/// Deposits AMOUNT of the base token from the signer's associated token account and receives
/// shares in its associated share account (created if needed). The minimum number of shares
/// defaults to the expected number (from the oracles, as the program prices it) less
/// --slippage-bps. A stale risk state is refreshed first (permissionless). With --svm the base
/// tokens are minted to the signer if it lacks them.
///
/// With --request the base is escrowed instead (`request_deposit`): a keeper settles it at
/// prices published after the request, at the mid NAV without the instant-flow pricing; then
/// `rpv claim` mints the shares (`rpv cancel-request` takes the base back until it settles).
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub vault: VaultArg,
    /// Base tokens, in whole tokens (e.g. 250.5).
    #[arg(long)]
    pub amount: String,
    /// The fewest shares to accept (whole shares).
    #[arg(long, value_name = "SHARES", conflicts_with = "slippage_bps")]
    pub min_shares: Option<String>,
    #[command(flatten)]
    pub slippage: Slippage,
    /// Request the deposit (settled later at prices published after it) instead of depositing
    /// now.
    #[arg(long, conflicts_with_all = ["min_shares", "slippage_bps"])]
    pub request: bool,
}

#[derive(Debug, Serialize)]
pub struct DepositReport {
    pub action: &'static str,
    pub vault: String,
    pub user: String,
    pub decimals: u8,
    pub amount: u64,
    pub expected_shares: u64,
    pub min_shares: u64,
    pub shares: u64,
    pub share_account: String,
    pub share_balance: u64,
    /// NAV the deposit is priced at (rounded up per asset, as the program prices deposits).
    pub nav: u64,
    pub signature: String,
    pub transactions: Vec<Step>,
}

pub fn run(target: &Target, args: Args) -> Result<Flow<DepositReport>, String> {
    on_chain(target, false, |conn, user| {
        let mut l = args.vault.fetch(conn)?;
        let decimals = l.vault.base_decimals;
        let amount = parse_amount(&args.amount, decimals, "--amount")?;
        if amount == 0 {
            return Err("--amount must be positive".into());
        }
        let user_key = user.pubkey();
        let (base_mint, base_program) = (pk(&l.vault.base_mint), pk(&l.vault.base_token_program));
        if let Some(ledger) = conn.ledger() {
            ledger.fund(&user_key, &base_mint, amount)?;
        }
        let user_base = ata::address(&user_key, &base_mint, &base_program);
        let have = conn.balance(&user_base)?;
        if have < amount {
            return Err(format!(
                "{user_key}'s base token account {user_base} holds {}; the deposit needs {}: fund it first",
                format_amount(have, decimals),
                format_amount(amount, decimals)
            ));
        }
        if args.request {
            return request::make(conn, user, &mut l, Kind::Deposit, amount, &user_base, &[])
                .map(|r| Flow::Requested(Box::new(r)));
        }
        let mut steps = vec![];
        refresh_if_stale(conn, &mut l, user, &mut steps)?;
        let q = l.quote_deposit(amount).map_err(|e| e.explain("deposit"))?;
        let expected = q.shares;
        let min = args.slippage.min(args.min_shares.as_deref(), decimals, "--min-shares", expected)?;
        let share_mint = pk(&l.vault.share_mint);
        let (create, user_shares) = ata::create_idempotent(&user_key, &user_key, &share_mint, &TOKEN_PROGRAM_ID);
        let before = conn.balance(&user_shares)?;
        let dep = ix::deposit(&user_key, &l.key, &l.vault, &user_base, &user_shares, amount, min);
        let signature = conn.send(&mut steps, "deposit", &[create, dep], &[user])?;
        let after = conn.balance(&user_shares)?;
        Ok(Flow::Instant(DepositReport {
            action: "deposit",
            vault: l.key.to_string(),
            user: user_key.to_string(),
            decimals,
            amount,
            expected_shares: expected,
            min_shares: min,
            shares: after - before,
            share_account: user_shares.to_string(),
            share_balance: after,
            nav: q.nav,
            signature,
            transactions: steps,
        }))
    })
}

impl fmt::Display for DepositReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = |x| format_amount(x, self.decimals);
        write!(
            f,
            "deposited {} base into {} → {} shares (expected {}, minimum {}); share balance {}{}",
            a(self.amount),
            self.vault,
            a(self.shares),
            a(self.expected_shares),
            a(self.min_shares),
            a(self.share_balance),
            steps_text(&self.transactions)
        )
    }
}
