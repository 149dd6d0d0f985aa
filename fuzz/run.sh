#!/usr/bin/env bash
# Fuzzing of rpv-core (issue 8). Everything it needs it installs into the repository's
# (git-ignored) target/ directory; nothing outside the repository except the pinned nightly.
#
#   fuzz/run.sh test                      seeded replay of every target on stable (CI; no nightly,
#                                         no libFuzzer): regressions/ + RPV_FUZZ_CASES inputs each
#   fuzz/run.sh [SECONDS] [TARGET...]     cargo fuzz, each target for SECONDS (default 20)
#   fuzz/run.sh --long [TARGET...]        the same for 1 hour per target (RPV_FUZZ_LONG_SECONDS)
#   fuzz/run.sh build                     build the fuzz binaries only
#   fuzz/run.sh list                      the targets
#
# Environment: RPV_FUZZ_SECONDS (per target), RPV_FUZZ_FORK (libFuzzer worker processes, default
# 1), RPV_FUZZ_SANITIZER (default none: the code under test is safe Rust; `address` works too),
# RPV_FUZZ_TOOLCHAIN (default nightly-2026-10-30), RPV_FUZZ_TARGET_DIR (default target/fuzz),
# RPV_FUZZ_CASES / RPV_FUZZ_SEED (for `test`).
#
# A failing input is kept in fuzz/artifacts/<target>/; reproduce it with
#   fuzz/run.sh repro <target> <file>
# (prints the failed assertion) and, once fixed, copy it into fuzz/regressions/<target>/ so the
# replay test keeps running it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
toolchain="${RPV_FUZZ_TOOLCHAIN:-nightly-2026-10-30}"
cargo_fuzz_version="0.13.2"
tools="$root/target/tools"
export CARGO_TARGET_DIR="${RPV_FUZZ_TARGET_DIR:-$root/target/fuzz}"
export PATH="$tools/bin:$HOME/.cargo/bin:$PATH"
targets=(fixed_math black_scholes share_accounting fees oracle_decode)
sanitizer="${RPV_FUZZ_SANITIZER:-none}"
# the same flags for build and run, so `run` does not rebuild
fuzz_flags=(-O -a --sanitizer "$sanitizer" --target-dir "$CARGO_TARGET_DIR")

need_nightly() {
    if ! rustup run "$toolchain" rustc --version >/dev/null 2>&1; then
        echo "installing $toolchain (cargo fuzz needs a nightly)" >&2
        rustup toolchain install "$toolchain" --profile minimal
    fi
}

need_cargo_fuzz() {
    if ! "$tools/bin/cargo-fuzz" --version 2>/dev/null | grep -qx "cargo-fuzz $cargo_fuzz_version"; then
        echo "installing cargo-fuzz $cargo_fuzz_version into $tools" >&2
        # built with the repository's pinned stable toolchain
        (cd "$root" && cargo install --locked "cargo-fuzz@$cargo_fuzz_version" --root "$tools")
    fi
}

build() {
    need_nightly
    need_cargo_fuzz
    (cd "$here" && cargo "+$toolchain" fuzz build "${fuzz_flags[@]}")
}

fuzz_one() {
    local t="$1" secs="$2"
    mkdir -p "$here/corpus/$t" "$here/regressions/$t"
    local extra=()
    if [[ "${RPV_FUZZ_FORK:-1}" -gt 1 ]]; then
        extra+=("-fork=$RPV_FUZZ_FORK")
    fi
    echo "== $t: ${secs}s" >&2
    # new inputs go to corpus/<t> (git-ignored); regressions/<t> seeds the run
    (cd "$here" && cargo "+$toolchain" fuzz run "${fuzz_flags[@]}" "$t" "corpus/$t" "regressions/$t" -- \
        -max_total_time="$secs" -timeout=10 -print_final_stats=1 "${extra[@]}")
}

cmd="${1:-}"
case "$cmd" in
test)
    shift
    # stable (the repository's rust-toolchain.toml), no libFuzzer
    cd "$root"
    exec cargo test --manifest-path "$here/Cargo.toml" --no-default-features "$@"
    ;;
build)
    build
    exit 0
    ;;
list)
    printf '%s\n' "${targets[@]}"
    exit 0
    ;;
repro)
    [[ $# -eq 3 ]] || { echo "usage: $0 repro <target> <input file>" >&2; exit 2; }
    need_nightly
    need_cargo_fuzz
    cd "$here"
    exec cargo "+$toolchain" fuzz run "${fuzz_flags[@]}" "$2" "$(cd "$(dirname "$3")" && pwd)/$(basename "$3")"
    ;;
--long)
    shift
    secs="${RPV_FUZZ_LONG_SECONDS:-3600}"
    ;;
'' | [0-9]*)
    secs="${RPV_FUZZ_SECONDS:-20}"
    if [[ -n "$cmd" ]]; then
        secs="$cmd"
        shift
    fi
    ;;
*)
    secs="${RPV_FUZZ_SECONDS:-20}"
    ;;
esac

selected=("$@")
if [[ ${#selected[@]} -eq 0 ]]; then
    selected=("${targets[@]}")
fi
build
failed=()
for t in "${selected[@]}"; do
    if ! fuzz_one "$t" "$secs"; then
        failed+=("$t")
    fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "FAILED: ${failed[*]} (inputs in $here/artifacts/)" >&2
    exit 1
fi
echo "all ${#selected[@]} targets ran ${secs}s each without a finding" >&2
