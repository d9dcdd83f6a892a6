#!/usr/bin/env bash
# Step 1 of action.yml: decide where dbarch comes from, and write the step outputs the
# cache and install steps use.
#
#   DBARCH_INPUT_BINARY    the `dbarch-binary` input: a prebuilt binary (mode `binary`)
#   DBARCH_INPUT_VERSION   the `version` input: X.Y.Z (or vX.Y.Z), `source`, or empty for
#                          the action's own version (`version` in its own Cargo.toml, so
#                          `uses: OWNER/dbarch@<sha of v1.2.3>` runs dbarch 1.2.3)
#   DBARCH_ACTION_PATH     the action's checkout (github.action_path)
#   RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, RUNNER_TOOL_CACHE   as the runner sets them
#
# Outputs: mode (binary | release | source); for release: version, target, asset, dir
# (the tool-cache directory the binary goes to) and cache-key; for source: toolchain,
# key, prefix and target-dir of the cargo build cache.
set -euo pipefail
# shellcheck source=scripts/action/lib.sh
. "$(dirname "$0")/lib.sh"

: "${GITHUB_OUTPUT:?}" "${RUNNER_OS:?}" "${RUNNER_ARCH:?}"
action_path="${DBARCH_ACTION_PATH:?}"
binary="${DBARCH_INPUT_BINARY:-}"
version="${DBARCH_INPUT_VERSION:-}"

# The Rust toolchain `version: source` builds with: the action's, never the caller's
# rust-toolchain.toml (keep in step with ci.yml's and the release workflow's).
toolchain="${DBARCH_ACTION_TOOLCHAIN:-1.95.0}"

if [ -n "$binary" ]; then
  echo "mode=binary" >> "$GITHUB_OUTPUT"
  exit 0
fi

if [ "$version" = source ]; then
  cd "$action_path"
  if command -v sha256sum >/dev/null 2>&1; then sum() { sha256sum; }; else sum() { shasum -a 256; }; fi
  # The sources that decide the binary, and the toolchain that builds it.
  src_hash="$(find Cargo.toml Cargo.lock build.rs src hooks -type f -print0 2>/dev/null | LC_ALL=C sort -z | xargs -0 cat | sum | cut -c1-20)"
  prefix="dbarch-action-${RUNNER_OS}-${RUNNER_ARCH}-rust-${toolchain}"
  {
    echo "mode=source"
    echo "toolchain=${toolchain}"
    echo "prefix=${prefix}-"
    echo "key=${prefix}-${src_hash}"
    echo "target-dir=${HOME}/.cache/dbarch-action/target"
  } >> "$GITHUB_OUTPUT"
  exit 0
fi

if [ -z "$version" ]; then
  version="$(cargo_field "$action_path/Cargo.toml" version)"
  [ -n "$version" ] || die "cannot read the action's own version from $action_path/Cargo.toml; set the version input"
fi
version="${version#v}"
case "$version" in
  *[!0-9A-Za-z.+-]* | "" | [!0-9]*)
    die "input version must be X.Y.Z (a dbarch release), 'source', or empty for the action's own version (got '$version')" ;;
esac

target="$(release_target "$RUNNER_OS" "$RUNNER_ARCH")"
[ -n "$target" ] || die "no dbarch release for RUNNER_OS=$RUNNER_OS RUNNER_ARCH=$RUNNER_ARCH; use version: source (needs Rust) or dbarch-binary"
case "$target" in
  *windows*) asset="dbarch-${target}.zip" ;;
  *) asset="dbarch-${target}.tar.gz" ;;
esac
cache_root="$(unix_path "${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:?}}")"
{
  echo "mode=release"
  echo "version=${version}"
  echo "target=${target}"
  echo "asset=${asset}"
  echo "dir=${cache_root}/dbarch/${version}/${target}"
  echo "cache-key=dbarch-release-${version}-${target}"
} >> "$GITHUB_OUTPUT"
