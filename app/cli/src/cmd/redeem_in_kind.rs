//! `rpv redeem-in-kind (--shares SHARES | --all)`: shares for the pro-rata part of every
//! holding (no oracle needed).

use std::fmt;

use rpv_core::layout::VaultState;
use rpv_sdk::{ata, ix, pk, Pubkey, TOKEN_PROGRAM_ID};
use serde::Serialize;
use solana_keypair::Keypair;
use solana_signer::Signer;

use super::{format_amount, labeller, on_chain, steps_text, Conn, SharesArg, Slippage, Step, Target, VaultArg};

/// Burns shares for the pro-rata part of every holding (no oracle needed).
///
/// Burns shares for the pro-rata part of every holding (the base, then each asset in registry
/// order) into the signer's associated token accounts (created if needed). Needs no oracle.
/// Vaults of more than about five assets need an address lookup table: on a cluster the CLI
/// creates one (the vault's addresses), waits for it to activate and sends a v0 transaction
/// through it; `--lookup-table ADDRESS` uses an existing table, `--lookup-table new` creates one
/// even when a legacy transaction would fit.
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
    /// An address lookup table to send through: an existing table's address, or `new` to
    /// create one [default: created when a legacy transaction does not fit].
    #[arg(long, value_name = "ADDRESS|new")]
    pub lookup_table: Option<String>,
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
    /// The lookup table the redemption went through, if any.
    pub lookup_table: Option<String>,
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
        let fits = rpv_sdk::chain::sign(&[ix.clone()], &[user], &[], rpv_sdk::chain::Hash::default())
            .is_ok_and(|tx| rpv_sdk::chain::wire_size(&tx) <= rpv_sdk::chain::PACKET_DATA_SIZE);
        let table = match args.lookup_table.as_deref() {
            Some("new") => Some(create_table(conn, &mut steps, user, &l.key, v)?),
            Some(addr) => Some(addr.parse().map_err(|_| format!("--lookup-table `{addr}`: an address, or `new`"))?),
            None if fits => None,
            None if conn.ledger().is_some() => {
                return Err(format!(
                    "{} holdings need an address lookup table: on --svm give --lookup-table ADDRESS, or use a cluster, \
                     where the CLI creates one",
                    holdings.len()
                ))
            }
            None => Some(create_table(conn, &mut steps, user, &l.key, v)?),
        };
        let tables = match table {
            Some(t) => vec![rpv_sdk::chain::lookup_table(conn.chain(), &t).map_err(|e| conn.error(e))?],
            None => vec![],
        };
        let signature =
            conn.try_send_through(&mut steps, "redeem_in_kind", &[ix], &[user], &tables).map_err(|e| conn.error(e))?;
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
            lookup_table: table.map(|t| t.to_string()),
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
        if let Some(t) = &self.lookup_table {
            write!(f, "\n  through lookup table {t}")?;
        }
        write!(f, "\n  share balance {}{}", a(self.share_balance), steps_text(&self.transactions))
    }
}

/// Creates an address lookup table holding the vault's addresses (`rpv_sdk::alt`), signed and
/// paid by `user`, and waits until it can be used (the slot after its last extension).
fn create_table(
    conn: &mut Conn,
    steps: &mut Vec<Step>,
    user: &Keypair,
    vault_key: &Pubkey,
    vault: &VaultState,
) -> Result<Pubkey, String> {
    let me = user.pubkey();
    // a recent slot the SlotHashes sysvar holds
    let slot = conn.chain().slot().map_err(|e| conn.error(e))?.saturating_sub(1);
    let (create, table) = rpv_sdk::alt::create(&me, &me, slot);
    conn.send(steps, "create lookup table", &[create], &[user])?;
    for chunk in rpv_sdk::alt::vault_addresses(vault_key, vault).chunks(20) {
        conn.send(steps, "extend lookup table", &[rpv_sdk::alt::extend(&table, &me, &me, chunk)], &[user])?;
    }
    let extended = conn.chain().slot().map_err(|e| conn.error(e))?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while conn.chain().slot().map_err(|e| conn.error(e))? <= extended {
        if std::time::Instant::now() > deadline {
            return Err(format!("lookup table {table} not active after 30 s: run again with --lookup-table {table}"));
        }
        std::thread::sleep(std::time::Duration::from_millis(400));
    }
    Ok(table)
}
