//! `e2e-keypair PATH`: writes a new keypair to PATH (the Solana CLI's JSON format) and prints its
//! public key — `cargo xtask e2e` makes the local cluster's payer and upgrade authority with it
//! (no `solana-keygen` needed).
use solana_signer::Signer;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: e2e-keypair PATH");
        std::process::exit(2);
    };
    let kp = solana_keypair::Keypair::new();
    if let Err(e) = rpv_sdk::keypair::write(&kp, std::path::Path::new(&path)) {
        eprintln!("e2e-keypair: {e}");
        std::process::exit(1);
    }
    println!("{}", kp.pubkey());
}
