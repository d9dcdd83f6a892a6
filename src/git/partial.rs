//! Partial clones (`git clone --filter=blob:none`, what some CI checkouts make): the
//! blobs of old versions are not in the clone, and libgit2 cannot fetch them. Before a
//! history walk, the missing versions of the documents are fetched from the promisor
//! remote in one `git fetch` (what git itself does on demand); when that fails, the
//! error names the partial clone and the fix. Never a raw "object not found".
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use super::Repo;
use crate::{Error, Result};

/// The promisor remote of a partial clone (`extensions.partialClone`, or a remote with
/// `promisor = true`), or `None` for a complete clone.
pub fn promisor_remote(repo: &git2::Repository) -> Option<String> {
    let config = repo.config().ok()?;
    if let Ok(name) = config.get_string("extensions.partialclone") {
        return Some(name);
    }
    let remotes = repo.remotes().ok()?;
    let found = (0..remotes.len())
        .filter_map(|i| remotes.get(i).ok().flatten())
        .find(|r| {
            config
                .get_bool(&format!("remote.{r}.promisor"))
                .unwrap_or(false)
        })
        .map(str::to_string);
    found
}

/// Fetches every missing blob of `paths` in HEAD's history. Does nothing in a complete
/// clone.
pub fn prefetch(repo: &Repo, paths: &[&Path]) -> Result<()> {
    let git = &repo.repo;
    let Some(remote) = promisor_remote(git) else {
        return Ok(());
    };
    let Some(dir) = git.workdir() else {
        return Ok(());
    };
    let missing = missing_blobs(dir, paths)?;
    if missing.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let refuse = |why: String| {
        Error::History(format!(
            "this is a partial clone (missing blobs come from the remote `{remote}`) and {} old \
             version(s) of {} are not here; {why}. Fix: run where `{remote}` can be reached, or \
             fetch everything once with `git fetch --refetch {remote}` (or clone without `--filter`)",
            missing.len(),
            shown.join(", ")
        ))
    };
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "fetch.negotiationAlgorithm=noop",
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-write-fetch-head",
            "--recurse-submodules=no",
            "--filter=blob:none",
            "--stdin",
            &remote,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| refuse(format!("`git fetch` could not be started ({e})")))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(missing.join("\n").as_bytes());
        let _ = stdin.write_all(b"\n");
    }
    let out = child
        .wait_with_output()
        .map_err(|e| refuse(format!("`git fetch` failed ({e})")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(refuse(format!(
            "fetching them failed: {}",
            crate::ui::one_line(first.trim())
        )));
    }
    let still = missing_blobs(dir, paths)?;
    if !still.is_empty() {
        return Err(refuse(format!(
            "{} of them could not be fetched",
            still.len()
        )));
    }
    Ok(())
}

/// Blob ids of `paths` in HEAD's history that the object store does not have.
fn missing_blobs(dir: &Path, paths: &[&Path]) -> Result<Vec<String>> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-list", "--objects", "--missing=print", "HEAD", "--"])
        .args(paths)
        .stderr(Stdio::null())
        .output()
        .map_err(|e| {
            Error::History(format!("cannot run `git rev-list` in a partial clone: {e}"))
        })?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix('?'))
        .map(str::to_string)
        .collect())
}
