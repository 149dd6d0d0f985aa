//! `cancel_request`: its specification and handler are shared with `claim_request`
//! ([`super::claim_request`]).
pub(crate) use super::claim_request::cancel_handler as handler;
