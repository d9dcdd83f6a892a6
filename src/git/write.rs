//! Writing to the repository: blobs, a tree with some files replaced, a commit on
//! HEAD, index entries, moving HEAD compare-and-swap, and `git commit` itself when the
//! commit must be signed (`commit.gpgsign`: libgit2 does not sign).
//!
//! `dbarch review` commits through these; the post-commit hook's amend (a tree with
//! the documents replaced, the commit re-made, the index staged, HEAD moved only if it
//! did not move meanwhile) is written in the same terms, to move here next.
use std::path::Path;

use chrono::{DateTime, FixedOffset};
use git2::{FileMode, IndexTime, Oid, Signature, Time};

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
