#!/usr/bin/env bash
# Step 4 of action.yml (mode `source`): build dbarch from the action's own source with
# the toolchain the action pins (DBARCH_TOOLCHAIN, from resolve.sh), whatever
# rust-toolchain.toml or .cargo/config.toml the caller's repository has: the build runs
# in the action's directory, and RUSTUP_TOOLCHAIN overrides any toolchain file.
#
#   DBARCH_ACTION_PATH, DBARCH_TOOLCHAIN, CARGO_TARGET_DIR
set -euo pipefail
# shellcheck source=scripts/action/lib.sh
. "$(dirname "$0")/lib.sh"

: "${GITHUB_OUTPUT:?}" "${CARGO_TARGET_DIR:?}"
toolchain="${DBARCH_TOOLCHAIN:?}"
cd "${DBARCH_ACTION_PATH:?}"
command -v rustup >/dev/null 2>&1 || die "version: source needs rustup on the runner (GitHub-hosted runners have it)"
export RUSTUP_TOOLCHAIN="$toolchain"
if ! rustup run "$toolchain" cargo --version >/dev/null 2>&1; then
  rustup toolchain install "$toolchain" --profile minimal --no-self-update
fi
rustup run "$toolchain" cargo build --release --locked --manifest-path "$PWD/Cargo.toml"
exe=dbarch
if [ "${RUNNER_OS:-}" = Windows ]; then exe=dbarch.exe; fi
echo "bin=$CARGO_TARGET_DIR/release/$exe" >> "$GITHUB_OUTPUT"
