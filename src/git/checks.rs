//! Checks that keep a document safe to edit, and libgit2's gaps filled by the git CLI.
//!
//! A document git stores through a filter (git-lfs, any `filter=` driver, `ident`) is
//! refused, because its committed blobs are not its text (an LFS pointer, a cleaned
//! form) and a blob dbarch writes would skip the filter. dbarch does not run filters;
//! it refuses such a document with one line and writes nothing. Remove the attribute
//! for the document to manage it.
use std::path::Path;

use git2::{AttrCheckFlags, AttrValue, Repository};

use super::Repo;
use crate::Error;

/// The first line of a git-lfs pointer file.
const LFS_POINTER: &[u8] = b"version https://git-lfs.github.com/spec/";

/// Why the document at `rel` (relative to the work tree) cannot be managed: the
/// attribute that puts it through a filter, or an LFS pointer checked out as its text.
/// `None` when nothing stands in the way.
pub fn filter_refusal(repo: &Repository, rel: &str, text: Option<&[u8]>) -> Option<String> {
    let path = Path::new(rel);
    let flags = AttrCheckFlags::FILE_THEN_INDEX;
    let why = |what: &str| {
        format!(
            "refusing document `{rel}`: {what}, so git stores it through a filter dbarch does not run; \
             nothing written (to manage it, add `{rel} -filter -ident` to .gitattributes)"
        )
    };
    if let Ok(v) = repo.get_attr(path, "filter", flags) {
        match AttrValue::from_string(v) {
            AttrValue::String(name) => {
                return Some(why(&format!("its attributes say `filter={name}`")))
            }
            AttrValue::True => return Some(why("its attributes set `filter`")),
            _ => {}
        }
    }
    if let Ok(v) = repo.get_attr(path, "ident", flags) {
        if matches!(
            AttrValue::from_string(v),
            AttrValue::True | AttrValue::String(_)
        ) {
            return Some(why("its attributes set `ident`"));
        }
    }
    if text.is_some_and(|t| t.starts_with(LFS_POINTER)) {
        return Some(why("it is a git-lfs pointer file, not the document"));
    }
    None
}

impl Repo {
    /// [`filter_refusal`] in this repository.
    pub fn filter_refusal(&self, rel: &str, text: Option<&[u8]>) -> Option<String> {
        filter_refusal(&self.repo, rel, text)
    }
}

/// The tracked files as `git ls-files` lists them, for an index libgit2 could not read
/// (`err`): a split index (`core.splitIndex`) and other formats newer than libgit2's.
/// When git cannot list them either, the error names the cause and the fix.
pub fn tracked_by_git(
    repo: &Repository,
    err: &git2::Error,
) -> crate::Result<Vec<std::path::PathBuf>> {
    let refuse = |why: String| {
        Error::Usage(format!(
            "cannot read the index ({}): {why}. If `core.splitIndex` is set, run \
             `git update-index --no-split-index` (and `git config core.splitIndex false`) and \
             run again",
            err.message()
        ))
    };
    let dir = repo
        .workdir()
        .ok_or_else(|| refuse("the repository has no working tree".into()))?;
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["ls-files", "-z", "--full-name"])
        .stderr(std::process::Stdio::piped())
        .output()
        .map_err(|e| refuse(format!("`git ls-files` could not run ({e})")))?;
    if !out.status.success() {
        let text = String::from_utf8_lossy(&out.stderr);
        return Err(refuse(format!("`git ls-files` failed: {}", text.trim())));
    }
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for p in out.stdout.split(|b| *b == 0).filter(|p| !p.is_empty()) {
        let p = std::path::PathBuf::from(String::from_utf8_lossy(p).into_owned());
        if files.last() != Some(&p) {
            files.push(p);
        }
    }
    Ok(files)
}

/// The error for an index libgit2 cannot open for writing (`core.splitIndex` and newer
/// formats): the cause and the fix, not libgit2's raw message alone.
pub fn index_error(e: git2::Error) -> Error {
    Error::Usage(format!(
        "cannot update the index ({}); if `core.splitIndex` is set, run \
         `git update-index --no-split-index` (and `git config core.splitIndex false`), then \
         run `dbarch sync` again",
        e.message()
    ))
}

/// `key` as git reads it for `repo` (`git config --get`), with its `--type=path`
/// expansion: `None` when unset, or when git cannot be run (then `Some` is never
/// guessed). Outer `None` also when git is missing: callers fall back to libgit2.
pub fn git_config_get(repo: &Repository, key: &str) -> Option<(Option<String>, Option<String>)> {
    let dir = repo.workdir().unwrap_or_else(|| repo.path());
    let get = |path: bool| {
        let mut cmd = std::process::Command::new("git");
        cmd.arg("-C").arg(dir).arg("config");
        if path {
            cmd.arg("--type=path");
        }
        cmd.args(["--get", key]).stderr(std::process::Stdio::null());
        let out = cmd.output().ok()?;
        // Exit 1: the key is not set.
        Some(
            out.status
                .success()
                .then(|| {
                    String::from_utf8_lossy(&out.stdout)
                        .trim_end_matches('\n')
                        .to_string()
                })
                .filter(|s| !s.is_empty()),
        )
    };
    let raw = get(false)?;
    let path = raw.as_ref().and_then(|_| get(true).flatten());
    Some((raw, path))
}

/// Whether the environment changes which configuration files git reads (libgit2
/// ignores these variables).
pub fn git_config_env_set() -> bool {
    [
        "GIT_CONFIG_GLOBAL",
        "GIT_CONFIG_SYSTEM",
        "GIT_CONFIG_NOSYSTEM",
        "GIT_CONFIG_COUNT",
    ]
    .iter()
    .any(|k| std::env::var_os(k).is_some())
}
