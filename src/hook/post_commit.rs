//! The git post-commit hook's runtime (SPEC §4): after a commit that changed a managed
//! document, record that commit in the document's Change Log. `dbarch hook post-commit`
//! runs [`post_commit`]; `dbarch sync --staged` runs [`preview`].
//!
//! Decides in this order, stopping at the first "nothing to do":
//! 1. `DBARCH_HOOK_RUNNING` is set (a git command dbarch itself started), or
//!    `DBARCH_HOOK_MODE=off`: nothing, before the repository is even opened.
//! 2. A rebase, merge, cherry-pick, revert, bisect or `git am` is under way (the git
//!    directory holds `rebase-merge`, `rebase-apply`, `MERGE_HEAD`, `CHERRY_PICK_HEAD`,
//!    `REVERT_HEAD`, `BISECT_LOG`, `sequencer` or `MERGE_MSG` — a single-commit `git
//!    revert` leaves only `MERGE_MSG` — or `GIT_REFLOG_ACTION` names one of them, or
//!    libgit2 reports a state other than clean): nothing. Commits written by git's
//!    sequencer are recorded later by `dbarch sync` if they need a row.
//! 3. HEAD is a merge commit: nothing. (`git merge` itself never runs post-commit; a
//!    merge concluded with `git commit` after a conflict is left to `dbarch sync`, which
//!    gives it a row only when the conflict was resolved in the document.)
//! 4. **The fast path**: the paths HEAD changed are found by comparing HEAD's tree with
//!    its first parent's, descending only into subtrees whose ids differ. No history
//!    walk, no index, no working tree. When no changed path is a Markdown file and there
//!    is no `dbarch.toml`, nothing; the configuration is read only when it exists or a
//!    Markdown file changed (reading it costs a file read and a TOML parse). Then a
//!    changed path is a managed document by `workspace::is_managed`, the test `sync`'s
//!    discovery uses: it matches a `[[docs]]` path or glob, or, without `[[docs]]`, it
//!    is a `.md`/`.markdown` file whose committed text carries the Next Review field
//!    (only those blobs are read; the default document path without the field is
//!    checked against full discovery).
//! 5. `[hook] mode = "off"`: nothing.
//!
//! Then, under the repository lock (the file `sync` takes, waited for at most 10 s) and
//! only if HEAD is still the commit the hook was called for, each touched document is
//! planned with [`changelog::plan`] hiding HEAD's parent, so only HEAD itself is read,
//! and the recorded-ness rules are exactly `sync`'s. A commit that is already recorded
//! (it adds rows itself, only touched managed parts, is skipped by rule) is left alone —
//! the hook never changes Last Updated without adding a row. Last Updated becomes what
//! `sync` would write: the newest of HEAD's date, the last review, and the previous newest
//! substantive change, taken from `sync`'s state when that state is exactly at HEAD's
//! parent, else from the field itself when it does not lie in the future.
//!
//! Everything is computed before anything is written; a document that cannot be parsed
//! (committed or working copy) stops the whole run, so a commit is amended for all its
//! documents or for none.
//!
//! ## Modes
//! - `amend` (default): the row joins the commit just made, so that commit records itself
//!   (rule 2 of SPEC §2). The row is applied to the committed version of the document and,
//!   separately, to the working-tree version (planned against the working copy, so a row
//!   already there is not doubled): with a partial commit (`git add -p`) the unstaged
//!   edits stay in the working tree and out of the commit. The index entry of the
//!   document moves to the new committed blob (with the file's stat data when the working
//!   file equals it, so `git status` stays clean where it was clean). The commit is then
//!   rebuilt with libgit2: HEAD's tree with the new blobs, HEAD's author, committer and
//!   message byte for byte, HEAD's parents; the branch (or a detached HEAD) is moved with
//!   a compare-and-swap from the old id, with a reflog entry. The Commit cell of a
//!   Change Log with a Commit column is left empty in this mode: a commit cannot name its
//!   own id, and the id `git commit` printed no longer exists.
//! - When signing is on (`commit.gpgsign`) or the commit is signed, or its message is
//!   not UTF-8 or has an `encoding` or other extra header, the amend instead runs
//!   `git commit --amend --no-edit --no-verify --allow-empty --cleanup=verbatim` (`-S`
//!   when the commit was signed without `commit.gpgsign`) over a temporary index holding
//!   exactly the new tree, with `DBARCH_HOOK_RUNNING=1` so the nested post-commit hook is a
//!   no-op. The commit stays signed; git sets the committer date to now, as any amend.
//! - `worktree`: the row is written to the working-tree file only (Commit cell filled),
//!   for the next commit to carry. Note that rule 2 then counts that next commit as
//!   documented: commit the row on its own, or with a change it also describes.
//! - `off`: nothing.
//!
//! When `sync`'s state ([`crate::syncstate`]) was exactly at HEAD's parent, it is moved to
//! the new commit, so the next `sync` still reads only newer commits.
//!
//! Failures are errors for the command to print as one line; the command exits 0 in every
//! case. Nothing here prints, except the one stderr line that says a renamed document's
//! `[[docs]] path` was followed. The git operations are [`crate::git`]'s:
//! [`Repo::open_from_env`] (as cheap as opening libgit2's repository: nothing else is read
//! until asked), [`Repo::changed_paths`], [`Repo::amend_head`], [`Repo::staged_commit`].
use std::fs;
use std::path::Path;
use std::time::Duration;

use super::ENV_RUNNING;
use crate::changelog::{self, Plan, Settings, Since};
use crate::cli::Global;
use crate::config::{self, Config, HookMode, Overrides};
use crate::doc::{Document, FieldKind, Labels};
use crate::fsutil::{self, Lock};
use crate::git::changes::Changes;
use crate::git::write::{Amend, NewFile};
use crate::git::{Oid, Repo};
use crate::syncstate::{self, SyncState};
use crate::workspace::{self, ManagedDoc, Workspace};
use crate::{Error, Result};

/// How long the hook waits for another dbarch run to finish.
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// What `dbarch hook post-commit` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to do, and why.
    Nothing(String),
    /// The commit was amended to carry its rows.
    Amended {
        docs: Vec<String>,
        old: Oid,
        new: Oid,
        /// The amend went through `git commit --amend` (signing).
        via_git: bool,
    },
    /// `worktree` mode: rows written to the working tree for `commit`.
    Written { docs: Vec<String>, commit: Oid },
    /// [`preview`]: what the hook would write for the commit the index would make.
    Preview(Vec<PreviewDoc>),
}

/// `dbarch sync --staged`: preview the hook for the commit the index would make now.
#[derive(Debug, Clone, Default)]
pub struct Staged {
    /// The commit message (`-m`); `None`: [`PLACEHOLDER_SUBJECT`].
    pub message: Option<String>,
}

/// The subject a preview uses when no message is given.
pub const PLACEHOLDER_SUBJECT: &str = "<your commit subject>";

/// What the hook would write to one document (see [`preview`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PreviewDoc {
    pub path: String,
    /// The rows, as cells (the Commit cell is not known before the commit).
    pub rows: Vec<crate::doc::NewRow>,
    /// The lines of the committed document that change or are added, as written.
    pub lines: Vec<String>,
    pub last_updated: PreviewDates,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PreviewDates {
    pub old: Option<String>,
    pub new: Option<String>,
}

fn nothing(why: impl Into<String>) -> Result<Outcome> {
    Ok(Outcome::Nothing(why.into()))
}

/// Runs the post-commit hook for the repository `global` points at. `env` looks up
/// environment variables (the process environment in production).
pub fn post_commit(global: &Global, env: &dyn Fn(&str) -> Option<String>) -> Result<Outcome> {
    run(global, env, None)
}

/// `dbarch sync --staged`: what [`post_commit`] would write if the index were committed
/// now — the same decisions and the same planning, run on a commit made of the index
/// (HEAD as parent; author and committer as `git var GIT_AUTHOR_IDENT` /
/// `GIT_COMMITTER_IDENT` say `git commit` would use them; dated now by the clock seam,
/// or by `GIT_AUTHOR_DATE`/`GIT_COMMITTER_DATE` when set; the message given, else
/// [`PLACEHOLDER_SUBJECT`]). That commit and its trees live in an in-memory object
/// database only: nothing is written to the repository, the index or any document, and
/// the repository lock is not taken. Returns [`Outcome::Preview`] or
/// [`Outcome::Nothing`]. A rename of a configured document is not followed in a preview
/// (the hook rewrites `dbarch.toml` for it).
pub fn preview(
    global: &Global,
    env: &dyn Fn(&str) -> Option<String>,
    staged: &Staged,
) -> Result<Outcome> {
    run(global, env, Some(staged))
}

fn run(
    global: &Global,
    env: &dyn Fn(&str) -> Option<String>,
    staged: Option<&Staged>,
) -> Result<Outcome> {
    if env(ENV_RUNNING).is_some_and(|v| !v.is_empty()) {
        return nothing("dbarch's own git command is running");
    }
    if let Some(m) = env(config::ENV_HOOK_MODE).filter(|v| !v.trim().is_empty()) {
        if HookMode::parse(&m) == Ok(HookMode::Off) {
            return nothing(format!("{} is off", config::ENV_HOOK_MODE));
        }
    }
    let git = Repo::open_from_env(&global.repo)?;
    if git.is_bare() {
        return nothing("the repository is bare");
    }
    if let Some(op) = git.operation_in_progress(env) {
        return nothing(format!("{op} is in progress"));
    }
    let synthetic = match staged {
        Some(s) => {
            let message = s
                .message
                .as_deref()
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .unwrap_or(PLACEHOLDER_SUBJECT);
            Some(git.staged_commit(message, env, &workspace::now)?)
        }
        None => None,
    };
    let head = git.head_commit(synthetic)?;
    if head.parent_count > 1 {
        return nothing("HEAD is a merge commit");
    }
    let parent_tree = head.parent.map(|(_, tree)| tree);
    let changed = git.changed_paths(parent_tree, Some(head.tree), Changes::ADDED_OR_CHANGED)?;
    let tree = git.tree(head.tree)?;
    if changed.is_empty() {
        if staged.is_some() {
            return nothing("nothing is staged");
        }
        return nothing("the commit changed no file");
    }
    let root = git
        .workdir()
        .map_err(|_| Error::Usage("the repository has no working tree".into()))?
        .to_path_buf();
    let markdown: Vec<&String> = changed
        .iter()
        .filter(|p| workspace::is_markdown(p))
        .collect();
    let config_file = global
        .config
        .clone()
        .unwrap_or_else(|| root.join(config::FILE_NAME));
    if markdown.is_empty() && !config_file.exists() {
        return nothing("the commit changed no Markdown file");
    }
    let mut config = Config::load(&root, global.config.as_deref(), env, &Overrides::default())?;
    if config.hook.mode == HookMode::Off {
        return nothing("[hook] mode is off");
    }
    if !config.hook.branches.is_empty() {
        let Some(branch) = git.head_branch() else {
            return nothing("HEAD is not on a branch listed in [hook] branches");
        };
        if !on_branch(&config.hook.branches, &branch) {
            return nothing(format!(
                "branch `{branch}` is not in [hook] branches; its commits get their rows \
                 when they reach {}",
                config.hook.branches.join(", ")
            ));
        }
    }
    // A managed document renamed in this commit (`git mv`): its `[[docs]] path` follows
    // (dbarch.toml edited byte-surgically, then folded into the commit with the row).
    let mut renamed_files: Vec<(String, String)> = Vec::new();
    let mut followed: Vec<String> = Vec::new();
    let mut pairs: Vec<(String, String)> = Vec::new();
    if config.docs_explicit && staged.is_none() {
        if let Some(pt) = parent_tree {
            let mut text = fs::read_to_string(&config_file).ok();
            for (old, new) in git.renames(pt, head.tree) {
                if !config.docs.iter().any(|d| d.path == old)
                    || workspace::configured(&config, &new)
                {
                    continue;
                }
                if let Some(t) = text
                    .as_deref()
                    .and_then(|t| crate::rename::rewrite_docs_path(t, &old, &new))
                {
                    text = Some(t);
                    followed.push(new.clone());
                    pairs.push((old, new));
                }
            }
            if let (false, Some(t)) = (followed.is_empty(), text) {
                fsutil::write_atomic(&config_file, t.as_bytes())?;
                config = Config::load(&root, global.config.as_deref(), env, &Overrides::default())?;
                let rel = config_file
                    .strip_prefix(&root)
                    .ok()
                    .map(|p| p.to_string_lossy().replace('\\', "/"))
                    .filter(|r| tree.mode(r).is_some());
                if let Some(rel) = rel {
                    renamed_files.push((rel, t));
                }
                // The merge driver's `.gitattributes` line follows too.
                let attrs = root.join(".gitattributes");
                if let Ok(old_text) = fs::read_to_string(&attrs) {
                    let new_text = super::install::follow_renames(&old_text, &pairs);
                    if new_text != old_text {
                        fsutil::write_atomic(&attrs, new_text.as_bytes())?;
                        if tree.mode(".gitattributes").is_some() {
                            renamed_files.push((".gitattributes".into(), new_text));
                        }
                    }
                }
                eprintln!(
                    "dbarch: {} now names {} (the document was renamed)",
                    config_file
                        .file_name()
                        .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
                    followed.join(", ")
                );
            }
        }
    }
    let labels = workspace::labels_of(&config);
    let mut touched: Vec<String> = Vec::new();
    let mut maybe_default = false;
    // Without `[[docs]]` only Markdown files can be documents: their committed text is
    // read, nothing else.
    let candidates = if config.docs_explicit {
        changed.iter().collect()
    } else {
        markdown
    };
    for p in candidates {
        if workspace::is_managed(&config, &labels, p, || git.blob_text(&tree, p)) {
            touched.push(p.clone());
        } else if !config.docs_explicit && p == config::DEFAULT_DOC_PATH {
            maybe_default = true;
        }
    }
    if touched.is_empty() && !maybe_default {
        return nothing("the commit changed no managed document");
    }
    let head_id = head.id;
    let parent_id = head.parent.map(|(id, _)| id);
    drop(tree);
    let repo = if synthetic.is_some() {
        // The staged commit is in this repository's in-memory object database only.
        git.with_head(synthetic)
    } else {
        let repo = Repo::discover(&root)?;
        if !same_path(repo.git_dir(), git.git_dir()) {
            return Err(Error::Internal(format!(
                "the repository at {} is not the one git ran the hook for ({})",
                root.display(),
                git.git_dir().display()
            )));
        }
        drop(git);
        repo
    };
    let ws = Workspace {
        root,
        repo: Some(repo),
        config,
        now: workspace::now()?,
    };
    if maybe_default {
        let found = ws.documents(&[]).unwrap_or_default();
        if found.iter().any(|d| d.rel == config::DEFAULT_DOC_PATH) {
            touched.push(config::DEFAULT_DOC_PATH.to_string());
        }
        if touched.is_empty() {
            return nothing("the commit changed no managed document");
        }
    }
    record(
        &ws,
        head_id,
        parent_id,
        &touched,
        renamed_files,
        env,
        staged.is_some(),
    )
}

/// Whether `branch` matches one of `[hook] branches` (a name or a glob).
fn on_branch(patterns: &[config::BranchPattern], branch: &str) -> bool {
    patterns.iter().any(|p| p.matches(branch))
}

fn same_path(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// One document's planned change.
struct DocWork {
    doc: ManagedDoc,
    /// The tree-entry mode of the document in HEAD.
    mode: i32,
    /// The new committed text (amend mode).
    new_committed: String,
    /// The working file as read (None: missing), and what to write there (None: keep).
    work_before: Option<Vec<u8>>,
    work_after: Option<String>,
    /// The sync state to remember afterwards (its `head` is filled in at the end).
    state: Option<syncstate::DocState>,
    /// What a preview shows: the rows, the changed lines and Last Updated (old, new).
    preview: Option<PreviewDoc>,
}

/// Plans and applies the rows for HEAD (`head`, first parent `parent`) in `touched`.
fn record(
    ws: &Workspace,
    head: Oid,
    parent: Option<Oid>,
    touched: &[String],
    extra_files: Vec<(String, String)>,
    env: &dyn Fn(&str) -> Option<String>,
    preview: bool,
) -> Result<Outcome> {
    let repo = ws.repo()?;
    let _lock = if preview {
        None
    } else {
        Some(Lock::acquire(
            &repo.git_dir().join("dbarch.lock"),
            LOCK_WAIT,
        )?)
    };
    if repo.head_id()? != Some(head) {
        return nothing("HEAD moved while the hook waited for another dbarch run");
    }
    let mode = ws.config.hook.mode;
    let amend = mode == HookMode::Amend;
    let tree = repo.head_tree(head)?;
    let labels = ws.labels();
    let reword = reworded(repo, head);
    let mut state = SyncState::load(repo.git_dir());
    let mut work: Vec<DocWork> = Vec::new();
    let mut recorded: Vec<String> = Vec::new();
    for rel in touched {
        let doc = ManagedDoc {
            settings: ws.config.doc_settings(rel),
            abs: crate::fsutil::safe_doc_path(&ws.root, rel)?,
            rel: rel.clone(),
        };
        let Some((committed, mode)) = repo.committed_file(&tree, rel)? else {
            continue; // a symlink or a directory: not a document dbarch edits
        };
        if let Some(why) = repo.filter_refusal(rel, Some(&committed)) {
            return Err(Error::Usage(why));
        }
        // `git commit --amend -m`: the row written for the commit before the amend takes
        // the new subject (kept in place), and the commit is amended with it.
        let renamed = reword
            .as_ref()
            .and_then(|r| reword_row(&committed, &labels, r));
        let doc_c = Document::parse(
            renamed.clone().unwrap_or_else(|| committed.clone()),
            &labels,
        )
        .map_err(|e| e.into_error(Path::new(&format!("{rel} (as committed)"))))?;
        let settings = Settings::new(&ws.root, &ws.config.changelog, &doc.settings, &labels);
        let print = crate::sync::state_print(repo, &settings);
        let prior = state
            .usable(rel, &doc_c, print)
            .filter(|s| parent.is_some_and(|p| s.head == p.to_string()))
            .cloned();
        // A Last Updated later than today is kept when HEAD's parent is dated that late
        // (a skewed clock wrote it): `sync` takes the newest change's date too, so the
        // hook never moves Last Updated backwards where `sync` would not.
        let latest_known = parent
            .and_then(|p| repo.commit_info(p).ok())
            .map(|c| match &ws.config.changelog.timezone {
                config::Timezone::Commit => c.author_time.date_naive(),
                config::Timezone::Named(z) => c.author_time.with_timezone(z).date_naive(),
            })
            .map_or(ws.today(), |d| d.max(ws.today()));
        let floor = match &prior {
            Some(s) => s.last_substantive,
            None => doc_c
                .date(FieldKind::LastUpdated)
                .map(|d| d.date)
                .filter(|d| *d <= latest_known),
        };
        let since = parent.map(|p| Since {
            head: p,
            last_substantive: floor,
        });
        // A preview cannot name the commit: its Commit cell stays empty, as in amend mode.
        let plan_c = plan_for(repo, rel, &doc_c, &settings, since, head, amend || preview)?;
        if plan_c.rows.is_empty() && renamed.is_none() {
            let why = plan_c
                .recorded
                .iter()
                .find(|(id, _)| *id == head)
                .map(|(_, r)| reason(r))
                .unwrap_or_else(|| "nothing to record".into());
            recorded.push(format!("{rel}: {why}"));
            continue;
        }
        let new_committed = changelog::apply_plan(&doc_c, &plan_c, &settings)
            .map_err(|e| e.into_error(Path::new(&format!("{rel} (as committed)"))))?
            .or_else(|| {
                renamed
                    .as_ref()
                    .map(|r| String::from_utf8_lossy(r).into_owned())
            })
            .ok_or_else(|| Error::Internal(format!("{rel}: planned rows changed nothing")))?;
        if preview {
            work.push(DocWork {
                preview: Some(preview_doc(rel, &doc_c, &new_committed, &plan_c, &labels)),
                doc,
                mode,
                new_committed,
                work_before: None,
                work_after: None,
                state: None,
            });
            continue;
        }
        let work_before = match fs::read(&doc.abs) {
            Ok(b) => Some(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(&doc.abs, e)),
        };
        let (work_after, last_substantive, final_text) = match &work_before {
            None if !amend => {
                return Err(Error::Usage(format!(
                    "{rel} is not in the working tree; its row was not written"
                )))
            }
            None => (None, plan_c.last_substantive, new_committed.clone()),
            Some(w) if *w == committed => (
                Some(new_committed.clone()),
                plan_c.last_substantive,
                new_committed.clone(),
            ),
            Some(w) => {
                let w = reword
                    .as_ref()
                    .and_then(|r| reword_row(w, &labels, r))
                    .unwrap_or_else(|| w.clone());
                let doc_w = Document::parse(w, &labels).map_err(|e| e.into_error(&doc.abs))?;
                let plan_w = plan_for(repo, rel, &doc_w, &settings, since, head, amend)?;
                let after = changelog::apply_plan(&doc_w, &plan_w, &settings)
                    .map_err(|e| e.into_error(&doc.abs))?;
                let text = after.clone().unwrap_or_else(|| doc_w.text.src.clone());
                (after, plan_w.last_substantive, text)
            }
        };
        let state = prior.map(|_| {
            let rows_of = if amend { &new_committed } else { &final_text };
            let after = Document::parse_str(rows_of, &labels).ok();
            syncstate::DocState {
                head: String::new(),
                last_substantive: if amend {
                    plan_c.last_substantive
                } else {
                    last_substantive
                },
                settings: print,
                rows: after
                    .as_ref()
                    .map(syncstate::row_prints)
                    .unwrap_or_default(),
            }
        });
        work.push(DocWork {
            doc,
            mode,
            new_committed,
            work_before,
            work_after,
            state,
            preview: None,
        });
    }
    for (rel, text) in extra_files {
        if let Some(mode) = tree.mode(&rel) {
            let abs = ws.root.join(&rel);
            work.push(DocWork {
                doc: ManagedDoc {
                    settings: ws.config.doc_settings(&rel),
                    abs: abs.clone(),
                    rel,
                },
                mode,
                work_before: fs::read(&abs).ok(),
                work_after: Some(text.clone()),
                new_committed: text,
                state: None,
                preview: None,
            });
        }
    }
    if work.is_empty() {
        return nothing(format!("already recorded ({})", recorded.join("; ")));
    }
    if preview {
        return Ok(Outcome::Preview(
            work.into_iter().filter_map(|w| w.preview).collect(),
        ));
    }
    let docs: Vec<String> = work.iter().map(|w| w.doc.rel.clone()).collect();
    let outcome = if amend {
        let files: Vec<NewFile<'_>> = work
            .iter()
            .map(|w| NewFile {
                rel: &w.doc.rel,
                abs: &w.doc.abs,
                text: w.new_committed.as_bytes(),
                mode: w.mode,
            })
            .collect();
        let left = |e: Error| {
            Error::Usage(format!(
                "{e}; the new row is left in the working tree — commit it, or run `git checkout -- {}`",
                docs.join(" ")
            ))
        };
        let how = Amend {
            env,
            reflog_note: "[dbarch: Change Log row]",
            nested_env: (ENV_RUNNING, "1"),
            staged_differently: &|rel| {
                Error::Usage(format!(
                    "{rel} is staged differently from the commit; run `dbarch sync` after committing"
                ))
            },
        };
        let new = repo.amend_head(
            head,
            &files,
            &how,
            &mut || write_working_files(&work),
            &left,
        )?;
        Outcome::Amended {
            docs,
            old: head,
            new: new.0,
            via_git: new.1,
        }
    } else {
        write_working_files(&work)?;
        Outcome::Written { docs, commit: head }
    };
    let new_head = match &outcome {
        Outcome::Amended { new, .. } => *new,
        _ => head,
    };
    let mut changed_state = false;
    for w in &work {
        if let Some(s) = &w.state {
            let mut s = s.clone();
            s.head = new_head.to_string();
            state.set(&w.doc.rel, s);
            changed_state = true;
        }
    }
    if changed_state {
        state.save(repo.git_dir());
    }
    Ok(outcome)
}

/// A reword by `git commit --amend`: the Change text the commit before the amend had
/// (its cleaned subject), the new one, and the author's name.
struct Reword {
    old: String,
    new: String,
    author: String,
}

/// When HEAD was made by `git commit --amend` (HEAD's newest reflog entry says so) with
/// another subject than the commit it replaced.
fn reworded(repo: &Repo, head: Oid) -> Option<Reword> {
    let a = repo.amended_from(head)?;
    let (old, new) = (
        changelog::clean_subject(&a.old_summary),
        changelog::clean_subject(&a.new_summary),
    );
    (old != new).then_some(Reword {
        old,
        new,
        author: a.author,
    })
}

/// `bytes` with the newest row by the reword's author whose Change cell holds the old
/// text changed to the new text; `None` when there is no such row.
fn reword_row(bytes: &[u8], labels: &Labels, r: &Reword) -> Option<Vec<u8>> {
    use crate::doc::{table::escape_cell, Column, Edit};
    let d = Document::parse(bytes.to_vec(), labels).ok()?;
    let t = d.table()?;
    let (old, new) = (escape_cell(&r.old, 0), escape_cell(&r.new, 0));
    let row = t
        .real_rows()
        .filter(|row| {
            t.cell(row, Column::Change)
                .is_some_and(|c| c == old || c.starts_with(&format!("{old} ")))
                && t.cell(row, Column::Author)
                    .is_none_or(|a| r.author.is_empty() || a.contains(&r.author))
        })
        .max_by_key(|row| row.line)?;
    let line = d.text.lines[row.line];
    let text = d.text.line_text(row.line);
    let at = text
        .find(&format!("| {old}"))
        .map(|i| i + 2)
        .or_else(|| text.find(&old))?;
    let start = line.start + at;
    let edited = crate::doc::edit::splice(
        &d.text.src,
        &[Edit {
            range: start..start + old.len(),
            text: new,
        }],
    )
    .ok()?;
    Some(edited.into_bytes())
}

/// What a preview shows for one document: `plan`'s rows, the lines of `new` that are
/// not in `doc` (as written), and Last Updated before and after.
fn preview_doc(rel: &str, doc: &Document, new: &str, plan: &Plan, labels: &Labels) -> PreviewDoc {
    let lines = similar::TextDiff::from_lines(doc.text.src.as_str(), new)
        .iter_all_changes()
        .filter(|c| c.tag() == similar::ChangeTag::Insert)
        .map(|c| c.value().trim_end_matches(['\n', '\r']).to_string())
        .collect();
    let after = Document::parse_str(new, labels).ok();
    let lu = |d: &Document| d.field(FieldKind::LastUpdated).map(|f| f.raw.clone());
    PreviewDoc {
        path: rel.to_string(),
        rows: plan.rows.iter().map(|r| r.row.clone()).collect(),
        lines,
        last_updated: PreviewDates {
            old: lu(doc),
            new: after.as_ref().and_then(lu),
        },
    }
}

/// The plan for HEAD alone: only rows for `head` are kept, and in amend mode their Commit
/// cell is empty.
fn plan_for(
    repo: &Repo,
    rel: &str,
    doc: &Document,
    settings: &Settings,
    since: Option<Since>,
    head: Oid,
    amend: bool,
) -> Result<Plan> {
    let mut plan = changelog::plan(repo, rel, doc, settings, since)?;
    plan.rows.retain(|r| r.commit == head);
    if amend {
        for r in &mut plan.rows {
            r.row.commit = None;
        }
    }
    Ok(plan)
}

fn reason(r: &changelog::Recorded) -> String {
    use changelog::Recorded as R;
    match r {
        R::RowRefers => "a row already refers to the commit".into(),
        R::AddsRows => "the commit adds Change Log rows itself".into(),
        R::Bookkeeping => "the commit only changed managed parts".into(),
        R::Skipped(why) => format!("skipped: {why}"),
        R::ShallowBoundary => "shallow clone boundary".into(),
    }
}

/// Writes each document's working-file text, refusing when the file changed since it
/// was read.
fn write_working_files(work: &[DocWork]) -> Result<()> {
    for w in work {
        let (Some(before), Some(after)) = (&w.work_before, &w.work_after) else {
            continue;
        };
        let now = fs::read(&w.doc.abs).map_err(|e| Error::io(&w.doc.abs, e))?;
        if now != *before {
            return Err(Error::Usage(format!(
                "{} changed while the hook was working on it; run `dbarch sync`",
                w.doc.rel
            )));
        }
        if after.as_bytes() != before.as_slice()
            && !fsutil::replace_if_unchanged(&w.doc.abs, before, after.as_bytes())?
        {
            return Err(Error::Usage(format!(
                "{} changed while the hook was working on it; run `dbarch sync`",
                w.doc.rel
            )));
        }
    }
    Ok(())
}
