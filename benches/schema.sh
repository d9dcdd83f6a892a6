#!/usr/bin/env bash
# `dbarch status` with and without the schema feature (issue 19), side by side, on a
# repository from benches/gen-repo.sh with migration files added on top.
#
#   bash benches/schema.sh                                # 80,000 commits, 500 migrations
#   bash benches/schema.sh --commits 1000 --runs 3 --bin target/debug/dbarch   # smoke
#
# The repository: gen-repo.sh's (50 managed documents, Last Updated 2023-11-14, so every
# migration is "since the last review" — the worst case: the review's commit is the
# first one, and status walks the whole first-parent line once to find it), then
# --migrations commits, one Flyway file each (db/migration/V<n>__m<n>.sql: a table, an
# index, a column added to the previous table, every 10th a rename, every 25th a drop).
# Measured, interleaved after one warm-up round, medians of --runs rounds:
#   - `status` over the 50 documents with the schema feature (the default [schema]), and
#     without it (a copy of dbarch.toml with `[schema] migrations = []`), and the ratio;
#   - `dbarch schema` of one document (the full inventory, with the commit that made
#     each object: a walk of the whole history).
# It checks that the feature ran (status JSON has schema_findings) and exits 1 only when a
# check or a command fails, never because of a time.
#
# Options: --commits N (80000), --migrations N (500), --runs N (5), --bin PATH (default:
# cargo build --release --locked), --dir DIR (default: a temporary directory, removed at
# the end unless --keep; an existing DIR/repo is reused).
set -euo pipefail

commits=80000
migrations=500
runs=5
bin=""
dir=""
keep=0
while [ $# -gt 0 ]; do
  case $1 in
    --commits) commits=$2; shift 2 ;;
    --migrations) migrations=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

here="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$here/benches/lib.sh"
bin="$(bench_binary "$here" "$bin")" || exit 2
if [ -z "$dir" ]; then
  dir="$(mktemp -d "${TMPDIR:-/tmp}/dbarch-schema-bench.XXXXXX")"
  [ "$keep" = 1 ] || trap 'rm -rf "$dir"' EXIT
fi
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
bench_hermetic_git
export DBARCH_NOW=2026-11-26 NO_COLOR=1

repo="$dir/repo"
if [ ! -d "$repo/.git" ]; then
  bash "$here/benches/gen-repo.sh" --commits "$commits" "$repo"
  # The migrations: one commit each, dated after the generated history.
  last=$(git -C "$repo" log -1 --format=%ct)
  awk -v n="$migrations" -v t0="$last" '
    function data(s) { printf "data %d\n%s", length(s), s }
    BEGIN {
      for (i = 1; i <= n; i++) {
        t = t0 + 600 * i
        printf "commit refs/heads/main\nmark :%d\n", i
        printf "author Bench Author <bench@example.com> %d +0000\n", t
        printf "committer Bench Author <bench@example.com> %d +0000\n", t
        data(sprintf("migration %d\n", i))
        if (i == 1) printf "from refs/heads/main^0\n"
        sql = sprintf("CREATE TABLE t%d (\n  id bigserial PRIMARY KEY,\n  name text NOT NULL,\n  parent_id bigint REFERENCES t%d(id),\n  created_at timestamptz NOT NULL DEFAULT now()\n);\nCREATE INDEX idx_t%d_name ON t%d (name);\n", i, i, i, i)
        if (i > 1) sql = sql sprintf("ALTER TABLE t%d ADD COLUMN note_%d text;\n", i - 1, i)
        if (i % 10 == 0) sql = sql sprintf("ALTER TABLE t%d RENAME COLUMN name TO title;\n", i - 5)
        if (i % 25 == 0) sql = sql sprintf("DROP INDEX idx_t%d_name;\nINSERT INTO t%d (name) VALUES (%s);\n", i - 20, i, "'\''seed'\''")
        printf "M 100644 inline db/migration/V%d__m%d.sql\n", i, i
        data(sql)
        print ""
      }
    }' | git -C "$repo" fast-import --quiet
  git -C "$repo" reset -q --hard main
fi
cd "$repo"
cp dbarch.toml "$dir/on.toml"
{ cat dbarch.toml; printf '\n[schema]\nmigrations = []\n'; } > "$dir/off.toml"
echo "repository: $(git rev-list --count HEAD) commits, $(git ls-files 'db/migration/*' | wc -l) migration files; binary $bin"

# Checks.
"$bin" --config "$dir/on.toml" status --format json > "$dir/on.json"
"$bin" --config "$dir/off.toml" status --format json > "$dir/off.json"
grep -q '"schema_findings"' "$dir/on.json" || { echo "status did not run the schema feature" >&2; exit 1; }
if grep -q '"schema_findings"' "$dir/off.json"; then echo "migrations = [] did not turn it off" >&2; exit 1; fi
doc=docs/database-architecture.md
"$bin" schema "$doc" --format json > "$dir/schema.json"
objects=$(grep -c '"created": {' "$dir/schema.json" || true)
echo "dbarch schema $doc: $objects objects listed"

on=() off=() sch=()
time_into() {
  local -n into=$1; shift
  local t0 t1
  t0=$EPOCHREALTIME
  "$@" > /dev/null
  t1=$EPOCHREALTIME
  into+=("$(bench_ms "$t0" "$t1")")
}
for round in $(seq 0 "$runs"); do
  a=() b=() c=()
  if [ $((round % 2)) = 0 ]; then
    time_into a "$bin" --config "$dir/on.toml" status
    time_into b "$bin" --config "$dir/off.toml" status
  else
    time_into b "$bin" --config "$dir/off.toml" status
    time_into a "$bin" --config "$dir/on.toml" status
  fi
  time_into c "$bin" schema "$doc"
  [ "$round" = 0 ] && continue # warm-up
  on+=("${a[0]}") off+=("${b[0]}") sch+=("${c[0]}")
done
m_on=$(printf '%s\n' "${on[@]}" | bench_median)
m_off=$(printf '%s\n' "${off[@]}" | bench_median)
m_sch=$(printf '%s\n' "${sch[@]}" | bench_median)
ratio=$(awk -v a="$m_on" -v b="$m_off" 'BEGIN { printf "%.2f", a / b }')
printf 'status, 50 docs: with schema %s ms, without %s ms: %sx\n' "$m_on" "$m_off" "$ratio"
printf 'dbarch schema (one document, full inventory with commits): %s ms\n' "$m_sch"
printf 'medians of %d rounds\n' "$runs"
