//! The sandbox vault lives in the SDK ([`rpv_sdk::svm::sandbox`]), beside the embedded SVM it
//! is built on; re-exported here for the keeper's `--embedded` mode and its callers.

pub use rpv_sdk::svm::sandbox::*;
