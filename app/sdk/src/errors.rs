//! The program's error codes (`rpv_interface::errors`): Anchor custom errors from 6000.

pub use rpv_interface::errors::{VaultError, FIRST_CODE};

/// Code of the error `name`.
pub fn code(name: &str) -> Option<u32> {
    VaultError::from_name(name).map(VaultError::code)
}

/// Name of the error `code`.
pub fn name(code: u32) -> Option<&'static str> {
    rpv_interface::errors::error_name(code)
}
