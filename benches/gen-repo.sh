#!/usr/bin/env bash
# Generates a deterministic repository of git.git's size with `git fast-import`, for the
# benchmarks (benches/bench.sh, benches/hook-overhead.sh). Same options, same commit ids.
#
#   bash benches/gen-repo.sh DIR                        # 80,000 commits, 4,000 files
#   bash benches/gen-repo.sh --commits 10000 --repack DIR
#   bash benches/gen-repo.sh --mass-rename [--files 1000 --topics 100] DIR
#                                 # git.git's mass-rename shape: benches/gen-mass-rename.sh
#
# DIR must not exist (or be empty). What it holds, on branch main:
# - --files source files (default 4,000, about git.git's count) in two directory levels;
#   every commit changes one of them (every 500th also a Markdown note that is not a
#   managed document: notes/notes-N.md).
# - The managed document, added in the first commit as doc/database.md and renamed three
#   times, at 1/4, 1/2 and 3/4 of the history: doc/database.md -> docs/database.md
#   (pure rename) -> docs/architecture/database.md (pure rename) ->
#   docs/database-architecture.md (rename with an edit). About 1,000 commits touch it at
#   80,000 (every --doc-every'th commit, default 125, plus the branch edits below). Its
#   Change Log is empty (the template's placeholder row): `sync` backfills everything.
# - --docs - 1 more managed documents (default 49), docs/services/svc-NN.md, each edited
#   now and then; dbarch.toml manages all of them (for `status` over 50 documents).
# - Merges: every --merge-every commits (default 200) a topic branch forks, gets 10
#   commits interleaved in time with 10 on main, and is merged back (--no-ff). Every
#   other topic edits the document (a clean three-way merge: both sides' own commits
#   carry the change); every 20th merge also edits it itself (a conflict resolved by
#   hand, which gets a row).
# - Twelve authors (two of them renamed through .mailmap), one committer, commit dates
#   10 minutes apart from 2023-11-14.
# The topic ref is deleted at the end; no commit-graph is written (the caller decides).
# --repack: `git repack -adf` afterwards (a clone's well-deltified pack; fast-import's own
# pack is not), which takes a while on the full size.
set -euo pipefail

if [ "${1:-}" = --mass-rename ]; then
  shift
  exec bash "$(dirname "$0")/gen-mass-rename.sh" "$@"
fi

commits=80000
files=4000
docs=50
doc_every=125
merge_every=200
repack=0
dir=""
while [ $# -gt 0 ]; do
  case $1 in
    --commits) commits=$2; shift 2 ;;
    --files) files=$2; shift 2 ;;
    --docs) docs=$2; shift 2 ;;
    --doc-every) doc_every=$2; shift 2 ;;
    --merge-every) merge_every=$2; shift 2 ;;
    --repack) repack=1; shift ;;
    -h|--help) sed -n '2,31p' "$0"; exit 0 ;;
    -*) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    *) dir=$1; shift ;;
  esac
done
[ -n "$dir" ] || { echo "usage: gen-repo.sh [options] DIR (see --help)" >&2; exit 2; }
if [ "$commits" -lt 100 ] || [ "$files" -lt 100 ] || [ "$docs" -lt 1 ] || [ "$docs" -gt 99 ] \
  || [ "$merge_every" -lt 50 ]; then
  echo "need --commits >= 100, --files >= 100, 1 <= --docs <= 99, --merge-every >= 50" >&2
  exit 2
fi
if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
  echo "$dir exists and is not empty" >&2
  exit 2
fi

# A hermetic git: no system or global configuration.
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null LC_ALL=C TZ=UTC
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE

git init -q -b main "$dir"
cd "$dir"
git config gc.auto 0
git config maintenance.auto false
git config commit.gpgsign false
git config user.name "Bench Author"
git config user.email "bench@example.com"

start=$EPOCHREALTIME
awk -v commits="$commits" -v files="$files" -v docs="$docs" -v doc_every="$doc_every" \
    -v P="$merge_every" '
  function path(i) { return sprintf("src/d%02d/s%02d/f%04d.c", i % 50, int(i / 50) % 20, i) }
  function data(s) { printf "data %d\n%s", length(s), s }
  function source(f, n) { return sprintf("/* file %d */\nint f%d(void) { return %d; }\n", f, f, n) }
  function header(n, ref, msg, parent) {
    a = (n * 5) % 12
    printf "commit %s\nmark :%d\n", ref, n
    printf "author %s %d %s\n", author[a], 1700000000 + n * 600, tz[a % 4]
    printf "committer Integrator <integrator@example.com> %d +0000\n", 1700000000 + n * 600
    data(msg "\n")
    if (parent) printf "from :%d\n", parent
  }
  # The managed document: 10 sections of 10 lines; line s*10+i shows the commit that
  # last edited it (rev[]). Sections 0-5 are edited on main, 6-8 on topics, 9 by merges,
  # so a topic and main never edit neighbouring lines (merges are clean).
  function document(r,   s, i, t) {
    t = "# Database Architecture\n\n**Last Updated:** 2023-11-14  \n**Reviewed By:** DBA Team  \n**Next Review:** 2027-02-24  \n"
    for (s = 0; s < 10; s++) {
      t = t "\n## " section[s] "\n"
      for (i = 0; i < 10; i++)
        t = t sprintf("- **Item %d.%d:** the %s policy, as revised in change %d; see the runbook for the %s procedure.\n", s, i, word[(s * 10 + i) % 8], r[s * 10 + i], word[(s + i + 3) % 8])
    }
    t = t "\n## Change Log\n| Date | Change | Author | Impact |\n|------|--------|--------|--------|\n| [DATE] | [CHANGE] | [AUTHOR] | [IMPACT] |\n\n## References\n- [Backend Architecture](backend.md)\n"
    return t
  }
  function service(j, r) {
    return sprintf("# Service %02d Data Architecture\n\n**Last Updated:** 2023-11-14  \n**Reviewed By:** Service Team %02d  \n**Next Review:** 2027-02-24  \n\n## Overview\nStores the data of service %02d (revision %d).\n\n## Change Log\n| Date | Change | Author | Impact |\n|------|--------|--------|--------|\n| [DATE] | [CHANGE] | [AUTHOR] | [IMPACT] |\n", j, j, j, r)
  }
  function emit_doc(p, r) { printf "M 100644 inline %s\n", p; data(document(r)) }
  function copy(src, dst,   i) { for (i = 0; i < 100; i++) dst[i] = src[i] }
  function doc_msg(n, what) {
    if (n % 7 == 0) return sprintf("feat(schema): %s (%d)", what, n)
    return sprintf("docs: %s (%d)", what, n)
  }
  BEGIN {
    split("Overview|Technology Stack|Database Design|Indexing Strategy|Performance Optimization|Security Architecture|Backup Strategy|Scaling Strategy|Monitoring|Migration Strategy", tmp, "|")
    for (i = 1; i <= 10; i++) section[i - 1] = tmp[i]
    split("retention|replication|partitioning|indexing|encryption|failover|archival|vacuum", tmp, "|")
    for (i = 1; i <= 8; i++) word[i - 1] = tmp[i]
    split("Ana Lima <ana@example.com>|Bea Souza <bea@example.com>|Caio Reis <caio@example.com>|Dee Okafor <dee@example.com>|Eli Novak <eli@example.com>|Fay Chen <fay@example.com>|Gus Moreau <gus@example.com>|Hana Ito <hana@example.com>|Ivo Petrov <ivo@example.com>|Jo Mensah <jo@example.com>|ana <ana.old@example.org>|B. Souza <bea@old.example.com>", tmp, "|")
    for (i = 1; i <= 12; i++) author[i - 1] = tmp[i]
    tz[0] = "+0000"; tz[1] = "-0700"; tz[2] = "+0100"; tz[3] = "+0530"
    paths[0] = "doc/database.md"; paths[1] = "docs/database.md"
    paths[2] = "docs/architecture/database.md"; paths[3] = "docs/database-architecture.md"
    # Renames at 1/4, 1/2, 3/4: the second slot of a cycle (on main, outside the topic
    # window, never a --doc-every commit).
    # (Small histories: at least two commits apart.)
    prev = 1
    for (q = 1; q <= 3; q++) {
      rn[q] = int(commits * q / 4 / P) * P + 1
      if (rn[q] <= prev) rn[q] = prev + 2
      prev = rn[q]
    }
    fb = int(files / 10)          # files 0..fb-1 change on topics only, the rest on main
    L = 10; W0 = int(P / 2)       # topic window: slots W0+1 .. W0+2L, merge at W0+2L+1
    for (i = 0; i < 100; i++) rev[i] = 0
    epoch = 0; ndoc = 0; nmerge = 0; cnt_main = 0; cnt_topic = 0

    header(1, "refs/heads/main", "Initial import", 0)
    for (i = 0; i < files; i++) { printf "M 100644 inline %s\n", path(i); data(source(i, 1)) }
    for (j = 1; j < docs; j++) { printf "M 100644 inline docs/services/svc-%02d.md\n", j; data(service(j, 1)) }
    emit_doc(paths[0], rev)
    printf "M 100644 inline .mailmap\n"
    data("Ana Lima <ana@example.com> <ana.old@example.org>\nBea Souza <bea@example.com> <bea@old.example.com>\n")
    printf "M 100644 inline dbarch.toml\n"
    data("[[docs]]\npath = \"docs/database-architecture.md\"\nreview-every = \"90d\"\nreviewers = [\"@acme/dba-team\"]\n\n[[docs]]\npath = \"docs/services/*.md\"\nreview-every = \"180d\"\n")
    print ""
    ndoc++
    main_tip = 1

    for (n = 2; n <= commits; n++) {
      c = int(n / P); k = n % P
      in_window = (k > W0 && k <= W0 + 2 * L + 1 && c * P + W0 + 2 * L + 1 <= commits)
      if (in_window && k == W0 + 2 * L + 1) {
        # The merge: main tip + topic tip; the tree is main plus what the topic changed.
        nmerge++
        header(n, "refs/heads/main", sprintf("Merge branch '\''topic-%d'\''", c), main_tip)
        printf "merge :%d\n", topic_tip
        for (f in tfile) { printf "M 100644 inline %s\n", path(f); data(source(f, tfile[f])) }
        delete tfile
        if (topic_doc) {
          for (i = 60; i < 90; i++) if (trev[i] != rev[i]) rev[i] = trev[i]
          if (nmerge % 20 == 1) rev[90 + int(nmerge / 20) % 10] = n   # resolved by hand
          emit_doc(paths[epoch], rev); ndoc++
        }
        print ""
        main_tip = n
        continue
      }
      if (in_window && (k - W0 - 1) % 2 == 0) {
        # A topic commit.
        if (k == W0 + 1) { copy(rev, trev); topic_doc = 0; topic_tip = main_tip }
        f = (n * 31) % fb
        touch = (c % 2 == 0 && k == W0 + 5)
        line = 60 + (cnt_topic * 7) % 30
        header(n, "refs/heads/topic", touch ? doc_msg(n, "revise " section[int(line / 10)]) : sprintf("Topic change %d in file %d", n, f), topic_tip)
        printf "M 100644 inline %s\n", path(f); data(source(f, n))
        tfile[f] = n
        if (touch) { trev[line] = n; cnt_topic++; topic_doc = 1; emit_doc(paths[epoch], trev); ndoc++ }
        print ""
        topic_tip = n
        continue
      }
      # A main commit.
      f = fb + (n * 7919) % (files - fb)
      touch = (n % doc_every == 0)
      rename = (n == rn[1] || n == rn[2] || n == rn[3])
      if (rename) msg = sprintf("docs: move the architecture document to %s", paths[epoch + 1])
      else if (touch) msg = doc_msg(n, "revise " section[int(((cnt_main * 7) % 60) / 10)])
      else msg = sprintf("Change %d in file %d", n, f)
      header(n, "refs/heads/main", msg, main_tip)
      printf "M 100644 inline %s\n", path(f); data(source(f, n))
      if (n % 500 == 0) {
        printf "M 100644 inline notes/notes-%d.md\n", n % 7
        data(sprintf("# Notes\n\nRevision %d.\n", n))
      }
      if (rename) {
        printf "D %s\n", paths[epoch]
        epoch++
        if (epoch == 3) rev[(cnt_main++ * 7) % 60] = n   # the last rename also edits
        emit_doc(paths[epoch], rev); ndoc++
      } else if (touch) {
        rev[(cnt_main++ * 7) % 60] = n
        emit_doc(paths[epoch], rev); ndoc++
      }
      if (docs > 1 && !touch && !rename && n % 4000 < 2 * (docs - 1) && n % 2 == 0) {
        j = (n % 4000) / 2 + 1
        printf "M 100644 inline docs/services/svc-%02d.md\n", j; data(service(j, n))
      }
      print ""
      main_tip = n
    }
    # Ends on main: HEAD is the last main commit or merge.
    printf "reset refs/heads/main\nfrom :%d\n\n", main_tip
    printf "%d commits write the document, %d merges\n", ndoc, nmerge > "/dev/stderr"
  }' | git fast-import --quiet
git update-ref -d refs/heads/topic 2>/dev/null || true
if [ "$repack" = 1 ]; then
  git repack -a -d -f -q
fi
git reset -q --hard main
gen=$(awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.1f", e - s }')
echo "generated $dir in ${gen}s: $(git rev-list --count HEAD) commits, $(git ls-files | wc -l) files, HEAD $(git rev-parse HEAD)" >&2
