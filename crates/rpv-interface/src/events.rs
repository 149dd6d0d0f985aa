//! Events: one per state change, emitted by the program with `emit!` (a `Program data:` log
//! line: base64 of the 8-byte event discriminator, `sha256("event:<Name>")[..8]`, and the
//! borsh-encoded event). Amounts are base units unless named otherwise.
//!
//! [`events!`](crate::events) is the one definition: the program instantiates it with Anchor's
//! `#[event]` (its `Pubkey`), and [`crate::client::events`] with solana-pubkey 4 and a log
//! decoder.

/// Defines every event, once. `$callback` receives the struct definitions (with their docs)
/// and adds its attributes; the caller's `Pubkey` is the address type.
#[macro_export]
macro_rules! events {
    ($callback:ident) => {
        $callback! {
            pub struct VaultInitialized {
                pub vault: Pubkey,
                pub admin: Pubkey,
                pub vault_id: u64,
                pub base_mint: Pubkey,
                pub share_mint: Pubkey,
                pub deposit_cap: u64,
                pub min_deposit: u64,
                /// Seed deposit, paid by the admin, against which `dead_shares` were created.
                pub seed_deposit: u64,
                pub dead_shares: u64,
            }

            pub struct AssetAdded {
                pub vault: Pubkey,
                pub index: u8,
                pub mint: Pubkey,
                pub token_account: Pubkey,
                pub oracle: Pubkey,
                pub feed_id: [u8; 32],
                pub max_oracle_age: u32,
                pub max_conf_bps: u16,
                pub risk_budget: u64,
                pub in_kind_cap: u64,
            }

            /// `set_oracle`, or an oracle change applied by `apply_change`: asset `index` is
            /// priced by `oracle` from now on (its settings as in `AssetAdded`).
            pub struct OracleSet {
                pub vault: Pubkey,
                pub index: u8,
                pub old_oracle: Pubkey,
                pub oracle: Pubkey,
                pub oracle_kind: $crate::kinds::OracleKind,
                pub feed_id: [u8; 32],
                pub max_oracle_age: u32,
                pub max_conf_bps: u16,
                pub oracle_queue: [u8; 32],
                /// Publish time of the value read when it was installed (the new feed's clock:
                /// unix seconds for Pyth, the result's slot for Switchboard).
                pub publish_time: i64,
            }

            /// `set_in_kind_cap`, or an in-kind cap raise applied by `apply_change`.
            pub struct InKindCapSet {
                pub vault: Pubkey,
                pub index: u8,
                pub cap: u64,
            }

            pub struct Deposited {
                pub vault: Pubkey,
                pub user: Pubkey,
                pub amount: u64,
                pub shares: u64,
                /// NAV (every holding at the top of its oracle's confidence interval, rounded
                /// up) and total shares the deposit was priced against.
                pub nav_before: u64,
                pub total_shares_before: u64,
                pub base_quantity_after: u64,
                /// The instant-flow fee kept by the vault out of `amount`, base units.
                pub instant_fee: u64,
            }

            pub struct Withdrawn {
                pub vault: Pubkey,
                pub user: Pubkey,
                pub shares: u64,
                pub amount: u64,
                /// NAV (rounded down) and total shares the withdrawal was priced against.
                pub nav_before: u64,
                pub total_shares_before: u64,
                pub base_quantity_after: u64,
                /// Legs valued at zero because a feed their value needs was dead (bit `i`:
                /// asset slot `i`; 0 = every leg priced).
                pub zeroed_legs: u32,
                /// The instant-flow fee kept by the vault, base units (`amount` is net of it).
                pub instant_fee: u64,
            }

            pub struct AssetDeposited {
                pub vault: Pubkey,
                pub user: Pubkey,
                pub asset_index: u8,
                pub mint: Pubkey,
                /// Asset amount, in the mint's smallest units.
                pub amount: u64,
                /// Its value in base units at (price − confidence), rounded down.
                pub value: u64,
                pub shares: u64,
                pub nav_before: u64,
                pub total_shares_before: u64,
                pub quantity_after: u64,
            }

            pub struct RiskRefreshed {
                pub vault: Pubkey,
                pub time: i64,
                /// Seconds since the previous sample (0 for the first).
                pub interval: i64,
                pub samples: u64,
                pub nav: u64,
                /// I80F48 raw bits: gross exposure L and portfolio volatility σ_p (annualised).
                pub leverage_bits: i128,
                pub portfolio_vol_bits: i128,
                pub method: u8,
            }

            pub struct WeightsAccepted {
                pub vault: Pubkey,
                /// 0 = submitted and verified, 1 = solved on-chain.
                pub source: u8,
                pub by: Pubkey,
                pub n: u8,
                pub leverage_bits: i128,
                pub portfolio_vol_bits: i128,
                /// Sweeps used by the on-chain solver (0 when submitted).
                pub sweeps: u32,
            }

            pub struct RiskParamsSet {
                pub vault: Pubkey,
                pub params: $crate::args::RiskParams,
            }

            pub struct RiskBudgetsSet {
                pub vault: Pubkey,
                pub budgets_ppb: Vec<u64>,
            }

            pub struct RedeemedInKind {
                pub vault: Pubkey,
                pub user: Pubkey,
                pub shares: u64,
                pub total_shares_before: u64,
                /// Paid per holding: base first, then each asset in registry order (smallest units).
                pub amounts: Vec<u64>,
                /// Bit `k` set = holding `k` (0 = the base) was skipped because the vault's or the
                /// user's token account for it is frozen: it paid nothing and stays with the vault.
                pub skipped: u32,
            }

            pub struct PausedSet {
                pub vault: Pubkey,
                pub paused: bool,
                pub by: Pubkey,
            }

            pub struct RoleChanged {
                pub vault: Pubkey,
                /// 0 = guardian set, 1 = admin proposed, 2 = admin accepted.
                pub role: u8,
                pub old: Pubkey,
                pub new: Pubkey,
            }

            pub struct OptionAdded {
                pub vault: Pubkey,
                pub index: u8,
                pub mint: Pubkey,
                /// The implied-volatility feed.
                pub oracle: Pubkey,
                pub kind: $crate::kinds::OptionKind,
                pub underlying: u8,
                pub strike_bits: i128,
                pub contract_size_bits: i128,
                pub expiry: i64,
                pub risk_budget: u64,
            }

            pub struct PositionsUpdated {
                pub vault: Pubkey,
                /// Time of the sample the step used.
                pub sample_time: i64,
                pub nav: u64,
                /// Slots in the risk model (bit i = slot i).
                pub included_mask: u32,
                /// Underlyings beyond a Greek limit.
                pub greek_breach_mask: u16,
                pub leverage_bits: i128,
                pub portfolio_vol_bits: i128,
            }

            pub struct OptionSettled {
                pub vault: Pubkey,
                pub index: u8,
                /// Underlying price used (I80F48 bits) and its publish time.
                pub spot_bits: i128,
                pub publish_time: i64,
                /// Payoff per whole option token, base currency (I80F48 bits).
                pub settlement_value_bits: i128,
                pub by: Pubkey,
            }

            pub struct OptionParamsSet {
                pub vault: Pubkey,
                pub rate_bits: i128,
                pub iv_blend_bits: i128,
                pub max_delta_bits: i128,
                pub max_gamma_bits: i128,
                pub max_vega_bits: i128,
            }

            /// Fee shares accrued (management and/or performance) or minted to the fee recipient.
            pub struct FeesAccrued {
                pub vault: Pubkey,
                pub time: i64,
                pub management_shares: u64,
                pub performance_shares: u64,
                /// Pending fee shares minted to the recipient by this instruction (`accrue_fees` only).
                pub minted: u64,
                /// Fee shares accrued and not minted yet, after this instruction.
                pub pending_after: u64,
                /// NAV (rounded down) the performance fee was measured at (0 when not measured).
                pub nav: u64,
                /// Total shares (supply + dead + pending) after the accrual.
                pub total_shares_after: u64,
                /// High-water mark after the accrual: NAV per share `hwm_nav / hwm_shares`.
                pub hwm_nav: u64,
                pub hwm_shares: u64,
            }

            pub struct FeesSet {
                pub vault: Pubkey,
                pub management_bps: u16,
                pub performance_bps: u16,
            }

            pub struct ChangeProposed {
                pub vault: Pubkey,
                pub kind: $crate::kinds::ProposalKind,
                pub proposer: Pubkey,
                /// Earliest time `apply_change` accepts it.
                pub eta: i64,
            }

            pub struct ChangeApplied {
                pub vault: Pubkey,
                pub kind: $crate::kinds::ProposalKind,
            }

            pub struct ChangeCancelled {
                pub vault: Pubkey,
                pub kind: $crate::kinds::ProposalKind,
                pub by: Pubkey,
            }

            pub struct AllowlistSet {
                pub vault: Pubkey,
                pub enabled: bool,
            }

            pub struct DepositorAllowed {
                pub vault: Pubkey,
                pub user: Pubkey,
                /// true = entry created, false = entry removed.
                pub allowed: bool,
            }

            /// One rebalance trade (atomic, or flash: then emitted by `rebalance_begin` and only kept if
            /// the transaction, `rebalance_end` included, succeeded). Amounts in base units unless noted.
            pub struct Rebalanced {
                pub vault: Pubkey,
                pub keeper: Pubkey,
                pub leg: u8,
                /// 1 = the vault sold the leg, 2 = it bought it.
                pub side: u8,
                pub flash: bool,
                /// Tokens of the leg traded (smallest units).
                pub qty: u64,
                /// Base units the vault received (sale) or paid (purchase), incentive included.
                pub base_amount: u64,
                /// Fair (mid) value of `qty`.
                pub fair_value: u64,
                /// Keeper incentive paid inside `base_amount`.
                pub incentive: u64,
                /// Upper bound of the vault's cost against fair value (negative = a gain).
                pub cost: i64,
                /// Fair price per whole token, base currency (I80F48 bits).
                pub fair_price_bits: i128,
                /// The leg's value before and after, its target and band, and the reference NAV
                /// they were measured on (the smaller of the last refresh's snapshot and the NAV now).
                pub value_before: u64,
                pub value_after: u64,
                pub target: u64,
                pub band: u64,
                pub nav: u64,
                /// The rolling window's counters after the trade (every trade since the last day
                /// without one).
                pub turnover_today: u64,
                pub reduction_today: u64,
                pub incentive_today: u64,
            }

            /// `rebalance_end`: what the vault was owed and what its account gained since the begin.
            pub struct FlashRebalanceSettled {
                pub vault: Pubkey,
                pub keeper: Pubkey,
                pub leg: u8,
                pub side: u8,
                pub owed: u64,
                pub received: u64,
            }

            pub struct RebalanceParamsSet {
                pub vault: Pubkey,
                pub params: $crate::args::RebalanceParams,
            }

            /// The accepted risk-budget weights were dropped at a sample (by `refresh`, or by
            /// `update_positions` for a vault with option series) for inverse-volatility weights.
            pub struct WeightsFellBack {
                pub vault: Pubkey,
                /// Time of the sample.
                pub sample_time: i64,
                pub reason: $crate::kinds::WeightsFallback,
                /// Samples recorded since the weights were accepted, and the limit in force.
                pub age_samples: u64,
                pub max_weight_samples: u32,
            }

            /// Slot `index` left the registry (`retire_asset`, or `apply_change(Retire)`): the
            /// slots after it moved down by one. `quantity` is what was still accounted (nonzero
            /// only for a worthless settled series; those tokens stay in `token_account`, which
            /// is left open).
            pub struct AssetRetired {
                pub vault: Pubkey,
                pub index: u8,
                pub mint: Pubkey,
                pub token_account: Pubkey,
                pub quantity: u64,
                /// Whether it was a settled option series (retired by anyone) rather than an
                /// asset retired through the timelock.
                pub settled_series: bool,
                pub by: Pubkey,
            }

            /// A request was made (`request_deposit`: `amount` base units escrowed;
            /// `request_withdraw`: `amount` shares escrowed). State: pending.
            pub struct FlowRequested {
                pub vault: Pubkey,
                pub owner: Pubkey,
                pub request: Pubkey,
                pub kind: u8,
                pub id: u64,
                pub amount: u64,
                pub created_at: i64,
                pub created_slot: u64,
                /// Escrowed in the vault's queue of this kind after the request.
                pub queue_pending: u64,
            }

            /// `settle_requests` filled (part of) a request: `filled` of its escrow became
            /// `out` claimable (shares for a deposit, base for a withdrawal). State: claimable
            /// (and still pending when `remaining` > 0: a partial fill).
            pub struct RequestSettled {
                pub vault: Pubkey,
                pub request: Pubkey,
                pub owner: Pubkey,
                pub kind: u8,
                pub id: u64,
                pub filled: u64,
                pub out: u64,
                /// Keeper incentive paid from this fill, base units.
                pub incentive: u64,
                pub remaining: u64,
                /// NAV (deposit: rounded up; withdrawal: rounded down) and total shares the
                /// fill was priced at, from prices published after the request.
                pub nav: u64,
                pub total_shares: u64,
                pub keeper: Pubkey,
            }

            /// The owner took what a request had settled (`claim_request`). State: claimed;
            /// `closed` when the request is finished and its account was closed.
            pub struct RequestClaimed {
                pub vault: Pubkey,
                pub request: Pubkey,
                pub owner: Pubkey,
                pub kind: u8,
                pub id: u64,
                pub amount: u64,
                pub closed: bool,
            }

            /// The owner took back what a request still had pending (`cancel_request`).
            pub struct RequestCancelled {
                pub vault: Pubkey,
                pub request: Pubkey,
                pub owner: Pubkey,
                pub kind: u8,
                pub id: u64,
                pub refunded: u64,
                pub closed: bool,
            }

            pub struct FlowParamsSet {
                pub vault: Pubkey,
                pub params: $crate::args::FlowParams,
            }
        }
    };
}
