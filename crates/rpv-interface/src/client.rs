//! What off-chain clients need beyond the plain types: `Pubkey` (solana-pubkey 4), PDA
//! derivation, the event and keyed types instantiated with it, the event log decoder,
//! discriminators.

use borsh::{BorshDeserialize, BorshSerialize};
pub use solana_pubkey::Pubkey;

use crate::{seeds, ProposalKind, PROGRAM_ID};

/// The program id as a `Pubkey`.
pub const PROGRAM_PUBKEY: Pubkey = Pubkey::new_from_array(PROGRAM_ID);

/// First 8 bytes of `sha256("<namespace>:<name>")`: Anchor's instruction (`global`), account
/// and event discriminators.
pub fn discriminator(namespace: &str, name: &str) -> [u8; 8] {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(format!("{namespace}:{name}").as_bytes());
    let mut d = [0u8; 8];
    d.copy_from_slice(&h[..8]);
    d
}

/// Program-derived addresses, from the seeds in [`crate::seeds`].
pub mod pda {
    use super::*;

    fn find(seeds: &[&[u8]]) -> (Pubkey, u8) {
        Pubkey::find_program_address(seeds, &PROGRAM_PUBKEY)
    }

    pub fn vault(admin: &Pubkey, vault_id: u64) -> (Pubkey, u8) {
        find(&[seeds::VAULT, admin.as_ref(), &vault_id.to_le_bytes()])
    }

    pub fn authority(vault: &Pubkey) -> (Pubkey, u8) {
        find(&[seeds::AUTHORITY, vault.as_ref()])
    }

    pub fn share_mint(vault: &Pubkey) -> (Pubkey, u8) {
        find(&[seeds::SHARES, vault.as_ref()])
    }

    /// The vault's token account for `mint` (base or asset).
    pub fn token_account(vault: &Pubkey, mint: &Pubkey) -> (Pubkey, u8) {
        find(&[seeds::TOKEN, vault.as_ref(), mint.as_ref()])
    }

    pub fn risk(vault: &Pubkey) -> (Pubkey, u8) {
        find(&[seeds::RISK, vault.as_ref()])
    }

    /// The pending proposal of `kind`.
    pub fn proposal(vault: &Pubkey, kind: ProposalKind) -> (Pubkey, u8) {
        find(&[seeds::PROPOSAL, vault.as_ref(), &[kind.code()]])
    }

    /// A depositor's allowlist entry.
    pub fn allow_entry(vault: &Pubkey, user: &Pubkey) -> (Pubkey, u8) {
        find(&[seeds::ALLOW, vault.as_ref(), user.as_ref()])
    }

    /// The vault's request escrow: the base token account holding escrowed deposits and
    /// settled withdrawals until they are claimed.
    pub fn escrow(vault: &Pubkey) -> (Pubkey, u8) {
        find(&[seeds::ESCROW, vault.as_ref()])
    }

    /// Flow request `id` of `kind` (`kinds::REQUEST_DEPOSIT` / `REQUEST_WITHDRAW`).
    pub fn request(vault: &Pubkey, kind: u8, id: u64) -> (Pubkey, u8) {
        find(&[seeds::REQUEST, vault.as_ref(), &[kind], &id.to_le_bytes()])
    }
}

macro_rules! client_keyed {
    ($($(#[$m:meta])* pub struct $name:ident { $($body:tt)* })*) => {
        $(
            #[derive(BorshSerialize, BorshDeserialize, Clone, Debug, PartialEq, Eq)]
            $(#[$m])*
            pub struct $name { $($body)* }
        )*
    };
}

crate::keyed_args!(client_keyed);
crate::keyed_accounts!(client_keyed);

impl InitializeVaultArgs {
    /// Arguments with the defaults: fee recipient `admin`, maxima 5 %/yr and 30 %
    /// ([`crate::args::DEFAULT_MAX_MANAGEMENT_FEE_BPS`], ...), no fee charged yet, a two-day
    /// timelock, no allowlist.
    pub fn new(vault_id: u64, deposit_cap: u64, min_deposit: u64, seed_deposit: u64, admin: &Pubkey) -> Self {
        Self {
            vault_id,
            deposit_cap,
            min_deposit,
            seed_deposit,
            fee_recipient: *admin,
            max_management_fee_bps: crate::args::DEFAULT_MAX_MANAGEMENT_FEE_BPS,
            max_performance_fee_bps: crate::args::DEFAULT_MAX_PERFORMANCE_FEE_BPS,
            management_fee_bps: 0,
            performance_fee_bps: 0,
            timelock_secs: crate::args::DEFAULT_TIMELOCK_SECS,
            allowlist: false,
        }
    }
}

impl Proposal {
    /// Decodes a proposal account (discriminator checked).
    pub fn decode(data: &[u8]) -> Option<Self> {
        decode_account(crate::accounts::PROPOSAL_ACCOUNT, data)
    }
}

impl AllowEntry {
    /// Decodes an allowlist entry account (discriminator checked).
    pub fn decode(data: &[u8]) -> Option<Self> {
        decode_account(crate::accounts::ALLOW_ENTRY_ACCOUNT, data)
    }
}

fn decode_account<T: BorshDeserialize>(name: &str, data: &[u8]) -> Option<T> {
    if data.len() < 8 || data[..8] != discriminator("account", name) {
        return None;
    }
    T::deserialize(&mut &data[8..]).ok()
}

/// The events, with solana-pubkey 4 addresses, and their decoder.
pub mod events {
    use super::*;

    macro_rules! client_events {
        ($($(#[$m:meta])* pub struct $name:ident { $($body:tt)* })*) => {
            $(
                #[derive(BorshSerialize, BorshDeserialize, Clone, Debug, PartialEq, Eq)]
                $(#[$m])*
                pub struct $name { $($body)* }
            )*

            /// Every event's name, in definition order.
            pub const NAMES: &[&str] = &[$(stringify!($name),)*];

            /// Any of the program's events.
            #[derive(Clone, Debug, PartialEq, Eq)]
            pub enum Event {
                $($name($name),)*
            }

            impl Event {
                /// The event's name (as in the IDL).
                pub fn name(&self) -> &'static str {
                    match self {
                        $(Event::$name(_) => stringify!($name),)*
                    }
                }

                /// Decodes one event: its discriminator, then the borsh body.
                pub fn decode(bytes: &[u8]) -> Option<Self> {
                    if bytes.len() < 8 {
                        return None;
                    }
                    let (disc, mut body) = bytes.split_at(8);
                    $(
                        if disc == discriminator("event", stringify!($name)) {
                            return $name::deserialize(&mut body).ok().map(Event::$name);
                        }
                    )*
                    None
                }

                /// Discriminator followed by the borsh body (what the program logs).
                pub fn encode(&self) -> Vec<u8> {
                    let mut out = discriminator("event", self.name()).to_vec();
                    match self {
                        $(Event::$name(e) => e.serialize(&mut out),)*
                    }
                    .expect("serialising into a Vec cannot fail");
                    out
                }
            }
        };
    }

    crate::events!(client_events);

    /// Events found in a transaction's log messages (`Program data: <base64>` lines), in order.
    pub fn parse_logs<S: AsRef<str>>(logs: &[S]) -> Vec<Event> {
        use base64::Engine;
        let engine = base64::engine::general_purpose::STANDARD;
        logs.iter()
            .filter_map(|l| l.as_ref().strip_prefix("Program data: "))
            .filter_map(|b64| engine.decode(b64.trim()).ok())
            .filter_map(|b| Event::decode(&b))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_through_a_log_line() {
        use base64::Engine;
        let e = events::Event::ChangeProposed(events::ChangeProposed {
            vault: Pubkey::new_from_array([1; 32]),
            kind: ProposalKind::OptionParams,
            proposer: Pubkey::new_from_array([2; 32]),
            eta: 42,
        });
        let line = format!("Program data: {}", base64::engine::general_purpose::STANDARD.encode(e.encode()));
        assert_eq!(events::parse_logs(&["Program log: x".to_string(), line]), vec![e]);
    }

    #[test]
    fn pdas_use_the_program_id() {
        let admin = Pubkey::new_from_array([7; 32]);
        let (vault, bump) = pda::vault(&admin, 3);
        let expected = Pubkey::create_program_address(
            &[seeds::VAULT, admin.as_ref(), &3u64.to_le_bytes(), &[bump]],
            &PROGRAM_PUBKEY,
        )
        .unwrap();
        assert_eq!(vault, expected);
    }
}
