//! The enums on the wire. Borsh encodes a fieldless enum as its variant's index (a `u8`), so
//! the declaration order below *is* the wire value; each enum states it and offers `code()` /
//! `from_code()` for the zero-copy accounts, which store plain `u8`s.

#[cfg(feature = "idl-build")]
use anchor_lang::{AnchorDeserialize, AnchorSerialize};
#[cfg(not(feature = "idl-build"))]
use borsh::{BorshDeserialize, BorshSerialize};

/// European call or put: the argument of `add_option` and `price_option`, the field of
/// `OptionAdded`. Wire value: call = 0, put = 1. In the vault account an option slot stores
/// [`OptionKind::slot_code`] (1 = call, 2 = put; 0 = a spot slot).
#[cfg_attr(feature = "idl-build", derive(AnchorSerialize, AnchorDeserialize))]
#[cfg_attr(not(feature = "idl-build"), derive(BorshSerialize, BorshDeserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OptionKind {
    Call,
    Put,
}

/// `OptionTerms::kind` of a spot slot.
pub const SLOT_SPOT: u8 = 0;
/// `OptionTerms::kind` of a call series.
pub const SLOT_CALL: u8 = 1;
/// `OptionTerms::kind` of a put series.
pub const SLOT_PUT: u8 = 2;

impl OptionKind {
    /// The code a vault slot stores for this kind.
    pub const fn slot_code(self) -> u8 {
        match self {
            Self::Call => SLOT_CALL,
            Self::Put => SLOT_PUT,
        }
    }

    /// The kind of a slot code; `None` for a spot slot or an unknown code.
    pub const fn from_slot_code(code: u8) -> Option<Self> {
        match code {
            SLOT_CALL => Some(Self::Call),
            SLOT_PUT => Some(Self::Put),
            _ => None,
        }
    }

    pub const fn name(self) -> &'static str {
        match self {
            Self::Call => "call",
            Self::Put => "put",
        }
    }
}

/// Which oracle program a slot's price account belongs to. Wire value = stored value:
/// Pyth = 0, Switchboard = 1.
#[cfg_attr(feature = "idl-build", derive(AnchorSerialize, AnchorDeserialize))]
#[cfg_attr(not(feature = "idl-build"), derive(BorshSerialize, BorshDeserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OracleKind {
    /// Pyth `PriceUpdateV2`: `feed_id` is the Pyth feed id, `max_oracle_age` in seconds.
    Pyth,
    /// Switchboard On-Demand pull feed: `feed_id` is the feed hash, `max_oracle_age` in slots.
    Switchboard,
}

impl OracleKind {
    pub const fn code(self) -> u8 {
        match self {
            Self::Pyth => 0,
            Self::Switchboard => 1,
        }
    }

    pub const fn from_code(v: u8) -> Option<Self> {
        match v {
            0 => Some(Self::Pyth),
            1 => Some(Self::Switchboard),
            _ => None,
        }
    }

    /// Old name of [`OracleKind::from_code`].
    pub const fn from_u8(v: u8) -> Option<Self> {
        Self::from_code(v)
    }

    pub const fn name(self) -> &'static str {
        match self {
            Self::Pyth => "pyth",
            Self::Switchboard => "switchboard",
        }
    }
}

/// The kind of a timelocked change: one pending proposal per kind and vault (it is a seed of
/// the proposal PDA). Wire value and seed byte: the index below.
#[cfg_attr(feature = "idl-build", derive(AnchorSerialize, AnchorDeserialize))]
#[cfg_attr(not(feature = "idl-build"), derive(BorshSerialize, BorshDeserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProposalKind {
    /// 0: `set_risk_params`.
    RiskParams,
    /// 1: `set_risk_budgets`.
    RiskBudgets,
    /// 2: `set_fees`.
    Fees,
    /// 3: `set_rebalance_params`.
    Rebalance,
    /// 4: `set_option_params`.
    OptionParams,
    /// 5: `add_asset` / `add_option` (a registration, consumed by the registering instruction).
    Registration,
    /// 6: `set_in_kind_cap` (a raise).
    InKindCap,
    /// 7: `set_guardian` (once the vault has outside shares; only the admin may cancel it).
    Guardian,
    /// 8: the retirement of an empty slot that is not a settled series (`retire_asset` does
    /// those at once), applied by `apply_change`.
    Retire,
    /// 9: `set_oracle` (a new price feed for an asset).
    OracleChange,
    /// 10: `set_flow_params` (a higher flow fee or incentive, a looser settlement price rule).
    Flow,
}

impl ProposalKind {
    pub const ALL: [Self; 11] = [
        Self::RiskParams,
        Self::RiskBudgets,
        Self::Fees,
        Self::Rebalance,
        Self::OptionParams,
        Self::Registration,
        Self::InKindCap,
        Self::Guardian,
        Self::Retire,
        Self::OracleChange,
        Self::Flow,
    ];

    pub const fn code(self) -> u8 {
        match self {
            Self::RiskParams => 0,
            Self::RiskBudgets => 1,
            Self::Fees => 2,
            Self::Rebalance => 3,
            Self::OptionParams => 4,
            Self::Registration => 5,
            Self::InKindCap => 6,
            Self::Guardian => 7,
            Self::Retire => 8,
            Self::OracleChange => 9,
            Self::Flow => 10,
        }
    }

    pub const fn from_code(v: u8) -> Option<Self> {
        match v {
            0 => Some(Self::RiskParams),
            1 => Some(Self::RiskBudgets),
            2 => Some(Self::Fees),
            3 => Some(Self::Rebalance),
            4 => Some(Self::OptionParams),
            5 => Some(Self::Registration),
            6 => Some(Self::InKindCap),
            7 => Some(Self::Guardian),
            8 => Some(Self::Retire),
            9 => Some(Self::OracleChange),
            10 => Some(Self::Flow),
            _ => None,
        }
    }

    /// The name the CLI takes and prints (`rpv apply-change --kind NAME`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::RiskParams => "risk-params",
            Self::RiskBudgets => "budgets",
            Self::Fees => "fees",
            Self::Rebalance => "rebalance",
            Self::OptionParams => "option-params",
            Self::Registration => "registration",
            Self::InKindCap => "in-kind-cap",
            Self::Guardian => "guardian",
            Self::Retire => "retire",
            Self::OracleChange => "oracle",
            Self::Flow => "flow",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// `RequestState::kind` of a deposit request (escrowed base, settled into shares).
pub const REQUEST_DEPOSIT: u8 = 0;
/// `RequestState::kind` of a withdrawal request (escrowed shares, settled into base).
pub const REQUEST_WITHDRAW: u8 = 1;

/// How `refresh` sets the weights. Stored as this code in the risk account.
pub const METHOD_INVERSE_VOL: u8 = 0;
/// Risk budgeting (equal risk contribution with budgets): weights submitted and verified, or
/// solved on-chain.
pub const METHOD_RISK_BUDGET: u8 = 1;

/// Why a refresh (or `update_positions`) dropped the accepted risk-budget weights and fell back
/// to inverse-volatility weights: the field of `WeightsFellBack`. Wire value: the index below.
#[cfg_attr(feature = "idl-build", derive(AnchorSerialize, AnchorDeserialize))]
#[cfg_attr(not(feature = "idl-build"), derive(BorshSerialize, BorshDeserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WeightsFallback {
    /// 0: accepted `max_weight_samples` or more samples ago (`RiskParams::max_weight_samples`).
    Expired,
    /// 1: under the new covariance their risk contributions miss the budgets by more than the
    /// RC tolerance (the acceptance rule of `submit_weights`, re-checked).
    BudgetMismatch,
    /// 2: the assets, budgets or positions in the model changed since they were accepted.
    ModelChanged,
}

impl WeightsFallback {
    pub const fn name(self) -> &'static str {
        match self {
            Self::Expired => "expired",
            Self::BudgetMismatch => "budget-mismatch",
            Self::ModelChanged => "model-changed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_are_the_declaration_order() {
        assert_eq!(borsh::to_vec(&OptionKind::Call).unwrap(), [0]);
        assert_eq!(borsh::to_vec(&OptionKind::Put).unwrap(), [1]);
        for k in ProposalKind::ALL {
            assert_eq!(borsh::to_vec(&k).unwrap(), [k.code()]);
            assert_eq!(ProposalKind::from_code(k.code()), Some(k));
            assert_eq!(ProposalKind::from_name(k.name()), Some(k));
        }
        for k in [OracleKind::Pyth, OracleKind::Switchboard] {
            assert_eq!(borsh::to_vec(&k).unwrap(), [k.code()]);
            assert_eq!(OracleKind::from_code(k.code()), Some(k));
        }
        for k in [OptionKind::Call, OptionKind::Put] {
            assert_eq!(OptionKind::from_slot_code(k.slot_code()), Some(k));
        }
        assert_eq!(OptionKind::from_slot_code(SLOT_SPOT), None);
        let fallbacks = [WeightsFallback::Expired, WeightsFallback::BudgetMismatch, WeightsFallback::ModelChanged];
        for (code, k) in fallbacks.into_iter().enumerate() {
            assert_eq!(borsh::to_vec(&k).unwrap(), [code as u8]);
        }
    }
}
