//! Installing, removing and inspecting what dbarch puts into git, for each [`HookKind`]:
//! [`install`], [`uninstall`], [`status`]. The commands (`hooks install | uninstall |
//! status`, `init --hook`, `doctor`) go over [`HookKind::ALL`] and print; nothing here
//! prints. [`Report::lines`] words what [`install`] did, because two commands (`hooks
//! install` and `init --hook`) say it the same way.
//!
//! # Hook scripts ([`Wiring::Script`])
//! The hooks directory is `core.hooksPath` when set (`~` expanded; a relative path is
//! relative to the work tree's root, as git runs hooks there) or the common git
//! directory's `hooks` (shared by all worktrees). The installed script (for the
//! post-commit hook `hooks/post-commit`) has the absolute path of the installing binary
//! filled in (`DBARCH_INSTALLED_BIN`); at run time `$DBARCH_BIN` wins, then that path,
//! then `dbarch` on `PATH`. An existing hook of that name that is not dbarch's (no
//! `MARKER` in its first five lines) is renamed, byte for byte, to its chained name
//! (`post-commit.dbarch-chained`) and run by dbarch's script after dbarch (so it sees
//! the amended HEAD); `uninstall` renames it back. Installing again rewrites only
//! dbarch's own script.
//!
//! # The merge driver ([`Wiring::Driver`])
//! `merge.dbarch.name` and `merge.dbarch.driver` go in the repository's own config
//! (`.git/config`), and a `/<path> merge=dbarch` line per managed document in the root
//! `.gitattributes`, after a comment line saying dbarch wrote them. `uninstall` removes
//! the two keys and those lines (the file too when nothing else is left in it). A fresh
//! clone has `.gitattributes` (it is committed) but not the config (git never clones
//! config): git then merges the document as plain text, and `dbarch resolve` finishes
//! what the driver would have done.
use std::fs;
use std::path::{Path, PathBuf};

use super::{Driver, HookKind, Script, Wiring, BIN_LINE, MARKER, MERGE_DRIVER};
use crate::cli::Global;
use crate::config::Overrides;
use crate::fsutil;
use crate::git::Repo;
use crate::workspace::Workspace;
use crate::{Error, Result};

/// The running binary's canonical path: what [`install`] records so hooks work when
/// `dbarch` is not on the `PATH` git hooks see.
pub fn this_binary() -> Option<PathBuf> {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok())
}

/// The documents the merge driver is registered for: the configured `[[docs]]` paths
/// (globs as written), else the discovered documents, plus `extra` (what `init` just
/// wrote). A configuration that does not load gives none: installing a hook must not
/// fail on it.
pub fn documents(global: &Global, extra: &[String]) -> Vec<String> {
    let mut docs: Vec<String> = match Workspace::open(global, &Overrides::default()) {
        Ok(ws) if ws.config.docs_explicit => {
            ws.config.docs.iter().map(|d| d.path.clone()).collect()
        }
        Ok(ws) => ws
            .documents(&[])
            .map(|v| v.into_iter().map(|d| d.rel).collect())
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    for e in extra {
        if !docs.contains(e) {
            docs.push(e.clone());
        }
    }
    docs
}

/// What [`install`] did for one kind.
#[derive(Debug, Clone)]
pub enum Report {
    Script(HookKind, InstallReport),
    Driver(Registered),
}

/// A line of [`Report::lines`]: for the command's output, or only with `--verbose`.
/// Paths are as given (the caller sanitizes the whole line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Say(String),
    Detail(String),
}

/// Installs `kind` (idempotent). `bin` is recorded in a script and in the merge driver's
/// command; `docs` are the documents the merge driver is registered for ([`documents`]).
pub fn install(kind: HookKind, repo: &Repo, bin: Option<&Path>, docs: &[String]) -> Result<Report> {
    Ok(match kind.wiring() {
        Wiring::Script(s) => Report::Script(kind, install_script(repo, &s, bin)?),
        Wiring::Driver(d) => Report::Driver(register(repo, &d, bin, docs)?),
    })
}

impl Report {
    /// What happened, in words; a path inside `workdir` is shown relative to it.
    pub fn lines(&self, workdir: Option<&Path>) -> Vec<Line> {
        let shown = |p: &Path| {
            workdir
                .and_then(|w| p.strip_prefix(w).ok())
                .unwrap_or(p)
                .to_string_lossy()
                .into_owned()
        };
        match self {
            Report::Script(kind, r) => {
                let name = kind.name();
                let hook = shown(&r.hook);
                let said = match r.action {
                    Installed::Created => format!("installed the {name}: {hook}"),
                    Installed::Updated => format!("updated the {name}: {hook}"),
                    Installed::Unchanged => format!("the {name} is already installed: {hook}"),
                    Installed::Chained => format!(
                        "installed the {name}: {hook}; the hook that was there is now {} and \
                         runs after dbarch",
                        r.chained.as_deref().map(shown).unwrap_or_default()
                    ),
                };
                let mut lines = vec![Line::Say(said)];
                if let Some(p) = &r.location.hooks_path {
                    lines.push(Line::Detail(format!("core.hooksPath = {p}")));
                }
                lines
            }
            Report::Driver(r) => {
                let d = MERGE_DRIVER;
                let mut lines = vec![Line::Say(if r.config_changed {
                    format!(
                        "registered the merge driver (merge.{}.driver in .git/config)",
                        d.name
                    )
                } else {
                    format!(
                        "the merge driver is already registered (merge.{}.driver in .git/config)",
                        d.name
                    )
                })];
                if !r.added.is_empty() {
                    lines.push(Line::Say(format!(
                        "added `{}` to .gitattributes for {} (commit .gitattributes so merges, \
                         rebases and cherry-picks use it)",
                        d.attribute,
                        r.added.join(", ")
                    )));
                } else if r.documents == 0 {
                    lines.push(Line::Say(
                        "no managed document yet: run `dbarch hooks install` again after \
                         `dbarch init`"
                            .into(),
                    ));
                }
                lines
            }
        }
    }
}

/// What [`uninstall`] did for one kind.
#[derive(Debug, Clone)]
pub enum Uninstalled {
    Script(HookKind, UninstallReport),
    /// Whether anything of the merge driver was there (and is now gone).
    Driver {
        removed: bool,
    },
}

/// Removes `kind`: a script (restoring the hook it chained, byte for byte) or the merge
/// driver's registration.
pub fn uninstall(kind: HookKind, repo: &Repo) -> Result<Uninstalled> {
    Ok(match kind.wiring() {
        Wiring::Script(s) => Uninstalled::Script(kind, uninstall_script(repo, &s)?),
        Wiring::Driver(d) => Uninstalled::Driver {
            removed: unregister(repo, &d)?,
        },
    })
}

/// Whether and how `kind` is installed.
#[derive(Debug, Clone)]
pub enum Status {
    Script(HookKind, HookStatus),
    /// `merge.dbarch.driver` as git's configuration (any level) has it, when set.
    Driver {
        command: Option<String>,
    },
}

impl Status {
    /// dbarch's script is in place, or the merge driver is configured.
    pub fn installed(&self) -> bool {
        match self {
            Status::Script(_, s) => s.installed,
            Status::Driver { command } => command.is_some(),
        }
    }
}

pub fn status(kind: HookKind, repo: &Repo) -> Result<Status> {
    Ok(match kind.wiring() {
        Wiring::Script(s) => Status::Script(kind, script_status(repo, &s)?),
        Wiring::Driver(d) => Status::Driver {
            command: repo
                .config_string(&format!("merge.{}.driver", d.name))
                .filter(|c| !c.trim().is_empty()),
        },
    })
}

// ---------------------------------------------------------------------------------------
// Hook scripts
// ---------------------------------------------------------------------------------------

/// The hooks directory of a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookLocation {
    /// The hooks directory.
    pub dir: PathBuf,
    /// `core.hooksPath` as configured, when set.
    pub hooks_path: Option<String>,
}

/// The hooks directory git uses for `repo` (see the module documentation).
pub fn location(repo: &Repo) -> Result<HookLocation> {
    let (dir, hooks_path) = repo.hooks_dir()?;
    Ok(HookLocation { dir, hooks_path })
}

/// `script`'s text with the binary's path filled in.
pub fn render_script(script: &Script, bin: Option<&Path>) -> String {
    match bin.and_then(|b| b.to_str()) {
        Some(b) => script.text.replacen(
            BIN_LINE,
            &format!("DBARCH_INSTALLED_BIN={}", shell_quote(b)),
            1,
        ),
        None => script.text.to_string(),
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

/// What installing a script did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Installed {
    /// There was no hook of that name.
    Created,
    /// The existing hook became the chained one and runs after dbarch.
    Chained,
    /// dbarch's hook was there and was rewritten (another binary path or version).
    Updated,
    /// dbarch's hook was there, byte for byte.
    Unchanged,
}

#[derive(Debug, Clone)]
pub struct InstallReport {
    pub location: HookLocation,
    /// The script's path.
    pub hook: PathBuf,
    pub action: Installed,
    /// The chained hook, when there is one.
    pub chained: Option<PathBuf>,
}

/// Installs `script` (idempotent). `bin` is recorded in it.
fn install_script(repo: &Repo, script: &Script, bin: Option<&Path>) -> Result<InstallReport> {
    let loc = location(repo)?;
    fs::create_dir_all(&loc.dir).map_err(|e| Error::io(&loc.dir, e))?;
    let hook = loc.dir.join(script.file_name);
    let chained = loc.dir.join(script.chained_name);
    let text = render_script(script, bin);
    let action = if !exists(&hook) {
        Installed::Created
    } else if is_ours(&hook) {
        if fs::read(&hook).is_ok_and(|b| b == text.as_bytes()) {
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
        fsutil::write_atomic(&hook, text.as_bytes())?;
    }
    make_executable(&hook)?;
    Ok(InstallReport {
        chained: exists(&chained).then_some(chained),
        location: loc,
        hook,
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

/// What uninstalling a script did.
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
    /// The script's path.
    pub hook: PathBuf,
    pub action: Removed,
    /// Another program's hook is at the script's path (left alone).
    pub other_hook: bool,
}

/// Removes dbarch's script and restores the one it chained, byte for byte.
fn uninstall_script(repo: &Repo, script: &Script) -> Result<UninstallReport> {
    let loc = location(repo)?;
    let hook = loc.dir.join(script.file_name);
    let chained = loc.dir.join(script.chained_name);
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
        hook,
        action,
    })
}

/// Whether and how a script is installed.
#[derive(Debug, Clone)]
pub struct HookStatus {
    pub location: HookLocation,
    /// The script's path.
    pub hook: PathBuf,
    /// dbarch's hook is there.
    pub installed: bool,
    /// It is executable (git skips hooks that are not).
    pub executable: bool,
    /// Another program's hook is there.
    pub other_hook: bool,
    /// The other hook is the pre-commit framework's.
    pub pre_commit_framework: bool,
    pub chained: Option<PathBuf>,
    /// The binary path recorded in dbarch's hook, and whether it is there.
    pub recorded_bin: Option<String>,
    pub recorded_bin_found: bool,
}

fn script_status(repo: &Repo, script: &Script) -> Result<HookStatus> {
    let loc = location(repo)?;
    let hook = loc.dir.join(script.file_name);
    let chained = loc.dir.join(script.chained_name);
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
        hook,
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

// ---------------------------------------------------------------------------------------
// The merge driver
// ---------------------------------------------------------------------------------------

/// What registering the merge driver changed.
#[derive(Debug, Clone)]
pub struct Registered {
    pub config_changed: bool,
    pub attributes: PathBuf,
    /// The documents whose `.gitattributes` line was added.
    pub added: Vec<String>,
    /// How many documents it was registered for.
    pub documents: usize,
}

/// The `.gitattributes` pattern of a document path: anchored at the root, special
/// characters escaped.
pub fn pattern(rel: &str) -> String {
    let mut p = String::from("/");
    for c in rel.chars() {
        if matches!(c, ' ' | '\t' | '\\' | '"' | '#' | '!') {
            p.push('\\');
        }
        p.push(c);
    }
    p
}

/// `.gitattributes` text with the merge driver's lines for each renamed document
/// (`renames`: old path, new path) following the rename; other lines as they are.
pub fn follow_renames(text: &str, renames: &[(String, String)]) -> String {
    let attr = MERGE_DRIVER.attribute;
    let mut text = text.to_string();
    for (o, n) in renames {
        text = text.replace(
            &format!("{} {attr}", pattern(o)),
            &format!("{} {attr}", pattern(n)),
        );
    }
    text
}

/// Registers the merge driver for `docs` (repository config and `.gitattributes`).
/// Idempotent.
fn register(repo: &Repo, d: &Driver, bin: Option<&Path>, docs: &[String]) -> Result<Registered> {
    let bin = match bin {
        Some(b) => shell_quote(&b.to_string_lossy()),
        None => "dbarch".to_string(),
    };
    let config_changed = repo.set_local_config(&[
        (format!("merge.{}.name", d.name), d.description.to_string()),
        (
            format!("merge.{}.driver", d.name),
            format!("{bin} {}", d.args),
        ),
    ])?;
    let root = repo.workdir()?.to_path_buf();
    let path = root.join(".gitattributes");
    let old = match std::fs::read(&path) {
        Ok(b) => String::from_utf8(b).map_err(|_| {
            Error::Usage(format!(
                "{} is not UTF-8; add `<document> {}` lines to it by hand",
                path.display(),
                d.attribute
            ))
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let nl = if old.contains("\r\n") { "\r\n" } else { "\n" };
    let mut new = old.clone();
    let mut added = Vec::new();
    for doc in docs {
        let line = format!("{} {}", pattern(doc), d.attribute);
        if old.lines().any(|l| l.trim_end() == line) {
            continue;
        }
        if added.is_empty() {
            if !new.is_empty() && !new.ends_with('\n') {
                new.push_str(nl);
            }
            if !old.lines().any(|l| l == d.comment) {
                new.push_str(d.comment);
                new.push_str(nl);
            }
        }
        new.push_str(&line);
        new.push_str(nl);
        added.push(doc.clone());
    }
    if new != old {
        fsutil::write_atomic(&path, new.as_bytes())?;
    }
    Ok(Registered {
        config_changed,
        attributes: path,
        added,
        documents: docs.len(),
    })
}

/// Removes what [`register`] added: the config keys and the attribute lines (the file
/// goes when nothing else is left in it). Returns whether anything changed.
fn unregister(repo: &Repo, d: &Driver) -> Result<bool> {
    let mut changed = repo.remove_local_config(&[
        format!("merge.{}.name", d.name),
        format!("merge.{}.driver", d.name),
    ]);
    let path = repo.workdir()?.join(".gitattributes");
    if let Ok(old) = std::fs::read_to_string(&path) {
        let ending = format!(" {}", d.attribute);
        let kept: Vec<&str> = old
            .split_inclusive('\n')
            .filter(|l| {
                let t = l.trim_end();
                t != d.comment && !t.ends_with(&ending)
            })
            .collect();
        let new: String = kept.concat();
        if new != old {
            changed = true;
            if new.trim().is_empty() {
                std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            } else {
                fsutil::write_atomic(&path, new.as_bytes())?;
            }
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_script_carries_the_marker_and_the_bin_line() {
        for kind in HookKind::ALL {
            let Wiring::Script(s) = kind.wiring() else {
                continue;
            };
            assert!(s.text.starts_with("#!/bin/sh\n"), "{kind:?}");
            assert!(
                s.text.lines().nth(1).unwrap().starts_with(MARKER),
                "{kind:?}"
            );
            assert_eq!(s.text.matches(BIN_LINE).count(), 1, "{kind:?}");
            let r = render_script(&s, Some(Path::new("/opt/it's here/dbarch")));
            assert!(r.contains("DBARCH_INSTALLED_BIN='/opt/it'\\''s here/dbarch'\n"));
        }
        assert_eq!(
            unquote("'/opt/it'\\''s here/dbarch'"),
            "/opt/it's here/dbarch"
        );
    }

    #[test]
    fn attribute_lines_follow_a_rename() {
        let text = "# x\n/docs/a\\ b.md merge=dbarch\n/other.md merge=dbarch\n";
        let renamed = follow_renames(text, &[("docs/a b.md".into(), "docs/c.md".into())]);
        assert_eq!(
            renamed,
            "# x\n/docs/c.md merge=dbarch\n/other.md merge=dbarch\n"
        );
    }
}
