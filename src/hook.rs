//! The git post-commit hook (SPEC §4): after a commit that changed a managed document,
//! record that commit in the document's Change Log — and the hook's installation.
//!
//! # `dbarch hook post-commit` ([`post_commit`])
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
//!    changed path is a managed document when it matches a `[[docs]]` path or glob, or,
//!    without `[[docs]]`, when it is a `.md`/`.markdown` file whose committed text
//!    carries the Next Review field (the discovery `sync` uses; the default document
//!    path without the field is checked against full discovery).
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
//! case. Nothing here prints.
//!
//! # Installation ([`install`], [`uninstall`], [`status`])
//!
//! The hooks directory is `core.hooksPath` when set (`~` expanded; a relative path is
//! relative to the work tree's root, as git runs hooks there) or the common git
//! directory's `hooks` (shared by all worktrees). The installed script is
//! `hooks/post-commit` with the absolute path of the installing binary filled in
//! (`DBARCH_INSTALLED_BIN`); at run time `$DBARCH_BIN` wins, then that path, then
//! `dbarch` on `PATH`. An existing post-commit hook that is not dbarch's is renamed,
//! byte for byte, to `post-commit.dbarch-chained` and run by dbarch's script after
//! dbarch (so it sees the amended HEAD); `uninstall` renames it back. Installing again
//! rewrites only dbarch's own script.
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use git2::{ObjectType, Oid, Repository, Tree};

use crate::changelog::{self, Plan, Settings, Since};
use crate::cli::Global;
use crate::config::{self, Config, HookMode, Overrides};
use crate::doc::{Document, FieldKind, Labels};
use crate::fsutil::{self, Lock};
use crate::history::Repo;
use crate::syncstate::{self, SyncState};
use crate::workspace::{self, ManagedDoc, Workspace};
use crate::{Error, Result};

/// Set (to `1`) for every git command dbarch runs from the hook; while set, the hook
/// script and `dbarch hook post-commit` do nothing. Re-entry is impossible.
pub const ENV_RUNNING: &str = "DBARCH_HOOK_RUNNING";
/// When set (non-empty), `dbarch hook post-commit` also says why it did nothing.
pub const ENV_VERBOSE: &str = "DBARCH_HOOK_VERBOSE";
/// The hook's file name.
pub const HOOK_NAME: &str = "post-commit";
/// Where an existing post-commit hook goes when dbarch's is installed over it.
pub const CHAINED_NAME: &str = "post-commit.dbarch-chained";
/// The shipped hook script (`hooks/post-commit`).
pub const SCRIPT: &str = include_str!("../hooks/post-commit");
/// The line that marks a hook as dbarch's.
const MARKER: &str = "# dbarch-managed-hook";
/// The script's line that `install` fills with the binary's path.
const BIN_LINE: &str = "DBARCH_INSTALLED_BIN=''";
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
    let git = open_git(global)?;
    if git.is_bare() {
        return nothing("the repository is bare");
    }
    if let Some(op) = operation_in_progress(&git, env) {
        return nothing(format!("{op} is in progress"));
    }
    let synthetic = match staged {
        Some(s) => Some(staged_commit(&git, s, env)?),
        None => None,
    };
    let head = match synthetic {
        Some(id) => git
            .find_commit(id)
            .map_err(|e| Error::git("reading the staged commit", e))?,
        None => match git.head().and_then(|h| h.peel_to_commit()) {
            Ok(c) => c,
            Err(e) => return Err(Error::git("reading HEAD", e)),
        },
    };
    if head.parent_count() > 1 {
        return nothing("HEAD is a merge commit");
    }
    let parent = match head.parent_count() {
        0 => None,
        _ => Some(
            head.parent(0)
                .map_err(|e| Error::git("reading HEAD's parent", e))?,
        ),
    };
    let tree = head
        .tree()
        .map_err(|e| Error::git("reading HEAD's tree", e))?;
    let parent_tree = match &parent {
        Some(p) => Some(
            p.tree()
                .map_err(|e| Error::git("reading the parent's tree", e))?,
        ),
        None => None,
    };
    let mut changed = Vec::new();
    changed_paths(&git, parent_tree.as_ref(), &tree, "", &mut changed)
        .map_err(|e| Error::git("comparing HEAD's tree with its parent's", e))?;
    if changed.is_empty() {
        if staged.is_some() {
            return nothing("nothing is staged");
        }
        return nothing("the commit changed no file");
    }
    let root = git
        .workdir()
        .ok_or_else(|| Error::Usage("the repository has no working tree".into()))?
        .to_path_buf();
    let markdown: Vec<&String> = changed.iter().filter(|p| is_markdown(p)).collect();
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
        let branch = git
            .find_reference("HEAD")
            .ok()
            .and_then(|h| h.symbolic_target().ok().flatten().map(str::to_string))
            .and_then(|t| t.strip_prefix("refs/heads/").map(str::to_string));
        let Some(branch) = branch else {
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
        if let Some(pt) = parent_tree.as_ref() {
            let mut text = fs::read_to_string(&config_file).ok();
            for (old, new) in crate::rename::renames(&git, pt, &tree) {
                if !config.docs.iter().any(|d| d.path == old) || configured(&config, &new) {
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
                    .filter(|r| tree.get_path(Path::new(r)).is_ok());
                if let Some(rel) = rel {
                    renamed_files.push((rel, t));
                }
                // The merge driver's `.gitattributes` line follows too.
                let attrs = root.join(".gitattributes");
                if let Ok(old_text) = fs::read_to_string(&attrs) {
                    let mut new_text = old_text.clone();
                    for (o, n) in &pairs {
                        use crate::commands::merge_driver::{pattern, ATTR};
                        new_text = new_text.replace(
                            &format!("{} {ATTR}", pattern(o)),
                            &format!("{} {ATTR}", pattern(n)),
                        );
                    }
                    if new_text != old_text {
                        fsutil::write_atomic(&attrs, new_text.as_bytes())?;
                        if tree.get_path(Path::new(".gitattributes")).is_ok() {
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
    let labels = labels_of(&config);
    let mut touched: Vec<String> = Vec::new();
    let mut maybe_default = false;
    if config.docs_explicit {
        for p in &changed {
            if configured(&config, p) {
                touched.push(p.clone());
            }
        }
    } else {
        for p in markdown {
            let text = blob_text(&git, &tree, p);
            if carries_next_review(&text, &labels) {
                touched.push(p.clone());
            } else if p == config::DEFAULT_DOC_PATH {
                maybe_default = true;
            }
        }
    }
    if touched.is_empty() && !maybe_default {
        return nothing("the commit changed no managed document");
    }
    let head_id = head.id();
    let parent_id = parent.as_ref().map(|p| p.id());
    drop((tree, parent_tree, parent, head));
    let repo = if synthetic.is_some() {
        // The staged commit is in this repository's in-memory object database only.
        Repo::with_head(git, synthetic)
    } else {
        let repo = Repo::discover(&root)?;
        if !same_path(repo.git().path(), git.path()) {
            return Err(Error::Internal(format!(
                "the repository at {} is not the one git ran the hook for ({})",
                root.display(),
                git.path().display()
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

/// The commit `git commit` would make of the index now (see [`preview`]), written to an
/// in-memory object database added to `git`'s: nothing reaches `.git`.
fn staged_commit(
    git: &Repository,
    staged: &Staged,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Oid> {
    git.odb()
        .and_then(|odb| odb.add_new_mempack_backend(1000).map(|_| ()))
        .map_err(|e| Error::git("preparing an in-memory object database", e))?;
    let mut index = open_index(git, env)?;
    if index.has_conflicts() {
        return Err(Error::Usage(
            "the index has unresolved conflicts; `git commit` would refuse too".into(),
        ));
    }
    let tree = index
        .write_tree_to(git)
        .map_err(|e| Error::git("reading the staged tree", e))?;
    let tree = git
        .find_tree(tree)
        .map_err(|e| Error::git("reading the staged tree", e))?;
    let parent = match git.head() {
        Ok(h) => Some(
            h.peel_to_commit()
                .map_err(|e| Error::git("reading HEAD", e))?,
        ),
        Err(e)
            if matches!(
                e.code(),
                git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound
            ) =>
        {
            None
        }
        Err(e) => return Err(Error::git("reading HEAD", e)),
    };
    let workdir = git.workdir().unwrap_or_else(|| git.path());
    let author = git_ident(workdir, "GIT_AUTHOR_IDENT", "GIT_AUTHOR_DATE", env)?;
    let committer = git_ident(workdir, "GIT_COMMITTER_IDENT", "GIT_COMMITTER_DATE", env)?;
    let message = staged
        .message
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .unwrap_or(PLACEHOLDER_SUBJECT);
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    git.commit(
        None,
        &author,
        &committer,
        &format!("{message}\n"),
        &tree,
        &parents,
    )
    .map_err(|e| Error::git("making the staged commit in memory", e))
}

/// Who `git commit` would record (`git var <var>`), dated by `date_var` when that is
/// set (as git does) and else now by the clock seam.
fn git_ident(
    dir: &Path,
    var: &str,
    date_var: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<git2::Signature<'static>> {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["var", var])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::Usage(format!("cannot run git: {e}")))?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let parsed = out.status.success().then(|| parse_ident(&text)).flatten();
    let Some((name, email, when, offset)) = parsed else {
        let err = String::from_utf8_lossy(&out.stderr);
        let why = err
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("fatal:") || l.contains("identity"))
            .unwrap_or("no identity");
        return Err(Error::Usage(format!(
            "git cannot tell who would commit ({why}); set user.name and user.email — \
             `git commit` would fail the same way"
        )));
    };
    let time = if env(date_var).is_some_and(|v| !v.trim().is_empty()) {
        git2::Time::new(when, offset)
    } else {
        let now = workspace::now()?;
        git2::Time::new(now.timestamp(), now.offset().local_minus_utc() / 60)
    };
    git2::Signature::new(&name, &email, &time)
        .map_err(|e| Error::git("building the commit's signature", e))
}

/// `Name <email> 1764000000 +0100` → (name, email, seconds, offset in minutes).
fn parse_ident(text: &str) -> Option<(String, String, i64, i32)> {
    let open = text.rfind('<')?;
    let close = text.rfind('>')?;
    if close < open {
        return None;
    }
    let name = text[..open].trim().to_string();
    let email = text[open + 1..close].to_string();
    let mut rest = text[close + 1..].split_whitespace();
    let when: i64 = rest.next()?.parse().ok()?;
    let tz = rest.next()?;
    let sign = if tz.starts_with('-') { -1 } else { 1 };
    let digits = tz.trim_start_matches(['+', '-']);
    if digits.len() != 4 {
        return None;
    }
    let h: i32 = digits[..2].parse().ok()?;
    let m: i32 = digits[2..].parse().ok()?;
    Some((name, email, when, sign * (h * 60 + m)))
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

/// Opens the repository: from the environment git gives hooks (`GIT_DIR`) when `-C` was
/// not given, else by discovery from `-C`.
fn open_git(global: &Global) -> Result<Repository> {
    let r = if global.repo == Path::new(".") {
        Repository::open_from_env()
    } else {
        Repository::discover(&global.repo)
    };
    r.map_err(|e| Error::git("opening the repository", e))
}

/// The git operation under way, if any (see the module documentation).
fn operation_in_progress(
    git: &Repository,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<&'static str> {
    const MARKERS: [(&str, &str); 8] = [
        ("rebase-merge", "a rebase"),
        ("rebase-apply", "a rebase or `git am`"),
        ("MERGE_HEAD", "a merge"),
        ("CHERRY_PICK_HEAD", "a cherry-pick"),
        ("REVERT_HEAD", "a revert"),
        ("BISECT_LOG", "a bisect"),
        ("sequencer", "a cherry-pick or revert"),
        ("MERGE_MSG", "a cherry-pick or revert"),
    ];
    let dir = git.path();
    for (name, what) in MARKERS {
        if dir.join(name).exists() {
            return Some(what);
        }
    }
    if let Some(action) = env("GIT_REFLOG_ACTION") {
        let a = action.trim_start();
        for (prefix, what) in [
            ("rebase", "a rebase"),
            ("cherry-pick", "a cherry-pick"),
            ("revert", "a revert"),
            ("am", "`git am`"),
            ("merge", "a merge"),
            ("pull", "a pull"),
        ] {
            if a == prefix || a.starts_with(&format!("{prefix} ")) {
                return Some(what);
            }
        }
    }
    use git2::RepositoryState as S;
    match git.state() {
        S::Clean => None,
        S::Merge => Some("a merge"),
        S::Revert | S::RevertSequence => Some("a revert"),
        S::CherryPick | S::CherryPickSequence => Some("a cherry-pick"),
        S::Bisect => Some("a bisect"),
        S::Rebase | S::RebaseInteractive | S::RebaseMerge => Some("a rebase"),
        S::ApplyMailbox | S::ApplyMailboxOrRebase => Some("`git am`"),
    }
}

/// Paths of files (blobs) that `new` adds or changes relative to `old`, descending only
/// into subtrees whose ids differ. Deleted files are left out (there is no document left
/// to record anything in), as are submodules.
fn changed_paths(
    git: &Repository,
    old: Option<&Tree<'_>>,
    new: &Tree<'_>,
    prefix: &str,
    out: &mut Vec<String>,
) -> std::result::Result<(), git2::Error> {
    for entry in new.iter() {
        let name = String::from_utf8_lossy(entry.name_bytes());
        let path = if prefix.is_empty() {
            name.into_owned()
        } else {
            format!("{prefix}/{name}")
        };
        let before = old.and_then(|t| t.get_name_bytes(entry.name_bytes()));
        if let Some(b) = &before {
            if b.id() == entry.id() && b.filemode_raw() == entry.filemode_raw() {
                continue;
            }
        }
        match entry.kind() {
            Some(ObjectType::Tree) => {
                let sub = git.find_tree(entry.id())?;
                let old_sub = match &before {
                    Some(b) if b.kind() == Some(ObjectType::Tree) => Some(git.find_tree(b.id())?),
                    _ => None,
                };
                changed_paths(git, old_sub.as_ref(), &sub, &path, out)?;
            }
            Some(ObjectType::Blob) => out.push(path),
            _ => {}
        }
    }
    Ok(())
}

/// The file names document discovery looks at (as [`Workspace::documents`] does).
fn is_markdown(path: &str) -> bool {
    path.ends_with(".md") || path.ends_with(".markdown")
}

fn is_glob(p: &str) -> bool {
    p.contains(['*', '?', '[', '{'])
}

/// Whether a `[[docs]]` entry names or matches `path`.
fn configured(config: &Config, path: &str) -> bool {
    config.docs.iter().any(|d| {
        if is_glob(&d.path) {
            config::compile_glob(&d.path).is_ok_and(|g| g.is_match(path))
        } else {
            d.path == path
        }
    })
}

fn labels_of(config: &Config) -> Labels {
    Labels {
        last_updated: config.fields.last_updated.clone(),
        reviewed_by: config.fields.reviewed_by.clone(),
        next_review: config.fields.next_review.clone(),
    }
}

/// The discovery test of [`Workspace::documents`], on committed text.
fn carries_next_review(text: &str, labels: &Labels) -> bool {
    let bold = format!("**{}:**", labels.next_review);
    let key = format!("{}:", labels.key(FieldKind::NextReview));
    text.contains(&bold) || text.lines().any(|l| l.starts_with(&key))
}

fn blob_text(git: &Repository, tree: &Tree<'_>, path: &str) -> String {
    tree.get_path(Path::new(path))
        .ok()
        .and_then(|e| git.find_blob(e.id()).ok())
        .map(|b| String::from_utf8_lossy(b.content()).into_owned())
        .unwrap_or_default()
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
    let git = repo.git();
    let _lock = if preview {
        None
    } else {
        Some(Lock::acquire(&git.path().join("dbarch.lock"), LOCK_WAIT)?)
    };
    if repo.head_id()? != Some(head) {
        return nothing("HEAD moved while the hook waited for another dbarch run");
    }
    let mode = ws.config.hook.mode;
    let amend = mode == HookMode::Amend;
    let commit = git
        .find_commit(head)
        .map_err(|e| Error::git(format!("reading commit {head}"), e))?;
    let tree = commit
        .tree()
        .map_err(|e| Error::git("reading HEAD's tree", e))?;
    let labels = ws.labels();
    let reword = reworded(git, &commit);
    let mut state = SyncState::load(git.path());
    let mut work: Vec<DocWork> = Vec::new();
    let mut recorded: Vec<String> = Vec::new();
    for rel in touched {
        let doc = ManagedDoc {
            settings: ws.config.doc_settings(rel),
            abs: crate::fsutil::safe_doc_path(&ws.root, rel)?,
            rel: rel.clone(),
        };
        let entry = tree
            .get_path(Path::new(rel))
            .map_err(|e| Error::git(format!("looking up {rel} in HEAD"), e))?;
        if entry.kind() != Some(ObjectType::Blob) || entry.filemode() == 0o120000 {
            continue; // a symlink or a directory: not a document dbarch edits
        }
        let committed = git
            .find_blob(entry.id())
            .map_err(|e| Error::git(format!("reading {rel} in HEAD"), e))?
            .content()
            .to_vec();
        if let Some(why) = crate::guard::filter_refusal(git, rel, Some(&committed)) {
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
        let print = syncstate::with_graph(settings.fingerprint(), &ws.repo()?.graph_id());
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
                mode: entry.filemode(),
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
            mode: entry.filemode(),
            new_committed,
            work_before,
            work_after,
            state,
            preview: None,
        });
    }
    for (rel, text) in extra_files {
        if let Ok(entry) = tree.get_path(Path::new(&rel)) {
            let abs = ws.root.join(&rel);
            work.push(DocWork {
                doc: ManagedDoc {
                    settings: ws.config.doc_settings(&rel),
                    abs: abs.clone(),
                    rel,
                },
                mode: entry.filemode(),
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
        let new = amend_head(ws, &commit, &tree, &work, env)?;
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
        state.save(git.path());
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
fn reworded(git: &Repository, head: &git2::Commit<'_>) -> Option<Reword> {
    let log = git.reflog("HEAD").ok()?;
    let entry = log.get(0)?;
    if entry.id_new() != head.id()
        || !entry
            .message()
            .ok()
            .flatten()?
            .starts_with("commit (amend)")
    {
        return None;
    }
    let old = git.find_commit(entry.id_old()).ok()?;
    let (o, n) = (
        changelog::clean_subject(old.summary().ok().flatten()?),
        changelog::clean_subject(head.summary().ok().flatten()?),
    );
    (o != n).then(|| Reword {
        old: o,
        new: n,
        author: head.author().name().unwrap_or_default().to_string(),
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

/// Amends HEAD (`commit`) so it carries the new committed texts. Returns the new id and
/// whether `git commit --amend` made it.
fn amend_head(
    ws: &Workspace,
    commit: &git2::Commit<'_>,
    tree: &Tree<'_>,
    work: &[DocWork],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Oid, bool)> {
    let git = ws.repo()?.git();
    let mut index = open_index(git, env)?;
    // The index must hold what HEAD holds for each document (it does right after a
    // commit); anything else means someone staged meanwhile.
    for w in work {
        let committed_id = tree
            .get_path(Path::new(&w.doc.rel))
            .map(|e| e.id())
            .map_err(|e| Error::git(format!("looking up {}", w.doc.rel), e))?;
        let staged = index.get_path(Path::new(&w.doc.rel), 0).map(|e| e.id);
        if staged != Some(committed_id) {
            return Err(Error::Usage(format!(
                "{} is staged differently from the commit; run `dbarch sync` after committing",
                w.doc.rel
            )));
        }
    }
    let mut update = git2::build::TreeUpdateBuilder::new();
    let mut blobs = Vec::new();
    for w in work {
        let id = git
            .blob(w.new_committed.as_bytes())
            .map_err(|e| Error::git("writing the document blob", e))?;
        let mode = if w.mode == 0o100755 {
            git2::FileMode::BlobExecutable
        } else {
            git2::FileMode::Blob
        };
        update.upsert(w.doc.rel.as_str(), id, mode);
        blobs.push(id);
    }
    let new_tree = update
        .create_updated(git, tree)
        .map_err(|e| Error::git("building the amended tree", e))?;

    write_working_files(work)?;
    let left = |e: Error| {
        Error::Usage(format!(
            "{e}; the new row is left in the working tree — commit it, or run `git checkout -- {}`",
            work.iter()
                .map(|w| w.doc.rel.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ))
    };
    let via_git = needs_git_cli(git, commit);
    let new_id = if via_git {
        let id = amend_with_git(ws, commit, new_tree).map_err(left)?;
        // git wrote only its temporary index; pick up anything else written meanwhile.
        index
            .read(false)
            .map_err(|e| Error::git("re-reading the index", e))?;
        stage(&mut index, work, &blobs)?;
        index
            .write()
            .map_err(|e| Error::git("writing the index (the commit is amended)", e))?;
        id
    } else {
        let new_tree = git
            .find_tree(new_tree)
            .map_err(|e| Error::git("reading the amended tree", e))?;
        let parents: Vec<git2::Commit<'_>> = commit.parents().collect();
        let parents: Vec<&git2::Commit<'_>> = parents.iter().collect();
        let message = commit
            .message_raw()
            .map_err(|e| Error::git("reading the commit message", e))?;
        let id = git
            .commit(
                None,
                &commit.author(),
                &commit.committer(),
                message,
                &new_tree,
                &parents,
            )
            .map_err(|e| left(Error::git("writing the amended commit", e)))?;
        let old_entries: Vec<Option<git2::IndexEntry>> = work
            .iter()
            .map(|w| index.get_path(Path::new(&w.doc.rel), 0))
            .collect();
        stage(&mut index, work, &blobs)?;
        index
            .write()
            .map_err(|e| left(Error::git("writing the index", e)))?;
        if let Err(e) = move_head(
            git,
            commit.id(),
            id,
            commit.summary().ok().flatten().unwrap_or(""),
        ) {
            for e in old_entries.into_iter().flatten() {
                let _ = index.add(&e);
            }
            let _ = index.write();
            return Err(left(e));
        }
        id
    };
    Ok((new_id, via_git))
}

/// The index git uses for this worktree (`GIT_INDEX_FILE` when it names another file).
fn open_index(git: &Repository, env: &dyn Fn(&str) -> Option<String>) -> Result<git2::Index> {
    if let Some(p) = env("GIT_INDEX_FILE").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        let p = if p.is_relative() {
            std::env::current_dir()
                .map_err(|e| Error::io(".", e))?
                .join(p)
        } else {
            p
        };
        let default = git.path().join("index");
        let same = match (p.canonicalize(), default.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        if !same && p.is_file() {
            return git2::Index::open(&p)
                .map_err(|e| Error::git(format!("opening the index {}", p.display()), e));
        }
    }
    git.index().map_err(crate::guard::index_error)
}

/// Points each document's index entry at its new blob, with the working file's stat data
/// when the file holds exactly that blob (else zeroed, so git compares the content).
fn stage(index: &mut git2::Index, work: &[DocWork], blobs: &[Oid]) -> Result<()> {
    for (w, blob) in work.iter().zip(blobs) {
        let Some(mut e) = index.get_path(Path::new(&w.doc.rel), 0) else {
            continue;
        };
        e.id = *blob;
        let meta = fs::symlink_metadata(&w.doc.abs)
            .ok()
            .filter(|m| m.is_file())
            .filter(|_| fs::read(&w.doc.abs).is_ok_and(|b| b == w.new_committed.as_bytes()));
        set_stat(&mut e, meta.as_ref());
        index
            .add(&e)
            .map_err(|err| Error::git(format!("staging {}", w.doc.rel), err))?;
    }
    Ok(())
}

#[cfg(unix)]
fn set_stat(e: &mut git2::IndexEntry, meta: Option<&fs::Metadata>) {
    use std::os::unix::fs::MetadataExt;
    let zero = git2::IndexTime::new(0, 0);
    match meta {
        Some(m) => {
            e.ctime = git2::IndexTime::new(m.ctime() as i32, m.ctime_nsec() as u32);
            e.mtime = git2::IndexTime::new(m.mtime() as i32, m.mtime_nsec() as u32);
            e.dev = m.dev() as u32;
            e.ino = m.ino() as u32;
            e.uid = m.uid();
            e.gid = m.gid();
            e.file_size = m.size() as u32;
        }
        None => {
            e.ctime = zero;
            e.mtime = zero;
            e.dev = 0;
            e.ino = 0;
            e.file_size = 0;
        }
    }
}

#[cfg(not(unix))]
fn set_stat(e: &mut git2::IndexEntry, _meta: Option<&fs::Metadata>) {
    let zero = git2::IndexTime::new(0, 0);
    e.ctime = zero;
    e.mtime = zero;
    e.file_size = 0;
}

/// Moves the branch HEAD points at (or a detached HEAD) from `old` to `new`, only if it
/// is still at `old`.
fn move_head(git: &Repository, old: Oid, new: Oid, subject: &str) -> Result<()> {
    let head = git
        .find_reference("HEAD")
        .map_err(|e| Error::git("reading HEAD", e))?;
    let name = head
        .symbolic_target()
        .ok()
        .flatten()
        .unwrap_or("HEAD")
        .to_string();
    let msg = format!("commit (amend): {subject} [dbarch: Change Log row]");
    git.reference_matching(&name, new, true, old, &msg)
        .map_err(|e| Error::git(format!("moving {name} to the amended commit"), e))?;
    Ok(())
}

/// Whether the amend must go through `git commit --amend`: signing is on or the commit
/// is signed, or its message or headers are more than libgit2 re-creates byte for byte.
fn needs_git_cli(git: &Repository, commit: &git2::Commit<'_>) -> bool {
    signing_on(git) || is_signed(commit) || !plain_commit(commit)
}

fn signing_on(git: &Repository) -> bool {
    git.config()
        .and_then(|c| c.get_bool("commit.gpgsign"))
        .unwrap_or(false)
}

fn is_signed(commit: &git2::Commit<'_>) -> bool {
    header_keys(commit).any(|k| k.starts_with("gpgsig"))
}

/// Only tree, parent, author and committer headers, and a UTF-8 message.
fn plain_commit(commit: &git2::Commit<'_>) -> bool {
    commit.message_raw().is_ok()
        && header_keys(commit).all(|k| matches!(k, "tree" | "parent" | "author" | "committer"))
}

fn header_keys<'c>(commit: &'c git2::Commit<'_>) -> impl Iterator<Item = &'c str> {
    let raw = std::str::from_utf8(commit.raw_header_bytes()).unwrap_or("encoding ?");
    raw.lines()
        .filter(|l| !l.starts_with(' ') && !l.is_empty())
        .map(|l| l.split(' ').next().unwrap_or(""))
}

/// `git commit --amend` over a temporary index holding exactly `new_tree`.
fn amend_with_git(ws: &Workspace, commit: &git2::Commit<'_>, new_tree: Oid) -> Result<Oid> {
    let git = ws.repo()?.git();
    let tmp = git
        .path()
        .join(format!("dbarch-hook-index.{}", std::process::id()));
    let _ = fs::remove_file(&tmp);
    let _cleanup = RemoveOnDrop(tmp.clone());
    {
        let tree = git
            .find_tree(new_tree)
            .map_err(|e| Error::git("reading the amended tree", e))?;
        let mut index =
            git2::Index::open(&tmp).map_err(|e| Error::git("creating a temporary index", e))?;
        index
            .read_tree(&tree)
            .map_err(|e| Error::git("filling the temporary index", e))?;
        index
            .write()
            .map_err(|e| Error::git("writing the temporary index", e))?;
    }
    let mut cmd = Command::new("git");
    cmd.current_dir(&ws.root)
        .env(ENV_RUNNING, "1")
        .env("GIT_INDEX_FILE", &tmp)
        .env("GIT_EDITOR", ":")
        .env_remove("GIT_AUTHOR_NAME")
        .env_remove("GIT_AUTHOR_EMAIL")
        .env_remove("GIT_AUTHOR_DATE")
        .args(["-c", "gc.auto=0", "-c", "maintenance.auto=false"])
        .args([
            "commit",
            "--amend",
            "--no-edit",
            "--no-verify",
            "--allow-empty",
        ])
        .args(["--cleanup=verbatim", "--quiet"]);
    if is_signed(commit) && !signing_on(git) {
        cmd.arg("--gpg-sign");
    }
    let out = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| Error::Usage(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no message");
        return Err(Error::Usage(format!(
            "`git commit --amend` failed ({}): {}",
            out.status,
            last.trim()
        )));
    }
    let repo = ws.repo()?;
    let new = repo
        .head_id()?
        .ok_or_else(|| Error::Internal("HEAD vanished after the amend".into()))?;
    let c = git
        .find_commit(new)
        .map_err(|e| Error::git("reading the amended commit", e))?;
    let parents_same = c.parent_ids().eq(commit.parent_ids());
    if new == commit.id() || c.tree_id() != new_tree || !parents_same {
        return Err(Error::Internal(format!(
            "`git commit --amend` did not produce the expected commit (HEAD is {new})"
        )));
    }
    Ok(new)
}

struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
        let _ = fs::remove_file(self.0.with_extension("lock"));
    }
}

// ---------------------------------------------------------------------------------------
// Installation
// ---------------------------------------------------------------------------------------

/// Where the post-commit hook lives for a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookLocation {
    /// The hooks directory.
    pub dir: PathBuf,
    /// `core.hooksPath` as configured, when set.
    pub hooks_path: Option<String>,
}

impl HookLocation {
    pub fn hook(&self) -> PathBuf {
        self.dir.join(HOOK_NAME)
    }

    pub fn chained(&self) -> PathBuf {
        self.dir.join(CHAINED_NAME)
    }
}

/// The hooks directory git uses for `git`'s repository (see the module documentation).
pub fn location(git: &Repository) -> Result<HookLocation> {
    let config = git
        .config()
        .map_err(|e| Error::git("reading the git configuration", e))?;
    // libgit2 reads ~/.gitconfig and /etc/gitconfig whatever GIT_CONFIG_GLOBAL,
    // GIT_CONFIG_SYSTEM, GIT_CONFIG_NOSYSTEM or GIT_CONFIG_COUNT say; git honours them.
    // With any of them set, git itself is asked, so `hooks status` tells what git runs.
    let from_git = crate::guard::git_config_env_set()
        .then(|| crate::guard::git_config_get(git, "core.hooksPath"))
        .flatten();
    let raw = match &from_git {
        Some((raw, _)) => raw.clone(),
        None => config
            .get_string("core.hooksPath")
            .ok()
            .filter(|s| !s.is_empty()),
    };
    let Some(raw) = raw else {
        return Ok(HookLocation {
            dir: git.commondir().join("hooks"),
            hooks_path: None,
        });
    };
    let expanded = match from_git {
        Some((_, Some(path))) => PathBuf::from(path),
        _ => config
            .get_path("core.hooksPath")
            .unwrap_or_else(|_| PathBuf::from(&raw)),
    };
    let dir = if expanded.is_absolute() {
        expanded
    } else {
        match git.workdir() {
            Some(w) => w.join(expanded),
            None => git.path().join(expanded),
        }
    };
    Ok(HookLocation {
        dir,
        hooks_path: Some(raw),
    })
}

/// The hook script with the binary's path filled in.
pub fn render_script(bin: Option<&Path>) -> String {
    match bin.and_then(|b| b.to_str()) {
        Some(b) => SCRIPT.replacen(
            BIN_LINE,
            &format!("DBARCH_INSTALLED_BIN={}", shell_quote(b)),
            1,
        ),
        None => SCRIPT.to_string(),
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Whether the file at `path` is dbarch's hook (a regular file carrying the marker).
fn is_ours(path: &Path) -> bool {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_file() => fs::read(path)
            .map(|b| {
                String::from_utf8_lossy(&b)
                    .lines()
                    .take(5)
                    .any(|l| l.starts_with(MARKER))
            })
            .unwrap_or(false),
        _ => false,
    }
}

fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

/// What [`install`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Installed {
    /// There was no post-commit hook.
    Created,
    /// The existing hook became `post-commit.dbarch-chained` and runs after dbarch.
    Chained,
    /// dbarch's hook was there and was rewritten (another binary path or version).
    Updated,
    /// dbarch's hook was there, byte for byte.
    Unchanged,
}

#[derive(Debug, Clone)]
pub struct InstallReport {
    pub location: HookLocation,
    pub action: Installed,
    /// The chained hook, when there is one.
    pub chained: Option<PathBuf>,
}

/// Installs the post-commit hook (idempotent). `bin` is recorded in the script.
pub fn install(git: &Repository, bin: Option<&Path>) -> Result<InstallReport> {
    let loc = location(git)?;
    fs::create_dir_all(&loc.dir).map_err(|e| Error::io(&loc.dir, e))?;
    let hook = loc.hook();
    let chained = loc.chained();
    let script = render_script(bin);
    let action = if !exists(&hook) {
        Installed::Created
    } else if is_ours(&hook) {
        if fs::read(&hook).is_ok_and(|b| b == script.as_bytes()) {
            Installed::Unchanged
        } else {
            Installed::Updated
        }
    } else {
        if exists(&chained) {
            return Err(Error::Usage(format!(
                "{} is another program's hook and {} (a hook dbarch chained earlier) also \
                 exists; move one of them away, then run `dbarch hooks install` again",
                hook.display(),
                chained.display()
            )));
        }
        fs::rename(&hook, &chained).map_err(|e| Error::io(&hook, e))?;
        Installed::Chained
    };
    if action != Installed::Unchanged {
        fsutil::write_atomic(&hook, script.as_bytes())?;
    }
    make_executable(&hook)?;
    Ok(InstallReport {
        chained: exists(&chained).then_some(chained),
        location: loc,
        action,
    })
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).map_err(|e| Error::io(path, e))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> Result<()> {
    Ok(())
}

/// What [`uninstall`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removed {
    /// dbarch's hook was removed; there was nothing to restore.
    Removed,
    /// dbarch's hook was removed and the chained hook put back.
    Restored,
    /// dbarch's hook was not installed; nothing changed.
    NotInstalled,
}

#[derive(Debug, Clone)]
pub struct UninstallReport {
    pub location: HookLocation,
    pub action: Removed,
    /// Another program's hook is at `post-commit` (left alone).
    pub other_hook: bool,
}

/// Removes dbarch's hook and restores the one it chained, byte for byte.
pub fn uninstall(git: &Repository) -> Result<UninstallReport> {
    let loc = location(git)?;
    let hook = loc.hook();
    let chained = loc.chained();
    let ours = is_ours(&hook);
    if ours {
        fs::remove_file(&hook).map_err(|e| Error::io(&hook, e))?;
    }
    let action = if (ours || !exists(&hook)) && exists(&chained) {
        fs::rename(&chained, &hook).map_err(|e| Error::io(&chained, e))?;
        Removed::Restored
    } else if ours {
        Removed::Removed
    } else {
        Removed::NotInstalled
    };
    Ok(UninstallReport {
        other_hook: !ours && action == Removed::NotInstalled && exists(&hook),
        location: loc,
        action,
    })
}

/// What `dbarch hooks status` reports.
#[derive(Debug, Clone)]
pub struct HookStatus {
    pub location: HookLocation,
    /// dbarch's hook is at `post-commit`.
    pub installed: bool,
    /// It is executable (git skips hooks that are not).
    pub executable: bool,
    /// Another program's hook is at `post-commit`.
    pub other_hook: bool,
    /// The other hook is the pre-commit framework's.
    pub pre_commit_framework: bool,
    pub chained: Option<PathBuf>,
    /// The binary path recorded in dbarch's hook, and whether it is there.
    pub recorded_bin: Option<String>,
    pub recorded_bin_found: bool,
}

pub fn status(git: &Repository) -> Result<HookStatus> {
    let loc = location(git)?;
    let hook = loc.hook();
    let chained = loc.chained();
    let installed = is_ours(&hook);
    let text = fs::read(&hook)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let recorded_bin = if installed {
        text.lines()
            .find_map(|l| l.strip_prefix("DBARCH_INSTALLED_BIN="))
            .map(unquote)
            .filter(|s| !s.is_empty())
    } else {
        None
    };
    let recorded_bin_found = recorded_bin
        .as_deref()
        .is_some_and(|b| Path::new(b).is_file());
    Ok(HookStatus {
        executable: installed && is_executable(&hook),
        other_hook: !installed && exists(&hook),
        pre_commit_framework: !installed
            && (text.contains("File generated by pre-commit") || text.contains("pre-commit.com")),
        chained: exists(&chained).then_some(chained),
        location: loc,
        installed,
        recorded_bin,
        recorded_bin_found,
    })
}

/// Undoes [`shell_quote`].
fn unquote(s: &str) -> String {
    let s = s.trim();
    let inner = s
        .strip_prefix('\'')
        .and_then(|x| x.strip_suffix('\''))
        .unwrap_or(s);
    inner.replace("'\\''", "'")
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_carries_the_marker_and_the_bin_line() {
        assert!(SCRIPT.starts_with("#!/bin/sh\n"));
        assert!(SCRIPT.lines().nth(1).unwrap().starts_with(MARKER));
        assert_eq!(SCRIPT.matches(BIN_LINE).count(), 1);
        let s = render_script(Some(Path::new("/opt/it's here/dbarch")));
        assert!(s.contains("DBARCH_INSTALLED_BIN='/opt/it'\\''s here/dbarch'\n"));
        assert_eq!(
            unquote("'/opt/it'\\''s here/dbarch'"),
            "/opt/it's here/dbarch"
        );
    }

    #[test]
    fn markdown_and_globs() {
        assert!(is_markdown("docs/a.md"));
        assert!(is_markdown("a.markdown"));
        assert!(!is_markdown("docs/a.mdx"));
        let mut c = Config::defaults();
        c.docs[0].path = "docs/**/*.txt".into();
        assert!(configured(&c, "docs/x/y.txt"));
        assert!(!configured(&c, "docs/x/y.md"));
        c.docs[0].path = "arch.txt".into();
        assert!(configured(&c, "arch.txt"));
    }

    #[test]
    fn next_review_marker() {
        let l = Labels::default();
        assert!(carries_next_review("x\n**Next Review:** 2027-01-01\n", &l));
        assert!(carries_next_review(
            "---\nnext_review: 2027-01-01\n---\n",
            &l
        ));
        assert!(!carries_next_review("# Readme\n", &l));
    }

    #[test]
    fn changed_paths_descends_only_into_changed_trees() {
        let dir = tempfile::tempdir().unwrap();
        let git = Repository::init(dir.path()).unwrap();
        let blob = |s: &str| git.blob(s.as_bytes()).unwrap();
        let mut b = git2::build::TreeUpdateBuilder::new();
        let empty = git
            .find_tree(git.treebuilder(None).unwrap().write().unwrap())
            .unwrap();
        b.upsert("a/x.md", blob("1"), git2::FileMode::Blob)
            .upsert("a/y.txt", blob("2"), git2::FileMode::Blob)
            .upsert("b/z.txt", blob("3"), git2::FileMode::Blob);
        let t1 = git
            .find_tree(b.create_updated(&git, &empty).unwrap())
            .unwrap();
        let mut b = git2::build::TreeUpdateBuilder::new();
        b.upsert("a/x.md", blob("1b"), git2::FileMode::Blob)
            .upsert("c/new.md", blob("4"), git2::FileMode::Blob)
            .remove("b/z.txt");
        let t2 = git.find_tree(b.create_updated(&git, &t1).unwrap()).unwrap();
        let mut out = Vec::new();
        changed_paths(&git, Some(&t1), &t2, "", &mut out).unwrap();
        assert_eq!(out, vec!["a/x.md".to_string(), "c/new.md".to_string()]);
        let mut all = Vec::new();
        changed_paths(&git, None, &t1, "", &mut all).unwrap();
        assert_eq!(all.len(), 3);
    }

    #[test]
    fn git_var_idents() {
        assert_eq!(
            parse_ident("Bob Example <bob@example.com> 1764000000 -0130"),
            Some((
                "Bob Example".into(),
                "bob@example.com".into(),
                1764000000,
                -90
            ))
        );
        assert_eq!(parse_ident("no identity"), None);
        assert_eq!(parse_ident("A <a@b> notanumber +0000"), None);
    }

    #[test]
    fn operation_markers() {
        let dir = tempfile::tempdir().unwrap();
        let git = Repository::init(dir.path()).unwrap();
        let none = |_: &str| None;
        assert_eq!(operation_in_progress(&git, &none), None);
        let rebase = |k: &str| (k == "GIT_REFLOG_ACTION").then(|| "rebase (pick)".to_string());
        assert_eq!(operation_in_progress(&git, &rebase), Some("a rebase"));
        let amend = |k: &str| (k == "GIT_REFLOG_ACTION").then(|| "amend".to_string());
        assert_eq!(operation_in_progress(&git, &amend), None);
        fs::write(git.path().join("MERGE_MSG"), "x").unwrap();
        assert!(operation_in_progress(&git, &none).is_some());
    }
}
