//! The repository's state, as the post-commit hook and its installation ask about it:
//! opening from the environment git gives hooks ([`Repo::open_from_env`]), HEAD's
//! commit and first parent ([`Repo::head_commit`]), HEAD's branch, the operation under
//! way, the amend HEAD's reflog records, the hooks directory.
use std::path::{Path, PathBuf};

use git2::{Oid, Repository};

use super::Repo;
use crate::{Error, Result};

/// A commit as the hook's fast path reads it: its id, how many parents it has, and,
/// unless it is a merge, its first parent and both root trees.
pub(crate) struct HeadCommit {
    pub(crate) id: Oid,
    pub(crate) parent_count: usize,
    pub(crate) tree: Oid,
    /// The first parent and its tree (`None`: a root commit, or a merge).
    pub(crate) parent: Option<(Oid, Oid)>,
}

impl Repo {
    /// Opens the repository: from the environment git gives hooks (`GIT_DIR`) when `-C`
    /// was not given (`start` is `.`), else by discovery from `start`. As cheap as
    /// opening git2's repository: the mailmap and the commit-graph are read on first use.
    pub(crate) fn open_from_env(start: &Path) -> Result<Repo> {
        let r = if start == Path::new(".") {
            Repository::open_from_env()
        } else {
            Repository::discover(start)
        };
        r.map(Repo::from_git)
            .map_err(|e| Error::git("opening the repository", e))
    }

    /// Whether this is a bare repository.
    pub(crate) fn is_bare(&self) -> bool {
        self.repo.is_bare()
    }

    /// Commit `id` (`None`: HEAD's) with its first parent and the trees, unless it is a
    /// merge (`parent_count > 1`: nothing more is read).
    pub(crate) fn head_commit(&self, id: Option<Oid>) -> Result<HeadCommit> {
        let head = match id {
            Some(id) => self
                .repo
                .find_commit(id)
                .map_err(|e| Error::git("reading the staged commit", e))?,
            None => self
                .repo
                .head()
                .and_then(|h| h.peel_to_commit())
                .map_err(|e| Error::git("reading HEAD", e))?,
        };
        let parent_count = head.parent_count();
        if parent_count > 1 {
            return Ok(HeadCommit {
                id: head.id(),
                parent_count,
                tree: head.tree_id(),
                parent: None,
            });
        }
        let parent = match parent_count {
            0 => None,
            _ => Some(
                head.parent(0)
                    .map_err(|e| Error::git("reading HEAD's parent", e))?,
            ),
        };
        let tree = head
            .tree()
            .map_err(|e| Error::git("reading HEAD's tree", e))?
            .id();
        let parent = match &parent {
            Some(p) => Some((
                p.id(),
                p.tree()
                    .map_err(|e| Error::git("reading the parent's tree", e))?
                    .id(),
            )),
            None => None,
        };
        Ok(HeadCommit {
            id: head.id(),
            parent_count,
            tree,
            parent,
        })
    }

    /// The branch HEAD is on (`main` for `refs/heads/main`); `None` when HEAD is
    /// detached or names something else.
    pub(crate) fn head_branch(&self) -> Option<String> {
        self.repo
            .find_reference("HEAD")
            .ok()
            .and_then(|h| h.symbolic_target().ok().flatten().map(str::to_string))
            .and_then(|t| t.strip_prefix("refs/heads/").map(str::to_string))
    }

    /// The git operation under way, if any: a marker file in the git directory, an
    /// action `GIT_REFLOG_ACTION` (from `env`) names, or libgit2's repository state.
    pub(crate) fn operation_in_progress(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Option<&'static str> {
        let git = &self.repo;
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
}

/// The commit `git commit --amend` replaced with `head`: its subject line, `head`'s
/// subject line and `head`'s author name, when HEAD's newest reflog entry says `head` was
/// made by an amend.
pub(crate) struct Amended {
    pub(crate) old_summary: String,
    pub(crate) new_summary: String,
    pub(crate) author: String,
}

impl Repo {
    pub(crate) fn amended_from(&self, head: Oid) -> Option<Amended> {
        let git = &self.repo;
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

    /// The hooks directory git uses for this repository, and `core.hooksPath` as
    /// configured when set.
    pub(crate) fn hooks_dir(&self) -> Result<(PathBuf, Option<String>)> {
        let git = &self.repo;
        let config = git
            .config()
            .map_err(|e| Error::git("reading the git configuration", e))?;
        // libgit2 reads ~/.gitconfig and /etc/gitconfig whatever GIT_CONFIG_GLOBAL,
        // GIT_CONFIG_SYSTEM, GIT_CONFIG_NOSYSTEM or GIT_CONFIG_COUNT say; git honours them.
        // With any of them set, git itself is asked, so `hooks status` tells what git runs.
        let from_git = super::checks::git_config_env_set()
            .then(|| super::checks::git_config_get(git, "core.hooksPath"))
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn operation_markers() {
        let dir = tempfile::tempdir().unwrap();
        let git = Repo::from_git(Repository::init(dir.path()).unwrap());
        let none = |_: &str| None;
        assert_eq!(git.operation_in_progress(&none), None);
        let rebase = |k: &str| (k == "GIT_REFLOG_ACTION").then(|| "rebase (pick)".to_string());
        assert_eq!(git.operation_in_progress(&rebase), Some("a rebase"));
        let amend = |k: &str| (k == "GIT_REFLOG_ACTION").then(|| "amend".to_string());
        assert_eq!(git.operation_in_progress(&amend), None);
        fs::write(git.git_dir().join("MERGE_MSG"), "x").unwrap();
        assert!(git.operation_in_progress(&none).is_some());
    }
}
