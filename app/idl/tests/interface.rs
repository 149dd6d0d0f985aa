//! The program's IDL (built from the program's own Anchor macros) must say what
//! `rpv-interface` says: the program instantiates the interface's definitions, and these checks
//! prove the instantiation equals them — address, every error (code, name, message), every event
//! (name and discriminator), the seeds of the IDL's PDAs.

use rpv_interface::{
    client::{discriminator, events},
    errors::VaultError,
    PROGRAM_ID_STR,
};
use serde_json::Value;

fn committed() -> Value {
    let text = std::fs::read_to_string(rpv_idl::committed_path()).expect("idl/rpv_vault.json exists");
    serde_json::from_str(&text).expect("the IDL is JSON")
}

#[test]
fn address_is_the_interface_program_id() {
    assert_eq!(committed()["address"], PROGRAM_ID_STR);
    let anchor_toml = std::fs::read_to_string(rpv_idl::root().join("Anchor.toml")).unwrap();
    let declared = anchor_toml.lines().filter(|l| l.starts_with("rpv_vault = ")).collect::<Vec<_>>();
    assert!(!declared.is_empty());
    for line in declared {
        assert_eq!(line, format!("rpv_vault = \"{PROGRAM_ID_STR}\""));
    }
}

#[test]
fn errors_are_the_interface_errors() {
    let idl = committed();
    let got: Vec<(u64, String, String)> = idl["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["code"].as_u64().unwrap(),
                e["name"].as_str().unwrap().to_string(),
                e["msg"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(u64, String, String)> =
        VaultError::ALL.iter().map(|e| (u64::from(e.code()), e.name().to_string(), e.message().to_string())).collect();
    assert_eq!(got, want);
}

#[test]
fn events_are_the_interface_events() {
    let idl = committed();
    let mut got: Vec<(String, Vec<u8>)> = idl["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            let disc = e["discriminator"].as_array().unwrap().iter().map(|b| b.as_u64().unwrap() as u8).collect();
            (e["name"].as_str().unwrap().to_string(), disc)
        })
        .collect();
    let mut want: Vec<(String, Vec<u8>)> =
        events::NAMES.iter().map(|n| (n.to_string(), discriminator("event", n).to_vec())).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn allow_entry_is_described_as_the_interface_lays_it_out() {
    use rpv_interface::client::{AllowEntry, Pubkey};
    let idl = committed();
    let account = idl["accounts"].as_array().unwrap().iter().find(|a| a["name"] == "AllowEntry").expect("listed");
    let disc: Vec<u8> =
        account["discriminator"].as_array().unwrap().iter().map(|b| b.as_u64().unwrap() as u8).collect();
    assert_eq!(disc, discriminator("account", "AllowEntry"));
    let ty = idl["types"].as_array().unwrap().iter().find(|t| t["name"] == "AllowEntry").expect("typed");
    let fields: Vec<(&str, &str)> = ty["type"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap(), f["type"].as_str().unwrap()))
        .collect();
    assert_eq!(fields, [("vault", "pubkey"), ("user", "pubkey"), ("added_at", "i64")]);
    // the interface's borsh layout: two keys and an i64, in that order
    let e = AllowEntry { vault: Pubkey::new_from_array([1; 32]), user: Pubkey::new_from_array([2; 32]), added_at: -3 };
    let bytes = borsh::to_vec(&e).unwrap();
    assert_eq!(bytes.len() + 8, rpv_interface::accounts::ALLOW_ENTRY_SPACE);
    assert_eq!(
        (&bytes[..32], &bytes[32..64], &bytes[64..]),
        (&[1u8; 32][..], &[2u8; 32][..], &(-3i64).to_le_bytes()[..])
    );
}

/// Every slot (nested `Accounts` structs included) has a doc line, and every slot the program
/// derives from the vault alone has its seeds.
#[test]
fn every_pda_slot_of_the_program_has_its_seeds() {
    fn check(ix: &str, slots: &[Value]) {
        for a in slots {
            let name = a["name"].as_str().unwrap();
            if let Some(inner) = a.get("accounts") {
                check(ix, inner.as_array().unwrap());
                continue;
            }
            if ["authority", "share_mint", "risk", "token_account", "entry"].contains(&name) {
                assert!(a.get("pda").is_some(), "{ix}.{name} has no seeds");
            }
            assert!(a.get("docs").is_some(), "{ix}.{name} has no doc line");
        }
    }
    for ix in committed()["instructions"].as_array().unwrap() {
        check(ix["name"].as_str().unwrap(), ix["accounts"].as_array().unwrap());
    }
}
