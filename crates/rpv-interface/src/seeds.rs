//! PDA seeds: the prefixes and, for each account, the full seed list. The program's
//! `#[account(seeds = ...)]` constraints and [`crate::client::pda`] both read these.
//!
//! | account | seeds |
//! |---|---|
//! | vault | `["vault", admin, vault_id u64 LE]` |
//! | vault authority | `["authority", vault]` |
//! | share mint | `["shares", vault]` |
//! | vault token account (base or asset) | `["token", vault, mint]` |
//! | risk | `["risk", vault]` |
//! | proposal | `["proposal", vault, [kind]]` ([`crate::ProposalKind`]) |
//! | allowlist entry | `["allow", vault, user]` |
//! | request escrow (base token account) | `["escrow", vault]` |
//! | flow request | `["request", vault, [kind], id u64 LE]` (kind 0 = deposit, 1 = withdrawal) |

pub const VAULT: &[u8] = b"vault";
pub const AUTHORITY: &[u8] = b"authority";
pub const SHARES: &[u8] = b"shares";
pub const TOKEN: &[u8] = b"token";
pub const RISK: &[u8] = b"risk";
pub const PROPOSAL: &[u8] = b"proposal";
pub const ALLOW: &[u8] = b"allow";
pub const ESCROW: &[u8] = b"escrow";
pub const REQUEST: &[u8] = b"request";
