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
