//! The program's accounts. The zero-copy `Vault` and `Risk` accounts hold `rpv_core`'s
//! `VaultState` / `RiskState` layouts after Anchor's 8-byte discriminator
//! (`sha256("account:<Name>")[..8]`); the borsh accounts are written once in
//! [`keyed_accounts!`](crate::keyed_accounts).

use crate::args::{Registration, MAX_ASSETS};

/// Anchor account names (their discriminators derive from these).
pub const VAULT_ACCOUNT: &str = "Vault";
pub const RISK_ACCOUNT: &str = "Risk";
pub const PROPOSAL_ACCOUNT: &str = "Proposal";
pub const ALLOW_ENTRY_ACCOUNT: &str = "AllowEntry";
pub const REQUEST_ACCOUNT: &str = "Request";

/// Space of a proposal account: discriminator, vault, proposer, two times, the change's enum
/// tag and its largest variant (a registration, or a full budget vector: length prefix and one
/// `u64` per asset).
pub const PROPOSAL_SPACE: usize = 8 + 32 + 32 + 8 + 8 + 1 + max(4 + 8 * MAX_ASSETS, Registration::MAX_LEN);

const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}
/// Space of an allowlist entry: discriminator, vault, user, time added.
pub const ALLOW_ENTRY_SPACE: usize = 8 + 32 + 32 + 8;

/// Defines the borsh accounts, once. `$callback` receives the struct definitions and adds its
/// attributes; the caller's `Pubkey` is the address type.
#[macro_export]
macro_rules! keyed_accounts {
    ($callback:ident) => {
        $callback! {
            /// A pending timelocked change, PDA `["proposal", vault, [kind]]`. Closed when applied
            /// or cancelled (rent back to the proposer).
            pub struct Proposal {
                pub vault: Pubkey,
                /// Paid the rent; receives it back when the proposal is applied or cancelled.
                pub proposer: Pubkey,
                pub proposed_at: i64,
                /// Earliest application time.
                pub eta: i64,
                pub change: $crate::args::ConfigChange,
            }

            /// A depositor allowed into an allowlisted vault, PDA `["allow", vault, user]`; exists
            /// while `user` may deposit.
            pub struct AllowEntry {
                pub vault: Pubkey,
                pub user: Pubkey,
                pub added_at: i64,
            }
        }
    };
}
