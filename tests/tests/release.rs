//! What someone checking a deployed program relies on: the built `.so` carries a
//! `security.txt` that explorers and `query-security-txt` can read
//! (programs/rpv-vault/src/security.rs), parsed back out of the program's bytes with the
//! format's own parser; and the README states the sha256 this tree builds (the build is
//! reproducible: docs/build.md).

use solana_security_txt::{find_and_parse, Contact};

#[test]
fn the_program_binary_carries_a_parsable_security_txt() {
    let path = rpv_sdk::default_program_path();
    let so = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e} (cargo xtask build-sbf)", path.display()));
    let txt = find_and_parse(&so).expect("the .so holds one well-formed security.txt");
    assert_eq!(txt.name, "Real-Time Risk Parity vault (rpv-vault)");
    assert_eq!(txt.project_url, "private");
    assert_eq!(txt.contacts.len(), 1);
    assert!(
        matches!(&txt.contacts[0], Contact::Other(s) if s.contains("upgrade authority")),
        "the contact names the deployment's operator"
    );
    assert!(txt.policy.contains("docs/security.md"), "the policy points at the attack catalogue");
    assert_eq!(txt.preferred_languages, vec!["en".to_string()]);
    // the release is the program crate's version (the workspace's)
    assert_eq!(txt.source_release.as_deref(), Some(concat!("v", env!("CARGO_PKG_VERSION"))));
}

#[test]
fn the_readme_states_the_sha256_this_tree_builds() {
    let path = rpv_sdk::default_program_path();
    let out = std::process::Command::new("sha256sum").arg(&path).output().expect("sha256sum runs");
    assert!(out.status.success(), "sha256sum {}", path.display());
    let built = String::from_utf8(out.stdout).unwrap().split_whitespace().next().unwrap().to_string();
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let (begin, end) = ("<!-- so-sha256:begin -->`", "`<!-- so-sha256:end -->");
    let a = readme.find(begin).expect("README.md has the so-sha256 markers") + begin.len();
    let stated = &readme[a..a + readme[a..].find(end).expect("closing marker")];
    assert_eq!(
        stated,
        built,
        "README.md states another sha256 than {} has: run `cargo xtask bench --update-docs` after changing the program",
        path.display()
    );
}
