# shellcheck shell=bash
# Helpers shared by benches/bench.sh and benches/hook-overhead.sh (sourced, not run).

# A hermetic git: no system or global configuration, a fixed identity, UTC.
bench_hermetic_git() {
  export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null LC_ALL=C TZ=UTC
  export GIT_AUTHOR_NAME="Bench Author" GIT_AUTHOR_EMAIL="bench@example.com"
  export GIT_COMMITTER_NAME="Bench Author" GIT_COMMITTER_EMAIL="bench@example.com"
  unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE DBARCH_HOOK_MODE DBARCH_BIN DBARCH_HOOK_RUNNING
}

# The dbarch binary to measure, as an absolute path: BIN when given, else the release
# build of the checkout at HERE (built now). Exit status 2 when there is no binary.
#   bin="$(bench_binary HERE BIN)"
bench_binary() {
  local here=$1 bin=$2
  if [ -z "$bin" ]; then
    (cd "$here" && cargo build --release --locked --quiet) || return 2
    bin="${CARGO_TARGET_DIR:-$here/target}/release/dbarch"
  fi
  bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
  [ -x "$bin" ] || { echo "no dbarch binary at $bin" >&2; return 2; }
  echo "$bin"
}

# Milliseconds between two $EPOCHREALTIME readings.
bench_ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) * 1000 }'; }

# The median of numbers on stdin, one a line.
bench_median() {
  sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Peak resident set size in KiB of a command (its largest process, children included:
# getrusage(RUSAGE_CHILDREN).ru_maxrss), stdout discarded. GNU time when installed, else
# Python's resource module, else "n/a". Exit status: the command's.
bench_peak_kb() {
  local out rc=0
  out="$(mktemp)"
  if /usr/bin/time --version >/dev/null 2>&1; then
    /usr/bin/time -f %M -o "$out" "$@" >/dev/null 2>>"${BENCH_LOG:-/dev/null}" || rc=$?
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c 'import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=open(sys.argv[1], "a"))
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc)' "${BENCH_LOG:-/dev/null}" "$@" >"$out" || rc=$?
  else
    "$@" >/dev/null 2>>"${BENCH_LOG:-/dev/null}" || rc=$?
    echo n/a >"$out"
  fi
  tail -n 1 "$out"
  rm -f "$out"
  return "$rc"
}

# One timed `git commit` of a one-line change to FILE, in ms, appended to the array named
# ARRAY. MODE: with | without the hook (`-c core.hooksPath=/dev/null`). The hook's
# stderr goes to $BENCH_HOOK_LOG. The counter lives in this shell (no command
# substitution around the call).
#   bench_commit MODE FILE ARRAY
bench_commit_n=0
bench_commit() {
  bench_commit_n=$((bench_commit_n + 1))
  echo "// $bench_commit_n" >> "$2"
  git add -- "$2"
  local t0 t1
  if [ "$1" = with ]; then
    t0=$EPOCHREALTIME
    git commit -q -m "Bench commit $bench_commit_n" 2>>"${BENCH_HOOK_LOG:-/dev/null}"
    t1=$EPOCHREALTIME
  else
    t0=$EPOCHREALTIME
    git -c core.hooksPath=/dev/null commit -q -m "Bench commit $bench_commit_n"
    t1=$EPOCHREALTIME
  fi
  local -n bench_into=$3
  bench_into+=("$(bench_ms "$t0" "$t1")")
}
