//! Writing to the repository: blobs, a tree with some files replaced, a commit on
//! HEAD, index entries, moving HEAD compare-and-swap, and `git commit` itself when the
//! commit must be signed (`commit.gpgsign`: libgit2 does not sign).
//!
//! `dbarch review` commits through these, and the post-commit hook amends HEAD through
//! [`Repo::amend_head`] (a tree with the documents replaced, the commit re-made byte for
//! byte, the index staged, HEAD moved only if it did not move meanwhile) and previews
//! the commit the index would make with [`Repo::staged_commit`]. What is the caller's
//! (the words of an error, the environment its nested `git commit` gets, the reflog's
//! note) comes in as parameters: nothing here knows about the hook.
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use chrono::{DateTime, FixedOffset};
use git2::{FileMode, IndexTime, Oid, Repository, Signature, Time};

use super::Repo;
use crate::{Error, Result};

/// One file of [`Repo::tree_with`]: its path, its new blob, and whether it is
/// executable.
#[derive(Clone, Copy, Debug)]
pub struct FileUpdate<'a> {
    pub path: &'a str,
    pub blob: Oid,
    pub executable: bool,
}

/// Who made a commit and when: name, email, seconds since the epoch, and the UTC
/// offset in minutes.
#[derive(Clone, Copy, Debug)]
pub struct Stamp<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub time: i64,
    pub offset_minutes: i32,
}

/// A new repository at `dir` with HEAD on `head_ref` (`refs/heads/main`); `context`
/// and `naming` name the two steps in an error.
pub fn init(dir: &Path, head_ref: &str, context: &str, naming: &str) -> Result<Repo> {
    let repo = git2::Repository::init(dir).map_err(|e| Error::git(context.to_string(), e))?;
    repo.set_head(head_ref)
        .map_err(|e| Error::git(naming.to_string(), e))?;
    Ok(Repo::from_git(repo))
}

impl Repo {
    /// Removes `remove` from the index and adds `add` from the work tree (as `git rm
    /// --cached`, `git add`), writes the index, and commits its tree by `who` (author
    /// and committer) with `parents`, moving `target` (`HEAD` or a branch) to it.
    pub fn commit_index(
        &self,
        (add, remove): (&[&str], &[&str]),
        parents: &[Oid],
        who: Stamp<'_>,
        message: &str,
        target: &str,
        context: &str,
    ) -> Result<Oid> {
        let g = |e| Error::git(context.to_string(), e);
        let mut index = self.repo.index().map_err(g)?;
        for p in remove {
            index.remove_path(Path::new(p)).map_err(g)?;
        }
        for p in add {
            index.add_path(Path::new(p)).map_err(g)?;
        }
        index.write().map_err(g)?;
        let tree = self
            .repo
            .find_tree(index.write_tree().map_err(g)?)
            .map_err(g)?;
        let sig = Signature::new(
            who.name,
            who.email,
            &Time::new(who.time, who.offset_minutes),
        )
        .map_err(g)?;
        let parents: Vec<git2::Commit> = parents
            .iter()
            .map(|p| self.repo.find_commit(*p))
            .collect::<std::result::Result<_, _>>()
            .map_err(g)?;
        let refs: Vec<&git2::Commit> = parents.iter().collect();
        self.repo
            .commit(Some(target), &sig, &sig, message, &tree, &refs)
            .map_err(g)
    }

    /// Whether `commit.gpgsign` is on: a commit dbarch makes must then come from
    /// `git commit`, which signs.
    pub fn signing_on(&self) -> bool {
        self.repo
            .config()
            .and_then(|c| c.get_bool("commit.gpgsign"))
            .unwrap_or(false)
    }

    /// Writes `bytes` as a blob (`context` names the operation in an error).
    pub fn write_blob(&self, bytes: &[u8], context: &str) -> Result<Oid> {
        self.repo
            .blob(bytes)
            .map_err(|e| Error::git(context.to_string(), e))
    }

    /// Tree `base` (`None`: the empty tree) with `files` written in: the new tree's id.
    pub fn tree_with(
        &self,
        base: Option<Oid>,
        files: &[FileUpdate<'_>],
        context: &str,
    ) -> Result<Oid> {
        let g = |e| Error::git(context.to_string(), e);
        let base = match base {
            Some(id) => self.repo.find_tree(id).map_err(g)?,
            None => {
                let empty = self.repo.treebuilder(None).map_err(g)?.write().map_err(g)?;
                self.repo.find_tree(empty).map_err(g)?
            }
        };
        let mut update = git2::build::TreeUpdateBuilder::new();
        for f in files {
            let mode = match f.executable {
                true => FileMode::BlobExecutable,
                false => FileMode::Blob,
            };
            update.upsert(f.path, f.blob, mode);
        }
        update.create_updated(&self.repo, &base).map_err(g)
    }

    /// HEAD's commit id and root tree id; `None` on an unborn branch.
    pub fn head_commit_tree(&self) -> Option<(Oid, Oid)> {
        let commit = self.repo.head().ok()?.peel_to_commit().ok()?;
        Some((commit.id(), commit.tree_id()))
    }

    /// Commits `tree` on HEAD (parent: HEAD's commit, none on an unborn branch) with
    /// `message`, by the configured user (`user.name`, `user.email`) at `when`, and
    /// moves HEAD's branch to it (refused if HEAD moved meanwhile). No hook runs and
    /// nothing is signed (see [`Repo::signing_on`]).
    pub fn commit_on_head(
        &self,
        tree: Oid,
        message: &str,
        when: DateTime<FixedOffset>,
        context: &str,
    ) -> Result<Oid> {
        let g = |e| Error::git(context.to_string(), e);
        let head = self.repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let tree = self.repo.find_tree(tree).map_err(g)?;
        let who = self.repo.signature().map_err(g)?;
        let when = Time::new(when.timestamp(), when.offset().local_minus_utc() / 60);
        let sig = Signature::new(
            &String::from_utf8_lossy(who.name_bytes()),
            &String::from_utf8_lossy(who.email_bytes()),
            &when,
        )
        .map_err(g)?;
        let parents: Vec<&git2::Commit> = head.iter().collect();
        self.repo
            .commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
            .map_err(g)
    }

    /// Updates the index entry of `path`: with `blob` (of `size` bytes) and no stat
    /// data, so git compares the working file's content (other edits there show as
    /// unstaged changes); with `None`, from the working file, as `git add` does. An
    /// index libgit2 cannot open is refused with the fix ([`super::checks::index_error`]).
    pub fn stage_file(&self, path: &str, blob: Option<(Oid, usize)>, context: &str) -> Result<()> {
        let g = |e| Error::git(context.to_string(), e);
        let mut index = self.repo.index().map_err(super::checks::index_error)?;
        match (blob, index.get_path(Path::new(path), 0)) {
            (Some((id, size)), Some(mut e)) => {
                e.id = id;
                e.file_size = size as u32;
                e.mtime = IndexTime::new(0, 0);
                e.ctime = IndexTime::new(0, 0);
                index.add(&e).map_err(g)?;
            }
            _ => index.add_path(Path::new(path)).map_err(g)?,
        }
        index.write().map_err(g)
    }

    /// Moves the branch HEAD points at (or a detached HEAD) from `old` to `new`, only if
    /// it is still at `old`, with `reflog` as the reflog message.
    pub fn move_head(&self, old: Oid, new: Oid, reflog: &str) -> Result<()> {
        let head = self
            .repo
            .find_reference("HEAD")
            .map_err(|e| Error::git("reading HEAD", e))?;
        let name = head
            .symbolic_target()
            .ok()
            .flatten()
            .unwrap_or("HEAD")
            .to_string();
        self.repo
            .reference_matching(&name, new, true, old, reflog)
            .map_err(|e| Error::git(format!("moving {name} to the amended commit"), e))?;
        Ok(())
    }

    /// `git commit --only -m <message> -- <paths>` in the work tree at `dir`: the commit
    /// `git` makes, signed when `commit.gpgsign` says so. `Ok(Err(stderr))` when git
    /// ran and failed (the caller shows what git said).
    pub fn git_commit_only(
        &self,
        dir: &Path,
        message: &str,
        paths: &[&str],
    ) -> Result<std::result::Result<(), String>> {
        let out = std::process::Command::new("git")
            .current_dir(dir)
            .args(["commit", "--only", "-m", message, "--"])
            .args(paths)
            .output()
            .map_err(|e| Error::Usage(format!("running git commit: {e}")))?;
        Ok(match out.status.success() {
            true => Ok(()),
            false => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
        })
    }
}

impl Repo {
    /// The commit `git commit -m <message>` would make of the index now (`dbarch sync
    /// --staged`), written to an in-memory object database added to this repository's:
    /// nothing reaches `.git`. Dated by `GIT_AUTHOR_DATE` / `GIT_COMMITTER_DATE` from `env`
    /// when set (as git does), else by `now`.
    pub(crate) fn staged_commit(
        &self,
        message: &str,
        env: &dyn Fn(&str) -> Option<String>,
        now: &dyn Fn() -> Result<DateTime<FixedOffset>>,
    ) -> Result<Oid> {
        let git = &self.repo;
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
        let author = git_ident(workdir, "GIT_AUTHOR_IDENT", "GIT_AUTHOR_DATE", env, now)?;
        let committer = git_ident(
            workdir,
            "GIT_COMMITTER_IDENT",
            "GIT_COMMITTER_DATE",
            env,
            now,
        )?;
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
}

/// Who `git commit` would record (`git var <var>`), dated by `date_var` when that is
/// set (as git does) and else by `now`.
fn git_ident(
    dir: &Path,
    var: &str,
    date_var: &str,
    env: &dyn Fn(&str) -> Option<String>,
    now: &dyn Fn() -> Result<DateTime<FixedOffset>>,
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
        let now = now()?;
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

/// A file an amend gives new content: its path in the tree (`rel`) and in the work tree
/// (`abs`), the new bytes, and its tree-entry mode in HEAD.
pub(crate) struct NewFile<'a> {
    pub(crate) rel: &'a str,
    pub(crate) abs: &'a Path,
    pub(crate) text: &'a [u8],
    pub(crate) mode: i32,
}

/// What the caller of [`Repo::amend_head`] decides: the words and the environment.
pub(crate) struct Amend<'a> {
    /// The process environment (`GIT_INDEX_FILE`: the index git uses).
    pub(crate) env: &'a dyn Fn(&str) -> Option<String>,
    /// Ends the reflog message: `commit (amend): <subject> <note>`.
    pub(crate) reflog_note: &'a str,
    /// A variable set for the nested `git commit --amend` (so the caller's own
    /// post-commit hook, which git runs again, knows it is nested).
    pub(crate) nested_env: (&'a str, &'a str),
    /// The error for a file whose index entry is not the blob HEAD holds (someone
    /// staged meanwhile): given the file's path.
    pub(crate) staged_differently: &'a dyn Fn(&str) -> Error,
}

impl Repo {
    /// Amends commit `head` (HEAD) so it carries `files`: HEAD's tree with the new
    /// blobs, HEAD's author, committer and message byte for byte, HEAD's parents; the
    /// branch (or a detached HEAD) moved with a compare-and-swap from the old id; each
    /// file's index entry moved to its new blob. Through `git commit --amend` when
    /// [`needs_git_cli`]. `write_files` runs once the new tree is built and before git's
    /// state changes (the hook writes the working files there); an error after it goes
    /// through `left` (which says where the change was left). Returns the new id and
    /// whether `git commit --amend` made it.
    pub(crate) fn amend_head(
        &self,
        head: Oid,
        files: &[NewFile<'_>],
        how: &Amend<'_>,
        write_files: &mut dyn FnMut() -> Result<()>,
        left: &dyn Fn(Error) -> Error,
    ) -> Result<(Oid, bool)> {
        let git = &self.repo;
        let commit = git
            .find_commit(head)
            .map_err(|e| Error::git(format!("reading commit {head}"), e))?;
        let tree = commit
            .tree()
            .map_err(|e| Error::git("reading HEAD's tree", e))?;
        let commit = &commit;
        let mut index = open_index(git, how.env)?;
        // The index must hold what HEAD holds for each document (it does right after a
        // commit); anything else means someone staged meanwhile.
        for w in files {
            let committed_id = tree
                .get_path(Path::new(w.rel))
                .map(|e| e.id())
                .map_err(|e| Error::git(format!("looking up {}", w.rel), e))?;
            let staged = index.get_path(Path::new(w.rel), 0).map(|e| e.id);
            if staged != Some(committed_id) {
                return Err((how.staged_differently)(w.rel));
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
            .create_updated(git, &tree)
            .map_err(|e| Error::git("building the amended tree", e))?;

        write_files()?;
        let via_git = self.needs_git_cli(commit);
        let new_id = if via_git {
            let id = self
                .amend_with_git(commit, new_tree, how.nested_env)
                .map_err(left)?;
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
            let subject = commit.summary().ok().flatten().unwrap_or("");
            let reflog = format!("commit (amend): {subject} {}", how.reflog_note);
            if let Err(e) = self.move_head(commit.id(), id, &reflog) {
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
    git.index().map_err(super::checks::index_error)
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

/// Whether the amend must go through `git commit --amend`: signing is on or the commit
/// is signed, or its message or headers are more than libgit2 re-creates byte for byte.
impl Repo {
    fn needs_git_cli(&self, commit: &git2::Commit<'_>) -> bool {
        self.signing_on() || is_signed(commit) || !plain_commit(commit)
    }
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

impl Repo {
    /// `git commit --amend` over a temporary index holding exactly `new_tree`, with
    /// `nested_env` set for it.
    fn amend_with_git(
        &self,
        commit: &git2::Commit<'_>,
        new_tree: Oid,
        nested_env: (&str, &str),
    ) -> Result<Oid> {
        let repo = self;
        let git = &self.repo;
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
            .env(nested_env.0, nested_env.1)
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
        if is_signed(commit) && !self.signing_on() {
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
}

struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
        let _ = fs::remove_file(self.0.with_extension("lock"));
    }
}

/// Sets each key to its value in the repository's own config (`.git/config`) where it
/// differs. Returns whether anything changed.
impl Repo {
    pub(crate) fn set_local_config(&self, pairs: &[(String, String)]) -> Result<bool> {
        let git = &self.repo;
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
    pub(crate) fn remove_local_config(&self, keys: &[String]) -> bool {
        let git = &self.repo;
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
