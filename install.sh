#!/bin/sh
# Installs a released dbarch binary, no Rust needed:
#
#   curl --proto '=https' --tlsv1.2 -LsSf https://github.com/dbarch/dbarch/releases/latest/download/install.sh | sh
#   curl ... | sh -s -- --version 1.2.3 --to /usr/local/bin
#
# Picks the asset for this OS and CPU (Linux x86_64/aarch64: static musl builds; macOS
# x86_64/arm64), downloads it and its published SHA-256 checksum, refuses it when they do
# not match, and puts `dbarch` in --to (default: $DBARCH_INSTALL_DIR, else ~/.local/bin).
# The copy attached to a release installs that release; this file in the repository
# installs the latest. Environment: DBARCH_VERSION, DBARCH_INSTALL_DIR, DBARCH_REPO
# (owner/name), DBARCH_GITHUB_URL (default https://github.com; a mirror or a test server).
# Windows: use install.ps1. POSIX sh; needs curl (or wget), tar, and sha256sum or shasum.
set -eu

version="${DBARCH_VERSION:-latest}"
repo="${DBARCH_REPO:-dbarch/dbarch}"
server="${DBARCH_GITHUB_URL:-https://github.com}"
dest="${DBARCH_INSTALL_DIR:-${HOME:-}/.local/bin}"

say() { printf 'dbarch-install: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --version) [ $# -ge 2 ] || die "--version needs a value"; version="$2"; shift 2 ;;
    --to) [ $# -ge 2 ] || die "--to needs a directory"; dest="$2"; shift 2 ;;
    -h | --help) sed -n '2,16p' "$0" 2>/dev/null || true; exit 0 ;;
    *) die "unknown argument: $1 (use --version X.Y.Z, --to DIR)" ;;
  esac
done
version="${version#v}"

os="$(uname -s)"
arch="$(uname -m)"
case "$os/$arch" in
  Linux/x86_64 | Linux/amd64) target=x86_64-unknown-linux-musl ;;
  Linux/aarch64 | Linux/arm64) target=aarch64-unknown-linux-musl ;;
  Darwin/x86_64) target=x86_64-apple-darwin ;;
  Darwin/arm64 | Darwin/aarch64) target=aarch64-apple-darwin ;;
  *) die "no dbarch release for $os/$arch; build from source: cargo install --locked dbarch" ;;
esac
asset="dbarch-$target.tar.gz"
if [ "$version" = latest ]; then
  url="$server/$repo/releases/latest/download/$asset"
else
  url="$server/$repo/releases/download/v$version/$asset"
fi

tmp="$(mktemp -d 2>/dev/null || mktemp -d -t dbarch-install)"
trap 'rm -rf "$tmp"' EXIT INT TERM

download() {  # URL FILE
  if command -v curl >/dev/null 2>&1; then
    case "$1" in
      https://*) curl --proto '=https' --tlsv1.2 -fsSL --retry 3 -o "$2" "$1" ;;
      *) curl -fsSL --retry 3 -o "$2" "$1" ;;
    esac
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1"
  else
    die "neither curl nor wget is installed"
  fi
}
sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d' ' -f1
  else
    die "neither sha256sum nor shasum is installed: cannot verify the download"
  fi
}

say "downloading $url"
download "$url.sha256" "$tmp/$asset.sha256" || die "no dbarch release asset at $url.sha256 (is version '$version' released?)"
download "$url" "$tmp/$asset" || die "downloading $url failed"
want="$(awk 'NR == 1 { print tolower($1) }' "$tmp/$asset.sha256" | tr -d '\r')"
got="$(sha256 "$tmp/$asset")"
[ "${#want}" -eq 64 ] || die "$url.sha256 is not a SHA-256 checksum file"
[ "$got" = "$want" ] || die "checksum mismatch for $asset: expected $want, got $got; nothing installed"

tar -xzf "$tmp/$asset" -C "$tmp"
[ -f "$tmp/dbarch-$target/dbarch" ] || die "$asset does not hold dbarch-$target/dbarch"
mkdir -p "$dest"
# Into place atomically: a copy next to the target, then a rename.
cp "$tmp/dbarch-$target/dbarch" "$dest/.dbarch.tmp.$$"
chmod 755 "$dest/.dbarch.tmp.$$"
mv -f "$dest/.dbarch.tmp.$$" "$dest/dbarch"
say "installed $("$dest/dbarch" --version) to $dest/dbarch"
# The manual page next to the binary's prefix (~/.local/bin -> ~/.local/share/man/man1).
if [ -f "$tmp/dbarch-$target/dbarch.1" ]; then
  man_dir="$(dirname "$dest")/share/man/man1"
  if mkdir -p "$man_dir" 2>/dev/null && cp "$tmp/dbarch-$target/dbarch.1" "$man_dir/dbarch.1" 2>/dev/null; then
    say "installed the manual page to $man_dir/dbarch.1 (man dbarch)"
  fi
fi
case ":${PATH:-}:" in
  *":$dest:"*) ;;
  *) say "note: $dest is not on your PATH; add it, e.g. export PATH=\"$dest:\$PATH\"" ;;
esac
