use std::path::{Path, PathBuf};

use crate::git::{Oid, Person, Repo};

use super::*;
use crate::git::testing::*;
use crate::git::walk::Walker;

/// [`document_history`] along a walk from HEAD made for the one question.
trait Walked {
    fn document_history(&self, path: &Path, opts: &HistoryOptions) -> Result<DocHistory>;
    fn document_history_hiding(&self, hide: &[Oid], path: &Path) -> Result<DocHistory>;
}

impl Walked for Repo {
    fn document_history(&self, path: &Path, opts: &HistoryOptions) -> Result<DocHistory> {
        super::document_history(self, &self.walk(&[])?, path, opts)
    }
    fn document_history_hiding(&self, hide: &[Oid], path: &Path) -> Result<DocHistory> {
        let opts = HistoryOptions::default();
        super::document_history(self, &self.walk(hide)?, path, &opts)
    }
}

/// [`document_history`] of `path` in the fixture, with default options.
trait History {
    fn history(&self, path: &str) -> DocHistory;
}

impl History for Fixture {
    fn history(&self, path: &str) -> DocHistory {
        self.repo()
            .document_history(Path::new(path), &HistoryOptions::default())
            .unwrap()
    }
}

/// (summary, kind, path) for each change, oldest first.
fn listed(history: &DocHistory) -> Vec<(String, ChangeKind, String)> {
    history
        .changes
        .iter()
        .map(|c| {
            (
                c.commit.summary.clone(),
                c.kind,
                c.path.to_string_lossy().into_owned(),
            )
        })
        .collect()
}

fn row(summary: &str, kind: ChangeKind, path: &str) -> (String, ChangeKind, String) {
    (summary.to_string(), kind, path.to_string())
}

use ChangeKind::{Added, Deleted, Modified, Renamed};

#[test]
fn history_linear_edits_skip_unrelated_commits() {
    let mut f = Fixture::new();
    let a = f.commit(
        &[],
        &[(DOC, Some(V1)), ("README.md", Some("hi"))],
        "Add doc",
    );
    let b = f.commit(&[a], &[("src/main.rs", Some("fn main() {}"))], "Unrelated");
    let c = f.commit(&[b], &[(DOC, Some(V2))], "Upgrade Postgres");
    let d = f.commit(&[c], &[(DOC, Some(V3))], "More replicas");
    f.head(d);
    let h = f.history(DOC);
    assert_eq!(
        listed(&h),
        vec![
            row("Add doc", Added, DOC),
            row("Upgrade Postgres", Modified, DOC),
            row("More replicas", Modified, DOC),
        ]
    );
    assert!(!h.truncated);
    let first = &h.changes[0];
    assert_eq!(first.before, None);
    assert_eq!(first.after, blob(V1));
    assert!(!first.shallow_boundary);
    let last = &h.changes[2];
    assert_eq!(last.before, blob(V2));
    assert_eq!(last.after, blob(V3));
    assert_eq!(last.old_path, None);
    assert_eq!(last.commit.id, d);
    assert_eq!(last.commit.parent_ids, vec![c]);
}

#[test]
fn history_follows_a_rename() {
    let mut f = Fixture::new();
    let a = f.commit(&[], &[("db.md", Some(V1))], "Add doc");
    let b = f.commit(&[a], &[("db.md", Some(V2))], "Edit doc");
    let c = f.commit(&[b], &[("db.md", None), (DOC, Some(V2))], "Move doc");
    let d = f.commit(&[c], &[(DOC, Some(V3))], "Edit moved doc");
    f.head(d);
    let h = f.history(DOC);
    assert_eq!(
        listed(&h),
        vec![
            row("Add doc", Added, "db.md"),
            row("Edit doc", Modified, "db.md"),
            row("Move doc", Renamed, DOC),
            row("Edit moved doc", Modified, DOC),
        ]
    );
    let moved = &h.changes[2];
    assert_eq!(moved.old_path.as_deref(), Some(Path::new("db.md")));
    assert_eq!(moved.before, blob(V2));
    assert_eq!(moved.after, blob(V2));
}

#[test]
fn history_follows_a_case_only_rename() {
    let mut f = Fixture::new();
    let a = f.commit(&[], &[("Doc.md", Some(V1))], "Add Doc");
    let b = f.commit(&[a], &[("Doc.md", None), ("doc.md", Some(V1))], "Lowercase");
    f.head(b);
    let h = f.history("doc.md");
    assert_eq!(
        listed(&h),
        vec![
            row("Add Doc", Added, "Doc.md"),
            row("Lowercase", Renamed, "doc.md")
        ]
    );
    assert_eq!(h.changes[1].old_path.as_deref(), Some(Path::new("Doc.md")));
}

#[test]
fn history_follows_a_rename_with_an_edit() {
    let mut f = Fixture::new();
    let a = f.commit(&[], &[("arch/db.md", Some(V1))], "Add doc");
    let b = f.commit(
        &[a],
        &[("arch/db.md", None), (DOC, Some(V3))],
        "Move and edit",
    );
    f.head(b);
    let h = f.history(DOC);
    assert_eq!(
        listed(&h),
        vec![
            row("Add doc", Added, "arch/db.md"),
            row("Move and edit", Renamed, DOC)
        ]
    );
    let moved = &h.changes[1];
    assert_eq!(moved.old_path.as_deref(), Some(Path::new("arch/db.md")));
    assert_eq!(moved.before, blob(V1));
    assert_eq!(moved.after, blob(V3));
}

#[test]
fn history_follows_a_rename_to_a_misspelt_name() {
    let mut f = Fixture::new();
    let typo = "docs/database-architecure.md";
    let a = f.commit(&[], &[(DOC, Some(V1))], "Add doc");
    let b = f.commit(&[a], &[(DOC, None), (typo, Some(V1))], "Rename (oops)");
    let c = f.commit(&[b], &[(typo, Some(V2))], "Edit");
    f.head(c);
    let h = f.history(typo);
    assert_eq!(
        listed(&h),
        vec![
            row("Add doc", Added, DOC),
            row("Rename (oops)", Renamed, typo),
            row("Edit", Modified, typo),
        ]
    );
}

/// A delete and a later add at the same path are two files (git's rule): the
/// history starts at the add, unless `previous-paths` stitches the lives.
fn two_lives(f: &mut Fixture) {
    let a = f.commit(&[], &[(DOC, Some(V1))], "First life");
    let b = f.commit(&[a], &[(DOC, Some(V2))], "Edit first life");
    let c = f.commit(&[b], &[(DOC, None)], "Delete doc");
    let d = f.commit(&[c], &[("other.txt", Some("x"))], "Unrelated");
    let e = f.commit(&[d], &[(DOC, Some("# Brand new\n"))], "Second life");
    f.head(e);
}

#[test]
fn history_a_delete_and_a_later_add_are_two_lives() {
    let mut f = Fixture::new();
    two_lives(&mut f);
    let h = f.history(DOC);
    assert_eq!(listed(&h), vec![row("Second life", Added, DOC)]);
}

#[test]
fn history_previous_paths_stitch_the_earlier_life() {
    let mut f = Fixture::new();
    two_lives(&mut f);
    let opts = HistoryOptions {
        previous_paths: vec![(PathBuf::from(DOC), vec![PathBuf::from(DOC)])],
        ..HistoryOptions::default()
    };
    let h = f.repo().document_history(Path::new(DOC), &opts).unwrap();
    assert_eq!(
        listed(&h),
        vec![
            row("First life", Added, DOC),
            row("Edit first life", Modified, DOC),
            row("Delete doc", Deleted, DOC),
            row("Second life", Added, DOC),
        ]
    );
    let deleted = &h.changes[2];
    assert_eq!(deleted.before, blob(V2));
    assert_eq!(deleted.after, None);

    // A move made as a delete and a later add elsewhere (not one commit: no rename).
    let mut f = Fixture::new();
    let a = f.commit(&[], &[("spec/old.md", Some(V1))], "Old spec");
    let b = f.commit(&[a], &[("spec/old.md", None)], "Drop the old spec");
    let c = f.commit(&[b], &[(DOC, Some("# Rewritten\n"))], "New spec");
    f.head(c);
    assert_eq!(listed(&f.history(DOC)), vec![row("New spec", Added, DOC)]);
    let opts = HistoryOptions {
        previous_paths: vec![(PathBuf::from(DOC), vec![PathBuf::from("spec/old.md")])],
        ..HistoryOptions::default()
    };
    let h = f.repo().document_history(Path::new(DOC), &opts).unwrap();
    assert_eq!(
        listed(&h),
        vec![
            row("Old spec", Added, "spec/old.md"),
            row("Drop the old spec", Deleted, "spec/old.md"),
            row("New spec", Added, DOC),
        ]
    );
}

#[test]
fn history_clean_merge_lists_branch_commits_not_the_merge() {
    let mut f = Fixture::new();
    let a = f.commit(&[], &[(DOC, Some(V1))], "Add doc");
    let main1 = f.commit(&[a], &[("src/lib.rs", Some("// lib"))], "Main work");
    let topic1 = f.commit(&[a], &[(DOC, Some(V2))], "Topic edits doc");
    let topic2 = f.commit(&[topic1], &[("t.txt", Some("t"))], "Topic unrelated");
    let topic3 = f.commit(&[topic2], &[(DOC, Some(V3))], "Topic edits doc again");
    // The merge result takes the topic's document.
    let m = f.commit(
        &[main1, topic3],
        &[(DOC, Some(V3)), ("t.txt", Some("t"))],
        "Merge topic",
    );
    f.head(m);
    let h = f.history(DOC);
    assert_eq!(
        listed(&h),
        vec![
            row("Add doc", Added, DOC),
            row("Topic edits doc", Modified, DOC),
            row("Topic edits doc again", Modified, DOC),
        ]
    );
}

#[test]
fn history_merge_resolving_the_document_is_listed() {
    let mut f = Fixture::new();
    let a = f.commit(&[], &[(DOC, Some(V1))], "Add doc");
    let left = f.commit(&[a], &[(DOC, Some(V2))], "Left edit");
    let right = f.commit(
        &[a],
        &[(DOC, Some("# Database architecture\n\nRight.\n"))],
        "Right edit",
    );
    let m = f.commit(&[left, right], &[(DOC, Some(V3))], "Merge right");
    f.head(m);
    let h = f.history(DOC);
    // The two branch commits are ordered by commit time (left is older).
    assert_eq!(
        listed(&h),
        vec![
            row("Add doc", Added, DOC),
            row("Left edit", Modified, DOC),
            row("Right edit", Modified, DOC),
            row("Merge right", Modified, DOC),
        ]
    );
    let merge = &h.changes[3];
    assert_eq!(merge.before, blob(V2), "first parent's version");
    assert_eq!(merge.after, blob(V3));
}

#[test]
fn history_rename_on_a_branch_is_tracked_per_commit() {
    let mut f = Fixture::new();
    let a = f.commit(&[], &[("db.md", Some(V1))], "Add doc");
    let main1 = f.commit(&[a], &[("db.md", Some(V2))], "Edit on main");
    let topic = f.commit(&[a], &[("db.md", None), (DOC, Some(V1))], "Move on topic");
    let m = f.commit(
        &[main1, topic],
        &[("db.md", None), (DOC, Some(V2))],
        "Merge topic",
    );
    f.head(m);
    let h = f.history(DOC);
    // Main's side has the old path and topic's the old text: the merge only combines
    // them (main's content, topic's path), so it is not a change of its own.
    assert_eq!(
        listed(&h),
        vec![
            row("Add doc", Added, "db.md"),
            row("Edit on main", Modified, "db.md"),
            row("Move on topic", Renamed, DOC),
        ]
    );
}

/// git.git's shape: many files renamed in one commit, topic branches forked before it
/// and merged after. Each merge looks for the document's source among the same
/// deleted files; each is read once in the walk.
#[test]
fn history_mass_rename_with_old_topics_reads_each_candidate_once() {
    const FILES: usize = 120;
    const TOPICS: usize = 8;
    let file = |i: usize, ext: &str| format!("Documentation/f{i:03}.{ext}");
    let body = |i: usize, r: usize| {
        let mut t = format!("File {i}\n");
        for l in 0..12 {
            t += &format!("Line {l} of file {i} explains option {i}.{l} in detail.\n");
        }
        t + &format!("Revision {r}.\n")
    };
    let doc = |rev: &[usize]| {
        let mut t = String::from("# Architecture\n\n");
        for (l, r) in rev.iter().enumerate() {
            t += &format!("- Item {l}: the storage policy, as revised in change {r}.\n");
        }
        t
    };
    let mut f = Fixture::new();
    let mut rev = vec![0; 40];
    let mut init: Vec<(String, String)> =
        (0..FILES).map(|i| (file(i, "txt"), body(i, 0))).collect();
    init.push(("Documentation/arch.txt".into(), doc(&rev)));
    let changes: Vec<(&str, Option<&str>)> = init
        .iter()
        .map(|(p, c)| (p.as_str(), Some(c.as_str())))
        .collect();
    let mut tip = f.commit(&[], &changes, "Initial import");
    let mut topics = Vec::new();
    for t in 0..TOPICS {
        rev[t] = t + 1;
        let text = doc(&rev);
        tip = f.commit(
            &[tip],
            &[("Documentation/arch.txt", Some(&text))],
            &format!("Edit {t}"),
        );
        let (p, c) = (file(t * 7, "txt"), body(t * 7, t + 1));
        topics.push(f.commit(&[tip], &[(&p, Some(&c))], &format!("Topic {t}")));
    }
    rev[39] = 99;
    let renamed: Vec<(String, Option<String>)> = (0..FILES)
        .flat_map(|i| [(file(i, "txt"), None), (file(i, "adoc"), Some(body(i, 0)))])
        .chain([
            ("Documentation/arch.txt".to_string(), None),
            ("Documentation/arch.adoc".to_string(), Some(doc(&rev))),
        ])
        .collect();
    let changes: Vec<(&str, Option<&str>)> = renamed
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_deref()))
        .collect();
    tip = f.commit(&[tip], &changes, "Rename *.txt to *.adoc");
    for (t, &topic) in topics.iter().enumerate() {
        let (p, c) = (file(t * 7, "adoc"), body(t * 7, t + 1));
        tip = f.commit(
            &[tip, topic],
            &[(&p, Some(&c))],
            &format!("Merge topic {t}"),
        );
    }
    f.head(tip);
    let h = f.history("Documentation/arch.adoc");
    let mut expected = vec![row("Initial import", Added, "Documentation/arch.txt")];
    for t in 0..TOPICS {
        expected.push(row(
            &format!("Edit {t}"),
            Modified,
            "Documentation/arch.txt",
        ));
    }
    expected.push(row(
        "Rename *.txt to *.adoc",
        Renamed,
        "Documentation/arch.adoc",
    ));
    assert_eq!(listed(&h), expected);
    // Each merge scores the document against the FILES + 1 deleted files; no file is
    // read twice (before: libgit2's full similarity matrix at every merge).
    assert!(
        h.rename_reads <= FILES + TOPICS + 2,
        "{} reads for {FILES} files",
        h.rename_reads
    );
    assert!(h.rename_reads > 0);
}

#[test]
fn history_merge_that_moves_the_document_is_listed() {
    let mut f = Fixture::new();
    let a = f.commit(&[], &[("db.md", Some(V1))], "Add doc");
    let left = f.commit(&[a], &[("l.txt", Some("l"))], "Left");
    let right = f.commit(&[a], &[("r.txt", Some("r"))], "Right");
    let m = f.commit(
        &[left, right],
        &[("db.md", None), (DOC, Some(V1)), ("r.txt", Some("r"))],
        "Merge and move",
    );
    f.head(m);
    let h = f.history(DOC);
    assert_eq!(
        listed(&h),
        vec![
            row("Add doc", Added, "db.md"),
            row("Merge and move", Renamed, DOC),
        ]
    );
    let merge = &h.changes[1];
    assert_eq!(merge.old_path.as_deref(), Some(Path::new("db.md")));
    assert_eq!(merge.before, blob(V1));
}

#[test]
fn history_hide_limits_the_walk() {
    let mut f = Fixture::new();
    let a = f.commit(&[], &[(DOC, Some(V1))], "Add doc");
    let b = f.commit(&[a], &[(DOC, Some(V2))], "Edit 1");
    let c = f.commit(&[b], &[(DOC, Some(V3))], "Edit 2");
    f.head(c);
    let h = f
        .repo()
        .document_history_hiding(&[a], Path::new(DOC))
        .unwrap();
    assert_eq!(
        listed(&h),
        vec![row("Edit 1", Modified, DOC), row("Edit 2", Modified, DOC)]
    );
    let h = f
        .repo()
        .document_history_hiding(&[c], Path::new(DOC))
        .unwrap();
    assert!(h.changes.is_empty());
    // An id that is not in the repository is ignored.
    let h = f
        .repo()
        .document_history_hiding(
            &[Oid::from_str("0123456789abcdef0123456789abcdef01234567").unwrap()],
            Path::new(DOC),
        )
        .unwrap();
    assert_eq!(h.changes.len(), 3);
}

#[test]
fn history_of_unborn_head_is_empty() {
    let f = Fixture::new();
    let repo = f.repo();
    assert_eq!(repo.head_id().unwrap(), None);
    let h = repo
        .document_history(Path::new(DOC), &HistoryOptions::default())
        .unwrap();
    assert!(h.changes.is_empty() && !h.truncated);
}

#[test]
fn history_accepts_dot_and_absolute_paths() {
    let mut f = Fixture::new();
    let a = f.commit(&[], &[(DOC, Some(V1))], "Add doc");
    f.head(a);
    let repo = f.repo();
    let dotted = repo
        .document_history(
            Path::new("./docs/database-architecture.md"),
            &HistoryOptions::default(),
        )
        .unwrap();
    assert_eq!(listed(&dotted), vec![row("Add doc", Added, DOC)]);
    let absolute = repo
        .document_history(&f.dir.path().join(DOC), &HistoryOptions::default())
        .unwrap();
    assert_eq!(listed(&absolute), vec![row("Add doc", Added, DOC)]);
    assert!(repo
        .document_history(Path::new("../elsewhere.md"), &HistoryOptions::default())
        .is_err());
}

#[test]
fn history_mailmap_resolves_the_author() {
    let mut f = Fixture::new();
    std::fs::write(
        f.dir.path().join(".mailmap"),
        "Ana Lima <ana@example.com> <ana.old@example.org>\n",
    )
    .unwrap();
    let old = sig("ana", "ana.old@example.org", T0, 0);
    let a = f.commit_as(&[], &[(DOC, Some(V1))], "Add doc", &old, &old);
    f.head(a);
    let h = f.history(DOC);
    let info = &h.changes[0].commit;
    let ana = Person {
        name: "Ana Lima".into(),
        email: "ana@example.com".into(),
    };
    assert_eq!(info.author, ana);
    assert_eq!(info.committer, ana);
}

/// `Proper Name <proper@email> Commit Name`: git maps every commit with that email
/// to the proper name (the trailing name is ignored), as git.git's `.mailmap` has it.
#[test]
fn history_mailmap_line_with_a_trailing_name_maps_by_email_as_git_does() {
    let mut f = Fixture::new();
    std::fs::write(
        f.dir.path().join(".mailmap"),
        "# people\nDana L. How <dana@example.com> Dana How\n",
    )
    .unwrap();
    let dana = sig("Dana How", "dana@example.com", T0, 0);
    let a = f.commit_as(&[], &[(DOC, Some(V1))], "Add doc", &dana, &dana);
    f.head(a);
    let h = f.history(DOC);
    assert_eq!(h.changes[0].commit.author.name, "Dana L. How");
    assert_eq!(h.changes[0].commit.author.email, "dana@example.com");
}

#[test]
fn history_two_co_authors_deduplicated_and_mailmapped() {
    let mut f = Fixture::new();
    std::fs::write(
        f.dir.path().join(".mailmap"),
        "Bea Souza <bea@example.com> <bea@old.example.com>\n",
    )
    .unwrap();
    let message = "Write the doc\n\nTogether.\n\nCo-authored-by: Bea S <bea@old.example.com>\nco-authored-by: Caio Reis <caio@example.com>\nCo-Authored-By: Bea Souza <BEA@example.com>\nCo-authored-by: Ana Lima <ana@example.com>\n";
    let a = f.commit(&[], &[(DOC, Some(V1))], message);
    f.head(a);
    let info = f.repo().commit_info(a).unwrap();
    assert_eq!(
        info.co_authors,
        vec![
            Person {
                name: "Bea Souza".into(),
                email: "bea@example.com".into()
            },
            Person {
                name: "Caio Reis".into(),
                email: "caio@example.com".into()
            },
        ]
    );
    assert_eq!(info.trailers.len(), 4);
    assert_eq!(info.summary, "Write the doc");
    assert!(info.body.starts_with("Together.\n\nCo-authored-by:"));
}

#[test]
fn history_author_differs_from_committer() {
    let mut f = Fixture::new();
    let author = sig("Ana Lima", "ana@example.com", T0, 60);
    let committer = sig("Bot", "bot@example.com", T0 + 3600, -300);
    let a = f.commit_as(&[], &[(DOC, Some(V1))], "Add doc\n", &author, &committer);
    f.head(a);
    let info = f.repo().commit_info(a).unwrap();
    assert_eq!(info.author.name, "Ana Lima");
    assert_eq!(info.committer.name, "Bot");
    assert_eq!(info.author_time.to_rfc3339(), "2026-01-01T01:00:00+01:00");
    assert_eq!(info.author_time.timestamp(), T0);
    assert_eq!(info.body, "");
    assert!(info.trailers.is_empty() && info.co_authors.is_empty());
    assert!(info.parent_ids.is_empty());
}

#[test]
fn history_shallow_boundary_with_the_document_is_truncated() {
    if !git_cli_available() {
        eprintln!("skipping: the git CLI is not available");
        return;
    }
    let mut f = Fixture::new();
    let a = f.commit(&[], &[(DOC, Some(V1))], "Add doc");
    let b = f.commit(&[a], &[(DOC, Some(V2))], "Edit 1");
    let c = f.commit(&[b], &[("other.txt", Some("x"))], "Unrelated");
    let d = f.commit(&[c], &[(DOC, Some(V3))], "Edit 2");
    f.head(d);
    let clone = shallow_clone(&f, 2);
    let repo = Repo::open(&clone.path().join("clone")).unwrap();
    assert!(repo.is_shallow());
    let h = repo
        .document_history(Path::new(DOC), &HistoryOptions::default())
        .unwrap();
    assert_eq!(
        listed(&h),
        vec![row("Unrelated", Added, DOC), row("Edit 2", Modified, DOC)]
    );
    assert!(h.truncated);
    assert!(h.changes[0].shallow_boundary);
    assert_eq!(h.changes[0].commit.id, c);
    assert_eq!(h.changes[0].after, blob(V2));
    assert!(!h.changes[1].shallow_boundary);
    // libgit2 applies the shallow grafts: the boundary commit reads as parentless.
    assert!(h.changes[0].commit.parent_ids.is_empty());
}

#[test]
fn history_shallow_clone_with_the_document_added_inside_is_complete() {
    if !git_cli_available() {
        eprintln!("skipping: the git CLI is not available");
        return;
    }
    let mut f = Fixture::new();
    let a = f.commit(&[], &[("README.md", Some("hi"))], "Start");
    let b = f.commit(&[a], &[("other.txt", Some("x"))], "Unrelated");
    let c = f.commit(&[b], &[(DOC, Some(V1))], "Add doc");
    let d = f.commit(&[c], &[(DOC, Some(V2))], "Edit doc");
    f.head(d);
    let clone = shallow_clone(&f, 3);
    let repo = Repo::open(&clone.path().join("clone")).unwrap();
    assert!(repo.is_shallow());
    let h = repo
        .document_history(Path::new(DOC), &HistoryOptions::default())
        .unwrap();
    assert_eq!(
        listed(&h),
        vec![row("Add doc", Added, DOC), row("Edit doc", Modified, DOC)]
    );
    assert!(!h.truncated);
    assert!(h.changes.iter().all(|c| !c.shallow_boundary));
}

// ---- the commit-graph (see `graph` and `GraphWalk`) ----------------------------------

#[test]
fn graph_advice_until_a_graph_with_filters_is_written() {
    let mut f = Fixture::new();
    let a = f.commit(&[], &[(DOC, Some(V1))], "Add doc");
    let b = f.commit(&[a], &[(DOC, Some(V2))], "Edit");
    f.head(b);
    let advice = f.repo().graph_advice().expect("no graph: advice");
    assert!(advice.contains("git commit-graph write --reachable --changed-paths"));
    if write_graph(&f) {
        assert_eq!(f.repo().graph_advice(), None);
    }
}

/// Everything a history says, for comparing two walks.
fn everything(h: &DocHistory) -> Vec<String> {
    let mut out = vec![format!("walked {} truncated {}", h.walked, h.truncated)];
    for c in &h.changes {
        out.push(format!(
            "{} {:?} {} {:?} {:?} {:?}",
            c.commit.id,
            c.kind,
            c.path.display(),
            c.old_path,
            c.before,
            c.after
        ));
    }
    out
}

/// The walk's own merge bases are libgit2's (all of them, criss-crosses included).
#[test]
fn history_dag_merge_bases_are_libgit2s() {
    for seed in [3, 11, 42] {
        let mut f = Fixture::new();
        let ids = random_history(&mut f, seed, 120);
        // A head that reaches every commit: an octopus of the last few and the tip.
        let head = *ids.last().unwrap();
        f.head(head);
        let repo = f.repo();
        let (list, _) = repo.walk_commits(head, &[], Walker::Objects).unwrap();
        let mut dag = Dag::new(Some(list.as_slice()));
        let mut checked = 0;
        let mut rng = Lcg(seed);
        for _ in 0..200 {
            let a = list[rng.below(list.len() as u64) as usize].0;
            let b = list[rng.below(list.len() as u64) as usize].0;
            let mut ours = dag.merge_bases(a, b).unwrap();
            let mut theirs: Vec<Oid> = repo.merge_bases(a, b);
            ours.sort();
            theirs.sort();
            assert_eq!(ours, theirs, "seed {seed}: {a} {b}");
            checked += 1;
        }
        assert_eq!(checked, 200);
    }
}

#[test]
fn history_with_the_graph_is_the_history_without() {
    // 400 commits: hiding the 20th is a walk longer than SHORT_WALK (the graph is
    // read), hiding the 300th a short one (it is not).
    for (seed, n) in [(7, 400), (8, 150), (9, 150)] {
        let mut f = Fixture::new();
        let ids = random_history(&mut f, seed, n);
        f.head(ids[n - 1]);
        if !write_graph(&f) {
            return;
        }
        let repo = f.repo();
        assert!(repo.commit_graph().is_some());
        let paths: Vec<PathBuf> = [DOC, "db.md", "docs/db.md"]
            .iter()
            .map(PathBuf::from)
            .collect();
        for hide in [vec![], vec![ids[20]], vec![ids[n * 3 / 4]]] {
            let opts = HistoryOptions::default();
            let walk = |paths: &[PathBuf], walker: Walker| -> Vec<Vec<String>> {
                let walk = repo.walk_with(&hide, walker).unwrap();
                let all = history_walk(&repo, &walk, paths, &opts, &mut |_, _| {});
                all.unwrap().iter().map(everything).collect()
            };
            // All three documents in one walk, with each walker ...
            let with = walk(&paths, Walker::Best);
            assert_eq!(with, walk(&paths, Walker::Objects), "seed {seed}");
            assert_eq!(with, walk(&paths, Walker::Libgit2), "seed {seed}");
            // ... is each document walked alone.
            for (i, path) in paths.iter().enumerate() {
                let alone = walk(std::slice::from_ref(path), Walker::Best);
                assert_eq!(with[i], alone[0], "seed {seed} {}", path.display());
            }
        }
    }
}

#[test]
fn history_graph_filters_never_hide_a_change() {
    let mut f = Fixture::new();
    let ids = random_history(&mut f, 11, 120);
    f.head(ids[119]);
    if !write_graph(&f) {
        return;
    }
    let repo = f.repo();
    let g = repo.commit_graph().expect("the commit-graph is read");
    let candidates = [
        "src/f1.c",
        "src/f7.c",
        "src",
        DOC,
        "docs/db.md",
        "db.md",
        "nope.md",
    ];
    let (mut proved, mut changed, mut same) = (0, 0, 0);
    for id in &ids {
        let commit = f.git.find_commit(*id).unwrap();
        let Ok(parent) = commit.parent(0) else {
            continue;
        };
        // Commits on abandoned branches are not reachable, so not in the graph.
        let Some(pos) = g.find(*id) else { continue };
        for path in candidates {
            let keys = g.keys(Path::new(path)).expect("filters");
            let a = commit
                .tree()
                .unwrap()
                .get_path(Path::new(path))
                .ok()
                .map(|e| e.id());
            let b = parent
                .tree()
                .unwrap()
                .get_path(Path::new(path))
                .ok()
                .map(|e| e.id());
            if a != b {
                changed += 1;
                assert!(!g.not_changed(pos, &keys), "{id}: {path} changed");
            } else {
                same += 1;
                if g.not_changed(pos, &keys) {
                    proved += 1;
                }
            }
        }
    }
    assert!(changed > 50, "the fixture changes paths ({changed})");
    assert!(
        proved * 4 >= same * 3,
        "the filters prove most unchanged paths ({proved} of {same})"
    );
}

#[test]
fn history_a_broken_graph_is_ignored() {
    let mut f = Fixture::new();
    let a = f.commit(&[], &[(DOC, Some(V1))], "Add doc");
    let b = f.commit(&[a], &[(DOC, Some(V2))], "Edit");
    f.head(b);
    let file = f.dir.path().join(".git/objects/info/commit-graph");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    for bytes in [
        &b""[..],
        b"CGPH\x01\x01\x03\x00",
        b"CGPH\x01\x01\x01\x00OIDF\x00\x00\x00\x00\x00\x00\x00\x14\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff",
    ] {
        std::fs::write(&file, bytes).unwrap();
        let repo = f.repo();
        assert!(repo.commit_graph().is_none());
        assert_eq!(
            listed(&f.history(DOC)),
            vec![row("Add doc", Added, DOC), row("Edit", Modified, DOC)]
        );
    }
}
