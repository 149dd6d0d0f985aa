//! The chain the keeper talks to is the SDK's ([`rpv_sdk::chain`]): the [`Chain`] trait,
//! `RpcChain` (JSON-RPC) and [`LocalChain`] (embedded SVM). Re-exported here for the keeper's
//! callers that name `rpv_keeper::chain`.

pub use rpv_sdk::chain::*;
