//! `rpv flow-params [--cash-buffer-bps N] … [--propose]`: the vault's flow parameters (the cash
//! buffer, the instant-flow fee, the request path's incentive and price rules), shown, set
//! (`set_flow_params`) or proposed through the timelock (`propose_change`, kind `flow`, then
//! `rpv apply-change --kind flow` after the eta).

use std::{collections::BTreeMap, fmt};

use rpv_sdk::{
    client::VaultView,
    ix::{self, ConfigChange, FlowParams, ProposalKind},
    pda,
};
use serde::Serialize;
use solana_signer::Signer;

use super::{init::propose, on_chain, program_error, steps_text, Conn, Step, Target, VaultArg};

/// Shows or sets the flow parameters: cash buffer, instant-flow fee, request settlement.
///
/// Without a parameter flag: the parameters in force and any pending proposal. With flags: the
/// admin's `set_flow_params` with those fields changed (the others kept). A change that costs
/// depositors more (a higher instant fee or settlement incentive, a shorter settlement delay,
/// a longer settlement price age) waits for the vault's timelock: give --propose, then `rpv
/// apply-change --kind flow` after the eta. The cash buffer and every tightening apply at once.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub vault: VaultArg,
    /// Base the rebalancer keeps uninvested, basis points of NAV (≤ 5,000).
    #[arg(long, value_name = "BPS")]
    pub cash_buffer_bps: Option<u16>,
    /// Fee on an instant deposit or withdrawal, basis points (≤ 100); it stays in the vault.
    #[arg(long, value_name = "BPS")]
    pub instant_fee_bps: Option<u16>,
    /// Keeper incentive for settling a request, basis points of its value (≤ 10).
    #[arg(long, value_name = "BPS")]
    pub settle_incentive_bps: Option<u16>,
    /// How long after a request a Pyth price must be published to settle it (1 ..= 300 s).
    #[arg(long, value_name = "SECS")]
    pub settle_delay_secs: Option<u16>,
    /// Oldest price a settlement reads, seconds (Switchboard: slots), 1 ..= 3,600.
    #[arg(long, value_name = "SECS")]
    pub settle_max_age: Option<u16>,
    /// Propose the change through the timelock (`propose_change`, kind `flow`); `rpv
    /// apply-change --kind flow` applies it after the eta.
    #[arg(long)]
    pub propose: bool,
}

impl Args {
    /// `current` with the fields given on the command line (`None`: none given).
    fn changed(&self, current: FlowParams) -> Option<FlowParams> {
        let given = [
            self.cash_buffer_bps,
            self.instant_fee_bps,
            self.settle_incentive_bps,
            self.settle_delay_secs,
            self.settle_max_age,
        ];
        given.iter().any(Option::is_some).then(|| FlowParams {
            cash_buffer_bps: self.cash_buffer_bps.unwrap_or(current.cash_buffer_bps),
            instant_fee_bps: self.instant_fee_bps.unwrap_or(current.instant_fee_bps),
            settle_incentive_bps: self.settle_incentive_bps.unwrap_or(current.settle_incentive_bps),
            settle_delay_secs: self.settle_delay_secs.unwrap_or(current.settle_delay_secs),
            settle_max_age: self.settle_max_age.unwrap_or(current.settle_max_age),
        })
    }
}

/// Flow parameters by name (`FlowParams::ranges`' names).
pub type Params = BTreeMap<&'static str, i64>;

fn by_name(p: &FlowParams) -> Params {
    p.ranges().iter().map(|(name, v, _, _)| (*name, *v)).collect()
}

#[derive(Debug, Serialize)]
pub struct FlowParamsReport {
    /// `show`, `set_flow_params` or `propose_change`.
    pub action: &'static str,
    pub vault: String,
    pub timelock_secs: u32,
    /// The parameters in force (after the change, when one was set).
    pub params: Params,
    /// A pending `flow` proposal: its parameters and when `rpv apply-change --kind flow` can
    /// apply it.
    pub proposed: Option<Params>,
    pub proposal: Option<String>,
    pub eta: Option<i64>,
    pub transactions: Vec<Step>,
}

pub fn run(target: &Target, args: Args) -> Result<FlowParamsReport, String> {
    on_chain(target, false, |conn, admin| {
        let mut l = args.vault.fetch(conn)?;
        let mut steps = vec![];
        let mut action = "show";
        match args.changed(l.vault.flows.params) {
            None if args.propose => return Err("--propose needs the parameters to change (see --help)".into()),
            None => {}
            Some(p) => {
                if let Some((name, v, lo, hi)) = p.out_of_range() {
                    return Err(format!("--{} {v} is outside {lo}..={hi}", name.replace('_', "-")));
                }
                if args.propose {
                    propose(conn, &mut steps, admin, &l.key, &ConfigChange::Flow(p))?;
                    action = "propose_change";
                } else {
                    let set = ix::set_flow_params(&admin.pubkey(), &l.key, p);
                    conn.try_send(&mut steps, "set_flow_params", &[set], &[admin]).map_err(|e| {
                        let hint = match program_error(&e) {
                            Some("TimelockRequired") => format!(
                                ": under the vault's timelock ({} s) run this again with --propose (propose_change, \
                                 kind flow), then `rpv apply-change --vault {} --kind flow` after the eta",
                                l.vault.timelock_secs, l.key
                            ),
                            Some("Unauthorized") => ": sign with the vault admin's keypair (--keypair)".into(),
                            _ => String::new(),
                        };
                        format!("{e}{hint}")
                    })?;
                    action = "set_flow_params";
                    l = conn.fetch(&l.key)?;
                }
            }
        }
        report(conn, &l, action, steps)
    })
}

/// The report on `l` after `action`, with the pending `flow` proposal if there is one.
fn report(conn: &mut Conn, l: &VaultView, action: &'static str, steps: Vec<Step>) -> Result<FlowParamsReport, String> {
    let key = pda::proposal(&l.key, ProposalKind::Flow).0;
    let pending = conn.account(&key)?.and_then(|a| ix::decode_proposal(&a.data));
    let (proposed, eta) = match pending {
        Some(ix::Proposal { change: ConfigChange::Flow(p), eta, .. }) => (Some(by_name(&p)), Some(eta)),
        _ => (None, None),
    };
    Ok(FlowParamsReport {
        action,
        vault: l.key.to_string(),
        timelock_secs: l.vault.timelock_secs,
        params: by_name(&l.vault.flows.params),
        proposal: proposed.as_ref().map(|_| key.to_string()),
        proposed,
        eta,
        transactions: steps,
    })
}

impl fmt::Display for FlowParamsReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = |p: &Params| p.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ");
        let done = match self.action {
            "set_flow_params" => "set ",
            _ => "",
        };
        write!(f, "{done}flow parameters of {}: {}", self.vault, line(&self.params))?;
        if let (Some(p), Some(eta)) = (&self.proposed, self.eta) {
            write!(f, "\n  proposed: {}; `rpv apply-change --vault {} --kind flow` from {eta}", line(p), self.vault)?;
        }
        write!(f, "{}", steps_text(&self.transactions))
    }
}
