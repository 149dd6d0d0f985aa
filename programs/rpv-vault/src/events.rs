//! Events: one per state change, emitted with `emit!`. Defined once in
//! [`rpv_interface::events!`] (fields and docs); instantiated here with Anchor's `#[event]`.

use anchor_lang::prelude::*;

macro_rules! anchor_events {
    ($($(#[$($m:tt)*])* pub struct $name:ident { $($body:tt)* })*) => {
        $(
            #[event]
            $(#[$($m)*])*
            pub struct $name { $($body)* }
        )*
    };
}

rpv_interface::events!(anchor_events);
