//! `rpv withdraw (--shares SHARES | --all)`: shares for the base token at NAV.

use std::fmt;

use rpv_sdk::{ata, ix, pk, TOKEN_PROGRAM_ID};
use serde::Serialize;
use solana_signer::Signer;

use super::{format_amount, on_chain, steps_text, SharesArg, Slippage, Step, Target, VaultArg};

/// Burns shares for base tokens at NAV.
///
/// Burns shares for the base token at NAV (rounded down), paid to the signer's associated
/// token account. The minimum defaults to the expected amount less --slippage-bps.
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

pub fn run(target: &Target, args: Args) -> Result<WithdrawReport, String> {
    on_chain(target, false, |conn, user| {
        let l = args.vault.fetch(conn)?;
        let decimals = l.vault.base_decimals;
        let user_key = user.pubkey();
        let (base_mint, base_program) = (pk(&l.vault.base_mint), pk(&l.vault.base_token_program));
        let user_shares = ata::address(&user_key, &pk(&l.vault.share_mint), &TOKEN_PROGRAM_ID);
        let s = args.shares.get(conn.balance(&user_shares)?, decimals)?;
        // no refresh: a withdrawal needs no fresh risk state (and a dead feed stops refresh)
        let mut steps = vec![];
        let q = l.quote_withdraw(s).map_err(|e| e.explain("withdraw"))?;
        let expected = q.amount;
        let min = args.slippage.min(args.min_out.as_deref(), decimals, "--min-out", expected)?;
        let (create, user_base) = ata::create_idempotent(&user_key, &user_key, &base_mint, &base_program);
        let before = conn.balance(&user_base)?;
        let wd = ix::withdraw(&user_key, &l.key, &l.vault, &user_base, &user_shares, s, min);
        let signature = conn.send(&mut steps, "withdraw", &[create, wd], &[user])?;
        let after = conn.balance(&user_base)?;
        Ok(WithdrawReport {
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
        })
    })
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
