//! The repository's state as the post-commit hook and its installation ask about it:
//! opening from the environment git gives hooks, the operation under way, the amend
//! HEAD's reflog records, the hooks directory, configuration strings.
use std::path::{Path, PathBuf};

use git2::{Oid, Repository};

use super::Repo;
use crate::{Error, Result};

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

/// A string from git's configuration (all levels, as libgit2 reads them).
pub(crate) fn config_string(git: &Repository, key: &str) -> Option<String> {
    git.config().ok().and_then(|c| c.get_string(key).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

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
