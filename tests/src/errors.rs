pub use rpv_sdk::errors::*;
