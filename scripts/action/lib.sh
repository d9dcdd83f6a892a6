# shellcheck shell=bash
# Shared by the action's step scripts (scripts/action/*.sh, run by action.yml). Written
# for bash 3.2 (macOS runners): no associative arrays, no ${x,,}, no mapfile, and no
# "${array[@]}" of a possibly empty array under `set -u`.

# An error GitHub shows as an annotation; then exit 2 (dbarch's "usage or input error").
die() {
  echo "::error title=dbarch::$*"
  exit 2
}

# sha256 of a file, in hex: sha256sum (Linux, Git Bash on Windows) or shasum (macOS).
sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d' ' -f1
  else
    die "neither sha256sum nor shasum is on PATH: cannot verify the dbarch download"
  fi
}

# A runner path in the shell's own form (Git Bash on Windows gets C:\... from the runner).
unix_path() {
  if command -v cygpath >/dev/null 2>&1; then cygpath -u "$1"; else printf '%s\n' "$1"; fi
}

# The release target (Rust target triple) for RUNNER_OS / RUNNER_ARCH, or empty.
release_target() {
  case "$1/$2" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-musl ;;
    macOS/X64) echo x86_64-apple-darwin ;;
    macOS/ARM64) echo aarch64-apple-darwin ;;
    # Windows on Arm runs x64 programs under emulation; no native build is released.
    Windows/X64 | Windows/ARM64) echo x86_64-pc-windows-msvc ;;
    *) echo "" ;;
  esac
}

# `version = "..."` of the [package] table of a Cargo.toml (the first one in the file).
cargo_field() {
  sed -n "s/^$2 = \"\\(.*\\)\"\$/\\1/p" "$1" | head -n 1
}
