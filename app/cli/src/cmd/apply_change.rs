//! `rpv apply-change --kind KIND`: applies a pending timelocked change once its eta has passed.

use std::fmt;

use rpv_sdk::{
    client::VaultView,
    ix::{self, Proposal, ProposalKind},
    pda,
};
use serde::Serialize;

use super::{on_chain, steps_text, Conn, Step, Target, VaultArg};

/// Applies a pending timelocked change once its eta has passed (permissionless).
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub vault: VaultArg,
    /// Which pending change: risk-params, budgets, fees, rebalance, option-params, in-kind-cap,
    /// guardian, retire, oracle or flow (the program's proposal kinds, `rpv_interface::ProposalKind`; a
    /// registration is consumed by the admin's `add_asset` / `add_option`, not applied here).
    #[arg(long, value_parser = parse_kind)]
    pub kind: ProposalKind,
}

/// The pending change of `kind` of the vault `l`, once its eta has passed.
pub fn matured(conn: &mut Conn, l: &VaultView, kind: ProposalKind) -> Result<Proposal, String> {
    let key = pda::proposal(&l.key, kind).0;
    let acct = conn.account(&key)?.ok_or_else(|| format!("no pending {} change for {}", kind.name(), l.key))?;
    let p = ix::decode_proposal(&acct.data).ok_or_else(|| format!("{key} is not a proposal"))?;
    let now = l.clock.unix_timestamp;
    if now < p.eta {
        let left = p.eta - now;
        return Err(format!(
            "the {} change applies from {} ({left} s from now): run this again then",
            kind.name(),
            p.eta
        ));
    }
    Ok(p)
}

/// `--kind NAME`: the interface's proposal kind names.
pub fn parse_kind(name: &str) -> Result<ProposalKind, String> {
    ProposalKind::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = ProposalKind::ALL.iter().map(|k| k.name()).collect();
        format!("`{name}` is not one of {}", names.join(", "))
    })
}

#[derive(Debug, Serialize)]
pub struct ApplyReport {
    pub action: &'static str,
    pub vault: String,
    pub kind: &'static str,
    pub signature: String,
    pub transactions: Vec<Step>,
}

pub fn run(target: &Target, args: Args) -> Result<ApplyReport, String> {
    let kind = args.kind;
    if kind == ProposalKind::Registration {
        return Err("a registration proposal is consumed by the admin's add_asset / add_option with exactly the \
                    proposed accounts and arguments once its eta has passed: `rpv asset add`, not apply-change"
            .into());
    }
    on_chain(target, false, |conn, payer| {
        let l = args.vault.fetch(conn)?;
        let p = matured(conn, &l, kind)?;
        let mut steps = vec![];
        let ix = match &p.change {
            // the new oracle account follows: the program reads it as `set_oracle` does
            ix::ConfigChange::OracleChange(c) => ix::apply_oracle_change(&l.key, &l.vault, c, &p.proposer),
            _ => ix::apply_change(&l.key, &l.vault, kind, &p.proposer),
        };
        let signature = conn.send(&mut steps, &format!("apply_change ({})", kind.name()), &[ix], &[payer])?;
        Ok(ApplyReport {
            action: "apply_change",
            vault: l.key.to_string(),
            kind: kind.name(),
            signature,
            transactions: steps,
        })
    })
}

impl fmt::Display for ApplyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "applied the pending {} change of {}{}", self.kind, self.vault, steps_text(&self.transactions))
    }
}
