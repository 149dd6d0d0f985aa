#!/usr/bin/env bash
# Deploys the vault program to a cluster and initialises a vault from a configuration file.
#
#   migrations/deploy.sh --url URL --keypair FILE --config FILE [--program-keypair FILE]
#                        [--skip-deploy] [--skip-build]
#
#   --url              the cluster's JSON-RPC endpoint (e.g. https://api.devnet.solana.com)
#   --keypair          payer of the deployment and admin of the vault (Solana CLI JSON keypair)
#   --config           the vault configuration (see examples/vault.toml)
#   --program-keypair  the program's keypair for a first deployment (`solana program deploy
#                      --program-id`); its public key must be the id the program was built with
#                      (declare_id! in programs/rpv-vault/src/lib.rs, PROGRAM_ID in
#                      app/sdk/src/lib.rs). Without it the program at that declared id is
#                      upgraded, --keypair being its upgrade authority.
#   --skip-deploy      the program is already deployed: only initialise the vault
#   --skip-build       use target/deploy/rpv_vault.so as it is (default: `cargo xtask build-sbf`,
#                      which rebuilds only what changed)
#
# Deploying needs the Solana CLI (`solana` on PATH, https://docs.anza.xyz/cli/install); the
# initialisation needs only this repository (`rpv init`, built with cargo). RPV_BIN may name a
# prebuilt `rpv` binary.
set -euo pipefail

usage() {
    sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'
    exit "${1:-2}"
}

url="" keypair="" config="" program_keypair="" skip_deploy=0 skip_build=0
while [ $# -gt 0 ]; do
    case "$1" in
        --url) url="${2:?--url needs a value}"; shift 2 ;;
        --keypair) keypair="${2:?--keypair needs a value}"; shift 2 ;;
        --config) config="${2:?--config needs a value}"; shift 2 ;;
        --program-keypair) program_keypair="${2:?--program-keypair needs a value}"; shift 2 ;;
        --skip-deploy) skip_deploy=1; shift ;;
        --skip-build) skip_build=1; shift ;;
        -h|--help) usage 0 ;;
        *) echo "deploy.sh: unknown argument \`$1\`" >&2; usage ;;
    esac
done
if [ -z "$url" ] || [ -z "$keypair" ] || [ -z "$config" ]; then
    echo "deploy.sh: --url, --keypair and --config are required" >&2
    usage
fi
for f in "$keypair" "$config"; do
    [ -f "$f" ] || { echo "deploy.sh: no such file: $f" >&2; exit 2; }
done

root="$(cd "$(dirname "$0")/.." && pwd)"
so="$root/target/deploy/rpv_vault.so"
declared="$(sed -n 's/^declare_id!("\([1-9A-HJ-NP-Za-km-z]*\)");.*/\1/p' "$root/programs/rpv-vault/src/lib.rs")"

if [ "$skip_deploy" = 0 ]; then
    if ! command -v solana > /dev/null; then
        echo "deploy.sh: the Solana CLI (\`solana\`) is required to deploy the program:" \
            "install it (https://docs.anza.xyz/cli/install), or pass --skip-deploy if program $declared is already deployed" >&2
        exit 2
    fi
    if [ -n "$program_keypair" ]; then
        [ -f "$program_keypair" ] || { echo "deploy.sh: no such file: $program_keypair" >&2; exit 2; }
        id="$(solana address -k "$program_keypair")"
        if [ "$id" != "$declared" ]; then
            echo "deploy.sh: the program keypair is $id but the program was built for $declared;" \
                "put $id in declare_id!, app/sdk PROGRAM_ID and Anchor.toml, then rebuild" >&2
            exit 2
        fi
    fi
    if [ "$skip_build" = 0 ]; then
        (cd "$root" && cargo xtask build-sbf)
    fi
    [ -f "$so" ] || { echo "deploy.sh: $so is missing (cargo xtask build-sbf)" >&2; exit 2; }
    echo "deploying $so ($declared) to $url"
    if [ -n "$program_keypair" ]; then
        solana program deploy "$so" --url "$url" --keypair "$keypair" --program-id "$program_keypair"
    else
        # no program keypair: an upgrade of the program at its declared id (never a new id the
        # .so was not built for)
        solana program deploy "$so" --url "$url" --keypair "$keypair" --program-id "$declared" \
            --upgrade-authority "$keypair"
    fi
    # a program deployed or upgraded in a slot runs from the next one: wait for two more
    deployed_at="$(solana slot --url "$url")"
    case "$deployed_at" in
        '' | *[!0-9]*) echo "deploy.sh: \`solana slot\` printed \`$deployed_at\`; not waiting for the next slot" >&2 ;;
        *) while [ "$(solana slot --url "$url")" -lt $((deployed_at + 2)) ]; do sleep 0.4; done ;;
    esac
fi

echo "initialising the vault from $config"
if [ -n "${RPV_BIN:-}" ]; then
    "$RPV_BIN" init --url "$url" --keypair "$keypair" --config "$config"
else
    (cd "$root" && cargo run --quiet --package rpv-cli --bin rpv -- \
        init --url "$url" --keypair "$keypair" --config "$(cd "$(dirname "$config")" && pwd)/$(basename "$config")")
fi
