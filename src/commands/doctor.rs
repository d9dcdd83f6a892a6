//! `dbarch doctor`: what this dbarch is and runs with, and whether the repository is fit
//! for it. One `name: value` line per fact on stdout, so a bug report can paste it and a
//! script can grep it:
//!
//! - `dbarch`: version, the commit it was built from, the target it was built for;
//! - `git`: the git CLI on PATH (the post-commit hook's amend and a signed review commit
//!   run it), or `not found`;
//! - `libgit2`: the version dbarch is linked with (vendored: built into the binary) and
//!   its features (threads, https, ssh; dbarch reads repositories locally and talks to
//!   GitHub over its own rustls client, so it needs neither https nor ssh);
//! - `repository`: the work tree found from `-C`, `history` (full, or shallow: dbarch
//!   needs the whole history), `commit-graph` (present, with changed-path filters or not:
//!   long history walks are several times faster with them), `post-commit hook`
//!   (installed or not), `merge driver` (`merge.dbarch.driver` set in git config or not).
//!
//! Exit 1 (findings) when the repository is not usable as it is: no git repository, or a
//! shallow clone. A missing commit-graph, hook or merge driver is advice: each is
//! optional, and the line says how to add it.
use std::path::Path;
use std::process::Command;

use crate::cli::Global;
use crate::git::Repo;
use crate::hook::install::{self, Status};
use crate::hook::HookKind;
use crate::ui::{self, Ui};
use crate::Result;

pub fn run(ui: &mut Ui, global: &Global) -> Result<u8> {
    ui.line(&format!(
        "dbarch: {} (commit {}, {})",
        env!("CARGO_PKG_VERSION"),
        env!("DBARCH_GIT_COMMIT"),
        env!("DBARCH_TARGET")
    ));
    let mut fit = true;
    match git_cli_version() {
        Some(v) => ui.line(&format!("git: {}", ui::sanitize(&v))),
        None => ui.line(
            "git: not found on PATH (the post-commit hook's amend mode and signed review commits need it)",
        ),
    }
    let v = crate::git::libgit2();
    let (maj, min, rev) = v.version;
    let onoff = |b: bool| if b { "yes" } else { "no" };
    ui.line(&format!(
        "libgit2: {maj}.{min}.{rev} ({}; threads {}, https {}, ssh {})",
        if v.vendored { "vendored" } else { "system" },
        onoff(v.threads),
        onoff(v.https),
        onoff(v.ssh),
    ));
    ui.line("github client: octocrab over rustls (ring), no system TLS library");

    let repo = match Repo::discover(&global.repo) {
        Ok(r) => r,
        Err(e) => {
            ui.line(&format!(
                "repository: none ({})",
                ui::one_line(&e.to_string())
            ));
            return Ok(crate::exit::FINDINGS);
        }
    };
    match repo.workdir() {
        Ok(w) => ui.line(&format!(
            "repository: {}",
            ui::sanitize(&w.display().to_string())
        )),
        Err(_) => {
            ui.line("repository: a bare repository (dbarch needs a work tree)");
            fit = false;
        }
    }
    if repo.is_shallow() {
        ui.line(
            "history: shallow: dbarch needs the whole history \
             (`git fetch --unshallow`; in GitHub Actions, actions/checkout with `fetch-depth: 0`)",
        );
        fit = false;
    } else {
        ui.line("history: full");
    }
    let objects = repo.objects_dir();
    ui.line(&match commit_graph(&objects) {
        Graph::None => {
            "commit-graph: none (advice: `git commit-graph write --reachable --changed-paths` \
                        makes long history walks several times faster)"
                .to_string()
        }
        Graph::NoFilters => "commit-graph: present, without changed-path filters (advice: \
                             `git commit-graph write --reachable --changed-paths`)"
            .to_string(),
        Graph::WithFilters => "commit-graph: present, with changed-path filters".to_string(),
    });
    for kind in HookKind::ALL {
        let name = kind.name();
        match install::status(kind, &repo) {
            Ok(Status::Script(_, s)) if s.installed && s.executable => {
                ui.line(&format!("{name}: installed"))
            }
            Ok(Status::Script(_, s)) if s.installed => ui.line(&format!(
                "{name}: installed but NOT executable (git skips it; run `dbarch hooks install`)"
            )),
            Ok(Status::Script(_, s)) if s.pre_commit_framework => ui.line(&format!(
                "{name}: the pre-commit framework's (dbarch runs when .pre-commit-config.yaml lists the dbarch or dbarch-system hook)"
            )),
            Ok(Status::Script(..)) => ui.line(&format!(
                "{name}: not installed (optional: `dbarch hooks install`)"
            )),
            Ok(Status::Driver { command: Some(d) }) => ui.line(&format!(
                "{name}: configured (merge.dbarch.driver = {})",
                ui::sanitize(&d)
            )),
            Ok(Status::Driver { command: None }) => ui.line(&format!(
                "{name}: not configured (optional: merge.dbarch.driver is not set)"
            )),
            Err(e) => ui.line(&format!(
                "{name}: unknown ({})",
                ui::one_line(&e.to_string())
            )),
        }
    }
    Ok(if fit {
        crate::exit::OK
    } else {
        crate::exit::FINDINGS
    })
}

/// `git --version` of the git on PATH, e.g. `git version 2.47.3`.
fn git_cli_version() -> Option<String> {
    let out = Command::new("git").arg("--version").output().ok()?;
    if !out.status.success() {
        return None;
    }
    let v = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (!v.is_empty()).then_some(v)
}

#[derive(Debug, PartialEq, Eq)]
enum Graph {
    None,
    NoFilters,
    WithFilters,
}

/// Whether `objects/info` holds a commit-graph (a single file or a split chain), and
/// whether every layer carries changed-path filters (a `BIDX` chunk).
fn commit_graph(objects: &Path) -> Graph {
    let info = objects.join("info");
    let mut files = Vec::new();
    let single = info.join("commit-graph");
    if single.is_file() {
        files.push(single);
    } else if let Ok(chain) =
        std::fs::read_to_string(info.join("commit-graphs").join("commit-graph-chain"))
    {
        for line in chain.lines().map(str::trim).filter(|l| !l.is_empty()) {
            files.push(
                info.join("commit-graphs")
                    .join(format!("graph-{line}.graph")),
            );
        }
    }
    if files.is_empty() {
        return Graph::None;
    }
    if files.iter().all(|f| has_bloom_index(f)) {
        Graph::WithFilters
    } else {
        Graph::NoFilters
    }
}

/// Reads a commit-graph file's chunk table (git's `gitformat-commit-graph`): the header
/// is `CGPH`, version, hash version, chunk count, base count; then one 12-byte entry
/// (id, offset) per chunk.
fn has_bloom_index(file: &Path) -> bool {
    let Ok(data) = std::fs::read(file) else {
        return false;
    };
    if data.len() < 8 || &data[..4] != b"CGPH" {
        return false;
    }
    let chunks = usize::from(data[6]);
    (0..chunks).any(|i| {
        let at = 8 + i * 12;
        data.get(at..at + 4) == Some(b"BIDX".as_slice())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_graph_is_none() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(commit_graph(d.path()), Graph::None);
    }

    #[test]
    fn chunk_table_is_read() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("info")).unwrap();
        let mut f = b"CGPH\x01\x01\x02\x00".to_vec();
        f.extend_from_slice(b"OIDF\0\0\0\0\0\0\0\x2c");
        f.extend_from_slice(b"BIDX\0\0\0\0\0\0\0\x2c");
        f.extend_from_slice(&[0; 12]);
        std::fs::write(d.path().join("info/commit-graph"), &f).unwrap();
        assert_eq!(commit_graph(d.path()), Graph::WithFilters);
        f[20..24].copy_from_slice(b"CDAT");
        std::fs::write(d.path().join("info/commit-graph"), &f).unwrap();
        assert_eq!(commit_graph(d.path()), Graph::NoFilters);
        std::fs::write(d.path().join("info/commit-graph"), b"junk").unwrap();
        assert_eq!(commit_graph(d.path()), Graph::NoFilters);
    }
}
