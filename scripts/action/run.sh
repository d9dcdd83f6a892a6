#!/usr/bin/env bash
# The last step of action.yml: run `dbarch <command> <args>` in the working directory.
#
#   DBARCH_BIN, DBARCH_COMMAND, DBARCH_ARGS, DBARCH_GITHUB_MODE, GITHUB_TOKEN
set -euo pipefail
# shellcheck source=scripts/action/lib.sh
. "$(dirname "$0")/lib.sh"

: "${GITHUB_OUTPUT:?}"
case "${DBARCH_GITHUB_MODE:-}" in
  "") unset DBARCH_GITHUB_MODE ;;  # keep dbarch.toml's [github] mode
  issue | pr | both) ;;
  *) die "input mode must be issue, pr or both (got '$DBARCH_GITHUB_MODE')" ;;
esac
bin="${DBARCH_BIN:-}"
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  die "dbarch binary not found or not executable: ${bin:-(none)}"
fi
echo "bin=$bin" >> "$GITHUB_OUTPUT"
"$bin" --version
# Whitespace-split, no globbing, no quote processing: the arguments are data. `set --`
# and "$@" (not an array) work with no arguments under `set -u` on bash 3.2 too.
set -f
# shellcheck disable=SC2086
set -- ${DBARCH_ARGS:-}
set +f
exec "$bin" "${DBARCH_COMMAND:?}" "$@"
