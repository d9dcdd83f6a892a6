#!/usr/bin/env bash
# Builds dbarch for one target and packages it as a release asset, with its checksum:
#
#   scripts/release/package.sh --target TRIPLE [--profile dist] [--out DIR]
#
# writes DIR/dbarch-TRIPLE.tar.gz (.zip for Windows) holding dbarch-TRIPLE/dbarch (or
# dbarch.exe) and README.md, and DIR/<asset>.sha256 (`<hex>  <asset>`, as sha256sum
# writes it; `sha256sum -c` checks it). The release workflow runs it per target with the
# `dist` profile; .ci/run runs the same script for the host target with the `dev` profile
# (a release build would cost CI minutes), so a broken packaging step shows before a tag.
#
# `--target` is passed to cargo only when it is not the host (the macOS x64 build on an
# arm64 runner): a host build is the plain `cargo build` CI already does.
set -euo pipefail
cd "$(dirname "$0")/../.."

target=""
profile=dist
out=dist-out
while [ $# -gt 0 ]; do
  case "$1" in
    --target) target="$2"; shift 2 ;;
    --profile) profile="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "usage: $0 --target TRIPLE [--profile NAME] [--out DIR]" >&2; exit 2 ;;
  esac
done
[ -n "$target" ] || { echo "error: --target is required" >&2; exit 2; }

host="$(rustc -vV | sed -n 's/^host: //p')"
target_dir="${CARGO_TARGET_DIR:-target}"
profile_dir="$profile"
[ "$profile" = dev ] && profile_dir=debug
if [ "$target" = "$host" ]; then
  cargo build --locked --profile "$profile" --bin dbarch
  built="$target_dir/$profile_dir"
else
  cargo build --locked --profile "$profile" --bin dbarch --target "$target"
  built="$target_dir/$target/$profile_dir"
fi

exe=dbarch
case "$target" in *windows*) exe=dbarch.exe ;; esac
name="dbarch-$target"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/$name"
cp "$built/$exe" "$stage/$name/$exe"
cp README.md "$stage/$name/"
for f in LICENSE*; do
  if [ -f "$f" ]; then cp "$f" "$stage/$name/"; fi
done

case "$target" in
  *windows*)
    asset="$name.zip"
    rm -f "$out/$asset"
    if command -v 7z >/dev/null 2>&1; then
      (cd "$stage" && 7z a -tzip -bd "$out/$asset" "$name" >/dev/null)
    else
      (cd "$stage" && zip -qr "$out/$asset" "$name")
    fi ;;
  *)
    asset="$name.tar.gz"
    tar -C "$stage" -czf "$out/$asset" "$name" ;;
esac

if command -v sha256sum >/dev/null 2>&1; then
  (cd "$out" && sha256sum "$asset" > "$asset.sha256")
else
  (cd "$out" && shasum -a 256 "$asset" > "$asset.sha256")
fi
size="$(wc -c < "$built/$exe" | tr -d ' ')"
echo "$out/$asset: dbarch $size bytes ($profile profile), $(cut -d' ' -f1 "$out/$asset.sha256")"
