//! `rpv withdraw --to-base (--shares SHARES | --all) --market MINT=MARKET…`: leave an invested
//! vault in base now — an in-kind redemption, then each spot leg sold on the venue (Manifest),
//! with an overall minimum (the SDK's [`rpv_sdk::exit`]).

use std::{collections::BTreeMap, fmt, path::PathBuf};

use rpv_sdk::{
    chain::{self, Rejection},
    exit::{self, ExitPlan, LegAction, Probe},
    flash::Route,
    pk, venue, Pubkey, TOKEN_PROGRAM_ID,
};
use serde::Serialize;
use solana_signer::Signer;

use super::{format_amount, labeller, on_chain, steps_text, withdraw, Step, Target};

/// The venue's markets, and how the exit is sent.
#[derive(clap::Args, Debug, Default)]
#[command(next_help_heading = "Exit to base (--to-base)")]
pub struct VenueArgs {
    /// The Manifest market that sells a spot leg for the vault's base, per leg (repeat the
    /// flag): the leg's mint = the market's address.
    #[arg(long = "market", value_name = "MINT=MARKET", requires = "to_base")]
    pub markets: Vec<String>,
    /// A vault file whose `[[assets]]` entries name their `market` (and their symbols, for the
    /// report); a --market for the same mint overrides its entry.
    #[arg(long, value_name = "FILE", requires = "to_base")]
    pub config: Option<PathBuf>,
    /// Redeem the spot legs no --market names in kind and keep their tokens (otherwise the
    /// exit is refused).
    #[arg(long, requires = "to_base")]
    pub keep_unlisted: bool,
    /// An address lookup table holding the exit's vault and market addresses (`--dry-run`
    /// lists them as `table_addresses`): the exit then fits in fewer transactions (v0).
    #[arg(long, value_name = "ADDRESS", requires = "to_base")]
    pub lookup_table: Option<Pubkey>,
    /// Print the plan and what the books give (a simulation); send nothing.
    #[arg(long, requires = "to_base")]
    pub dry_run: bool,
}

/// The venue's market per mint: the `market` of each `[[assets]]` entry of `--config`, then the
/// `--market` values (one per mint) over them.
pub fn market_addresses(args: &VenueArgs) -> Result<BTreeMap<Pubkey, Pubkey>, String> {
    let mut out = BTreeMap::new();
    if let Some(path) = &args.config {
        let c = crate::config::load(path)?;
        out.extend(c.assets.iter().filter_map(|a| Some((a.mint?, a.market?))));
    }
    out.extend(parse_markets(&args.markets)?);
    Ok(out)
}

/// `--market` values as a map of mint → market address.
pub fn parse_markets(values: &[String]) -> Result<BTreeMap<Pubkey, Pubkey>, String> {
    let mut out = BTreeMap::new();
    for v in values {
        let bad = || format!("--market `{v}` is not MINT=MARKET (two addresses)");
        let (mint, market) = v.split_once('=').ok_or_else(bad)?;
        let (mint, market) = (mint.trim().parse().map_err(|_| bad())?, market.trim().parse().map_err(|_| bad())?);
        if out.insert(mint, market).is_some() {
            return Err(format!("--market names {mint} twice: give one market per leg"));
        }
    }
    Ok(out)
}

#[derive(Debug, Serialize)]
pub struct ExitReport {
    pub action: &'static str,
    pub vault: String,
    pub user: String,
    pub decimals: u8,
    pub shares: u64,
    /// Base the redemption pays directly.
    pub base_paid: u64,
    /// The base paid plus each sold leg at its oracle mid value.
    pub expected_amount: u64,
    pub min_amount: u64,
    /// Base received (`null` on a dry run).
    pub amount: Option<u64>,
    pub base_account: String,
    pub legs: Vec<LegReport>,
    /// The transactions the exit takes: one enforces the minimum as a whole; with more, the
    /// minimum only holds per transaction.
    pub plan: Vec<PlannedTx>,
    pub atomic: bool,
    /// What a lookup table for this exit holds (`--lookup-table`).
    pub table_addresses: Vec<String>,
    pub dry_run: bool,
    pub note: Option<String>,
    pub share_balance: u64,
    pub transactions: Vec<Step>,
}

/// One holding of the exit.
#[derive(Debug, Serialize)]
pub struct LegReport {
    pub label: String,
    pub mint: String,
    pub decimals: u8,
    /// Tokens the redemption pays.
    pub redeemed: u64,
    /// `swap`, `keep (option series: no venue lists it)`, `keep (no market given)`, `nothing`.
    pub action: String,
    pub market: Option<String>,
    /// Base at the oracle mid, and the swap's minimum.
    pub expected_base: Option<u64>,
    pub min_base: Option<u64>,
    /// What the book gives for the leg's tokens now, by the SDK's quote of the market account
    /// (`venue::Book::quote_swap`, the venue's arithmetic): an estimate of the moment.
    pub book_quote: Option<u64>,
    /// What the book gives when it cannot give the minimum (a thin book), from a simulation.
    pub book_out: Option<u64>,
    /// Tokens of this leg in the user's account afterwards.
    pub balance: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct PlannedTx {
    pub label: String,
    /// `legacy` or `v0`.
    pub version: &'static str,
    pub bytes: usize,
    /// Labels of the legs it sells.
    pub sells: Vec<String>,
}

pub fn run(target: &Target, args: withdraw::Args) -> Result<ExitReport, String> {
    let venue_args = &args.venue;
    on_chain(target, false, |conn, user| {
        if conn.ledger().is_some() {
            return Err("--to-base needs the venue (Manifest), which the embedded SVM (--svm) does not load: use a \
                 cluster (--url), or leave in kind with `rpv redeem-in-kind`"
                .into());
        }
        let label = labeller(conn, venue_args.config.as_deref())?;
        let l = args.vault.fetch(conn)?;
        let v = &l.vault;
        let decimals = v.base_decimals;
        let user_key = user.pubkey();
        let user_shares = rpv_sdk::ata::address(&user_key, &pk(&v.share_mint), &TOKEN_PROGRAM_ID);
        let s = args.shares.get(conn.balance(&user_shares)?, decimals)?;
        let (mut markets, mut books) = (BTreeMap::new(), BTreeMap::new());
        for (mint, market) in market_addresses(venue_args)? {
            let account = conn.account(&market)?.ok_or_else(|| {
                format!("market {market} (given for {mint}) does not exist: check the --market address (or the entry's `market` in --config)")
            })?;
            let m = (account.owner == venue::MANIFEST_ID)
                .then(|| venue::decode_market(&account.data).map(|header| Route { market, header }))
                .flatten()
                .ok_or_else(|| format!("{market} (given for {mint}) is not a Manifest market"))?;
            markets.insert(mint, m);
            if let Ok(b) = venue::decode_book(&account.data) {
                books.insert(market, b);
            }
        }
        let mut p = exit::plan(&l, s, &markets, exit::DEFAULT_HORIZON_SECS).map_err(|e| e.to_string())?;
        if let Some(leg) = p.legs.iter().find(|l| l.action == LegAction::KeepNoMarket) {
            if !venue_args.keep_unlisted {
                return Err(format!(
                    "no market for {} ({}), a spot leg this exit pays {} of: give --market {}=MARKET (a Manifest \
                     market of it against the vault's base; or its entry's `market` in --config FILE), or \
                     --keep-unlisted to keep its tokens",
                    label(&leg.mint),
                    leg.mint,
                    format_amount(leg.amount, leg.decimals),
                    leg.mint
                ));
            }
        }
        let min = args.slippage.min(args.min_out.as_deref(), decimals, "--min-out", p.expected_out)?;
        p.set_min_out(min).map_err(|e| e.to_string())?;
        let quotes = p.book_quotes(&books, l.clock.slot);
        let mut missing = vec![];
        for a in p.user_accounts(&user_key) {
            if conn.account(&a)?.is_none() {
                missing.push(a);
            }
        }
        let ixs = p.instructions(v, &user_key, &user_shares, |a| missing.contains(a));
        let tables = match venue_args.lookup_table {
            Some(t) => vec![chain::lookup_table(conn.chain(), &t).map_err(|e| conn.error(e))?],
            None => vec![],
        };
        let txs = exit::pack(&ixs, &user_key, &tables).map_err(|e| {
            format!("{e} (give --lookup-table ADDRESS: a table holding the addresses `--dry-run` lists)")
        })?;
        // the redemption's transaction (account creations that do not fit beside it go first)
        let r = txs.iter().position(|t| t.redeems).expect("a redemption");
        let table_addresses = exit::table_addresses(&p, v);
        let base_account = p.user_accounts(&user_key)[0];
        let before = conn.balance(&base_account)?;
        let mut steps = vec![];
        if venue_args.dry_run && r > 0 {
            let mut report = report(
                &p,
                &Probe::default(),
                &txs,
                &tables,
                &table_addresses,
                &quotes,
                &label,
                &l.key,
                &user_key,
                true,
            );
            report.share_balance = conn.balance(&user_shares)?;
            report.note = Some("the books are checked once the token accounts exist (run without --dry-run)".into());
            return Ok(report);
        }
        for tx in &txs[..r] {
            conn.send(&mut steps, &tx.label, &tx.instructions, &[user])?;
        }
        let probe = exit::probe_on(conn.chain(), &txs[r], &[user], &tables).map_err(|e| conn.error(e))?;
        let mut report =
            report(&p, &probe, &txs, &tables, &table_addresses, &quotes, &label, &l.key, &user_key, venue_args.dry_run);
        report.share_balance = conn.balance(&user_shares)?;
        if venue_args.dry_run {
            return Ok(report);
        }
        refuse(&p, &probe, &txs[r], &label)?;
        for (k, tx) in txs.iter().enumerate().skip(r) {
            if let Err(e) = conn.try_send_through(&mut steps, &tx.label, &tx.instructions, &[user], &tables) {
                let e = conn.error(e);
                return Err(if k == r {
                    e
                } else {
                    let left: Vec<String> =
                        txs[k..].iter().flat_map(|t| t.legs.iter().map(|i| label(&p.legs[*i].mint))).collect();
                    format!(
                        "{e}: the redemption landed ({}); the tokens of {} are in your accounts: sell them on the venue \
                         yourself",
                        steps[r].signature,
                        left.join(", ")
                    )
                });
            }
        }
        report.amount = Some(conn.balance(&base_account)? - before);
        for (leg, r) in p.legs.iter().zip(&mut report.legs) {
            r.balance = Some(conn.balance(&rpv_sdk::ata::address(&user_key, &leg.mint, &leg.token_program))?);
        }
        report.share_balance = conn.balance(&user_shares)?;
        report.transactions = steps;
        Ok(report)
    })
}

/// The report of a plan and its probe (before anything is sent).
#[allow(clippy::too_many_arguments)]
fn report(
    p: &ExitPlan,
    probe: &Probe,
    txs: &[exit::ExitTransaction],
    tables: &[chain::AddressLookupTableAccount],
    table_addresses: &[Pubkey],
    quotes: &[(usize, Option<venue::SwapQuote>)],
    label: &impl Fn(&Pubkey) -> String,
    vault: &Pubkey,
    user: &Pubkey,
    dry_run: bool,
) -> ExitReport {
    let legs = p
        .legs
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let (action, market, expected, min) = match l.action {
                LegAction::Swap { market, expected, min_out } => {
                    ("swap", Some(market.market.to_string()), Some(expected), Some(min_out))
                }
                LegAction::KeepOption => ("keep (option series: no venue lists it)", None, None, None),
                LegAction::KeepNoMarket => ("keep (no market given)", None, None, None),
                LegAction::Nothing => ("nothing", None, None, None),
            };
            LegReport {
                label: label(&l.mint),
                mint: l.mint.to_string(),
                decimals: l.decimals,
                redeemed: l.amount,
                action: action.to_string(),
                market,
                expected_base: expected,
                min_base: min,
                book_quote: quotes.iter().find(|q| q.0 == i).and_then(|q| q.1).map(|q| q.out_atoms),
                book_out: probe.short.iter().find(|s| s.leg == i).map(|s| s.book_out),
                balance: None,
            }
        })
        .collect();
    let version = if tables.is_empty() { "legacy" } else { "v0" };
    ExitReport {
        action: "withdraw_to_base",
        vault: vault.to_string(),
        user: user.to_string(),
        decimals: p.base_decimals,
        shares: p.shares,
        base_paid: p.base,
        expected_amount: p.expected_out,
        min_amount: p.min_out,
        amount: None,
        base_account: p.user_accounts(user)[0].to_string(),
        legs,
        plan: txs
            .iter()
            .map(|t| PlannedTx {
                label: t.label.clone(),
                version,
                bytes: t.size,
                sells: t.legs.iter().map(|i| label(&p.legs[*i].mint)).collect(),
            })
            .collect(),
        atomic: txs.len() == 1,
        table_addresses: table_addresses.iter().map(Pubkey::to_string).collect(),
        dry_run,
        note: None,
        share_balance: 0,
        transactions: vec![],
    }
}

/// Refuses an exit whose first transaction would fail: a thin book (what it gives, and what
/// to do), or another error (the program's).
fn refuse(
    p: &ExitPlan,
    probe: &Probe,
    tx: &exit::ExitTransaction,
    label: &impl Fn(&Pubkey) -> String,
) -> Result<(), String> {
    if !probe.short.is_empty() {
        let thin: Vec<String> = probe
            .short
            .iter()
            .map(|s| {
                let l = &p.legs[s.leg];
                format!(
                    "the book gives {} base for {} {}, below its minimum {}",
                    format_amount(s.book_out, p.base_decimals),
                    format_amount(l.amount, l.decimals),
                    label(&l.mint),
                    format_amount(s.min_out, p.base_decimals)
                )
            })
            .collect();
        return Err(format!(
            "thin book: {}; lower --min-out (or raise --slippage-bps), wait for the book to deepen, or leave in \
             kind with `rpv redeem-in-kind`",
            thin.join("; ")
        ));
    }
    if let Some((err, logs)) = &probe.other {
        return Err(Rejection::new(&tx.label, &tx.instructions, err.clone(), logs.clone()).to_string());
    }
    Ok(())
}

impl fmt::Display for ExitReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = |x| format_amount(x, self.decimals);
        let got = match self.amount {
            Some(x) => format!("{} base", a(x)),
            None => "(dry run: nothing sent)".to_string(),
        };
        write!(
            f,
            "exit to base: {} shares of {} → {got} (expected {}, minimum {})\n  base paid by the redemption {}",
            a(self.shares),
            self.vault,
            a(self.expected_amount),
            a(self.min_amount),
            a(self.base_paid)
        )?;
        for l in &self.legs {
            let t = |x| format_amount(x, l.decimals);
            write!(f, "\n  {} {}: ", l.label, t(l.redeemed))?;
            match (&l.market, l.expected_base, l.min_base) {
                (Some(m), Some(e), Some(min)) => {
                    write!(f, "sold on {m}: expected {} base, minimum {}", a(e), a(min))?;
                    if let Some(q) = l.book_quote {
                        write!(f, ", the book gives {} now", a(q))?;
                    }
                    if let Some(b) = l.book_out {
                        write!(f, " — THIN BOOK: it gives {}", a(b))?;
                    }
                }
                _ => write!(f, "{}", l.action)?,
            }
            if let Some(b) = l.balance.filter(|b| *b > 0) {
                write!(f, " (you hold {})", t(b))?;
            }
        }
        match self.plan.len() {
            1 => write!(
                f,
                "\n  one {} transaction ({} bytes): the minimum holds as a whole",
                self.plan[0].version, self.plan[0].bytes
            )?,
            n => write!(
                f,
                "\n  {n} transactions ({}): the minimum only holds per transaction (--lookup-table fits more in one)",
                self.plan[0].version
            )?,
        }
        if let Some(n) = &self.note {
            write!(f, "\n  {n}")?;
        }
        write!(f, "\n  share balance {}{}", a(self.share_balance), steps_text(&self.transactions))
    }
}
