//! The instruction steps.
