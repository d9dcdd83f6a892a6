//! Installing what dbarch puts into git: the post-commit hook's script.
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

use super::{BIN_LINE, CHAINED_NAME, HOOK_NAME, MARKER, SCRIPT};
use git2::Repository;

use crate::fsutil;
use crate::history::Repo;
use crate::{Error, Result};

pub use super::git_ops::location;

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

// The merge driver's registration.

/// The name of the driver in `merge.<name>.*` and `merge=<name>`.
pub const DRIVER: &str = "dbarch";
/// The attribute `hooks install` writes for each managed document.
pub const ATTR: &str = "merge=dbarch";
const ATTR_COMMENT: &str =
    "# dbarch: merge managed documents by meaning (`dbarch hooks install` wrote these lines)";

/// What [`register`] changed.
pub struct Registered {
    pub config_changed: bool,
    pub attributes: PathBuf,
    pub added: Vec<String>,
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

/// Registers the merge driver for `docs` (repository config and `.gitattributes`).
/// Idempotent.
pub fn register(repo: &Repo, bin: Option<&Path>, docs: &[String]) -> Result<Registered> {
    let git = repo.git();
    let bin = match bin {
        Some(b) => shell_quote(&b.to_string_lossy()),
        None => "dbarch".to_string(),
    };
    let driver = format!("{bin} merge-driver --marker-size %L %O %A %B %P");
    let name = "dbarch: Change Log rows as a union, header dates the newest";
    let cfg = git
        .config()
        .and_then(|c| c.open_level(git2::ConfigLevel::Local))
        .map_err(|e| Error::git("opening the repository's config", e))?;
    let mut cfg = cfg;
    let mut config_changed = false;
    for (k, v) in [
        (format!("merge.{DRIVER}.name"), name.to_string()),
        (format!("merge.{DRIVER}.driver"), driver),
    ] {
        if cfg.get_string(&k).ok().as_deref() != Some(v.as_str()) {
            cfg.set_str(&k, &v)
                .map_err(|e| Error::git(format!("setting {k}"), e))?;
            config_changed = true;
        }
    }
    let root = repo.workdir()?.to_path_buf();
    let path = root.join(".gitattributes");
    let old = match std::fs::read(&path) {
        Ok(b) => String::from_utf8(b).map_err(|_| {
            Error::Usage(format!(
                "{} is not UTF-8; add `<document> {ATTR}` lines to it by hand",
                path.display()
            ))
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let nl = if old.contains("\r\n") { "\r\n" } else { "\n" };
    let mut new = old.clone();
    let mut added = Vec::new();
    for d in docs {
        let line = format!("{} {ATTR}", pattern(d));
        if old.lines().any(|l| l.trim_end() == line) {
            continue;
        }
        if added.is_empty() {
            if !new.is_empty() && !new.ends_with('\n') {
                new.push_str(nl);
            }
            if !old.lines().any(|l| l == ATTR_COMMENT) {
                new.push_str(ATTR_COMMENT);
                new.push_str(nl);
            }
        }
        new.push_str(&line);
        new.push_str(nl);
        added.push(d.clone());
    }
    if new != old {
        fsutil::write_atomic(&path, new.as_bytes())?;
    }
    Ok(Registered {
        config_changed,
        attributes: path,
        added,
    })
}

/// Removes what [`register`] added: the config section and the `merge=dbarch` lines (the
/// file goes when nothing else is left in it). Returns whether anything changed.
pub fn unregister(repo: &Repo) -> Result<bool> {
    let git = repo.git();
    let mut changed = false;
    if let Ok(mut cfg) = git
        .config()
        .and_then(|c| c.open_level(git2::ConfigLevel::Local))
    {
        for k in ["name", "driver"] {
            let key = format!("merge.{DRIVER}.{k}");
            if cfg.get_string(&key).is_ok() && cfg.remove(&key).is_ok() {
                changed = true;
            }
        }
    }
    let path = repo.workdir()?.join(".gitattributes");
    if let Ok(old) = std::fs::read_to_string(&path) {
        let kept: Vec<&str> = old
            .split_inclusive('\n')
            .filter(|l| {
                let t = l.trim_end();
                t != ATTR_COMMENT && !t.ends_with(&format!(" {ATTR}"))
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
}
