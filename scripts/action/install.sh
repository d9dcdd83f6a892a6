#!/usr/bin/env bash
# Step 3 of action.yml (mode `release`): put the released dbarch for this runner in the
# tool-cache directory `DBARCH_DIR`, verified, and write its path as the `bin` output.
#
#   DBARCH_VERSION, DBARCH_TARGET, DBARCH_ASSET, DBARCH_DIR   from resolve.sh
#   DBARCH_RELEASE_BASE_URL  where releases are (the `release-base-url` input, else this
#                            variable, else <GITHUB_SERVER_URL>/<repository>/releases/download);
#                            the asset is <base>/v<version>/<asset>, with its checksum
#                            beside it as <asset>.sha256 (what the release workflow uploads)
#   DBARCH_RELEASE_REPOSITORY  owner/name whose releases to use (github.action_repository;
#                            empty for a local `uses: ./...`: then the `repository` of the
#                            action's Cargo.toml)
#
# The archive's SHA-256 is checked against the published checksum before anything is
# unpacked; a mismatch is an error and nothing is kept. A directory already holding a
# verified binary (restored by actions/cache, or left by an earlier run on a self-hosted
# runner) is used without downloading, after checking the binary against the checksum
# recorded when it was verified.
set -euo pipefail
# shellcheck source=scripts/action/lib.sh
. "$(dirname "$0")/lib.sh"

: "${GITHUB_OUTPUT:?}" "${RUNNER_TEMP:?}"
version="${DBARCH_VERSION:?}"
target="${DBARCH_TARGET:?}"
asset="${DBARCH_ASSET:?}"
dir="${DBARCH_DIR:?}"
exe=dbarch
case "$target" in *windows*) exe=dbarch.exe ;; esac
bin="$dir/$exe"
marker="$dir.complete"  # the tool-cache convention: <dir>.complete once it is whole

if [ -f "$marker" ] && [ -x "$bin" ]; then
  want="$(sed -n 's/^binary-sha256=//p' "$marker")"
  if [ -n "$want" ] && [ "$(sha256_of "$bin")" = "$want" ]; then
    echo "dbarch $version ($target): cached in $dir"
    {
      echo "bin=$bin"
      echo "cache-hit=true"
    } >> "$GITHUB_OUTPUT"
    exit 0
  fi
  echo "::warning title=dbarch::the cached dbarch in $dir does not match its recorded checksum; downloading it again"
fi

base="${DBARCH_RELEASE_BASE_URL:-}"
if [ -z "$base" ]; then
  repo="${DBARCH_RELEASE_REPOSITORY:-}"
  if [ -z "$repo" ]; then
    url="$(cargo_field "${DBARCH_ACTION_PATH:?}/Cargo.toml" repository)"
    repo="${url#https://github.com/}"
  fi
  [ -n "$repo" ] || die "cannot tell which repository's releases to download; set release-base-url"
  base="${GITHUB_SERVER_URL:-https://github.com}/${repo}/releases/download"
fi
base="${base%/}"
url="$base/v$version/$asset"

work="$(unix_path "$RUNNER_TEMP")/dbarch-download.$$"
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

# HTTPS only, redirects included (GitHub answers with a redirect to its asset storage),
# unless the base URL itself is plain http (a test server on loopback).
proto=(--proto '=https' --proto-redir '=https')
case "$base" in http://*) proto=(--proto '=http,https' --proto-redir '=http,https') ;; esac
fetch() {  # URL FILE -> prints the HTTP status (000: no answer)
  curl --silent --show-error --location "${proto[@]}" --retry 3 --retry-delay 1 \
    --connect-timeout 20 --max-time 300 --output "$2" --write-out '%{http_code}' "$1" || true
}

code="$(fetch "$url.sha256" "$work/$asset.sha256")"
if [ "$code" = 404 ]; then
  die "dbarch $version has no release asset for $target: $url.sha256 answered 404 (is v$version released? the version input takes a released X.Y.Z, or 'source')"
elif [ "$code" != 200 ]; then
  die "downloading $url.sha256 failed (HTTP $code)"
fi
want="$(tr -d '\r' < "$work/$asset.sha256" | awk 'NR == 1 { print tolower($1) }')"
case "$want" in
  "" | *[!0-9a-f]*) die "$url.sha256 is not a SHA-256 checksum file" ;;
esac
[ "${#want}" -eq 64 ] || die "$url.sha256 is not a SHA-256 checksum file"

code="$(fetch "$url" "$work/$asset")"
[ "$code" = 200 ] || die "downloading $url failed (HTTP $code)"
got="$(sha256_of "$work/$asset")"
if [ "$got" != "$want" ]; then
  die "checksum mismatch for $url: expected $want, got $got; not running it"
fi

mkdir -p "$work/x"
case "$asset" in
  *.zip)
    if command -v unzip >/dev/null 2>&1; then
      unzip -q "$work/$asset" -d "$work/x"
    else
      pwsh -NoProfile -NonInteractive -Command \
        "Expand-Archive -LiteralPath '$(cygpath -w "$work/$asset")' -DestinationPath '$(cygpath -w "$work/x")'"
    fi ;;
  *) tar -xzf "$work/$asset" -C "$work/x" ;;
esac
found="$work/x/dbarch-$target/$exe"
[ -f "$found" ] || die "$asset does not hold dbarch-$target/$exe"

rm -rf "$dir" "$marker"
mkdir -p "$dir"
cp "$found" "$bin"
chmod 755 "$bin"
{
  echo "version=$version"
  echo "target=$target"
  echo "asset-sha256=$want"
  echo "binary-sha256=$(sha256_of "$bin")"
} > "$marker"
echo "dbarch $version ($target): downloaded $url, checksum verified"
{
  echo "bin=$bin"
  echo "cache-hit=false"
} >> "$GITHUB_OUTPUT"
