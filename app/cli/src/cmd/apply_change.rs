//! `rpv apply-change --kind KIND`: applies a pending timelocked change once its eta has passed.

use std::fmt;

use clap::ValueEnum;
use rpv_sdk::{ix, pda, pk};
use serde::Serialize;

use super::{load, on_chain, send_step, steps_text, Step, Target, VaultArg};

/// Applies a pending timelocked change once its eta has passed (permissionless).
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub vault: VaultArg,
    /// Which pending change.
    #[arg(long, value_enum)]
    pub kind: ChangeKind,
}

/// The kinds of timelocked change, numbered as the program numbers its proposals
/// (`ConfigChange::kind`, the proposal PDA's seed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// Risk parameters (set_risk_params).
    RiskParams = 0,
    /// Risk budgets (set_risk_budgets).
    Budgets = 1,
    /// Fee rates (set_fees).
    Fees = 2,
    /// Rebalancing parameters (set_rebalance_params).
    Rebalance = 3,
    /// Option rate, implied-vol blend and Greek limits (set_option_params).
    OptionParams = 4,
}

impl ChangeKind {
    pub fn of(change: &ix::ConfigChange) -> Self {
        match change {
            ix::ConfigChange::RiskParams(_) => Self::RiskParams,
            ix::ConfigChange::RiskBudgets(_) => Self::Budgets,
            ix::ConfigChange::Fees { .. } => Self::Fees,
            ix::ConfigChange::Rebalance(_) => Self::Rebalance,
            ix::ConfigChange::OptionParams(_) => Self::OptionParams,
        }
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.to_possible_value().expect("no skipped variants").get_name())
    }
}

#[derive(Debug, Serialize)]
pub struct ApplyReport {
    pub action: &'static str,
    pub vault: String,
    pub kind: ChangeKind,
    pub signature: String,
    pub transactions: Vec<Step>,
}

pub fn run(target: &Target, args: Args) -> Result<ApplyReport, String> {
    let kind = args.kind;
    on_chain(target, false, |chain, payer| {
        let vault_key = args.vault.get(chain)?;
        let l = load(chain, &vault_key)?;
        let key = pda::proposal(&vault_key, kind as u8).0;
        let acct = chain.account(&key)?.ok_or_else(|| format!("no pending {kind} change for {vault_key}"))?;
        let p = ix::decode_proposal(&acct.data).ok_or_else(|| format!("{key} is not a proposal"))?;
        let now = chain.clock()?.unix_timestamp;
        if now < p.eta {
            return Err(format!(
                "the {kind} change applies from {} ({} s from now): run this again then",
                p.eta,
                p.eta - now
            ));
        }
        let mut steps = vec![];
        let ix = ix::apply_change(&vault_key, &l.vault, kind as u8, &pk(&p.proposer));
        let signature = send_step(chain, &mut steps, &format!("apply_change ({kind})"), &[ix], &[payer])?;
        Ok(ApplyReport { action: "apply_change", vault: vault_key.to_string(), kind, signature, transactions: steps })
    })
}

impl fmt::Display for ApplyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "applied the pending {} change of {}{}", self.kind, self.vault, steps_text(&self.transactions))
    }
}
