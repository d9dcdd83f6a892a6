//! The git operations of the hook, the merge driver and their installation, in one file:
//! to move into `src/git/write.rs` and `src/git/changes.rs` when the git layer lands.
//! They take and return plain values (paths, bytes, ids, [`NewFile`] rows, callbacks)
//! and know nothing of documents or of the hook's decisions, so they can move as they
//! are:
//! - to `git/changes.rs`: [`changed_paths`] (the paths a commit changed, descending only
//!   into differing subtrees), [`blob_text`], [`committed_file`], [`tree_mode`];
//! - to `git/write.rs`: [`amend_head`] (with its index, stat, ref and `git commit
//!   --amend` helpers), [`staged_commit`] (the index as a commit, in memory only),
//!   [`set_local_config`], [`remove_local_config`];
//! - to `git/mod.rs` (reading the repository): [`open_git`], [`operation_in_progress`],
//!   [`amended_from`] (the reflog), [`hooks_dir`], [`config_string`], [`merge_file`]
//!   (libgit2's line merge).
//!
//! The rest of `src/hook/` names no git2 type except `Oid` in `post_commit.rs` (the
//! commit ids it plans with, as `changelog` does); `post_commit.rs` still calls methods
//! on the repository, commits and trees these functions hand it.
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use git2::{ObjectType, Oid, Repository, Tree};

use super::ENV_RUNNING;
use crate::history::Repo;
use crate::workspace;
use crate::{Error, Result};

/// The commit `git commit -m <message>` would make of the index now (see
/// [`super::preview`]), written to an in-memory object database added to `git`'s:
/// nothing reaches `.git`.
pub(crate) fn staged_commit(
    git: &Repository,
    message: &str,
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

/// Opens the repository: from the environment git gives hooks (`GIT_DIR`) when `-C` was
/// not given, else by discovery from `-C`.
pub(crate) fn open_git(start: &Path) -> Result<Repository> {
    let r = if start == Path::new(".") {
        Repository::open_from_env()
    } else {
        Repository::discover(start)
    };
    r.map_err(|e| Error::git("opening the repository", e))
}

/// The git operation under way, if any (see the module documentation).
pub(crate) fn operation_in_progress(
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
pub(crate) fn changed_paths(
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

pub(crate) fn blob_text(git: &Repository, tree: &Tree<'_>, path: &str) -> String {
    tree.get_path(Path::new(path))
        .ok()
        .and_then(|e| git.find_blob(e.id()).ok())
        .map(|b| String::from_utf8_lossy(b.content()).into_owned())
        .unwrap_or_default()
}

/// The bytes and tree-entry mode of the file at `rel` in `tree`; `None` when it is a
/// symlink, a directory or a submodule there.
pub(crate) fn committed_file(
    git: &Repository,
    tree: &Tree<'_>,
    rel: &str,
) -> Result<Option<(Vec<u8>, i32)>> {
    let entry = tree
        .get_path(Path::new(rel))
        .map_err(|e| Error::git(format!("looking up {rel} in HEAD"), e))?;
    if entry.kind() != Some(ObjectType::Blob) || entry.filemode() == 0o120000 {
        return Ok(None);
    }
    let bytes = git
        .find_blob(entry.id())
        .map_err(|e| Error::git(format!("reading {rel} in HEAD"), e))?
        .content()
        .to_vec();
    Ok(Some((bytes, entry.filemode())))
}

/// The tree-entry mode of `rel` in `tree`, when it is there.
pub(crate) fn tree_mode(tree: &Tree<'_>, rel: &str) -> Option<i32> {
    tree.get_path(Path::new(rel)).ok().map(|e| e.filemode())
}

/// The commit `git commit --amend` replaced with `head`: its subject line, `head`'s
/// subject line and `head`'s author name, when HEAD's newest reflog entry says `head` was
/// made by an amend.
pub(crate) struct Amended {
    pub(crate) old_summary: String,
    pub(crate) new_summary: String,
    pub(crate) author: String,
}

pub(crate) fn amended_from(repo: &Repo, head: Oid) -> Option<Amended> {
    let git = repo.git();
    let head = git.find_commit(head).ok()?;
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
    let old_summary = old.summary().ok().flatten()?.to_string();
    let new_summary = head.summary().ok().flatten()?.to_string();
    let author = head.author().name().unwrap_or_default().to_string();
    Some(Amended {
        old_summary,
        new_summary,
        author,
    })
}

/// A file an amend gives new content: its path in the tree (`rel`) and in the work tree
/// (`abs`), the new bytes, and its tree-entry mode in HEAD.
pub(crate) struct NewFile<'a> {
    pub(crate) rel: &'a str,
    pub(crate) abs: &'a Path,
    pub(crate) text: &'a [u8],
    pub(crate) mode: i32,
}

/// Amends HEAD (`commit`, tree `tree`) so it carries `files`: HEAD's tree with the new
/// blobs, HEAD's author, committer and message byte for byte, HEAD's parents; the
/// branch (or a detached HEAD) moved with a compare-and-swap from the old id; each
/// file's index entry moved to its new blob. Through `git commit --amend` when
/// [`needs_git_cli`]. `write_files` runs once the new tree is built and before git's
/// state changes (the hook writes the working files there); an error after it goes
/// through `left` (which says where the change was left). Returns the new id and
/// whether `git commit --amend` made it.
#[allow(clippy::too_many_arguments)]
pub(crate) fn amend_head(
    repo: &Repo,
    commit: &git2::Commit<'_>,
    tree: &Tree<'_>,
    files: &[NewFile<'_>],
    env: &dyn Fn(&str) -> Option<String>,
    write_files: &mut dyn FnMut() -> Result<()>,
    left: &dyn Fn(Error) -> Error,
) -> Result<(Oid, bool)> {
    let git = repo.git();
    let mut index = open_index(git, env)?;
    // The index must hold what HEAD holds for each document (it does right after a
    // commit); anything else means someone staged meanwhile.
    for w in files {
        let committed_id = tree
            .get_path(Path::new(w.rel))
            .map(|e| e.id())
            .map_err(|e| Error::git(format!("looking up {}", w.rel), e))?;
        let staged = index.get_path(Path::new(w.rel), 0).map(|e| e.id);
        if staged != Some(committed_id) {
            return Err(Error::Usage(format!(
                "{} is staged differently from the commit; run `dbarch sync` after committing",
                w.rel
            )));
        }
    }
    let mut update = git2::build::TreeUpdateBuilder::new();
    let mut blobs = Vec::new();
    for w in files {
        let id = git
            .blob(w.text)
            .map_err(|e| Error::git("writing the document blob", e))?;
        let mode = if w.mode == 0o100755 {
            git2::FileMode::BlobExecutable
        } else {
            git2::FileMode::Blob
        };
        update.upsert(w.rel, id, mode);
        blobs.push(id);
    }
    let new_tree = update
        .create_updated(git, tree)
        .map_err(|e| Error::git("building the amended tree", e))?;

    write_files()?;
    let via_git = needs_git_cli(git, commit);
    let new_id = if via_git {
        let id = amend_with_git(repo, commit, new_tree).map_err(left)?;
        // git wrote only its temporary index; pick up anything else written meanwhile.
        index
            .read(false)
            .map_err(|e| Error::git("re-reading the index", e))?;
        stage(&mut index, files, &blobs)?;
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
        let old_entries: Vec<Option<git2::IndexEntry>> = files
            .iter()
            .map(|w| index.get_path(Path::new(w.rel), 0))
            .collect();
        stage(&mut index, files, &blobs)?;
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
fn stage(index: &mut git2::Index, files: &[NewFile<'_>], blobs: &[Oid]) -> Result<()> {
    for (w, blob) in files.iter().zip(blobs) {
        let Some(mut e) = index.get_path(Path::new(w.rel), 0) else {
            continue;
        };
        e.id = *blob;
        let meta = fs::symlink_metadata(w.abs)
            .ok()
            .filter(|m| m.is_file())
            .filter(|_| fs::read(w.abs).is_ok_and(|b| b == w.text));
        set_stat(&mut e, meta.as_ref());
        index
            .add(&e)
            .map_err(|err| Error::git(format!("staging {}", w.rel), err))?;
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
fn amend_with_git(repo: &Repo, commit: &git2::Commit<'_>, new_tree: Oid) -> Result<Oid> {
    let git = repo.git();
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
    cmd.current_dir(repo.workdir()?)
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

/// git's 3-way line merge (libgit2's `merge_file`, as `git merge-file`) of three byte
/// strings, with conflict markers labelled `[ours, base, theirs]` and `marker_size` wide:
/// the merged bytes and whether conflicts were left. `None` when libgit2 refuses (binary
/// content, for one).
pub(crate) fn merge_file(
    base: &[u8],
    ours: &[u8],
    theirs: &[u8],
    labels: [&str; 3],
    marker_size: u16,
    diff3: bool,
) -> Option<(Vec<u8>, bool)> {
    // `git2::merge_file` does not initialise libgit2 itself (its first call fails when
    // nothing else has); `Buf::new` does.
    drop(git2::Buf::new());
    let mut b = git2::MergeFileInput::new();
    b.content(base);
    let mut o = git2::MergeFileInput::new();
    o.content(ours);
    let mut t = git2::MergeFileInput::new();
    t.content(theirs);
    let mut opts = git2::MergeFileOptions::new();
    opts.our_label(labels[0])
        .ancestor_label(labels[1])
        .their_label(labels[2])
        .marker_size(marker_size)
        .style_diff3(diff3);
    git2::merge_file(&b, &o, &t, Some(&mut opts))
        .ok()
        .map(|r| (r.content().to_vec(), !r.is_automergeable()))
}

/// The hooks directory git uses for `git`'s repository, and `core.hooksPath` as
/// configured when set (see [`super::install`]).
pub(crate) fn hooks_dir(git: &Repository) -> Result<(PathBuf, Option<String>)> {
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
        return Ok((git.commondir().join("hooks"), None));
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
    Ok((dir, Some(raw)))
}

/// Sets each key to its value in the repository's own config (`.git/config`) where it
/// differs. Returns whether anything changed.
pub(crate) fn set_local_config(git: &Repository, pairs: &[(String, String)]) -> Result<bool> {
    let mut cfg = git
        .config()
        .and_then(|c| c.open_level(git2::ConfigLevel::Local))
        .map_err(|e| Error::git("opening the repository's config", e))?;
    let mut changed = false;
    for (k, v) in pairs {
        if cfg.get_string(k).ok().as_deref() != Some(v.as_str()) {
            cfg.set_str(k, v)
                .map_err(|e| Error::git(format!("setting {k}"), e))?;
            changed = true;
        }
    }
    Ok(changed)
}

/// Removes the keys from the repository's own config. Returns whether one was there
/// and went; a config that cannot be opened or written is left as it is.
pub(crate) fn remove_local_config(git: &Repository, keys: &[String]) -> bool {
    let Ok(mut cfg) = git
        .config()
        .and_then(|c| c.open_level(git2::ConfigLevel::Local))
    else {
        return false;
    };
    let mut changed = false;
    for key in keys {
        if cfg.get_string(key).is_ok() && cfg.remove(key).is_ok() {
            changed = true;
        }
    }
    changed
}

/// A string from git's configuration (all levels, as libgit2 reads them).
pub(crate) fn config_string(git: &Repository, key: &str) -> Option<String> {
    git.config().ok().and_then(|c| c.get_string(key).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

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
