//! The program's `security.txt` (the `solana-security-txt` format): how a researcher who only
//! knows the program's address reaches its maintainers. Explorers and `query-security-txt` read
//! it from the deployed `.so`.
//!
//! The project has no public homepage yet, so `project_url` is `private` (the format's value for
//! a project that is not public) and the contact is the operator who deployed it (its upgrade authority). A deployment
//! with a public contact changes `contacts` and `project_url` below — the one home of these
//! values — and rebuilds; `tests/tests/security_txt.rs` parses them back out of the built `.so`
//! (`source_release` is the crate's version).

#[cfg(not(feature = "no-entrypoint"))]
solana_security_txt::security_txt! {
    name: "Real-Time Risk Parity vault (rpv-vault)",
    project_url: "private",
    contacts: "other:the operator holding this program's upgrade authority (solana program show <program id>)",
    policy: "Report privately to the deployment's operator (the contact above) with the transaction or the test that shows the problem; never test against a vault holding depositors' funds: `cargo xtask e2e` runs the program on a local validator. docs/security.md of the source release lists every attack class and its attack_* test on the .so.",
    preferred_languages: "en",
    source_release: concat!("v", env!("CARGO_PKG_VERSION"))
}
