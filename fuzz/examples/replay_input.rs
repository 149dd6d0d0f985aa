//! Runs one target on one input file and shows the failed assertion, on stable:
//! `cargo run --manifest-path fuzz/Cargo.toml --no-default-features --example replay_input -- <target> <file>`

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(target), Some(path)) = (args.next(), args.next()) else {
        eprintln!("usage: replay_input <target> <input file>");
        std::process::exit(2);
    };
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let Some((_, run)) = rpv_fuzz::TARGETS.iter().find(|(n, _)| *n == target) else {
        eprintln!("unknown target {target}; targets: {:?}", rpv_fuzz::TARGETS.iter().map(|t| t.0).collect::<Vec<_>>());
        std::process::exit(2);
    };
    run(&data);
    println!("{target}: {path} passes");
}
