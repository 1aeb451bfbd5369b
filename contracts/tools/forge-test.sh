#!/usr/bin/env bash
# Entry point for contract tests: `contracts/tools/forge-test.sh [forge test args...]`.
# Works from any cwd in a fresh clone after `npm ci` at the repository root; keeps no state
# outside the repository. Extra arguments go to `forge test` (e.g. --gas-report, -vvv,
# --match-test X). FOUNDRY_PROFILE=ci selects the profile with more fuzz/invariant runs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"   # contracts/
repo="$(cd "$root/.." && pwd)"
nm="$repo/node_modules"
forge="$nm/@foundry-rs/forge-linux-amd64/bin/forge"

for need in "$forge" "$nm/solc/solc.js" "$nm/@openzeppelin/contracts/package.json" \
            "$nm/@layerzerolabs/toolbox-foundry/lib/forge-std/Test.sol"; do
  [[ -e "$need" ]] || { echo "forge-test: missing $need; run 'npm ci' at the repository root" >&2; exit 1; }
done

# The shim hard-codes the native-format version string; fail loudly if package.json moved on.
want="0.8.28"
have="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$nm/solc/package.json" | head -1)"
[[ "$have" == "$want" ]] || { echo "forge-test: node_modules/solc is $have, tools/solc answers $want" >&2; exit 1; }

# solc-js only reads sources under --base-path (the project root), so libraries are linked in.
mkdir -p "$root/lib"
ln -sfn ../../node_modules/@layerzerolabs/toolbox-foundry/lib/forge-std "$root/lib/forge-std"
ln -sfn ../../node_modules/@openzeppelin/contracts "$root/lib/openzeppelin-contracts"

cd "$root"
exec "$forge" test "$@"
