#!/usr/bin/env bash
# Generates git.git's worst shape for rename following (issue 14), deterministically,
# with `git fast-import`: `bash benches/gen-repo.sh --mass-rename DIR` runs it.
#
#   bash benches/gen-mass-rename.sh [--files 1000] [--topics 100] DIR
#
# On branch main:
# - an initial import of --files files Documentation/fNNNN.txt (about 1.5 KB each, all
#   of a similar size, so that a file's size alone rules none out as a rename source)
#   and the managed document Documentation/architecture.txt (dbarch.toml names its
#   final path);
# - --topics topic branches, each forked from main before the mass rename, with two
#   commits (one edits its own file; every 4th topic also edits the document); main
#   gets one commit per topic meanwhile (every 3rd edits the document);
# - one commit that renames every Documentation/*.txt to *.adoc, the document included
#   (which it also edits);
# - then each topic is merged (--no-ff, clean: the topic's edits land at the new paths),
#   after one main commit each;
# - a criss-cross: branches x and y each edit the document, merge each other, commit
#   again and are merged in turn; then an octopus merge of three branches (one edits the
#   document). All these merges are clean three-way merges of the document.
# Twelve authors, commit dates 10 minutes apart from 2024-01-01. The document's final
# path is Documentation/architecture.adoc; its Change Log is empty (the placeholder
# row), so `sync` backfills everything.
set -euo pipefail

files=1000
topics=100
dir=""
while [ $# -gt 0 ]; do
  case $1 in
    --files) files=$2; shift 2 ;;
    --topics) topics=$2; shift 2 ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    -*) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    *) dir=$1; shift ;;
  esac
done
[ -n "$dir" ] || { echo "usage: gen-mass-rename.sh [options] DIR (see --help)" >&2; exit 2; }
if [ "$files" -lt 10 ] || [ "$topics" -lt 4 ]; then
  echo "need --files >= 10 and --topics >= 4" >&2
  exit 2
fi
if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
  echo "$dir exists and is not empty" >&2
  exit 2
fi

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
awk -v files="$files" -v topics="$topics" '
  function data(s) { printf "data %d\n%s", length(s), s }
  function path(i, ext) { return sprintf("Documentation/f%04d.%s", i, ext) }
  # A file of 24 lines, all naming the file, the last one its revision.
  function body(f, r,   t, i) {
    t = sprintf("File %d\n=======\n\n", f)
    for (i = 0; i < 20; i++)
      t = t sprintf("Line %d of file %d explains option %d.%d and what it does by default.\n", i, f, f, i)
    return t sprintf("\nRevision %d.\n", r)
  }
  # The managed document: 120 lines; line i shows the commit that last edited it. Main
  # edits lines 0-27, each topic its own line (32, 34, ...; never two neighbours), the
  # side branches lines 100-108, so every merge is clean.
  function document(   t, i) {
    t = "# Database Architecture\n\n**Last Updated:** 2024-01-01  \n**Reviewed By:** DBA Team  \n**Next Review:** 2027-02-24  \n\n## Design\n"
    for (i = 0; i < 120; i++)
      t = t sprintf("- Item %d: the storage policy, as revised in change %d.\n", i, rev[i])
    return t "\n## Change Log\n| Date | Change | Author | Impact |\n|------|--------|--------|--------|\n| [DATE] | [CHANGE] | [AUTHOR] | [IMPACT] |\n"
  }
  # The document line topic t edits (topics that edit it are every 4th).
  function tl(t) { return 32 + 2 * (int(t / 4) % 30) }
  function header(ref, msg, parent) {
    n++
    a = (n * 5) % 12
    printf "commit %s\nmark :%d\n", ref, n
    printf "author %s %d +0000\n", author[a], 1704067200 + n * 600
    printf "committer Integrator <integrator@example.com> %d +0000\n", 1704067200 + n * 600
    data(msg "\n")
    if (parent) printf "from :%d\n", parent
  }
  function emit_doc(ext) { printf "M 100644 inline Documentation/architecture.%s\n", ext; data(document()) }
  function main_commit(ext, i,   f) {
    f = (i * 37) % files
    header("refs/heads/main", (i % 3 == 0) ? sprintf("docs: revise item %d", i % 28) : sprintf("Change %d in file %d", n + 1, f), tip)
    printf "M 100644 inline %s\n", path(f, ext); data(body(f, n))
    if (i % 3 == 0) { rev[i % 28] = n; emit_doc(ext) }
    print ""
    tip = n
  }
  BEGIN {
    split("Ana Lima <ana@example.com>|Bea Souza <bea@example.com>|Caio Reis <caio@example.com>|Dee Okafor <dee@example.com>|Eli Novak <eli@example.com>|Fay Chen <fay@example.com>|Gus Moreau <gus@example.com>|Hana Ito <hana@example.com>|Ivo Petrov <ivo@example.com>|Jo Mensah <jo@example.com>|Kim Park <kim@example.com>|Lea Roth <lea@example.com>", tmp, "|")
    for (i = 1; i <= 12; i++) author[i - 1] = tmp[i]
    for (i = 0; i < 120; i++) rev[i] = 0
    n = 0
    header("refs/heads/main", "Initial import", 0)
    for (f = 0; f < files; f++) { printf "M 100644 inline %s\n", path(f, "txt"); data(body(f, 0)) }
    emit_doc("txt")
    printf "M 100644 inline dbarch.toml\n"
    data("[[docs]]\npath = \"Documentation/architecture.adoc\"\nreview-every = \"90d\"\n")
    print ""
    tip = n

    # Topics fork before the rename.
    for (t = 0; t < topics; t++) {
      main_commit("txt", t)
      fork = tip
      tf[t] = (t * 7 + 3) % files
      header(sprintf("refs/heads/topic-%d", t), sprintf("Topic %d: start", t), fork)
      printf "M 100644 inline %s\n", path(tf[t], "txt"); data(body(tf[t], n))
      tfrev[t] = n
      print ""
      ttip[t] = n
      tdoc[t] = (t % 4 == 0)
      if (tdoc[t]) {
        # The topic edits its own line of the document, on the old path.
        for (i = 0; i < 120; i++) saved[i] = rev[i]
        trev[t] = n + 1
        rev[tl(t)] = n + 1
        header(sprintf("refs/heads/topic-%d", t), sprintf("docs: topic %d revises item %d", t, tl(t)), ttip[t])
        emit_doc("txt")
        print ""
        ttip[t] = n
        for (i = 0; i < 120; i++) rev[i] = saved[i]
      }
    }

    # The mass rename (the document also edited).
    header("refs/heads/main", "Documentation: rename *.txt to *.adoc", tip)
    for (f = 0; f < files; f++) printf "R %s %s\n", path(f, "txt"), path(f, "adoc")
    printf "D Documentation/architecture.txt\n"
    rev[27] = n
    emit_doc("adoc")
    print ""
    tip = n

    # Each topic merged after it.
    for (t = 0; t < topics; t++) {
      main_commit("adoc", t + topics)
      header("refs/heads/main", sprintf("Merge branch '\''topic-%d'\''", t), tip)
      printf "merge :%d\n", ttip[t]
      printf "M 100644 inline %s\n", path(tf[t], "adoc"); data(body(tf[t], tfrev[t]))
      if (tdoc[t]) { rev[tl(t)] = trev[t]; emit_doc("adoc") }
      print ""
      tip = n
    }

    # A criss-cross: x and y fork, each edits the document, each merges the other (two
    # merge bases from then on), each commits again; main merges x, then y.
    base = tip
    for (i = 0; i < 120; i++) B[i] = rev[i]
    header("refs/heads/x", "docs: x revises item 100", base); rev[100] = n; emit_doc("adoc"); print ""; x1 = n
    for (i = 0; i < 120; i++) rev[i] = B[i]
    header("refs/heads/y", "docs: y revises item 102", base); rev[102] = n; emit_doc("adoc"); print ""; y1 = n
    rev[100] = x1
    header("refs/heads/x", "Merge branch '\''y'\'' into x", x1); printf "merge :%d\n", y1; emit_doc("adoc"); print ""; x2 = n
    header("refs/heads/y", "Merge branch '\''x'\'' into y", y1); printf "merge :%d\n", x1; emit_doc("adoc"); print ""; y2 = n
    header("refs/heads/x", "docs: x revises item 104", x2); rev[104] = n; emit_doc("adoc"); print ""; x3 = n
    rev[104] = B[104]
    header("refs/heads/y", "docs: y revises item 106", y2); rev[106] = n; emit_doc("adoc"); print ""; y3 = n
    rev[106] = B[106]; rev[104] = x3
    header("refs/heads/main", "Merge branch '\''x'\''", base); printf "merge :%d\n", x3; emit_doc("adoc"); print ""; tip = n
    rev[106] = y3
    header("refs/heads/main", "Merge branch '\''y'\''", tip); printf "merge :%d\n", y3; emit_doc("adoc"); print ""; tip = n

    # An octopus of three branches; o1 edits the document.
    base = tip
    header("refs/heads/o1", "docs: o1 revises item 108", base); rev[108] = n; emit_doc("adoc"); print ""; o1 = n
    header("refs/heads/o2", "Change in file 1", base); printf "M 100644 inline %s\n", path(1, "adoc"); data(body(1, n)); print ""; o2 = n; o2rev = n
    header("refs/heads/o3", "Change in file 2", base); printf "M 100644 inline %s\n", path(2, "adoc"); data(body(2, n)); print ""; o3 = n; o3rev = n
    header("refs/heads/main", "Merge branches '\''o1'\'', '\''o2'\'' and '\''o3'\''", base)
    printf "merge :%d\nmerge :%d\nmerge :%d\n", o1, o2, o3
    emit_doc("adoc")
    printf "M 100644 inline %s\n", path(1, "adoc"); data(body(1, o2rev))
    printf "M 100644 inline %s\n", path(2, "adoc"); data(body(2, o3rev))
    print ""
    tip = n
    main_commit("adoc", 3 * topics)
    printf "reset refs/heads/main\nfrom :%d\n\n", tip
  }
' | git fast-import --quiet
for ref in $(git for-each-ref --format='%(refname)' refs/heads/ | grep -v '^refs/heads/main$'); do
  git update-ref -d "$ref"
done
git reset -q --hard main
gen=$(awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.1f", e - s }')
echo "generated $dir in ${gen}s: $(git rev-list --count HEAD) commits, $(git ls-files | wc -l) files, HEAD $(git rev-parse HEAD)" >&2
