#!/usr/bin/env bash
# dbarch against git on generated repositories of git.git's size (issue 7; BENCHMARKS.md).
#
#   bash benches/bench.sh                                   # 1k, 10k, 80k commits; release
#   bash benches/bench.sh --sizes 80000 --graph with        # one configuration
#   bash benches/bench.sh --sizes 1000 --runs 3 --slow-runs 1 --bin target/debug/dbarch
#                                                           # the CI smoke run
#
# For each size, benches/gen-repo.sh builds the repository once (deterministic), and each
# --graph mode works on a fresh copy of it ("with": `git commit-graph write --reachable
# --changed-paths` first; "without": no commit-graph file). Measured, each pair or triple
# side by side and interleaved (the order rotates every round), after one warm-up round;
# medians of the rounds, ratios from the same run; then peak memory of each command
# alone (GNU time %M, i.e. the largest process of the command's tree):
#   1. backfill: `dbarch sync DOC` of the document with an empty Change Log (no sync
#      state) vs `git log --follow --format='%H %an %ad %s' -- DOC` (--slow-runs rounds);
#   2. incremental: after one new commit that edits DOC, `dbarch sync DOC` with the sync
#      state of the previous sync present (the normal case) and without it, vs the same
#      `git log -1 --follow ...` (--runs rounds);
#   3. hook: `git commit` of a file that is not a document, with and without the
#      installed post-commit hook; the difference is what the hook adds (--runs rounds);
#   4. status: `dbarch status` over the 50 managed documents, and for scale one
#      `git log --format=... -- <the 50 paths>` (no --follow; one walk) (--slow-runs).
#   5. mass-rename: on git.git's worst shape for rename following (`gen-repo.sh
#      --mass-rename`: 1,000 files renamed in one commit, 100 topic branches forked before
#      it and merged after, a criss-cross and an octopus merge), `dbarch sync DOC` with no
#      state and `dbarch status DOC` vs `git log --follow` (--slow-runs rounds; once, not
#      per --sizes; target: at most 2x git log --follow).
# It checks what it measures (the backfill writes rows, printed next to the number of
# commits git lists; the incremental sync adds exactly one; the hook prints nothing; the
# work tree ends clean) and exits 1 only when a check or a command fails: never because
# of a time. Results also go to DIR/results.tsv (overwritten by each run).
#
# Options: --sizes LIST (default 1000,10000,80000), --files N (4000), --runs N (21),
# --slow-runs N (7; status at 80,000 commits: at most 3), --graph without|with|both (both),
# --measures LIST (default backfill,incremental,status,hook,mass-rename),
# --bin PATH (default: cargo build --release --locked), --dir DIR (default: a temporary
# directory, removed at the end unless --keep; an existing DIR's generated repositories
# are reused).
#
# Before/after: --baseline PATH adds a second dbarch binary (e.g. a release build of the
# previous commit) to every timed set of measures 1, 2, 4 and 5, interleaved with the
# others in the same rounds, checks that it writes the same document byte for byte, and
# ends with a before/after table (baseline ms, --bin ms, their ratio). The hook (3) is
# measured for --bin only.
#   bash benches/bench.sh --sizes 80000 --baseline /tmp/before/release/dbarch

# Commands, medians and peaks live in variables named after each measured item
# (cmd_ITEM, med_ITEM, peak_ITEM), set and read through namerefs:
# shellcheck disable=SC2034,SC2154
set -euo pipefail

sizes=1000,10000,80000
files=4000
runs=21
slow_runs=7
graph=both
measures=backfill,incremental,status,hook,mass-rename
bin=""
baseline=""
dir=""
keep=0
while [ $# -gt 0 ]; do
  case $1 in
    --sizes) sizes=$2; shift 2 ;;
    --files) files=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --slow-runs) slow_runs=$2; shift 2 ;;
    --graph) graph=$2; shift 2 ;;
    --measures) measures=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --baseline) baseline=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,48p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
case $graph in
  both) graph_modes="without with" ;;
  with|without) graph_modes=$graph ;;
  *) echo "--graph: without, with or both" >&2; exit 2 ;;
esac

here="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$here/benches/lib.sh"
bin="$(bench_binary "$here" "$bin")" || exit 2
if [ -n "$baseline" ]; then
  baseline="$(bench_binary "$here" "$baseline")" || exit 2
fi
# with_base ITEM...: the items, each followed by ITEM_base when there is a baseline.
with_base() {
  local item
  for item in "$@"; do
    echo "$item"
    if [ -n "$baseline" ] && declare -p "cmd_${item}_base" >/dev/null 2>&1; then echo "${item}_base"; fi
  done
}
# same_doc FILE SETUP CMD...: runs SETUP, then the baseline's CMD, and fails unless FILE is
# then byte for byte what --bin wrote (saved before).
same_doc() {
  local file=$1 setup=$2; shift 2
  [ -n "$baseline" ] || return 0
  cp "$file" "$dir/after.doc"
  "$setup"
  "$baseline" "$@" >/dev/null 2>>"$BENCH_LOG" || fail "baseline failed: $*"
  cmp -s "$file" "$dir/after.doc" || { diff "$dir/after.doc" "$file" | head -20 >&2; fail "the baseline wrote a different $file"; }
}
if [ -z "$dir" ]; then
  dir="$(mktemp -d "${TMPDIR:-/tmp}/dbarch-bench.XXXXXX")"
  [ "$keep" = 1 ] || trap 'rm -rf "$dir"' EXIT
fi
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

bench_hermetic_git
export DBARCH_NOW=2026-11-26 NO_COLOR=1
export BENCH_LOG="$dir/stderr.log" BENCH_HOOK_LOG="$dir/hook-stderr.log"
: > "$BENCH_LOG"
results="$dir/results.tsv"
printf 'commits\tgraph\tmeasure\tcommand\tmedian_ms\tpeak_kb\truns\n' > "$results"

wants() { case ",$measures," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
doc=docs/database-architecture.md
state=.git/dbarch/sync-state.json
fail() { echo "bench: $*" >&2; exit 1; }

# ---- the interleaved measurement -------------------------------------------------------
# measure ROUNDS ITEM... : each ITEM names an array cmd_ITEM (the command; stdout is
# discarded, stderr goes to $BENCH_LOG) and optionally a function setup_ITEM (run before
# each of its runs, untimed). One warm-up round, then ROUNDS rounds; round r runs the
# items rotated by r. Sets med_ITEM (ms) and peak_ITEM (KiB, one more run alone).
measure() {
  local rounds=$1; shift
  local items=("$@") n=$# r i item t0 t1
  for item in "${items[@]}"; do eval "times_$item=()"; done
  for ((r = 0; r <= rounds; r++)); do
    for ((i = 0; i < n; i++)); do
      item=${items[$(((i + r) % n))]}
      if declare -F "setup_$item" >/dev/null; then "setup_$item"; fi
      local -n cmd="cmd_$item"
      t0=$EPOCHREALTIME
      "${cmd[@]}" >/dev/null 2>>"$BENCH_LOG" || fail "failed: ${cmd[*]} (see $BENCH_LOG)"
      t1=$EPOCHREALTIME
      unset -n cmd
      if [ "$r" -gt 0 ]; then
        local -n into="times_$item"
        into+=("$(bench_ms "$t0" "$t1")")
        unset -n into
      fi
    done
  done
  for item in "${items[@]}"; do
    local -n t="times_$item" cmd="cmd_$item"
    printf -v "med_$item" '%s' "$(printf '%s\n' "${t[@]}" | bench_median)"
    if declare -F "setup_$item" >/dev/null; then "setup_$item"; fi
    printf -v "peak_$item" '%s' "$(bench_peak_kb "${cmd[@]}")" || fail "failed: ${cmd[*]}"
    unset -n t cmd
  done
}

# record MEASURE ITEM LABEL: one line of results.tsv.
record() {
  local m="med_$2" p="peak_$2" t="times_$2[@]"
  local -a all=("${!t}")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$gmode" "$1" "$3" "${!m}" "${!p}" "${#all[@]}" >> "$results"
}

mb() { awk -v k="$1" 'BEGIN { if (k == "n/a") print "n/a"; else printf "%.1f MB", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
line() { printf '  %-44s %10.2f ms  %10s\n' "$1" "$2" "$(mb "$3")"; }

# ---- one configuration ----------------------------------------------------------------
bench_config() {
  local work="$dir/work-$size-$gmode"
  rm -rf "$work"
  cp -a "$dir/gen-$size" "$work"
  cd "$work"
  if [ "$gmode" = with ]; then
    git commit-graph write --reachable --changed-paths 2>>"$BENCH_LOG"
  else
    rm -f .git/objects/info/commit-graph
    rm -rf .git/objects/info/commit-graphs
  fi
  local ncommits
  ncommits=$(git rev-list --count HEAD)
  echo
  echo "== $ncommits commits, $(git ls-files | wc -l) files, $gmode commit-graph; binary $bin"

  # 1. Full backfill.
  setup_backfill() { git checkout -q -- "$doc"; rm -f "$state"; }
  cmd_backfill=("$bin" sync "$doc")
  cmd_follow=(git log --follow --format='%H %an %ad %s' -- "$doc")
  setup_backfill
  "${cmd_backfill[@]}" >/dev/null 2>>"$BENCH_LOG" || fail "sync failed"
  local rows logged
  rows=$(grep -c '^| 20' "$doc" || true)
  same_doc "$doc" setup_backfill sync "$doc"
  if [ -n "$baseline" ]; then
    cmd_backfill_base=("$baseline" sync "$doc")
    setup_backfill_base() { setup_backfill; }
  fi
  logged=$("${cmd_follow[@]}" | wc -l)
  [ "$rows" -gt 0 ] || fail "the backfill wrote no rows"
  echo "1. full backfill ($slow_runs rounds): $rows rows written; git log --follow lists $logged commits"
  if wants backfill; then
    # shellcheck disable=SC2046 # one word per item
    measure "$slow_runs" $(with_base backfill) follow
    line "dbarch sync (empty Change Log, no state)" "$med_backfill" "$peak_backfill"
    [ -z "$baseline" ] || { line "  baseline" "$med_backfill_base" "$peak_backfill_base"; record backfill backfill_base "baseline sync"; }
    line "git log --follow" "$med_follow" "$peak_follow"
    echo "  git log --follow / dbarch sync: $(ratio "$med_follow" "$med_backfill")x (target: at least 2x); peak memory target: under 100 MB"
    record backfill backfill "dbarch sync"
    record backfill follow "git log --follow"
  fi

  # 2. Incremental sync after one new commit. B0 records every row; C edits the document.
  setup_backfill
  "$bin" sync "$doc" >/dev/null 2>>"$BENCH_LOG"
  git add "$doc"
  GIT_AUTHOR_DATE="2026-11-20T10:00:00Z" GIT_COMMITTER_DATE="2026-11-20T10:00:00Z" \
    git -c core.hooksPath=/dev/null commit -q -m "docs: record the change log"
  "$bin" sync "$doc" >/dev/null 2>>"$BENCH_LOG"   # state at B0
  [ -s "$state" ] || fail "sync wrote no state"
  cp "$state" "$dir/state-b0.json"
  sed -i 's/^\(- \*\*Item 0\.0:\*\*.*\)$/\1 Edited for the benchmark./' "$doc"
  GIT_AUTHOR_DATE="2026-11-21T10:00:00Z" GIT_COMMITTER_DATE="2026-11-21T10:00:00Z" \
    git -c core.hooksPath=/dev/null commit -q -am "docs: clarify the overview"
  local head_c
  head_c=$(git rev-parse HEAD)
  setup_inc_state() { git reset -q --hard "$head_c"; cp "$dir/state-b0.json" "$state"; }
  setup_inc_nostate() { git reset -q --hard "$head_c"; rm -f "$state"; }
  cmd_inc_state=("$bin" sync "$doc")
  cmd_inc_nostate=("$bin" sync "$doc")
  cmd_log1=(git log -1 --follow --format='%H %an %ad %s' -- "$doc")
  if [ -n "$baseline" ]; then
    cmd_inc_state_base=("$baseline" sync "$doc")
    cmd_inc_nostate_base=("$baseline" sync "$doc")
    setup_inc_state_base() { setup_inc_state; }
    setup_inc_nostate_base() { setup_inc_nostate; }
  fi
  local walked_state walked_nostate
  setup_inc_state
  walked_state=$("$bin" -v sync "$doc" 2>&1 | grep -o 'read [0-9]* commits' || true)
  [ "$(grep -c '^| 20' "$doc")" = $((rows + 1)) ] || fail "the incremental sync did not add exactly one row"
  setup_inc_nostate
  walked_nostate=$("$bin" -v sync "$doc" 2>&1 | grep -o 'read [0-9]* commits' || true)
  [ "$(grep -c '^| 20' "$doc")" = $((rows + 1)) ] || fail "sync without state did not add exactly one row"
  echo "2. incremental sync after one new commit ($runs rounds; with state: $walked_state, without: $walked_nostate)"
  if wants incremental; then
    # shellcheck disable=SC2046 # one word per item
    measure "$runs" $(with_base inc_state inc_nostate) log1
    line "dbarch sync, sync state present" "$med_inc_state" "$peak_inc_state"
    [ -z "$baseline" ] || { line "  baseline" "$med_inc_state_base" "$peak_inc_state_base"; record incremental inc_state_base "baseline sync (state)"; }
    line "dbarch sync, no sync state" "$med_inc_nostate" "$peak_inc_nostate"
    [ -z "$baseline" ] || { line "  baseline" "$med_inc_nostate_base" "$peak_inc_nostate_base"; record incremental inc_nostate_base "baseline sync (no state)"; }
    line "git log -1 --follow" "$med_log1" "$peak_log1"
    echo "  dbarch sync (state) - git log -1: $(awk -v a="$med_inc_state" -v b="$med_log1" 'BEGIN { printf "%+.2f", a - b }') ms; ratio $(ratio "$med_inc_state" "$med_log1")x (target: under 20 ms)"
    record incremental inc_state "dbarch sync (state)"
    record incremental inc_nostate "dbarch sync (no state)"
    record incremental log1 "git log -1 --follow"
  fi
  git reset -q --hard "$head_c"
  cp "$dir/state-b0.json" "$state"

  # 4. status over the managed documents (before the hook adds commits).
  local -a docs
  mapfile -t docs < <(git ls-files 'docs/services/*.md' "$doc")
  cmd_status=("$bin" status)
  cmd_status_log=(git log --format='%H %an %ad %s' -- "${docs[@]}")
  [ -z "$baseline" ] || cmd_status_base=("$baseline" status)
  local srounds=$slow_runs
  if [ "$ncommits" -gt 20000 ] && [ "$srounds" -gt 3 ]; then srounds=3; fi
  if wants status; then
    # shellcheck disable=SC2046 # one word per item
    measure "$srounds" $(with_base status) status_log
    echo "4. status over ${#docs[@]} managed documents ($srounds rounds)"
    line "dbarch status" "$med_status" "$peak_status"
    [ -z "$baseline" ] || { line "  baseline" "$med_status_base" "$peak_status_base"; record status status_base "baseline status"; }
    line "git log -- <${#docs[@]} paths> (one walk, no --follow)" "$med_status_log" "$peak_status_log"
    echo "  per document: $(awk -v a="$med_status" -v n="${#docs[@]}" 'BEGIN { printf "%.2f", a / n }') ms"
    record status status "dbarch status"
    record status status_log "git log -- <docs>"
  fi

  # 3. The hook on a commit that does not touch the document.
  if ! wants hook; then
    cd "$dir"
    rm -rf "$work"
    return
  fi
  "$bin" hooks install >/dev/null
  # `hooks install` also registers the merge driver in an (untracked) .gitattributes, which
  # `hooks uninstall` removes again; the clean-tree checks leave it out.
  echo "/.gitattributes" >> "$(git rev-parse --git-dir)/info/exclude"
  : > "$BENCH_HOOK_LOG"
  local target=src/d00/s00/f0000.c
  bench_nohook() { bench_commit without "$target" times_nohook; }
  bench_hook() { bench_commit with "$target" times_hook; }
  # shellcheck disable=SC2034 # filled through a nameref
  local -a times_nohook=() times_hook=() warm=()
  for _ in 1 2 3; do bench_commit without "$target" warm; bench_commit with "$target" warm; done
  times_nohook=() times_hook=()
  for ((r = 0; r < runs; r++)); do
    if [ $((r % 2)) = 0 ]; then bench_nohook; bench_hook; else bench_hook; bench_nohook; fi
  done
  med_nohook=$(printf '%s\n' "${times_nohook[@]}" | bench_median)
  med_hook=$(printf '%s\n' "${times_hook[@]}" | bench_median)
  echo "// peak" >> "$target"; git add -- "$target"
  peak_nohook=$(bench_peak_kb git -c core.hooksPath=/dev/null commit -q -m "Bench commit (memory)")
  echo "// peak 2" >> "$target"; git add -- "$target"
  peak_hook=$(BENCH_LOG=$BENCH_HOOK_LOG bench_peak_kb git commit -q -m "Bench commit (memory, hook)")
  echo "3. git commit not touching the document ($runs rounds, alternating)"
  line "git commit without the hook" "$med_nohook" "$peak_nohook"
  line "git commit with the hook" "$med_hook" "$peak_hook"
  echo "  the hook adds $(awk -v a="$med_hook" -v b="$med_nohook" 'BEGIN { printf "%.2f", a - b }') ms (target: under 20 ms); ratio $(ratio "$med_hook" "$med_nohook")x"
  record hook nohook "git commit (no hook)"
  record hook hook "git commit (hook)"
  if [ -s "$BENCH_HOOK_LOG" ]; then
    cat "$BENCH_HOOK_LOG" >&2
    fail "the hook printed something (above) on commits that do not touch a document"
  fi
  "$bin" hooks uninstall >/dev/null
  [ -z "$(git status --porcelain)" ] || { git status --short >&2; fail "the work tree is not clean"; }
  cd "$dir"
  rm -rf "$work"
}

echo "load before: $(uptime)"
IFS=, read -ra size_list <<< "$sizes"
for size in "${size_list[@]}"; do
  gen="$dir/gen-$size"
  stamp="commits=$size files=$files generator=$(cksum < "$here/benches/gen-repo.sh")"
  if [ "$(cat "$gen.stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$gen"
    bash "$here/benches/gen-repo.sh" --commits "$size" --files "$files" "$gen"
    echo "$stamp" > "$gen.stamp"
  fi
  for gmode in $graph_modes; do
    bench_config
  done
done
# ---- 5. the mass-rename shape ---------------------------------------------------------
bench_mass_rename() {
  local gen="$dir/gen-mass-rename" mdoc=Documentation/architecture.adoc stamp
  stamp="generator=$(cksum < "$here/benches/gen-mass-rename.sh")"
  if [ "$(cat "$gen.stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$gen"
    bash "$here/benches/gen-repo.sh" --mass-rename "$gen"
    echo "$stamp" > "$gen.stamp"
  fi
  size=mass-rename
  for gmode in $graph_modes; do
    local work="$dir/work-mass-rename-$gmode"
    rm -rf "$work"
    cp -a "$gen" "$work"
    cd "$work"
    if [ "$gmode" = with ]; then
      git commit-graph write --reachable --changed-paths 2>>"$BENCH_LOG"
    fi
    setup_mr_sync() { git checkout -q -- "$mdoc"; rm -f "$state"; }
    cmd_mr_sync=("$bin" sync "$mdoc")
    cmd_mr_status=("$bin" status "$mdoc")
    cmd_mr_follow=(git log --follow --format='%H %an %ad %s' -- "$mdoc")
    setup_mr_sync
    "${cmd_mr_sync[@]}" >/dev/null 2>>"$BENCH_LOG" || fail "sync failed (mass rename)"
    local rows logged
    rows=$(grep -c '^| 20' "$mdoc" || true)
    logged=$("${cmd_mr_follow[@]}" | wc -l)
    [ "$rows" = "$logged" ] || fail "mass rename: $rows rows written, git log --follow lists $logged commits"
    same_doc "$mdoc" setup_mr_sync sync "$mdoc"
    if [ -n "$baseline" ]; then
      cmd_mr_sync_base=("$baseline" sync "$mdoc")
      cmd_mr_status_base=("$baseline" status "$mdoc")
      setup_mr_sync_base() { setup_mr_sync; }
    fi
    echo
    echo "5. mass rename, $(git rev-list --count HEAD) commits, $gmode commit-graph ($slow_runs rounds): $rows rows = git log --follow"
    # shellcheck disable=SC2046 # one word per item
    measure "$slow_runs" $(with_base mr_sync mr_status) mr_follow
    line "dbarch sync (empty Change Log, no state)" "$med_mr_sync" "$peak_mr_sync"
    [ -z "$baseline" ] || { line "  baseline" "$med_mr_sync_base" "$peak_mr_sync_base"; record mass-rename mr_sync_base "baseline sync"; }
    line "dbarch status DOC" "$med_mr_status" "$peak_mr_status"
    [ -z "$baseline" ] || { line "  baseline" "$med_mr_status_base" "$peak_mr_status_base"; record mass-rename mr_status_base "baseline status"; }
    line "git log --follow" "$med_mr_follow" "$peak_mr_follow"
    echo "  dbarch sync / git log --follow: $(ratio "$med_mr_sync" "$med_mr_follow")x (target: at most 2x)"
    record mass-rename mr_sync "dbarch sync"
    record mass-rename mr_status "dbarch status"
    record mass-rename mr_follow "git log --follow"
    git checkout -q -- "$mdoc"
    cd "$dir"
    rm -rf "$work"
  done
}
if wants mass-rename; then
  bench_mass_rename
fi

echo
echo "load after: $(uptime)"

# ---- summary --------------------------------------------------------------------------
echo
echo "Summary (medians; ratios from the same run). Results: $results"
awk -F'\t' -v sizes="$sizes" -v modes="$graph_modes" '
  NR > 1 { k = $1 SUBSEP $2 SUBSEP $3 SUBSEP $4; ms[k] = $5; kb[k] = $6 }
  function m(s, g, meas, cmd) { return ms[s, g, meas, cmd] }
  function p(s, g, meas, cmd,   v) { v = kb[s, g, meas, cmd]; return v == "" ? "-" : v == "n/a" ? "n/a" : sprintf("%.0f", v / 1024) }
  function f0(v) { return v == "" ? "-" : sprintf("%.0f", v) }
  function f1(v) { return v == "" ? "-" : sprintf("%.1f", v) }
  END {
    printf "| commits | commit-graph | backfill: sync / git log --follow (ratio) | incremental sync: state / no state / git log -1 | hook adds | status, 50 docs | peak MB: backfill / git log --follow / incr. sync / hook commit / status |\n"
    printf "|---|---|---|---|---|---|---|\n"
    ns = split(sizes, S, ","); ng = split(modes, G, " ")
    for (i = 1; i <= ns; i++) for (j = 1; j <= ng; j++) {
      s = S[i]; g = G[j]
      if (m(s, g, "backfill", "git log --follow") == "" && m(s, g, "incremental", "git log -1 --follow") == "" && m(s, g, "status", "dbarch status") == "" && m(s, g, "hook", "git commit (hook)") == "") continue
      b = m(s, g, "backfill", "dbarch sync"); f = m(s, g, "backfill", "git log --follow")
      h = m(s, g, "hook", "git commit (hook)"); nh = m(s, g, "hook", "git commit (no hook)")
      printf "| %d | %s | %s / %s ms (%s) | %s / %s / %s ms | %s ms | %s ms | %s / %s / %s / %s / %s |\n", s, g,
        f0(b), f0(f), (b > 0 && f != "") ? sprintf("%.2fx", f / b) : "-",
        f1(m(s, g, "incremental", "dbarch sync (state)")), f0(m(s, g, "incremental", "dbarch sync (no state)")),
        f1(m(s, g, "incremental", "git log -1 --follow")),
        (h == "" ? "-" : sprintf("%.1f", h - nh)), f0(m(s, g, "status", "dbarch status")),
        p(s, g, "backfill", "dbarch sync"), p(s, g, "backfill", "git log --follow"), p(s, g, "incremental", "dbarch sync (state)"),
        p(s, g, "hook", "git commit (hook)"), p(s, g, "status", "dbarch status")
    }
  }' "$results"

if [ -n "$baseline" ]; then
  echo
  echo "Before/after (medians from the same run; baseline $baseline, after $bin):"
  awk -F'\t' '
    NR > 1 { k = $1 SUBSEP $2 SUBSEP $3; if ($4 ~ /^baseline /) { sub(/^baseline /, "", $4); b[k, $4] = $5; order[++n] = k SUBSEP $4 } else a[k, $4] = $5 }
    END {
      printf "| commits | commit-graph | measure | before ms | after ms | after / before |\n|---|---|---|---|---|---|\n"
      for (i = 1; i <= n; i++) {
        split(order[i], f, SUBSEP); key = "dbarch " f[4]
        printf "| %s | %s | %s | %.0f | %.0f | %.2fx |\n", f[1], f[2], key, b[order[i]], a[f[1], f[2], f[3], key], a[f[1], f[2], f[3], key] / b[order[i]]
      }
    }' "$results"
fi
