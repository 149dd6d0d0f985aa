//! `rpv redeem-in-kind (--shares SHARES | --all)`: shares for the pro-rata part of every
//! holding (no oracle needed).

use std::fmt;

use rpv_sdk::{ata, ix, pk, TOKEN_PROGRAM_ID};
use serde::Serialize;
use solana_signer::Signer;

use super::{format_amount, labeller, on_chain, steps_text, SharesArg, Slippage, Step, Target, VaultArg};

/// Burns shares for the pro-rata part of every holding (no oracle needed).
///
/// Burns shares for the pro-rata part of every holding (the base, then each asset in registry
/// order) into the signer's associated token accounts (created if needed). Needs no oracle.
/// Vaults of more than about five assets need an address lookup table, which the CLI does not
/// build yet.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub vault: VaultArg,
    #[command(flatten)]
    pub shares: SharesArg,
    /// One minimum per holding in whole tokens: the base, then each asset in registry order.
    #[arg(long, value_name = "A,B,...", value_delimiter = ',', conflicts_with = "slippage_bps")]
    pub min_amounts: Option<Vec<String>>,
    #[command(flatten)]
    pub slippage: Slippage,
}

#[derive(Debug, Serialize)]
pub struct RedeemReport {
    pub action: &'static str,
    pub vault: String,
    pub user: String,
    pub shares: u64,
    pub decimals: u8,
    pub received: Vec<Received>,
    pub share_balance: u64,
    pub signature: String,
    pub transactions: Vec<Step>,
}

/// One holding paid out.
#[derive(Debug, Serialize)]
pub struct Received {
    pub mint: String,
    pub label: String,
    pub decimals: u8,
    pub account: String,
    pub expected: u64,
    pub min: u64,
    pub amount: u64,
}

pub fn run(target: &Target, args: Args) -> Result<RedeemReport, String> {
    on_chain(target, false, |conn, user| {
        let label = labeller(conn, None)?;
        let l = args.vault.fetch(conn)?;
        let v = &l.vault;
        let decimals = v.base_decimals;
        let user_key = user.pubkey();
        let user_shares = ata::address(&user_key, &pk(&v.share_mint), &TOKEN_PROGRAM_ID);
        let s = args.shares.get(conn.balance(&user_shares)?, decimals)?;
        // holdings: base first, then each asset (mint, token program, decimals)
        let mut holdings = vec![(pk(&v.base_mint), pk(&v.base_token_program), v.base_decimals)];
        holdings.extend(v.active_assets().iter().map(|a| (pk(&a.mint), pk(&a.token_program), a.decimals)));
        let expected = l.quote_redeem_in_kind(s).map_err(|e| e.explain("redeem_in_kind"))?.amounts;
        let given: Vec<Option<&str>> = match &args.min_amounts {
            Some(parts) if parts.len() != holdings.len() => {
                let n = holdings.len();
                let what = "the base, then each asset in registry order";
                return Err(format!("--min-amounts needs {n} values ({what}), got {}", parts.len()));
            }
            Some(parts) => parts.iter().map(|p| Some(p.trim())).collect(),
            None => vec![None; holdings.len()],
        };
        let mins = (holdings.iter().zip(&given).zip(&expected))
            .map(|((h, g), e)| args.slippage.min(*g, h.2, "--min-amounts", *e))
            .collect::<Result<Vec<u64>, _>>()?;
        let mut steps = vec![];
        let (mut accounts, mut creates) = (vec![], vec![]);
        for (mint, program, _) in &holdings {
            let (create, account) = ata::create_idempotent(&user_key, &user_key, mint, program);
            if conn.account(&account)?.is_none() {
                creates.push(create);
            }
            accounts.push(account);
        }
        for chunk in creates.chunks(4) {
            conn.send(&mut steps, "create token accounts", chunk, &[user])?;
        }
        let before: Vec<u64> = accounts.iter().map(|a| conn.balance(a)).collect::<Result<_, _>>()?;
        let ix = ix::redeem_in_kind(&user_key, &l.key, v, &user_shares, &accounts, s, mins.clone());
        let signature = conn.send(&mut steps, "redeem_in_kind", &[ix], &[user]).map_err(|e| {
            if e.contains("more than the") {
                format!(
                    "{e}: {} holdings need an address lookup table, which the CLI does not build yet",
                    holdings.len()
                )
            } else {
                e
            }
        })?;
        let mut received = vec![];
        for (k, (a, h)) in accounts.iter().zip(&holdings).enumerate() {
            received.push(Received {
                mint: h.0.to_string(),
                label: if k == 0 { "base".to_string() } else { label(&h.0) },
                decimals: h.2,
                account: a.to_string(),
                expected: expected[k],
                min: mins[k],
                amount: conn.balance(a)? - before[k],
            });
        }
        Ok(RedeemReport {
            action: "redeem_in_kind",
            vault: l.key.to_string(),
            user: user_key.to_string(),
            shares: s,
            decimals,
            received,
            share_balance: conn.balance(&user_shares)?,
            signature,
            transactions: steps,
        })
    })
}

impl fmt::Display for RedeemReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = |x| format_amount(x, self.decimals);
        write!(f, "redeemed {} shares of {} in kind:", a(self.shares), self.vault)?;
        for h in &self.received {
            let (got, exp) = (format_amount(h.amount, h.decimals), format_amount(h.expected, h.decimals));
            write!(f, "\n  {} {got} (expected {exp})", h.label)?;
        }
        write!(f, "\n  share balance {}{}", a(self.share_balance), steps_text(&self.transactions))
    }
}
