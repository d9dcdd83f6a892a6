//! Effects on files: atomic writes (temp file in the same directory, fsync, rename), the
//! lock that keeps two `dbarch` runs from editing one repository at once, and document
//! path resolution: [`resolve_doc_path`] refuses a path that leaves the work tree, enters
//! a git directory or another repository, and follows symlinks to the real document.
//!
//! Crash safety: a reader, or a run killed at any instant (SIGKILL, power loss after the
//! directory is synced), sees the old file or the new one, byte for byte, never a mix.
//! A killed run can leave its temp file (`.dbarch-XXXXXX.tmp`) beside the target; the
//! next write into that directory removes it. Each temp file is held under an exclusive
//! advisory lock for as long as its writer lives, so only the temp files of dead runs
//! are removed, even without the repository lock.
//!
//! Test seam: `DBARCH_TEST_WRITE_DELAY_MS` (see [`ENV_WRITE_DELAY`]) makes
//! [`write_atomic`] sleep between writing the temp file and the rename, so a test can
//! kill a run inside that window (`tests/hardening.rs`). It changes nothing else.
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use crate::{Error, Result};

/// Test seam: milliseconds to sleep between writing the temp file and renaming it over
/// the target (at most [`MAX_WRITE_DELAY`]). For crash-safety tests only.
pub const ENV_WRITE_DELAY: &str = "DBARCH_TEST_WRITE_DELAY_MS";

/// The longest delay [`ENV_WRITE_DELAY`] can ask for.
pub const MAX_WRITE_DELAY: Duration = Duration::from_secs(10);

/// Names of the temp files [`write_atomic`] creates: `.dbarch-XXXXXX.tmp`.
const TEMP_PREFIX: &str = ".dbarch-";
const TEMP_SUFFIX: &str = ".tmp";

/// Replaces `path` with `bytes` atomically: readers see the old file or the new one,
/// never a mix, and a crash leaves at most a stray `.dbarch-*.tmp` temp file beside it,
/// which the next write into the same directory removes (see the module docs).
///
/// The file's permissions are kept (a new file gets `0666` less the umask, like any
/// file a program creates). A symlink is written through: its target is replaced and
/// the link stays a link (callers refuse links that leave the repository first).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_cas(path, None, bytes).map(|_| ())
}

/// [`write_atomic`] as a compare-and-swap: right before the rename (after the temp file
/// is written and fsynced, and after the [`ENV_WRITE_DELAY`] seam), the file at `path`
/// must still hold exactly `expected`; otherwise the temp file is removed, nothing is
/// written and the answer is `false` (the caller says to run again). The remaining
/// window is the one system call between the check and the rename.
pub fn replace_if_unchanged(path: &Path, expected: &[u8], bytes: &[u8]) -> Result<bool> {
    write_atomic_cas(path, Some(expected), bytes)
}

fn write_atomic_cas(path: &Path, expected: Option<&[u8]>, bytes: &[u8]) -> Result<bool> {
    let target = write_target(path);
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    remove_stale_temp_files(&dir);
    let existing = std::fs::metadata(&target).ok();
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX);
    #[cfg(unix)]
    if existing.is_none() {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(&dir).map_err(|e| Error::io(&dir, e))?;
    // Held until this function returns: a concurrent cleanup leaves the file alone.
    let _ = tmp.as_file().try_lock();
    tmp.write_all(bytes).map_err(|e| Error::io(tmp.path(), e))?;
    if let Some(meta) = &existing {
        let _ = std::fs::set_permissions(tmp.path(), meta.permissions());
    }
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io(tmp.path(), e))?;
    if let Some(delay) = test_write_delay() {
        std::thread::sleep(delay);
    }
    if let Some(expected) = expected {
        if !still_holds(&target, expected) {
            return Ok(false); // the temp file is removed when `tmp` drops
        }
    }
    let file = tmp
        .persist(&target)
        .map_err(|e| Error::io(&target, e.error))?;
    // The rename is durable once the directory is synced (best effort: not every file
    // system lets a directory be opened or synced).
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    drop(file);
    Ok(true)
}

/// Whether the file at `path` holds exactly `expected` (size first, then the bytes).
fn still_holds(path: &Path, expected: &[u8]) -> bool {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_file() && m.len() == expected.len() as u64 => {}
        _ => return false,
    }
    std::fs::read(path).is_ok_and(|now| now == expected)
}

/// Where a write to `path` goes: the final target of a symlink, else `path` itself.
fn write_target(path: &Path) -> PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

/// [`ENV_WRITE_DELAY`], when set to a number.
fn test_write_delay() -> Option<Duration> {
    let ms: u64 = std::env::var(ENV_WRITE_DELAY).ok()?.trim().parse().ok()?;
    Some(Duration::from_millis(ms).min(MAX_WRITE_DELAY))
}

/// Removes the `.dbarch-*.tmp` files in `dir` left by runs that died between writing a
/// temp file and renaming it. A temp file whose lock cannot be taken belongs to a live
/// run and is kept. Best effort: a file that cannot be inspected is left alone.
/// Returns the names removed.
pub fn remove_stale_temp_files(dir: &Path) -> Vec<String> {
    let mut removed = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return removed;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !(name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)) {
            continue;
        }
        let p = e.path();
        // Regular files only: never follow a symlink named like a temp file.
        if !std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_file()) {
            continue;
        }
        let Ok(f) = File::open(&p) else {
            continue;
        };
        if f.try_lock().is_ok() && std::fs::remove_file(&p).is_ok() {
            removed.push(name);
        }
    }
    removed
}

/// Writes a new file, refusing to replace an existing one unless `force`.
pub fn write_new(path: &Path, bytes: &[u8], force: bool) -> Result<()> {
    if !force && path.exists() {
        return Err(Error::Usage(format!(
            "{} already exists; use --force to overwrite it",
            path.display()
        )));
    }
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    write_atomic(path, bytes)
}

/// An exclusive advisory lock on a file, released on drop.
pub struct Lock {
    _file: File,
    path: PathBuf,
}

impl Lock {
    /// Waits up to `wait` for the lock at `path` (created if missing).
    pub fn acquire(path: &Path, wait: Duration) -> Result<Lock> {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        let start = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => {
                    return Ok(Lock {
                        _file: file,
                        path: path.to_path_buf(),
                    })
                }
                Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < wait => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(Error::Usage(format!(
                        "another dbarch run holds {}; try again when it has finished",
                        path.display()
                    )))
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(path, e)),
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Refuses a document path that leaves the repository: `..` that climbs above the root,
/// absolute paths, a path whose existing prefix is a symlink resolving outside `root`
/// (including a dangling one), and a path that resolves into a git directory (`.git`,
/// a submodule's `.git/modules/…`, any directory that holds `HEAD`, `objects` and
/// `refs`). Returns `root.join(rel)`. Refusals are [`Error::Usage`]; `root` must exist.
pub fn safe_doc_path(root: &Path, rel: &str) -> Result<PathBuf> {
    resolve_doc_path(root, rel)?;
    Ok(root.join(rel))
}

/// [`safe_doc_path`]'s checks, and the path the document really is: every symlink
/// followed, `..` resolved, relative to the root and `/`-separated. A symlinked
/// document is managed as its target (its history, its rows, its bytes), so a link
/// and its target are one document.
pub fn resolve_doc_path(root: &Path, rel: &str) -> Result<(String, PathBuf)> {
    let refuse = |why: String| Error::Usage(format!("refusing document path `{rel}`: {why}"));
    if rel.trim().is_empty() {
        return Err(Error::Usage("empty document path".to_string()));
    }
    let relp = Path::new(rel);
    if relp.is_absolute() || relp.has_root() || rel.starts_with('/') || rel.starts_with('\\') {
        return Err(refuse(
            "it must be relative to the repository root".to_string(),
        ));
    }
    let mut depth = 0usize;
    for c in relp.components() {
        match c {
            Component::ParentDir => {
                if depth == 0 {
                    return Err(refuse("`..` leaves the repository".to_string()));
                }
                depth -= 1;
            }
            Component::Prefix(_) | Component::RootDir => {
                return Err(refuse(
                    "it must be relative to the repository root".to_string(),
                ));
            }
            Component::CurDir => {}
            Component::Normal(_) => depth += 1,
        }
    }
    let root_real = std::fs::canonicalize(root).map_err(|e| Error::io(root, e))?;
    let resolved = resolve_symlinks(&root_real, relp).map_err(|e| match e {
        Resolve::Io(p, e) => Error::io(p, e),
        Resolve::Loop => refuse("too many levels of symbolic links".to_string()),
    })?;
    let Ok(inside) = resolved.strip_prefix(&root_real) else {
        return Err(refuse(format!(
            "it resolves to `{}`, outside the repository",
            resolved.display()
        )));
    };
    let inside_rel = inside.to_string_lossy().replace('\\', "/");
    if inside_rel.is_empty() {
        return Err(refuse("it is the repository root".to_string()));
    }
    if let Some(git_dir) = git_dir_containing(&root_real, inside) {
        return Err(refuse(format!(
            "it resolves to `{inside_rel}`, inside the git directory `{git_dir}`; \
             dbarch never reads or writes git's own files"
        )));
    }
    if let Some(nested) = nested_repository(&root_real, inside) {
        return Err(refuse(format!(
            "it is inside `{nested}`, a submodule or another repository, whose history this \
             repository does not have; run dbarch there: `dbarch -C {nested} …`"
        )));
    }
    Ok((inside_rel, root_real.join(inside)))
}

/// Each step on the way from `root` down to `root/inside` (`inside` itself last): the
/// path, its last component, and its path below `root` as shown in messages (`docs/sub`).
fn steps_below<'a>(
    root: &Path,
    inside: &'a Path,
) -> impl Iterator<Item = (PathBuf, &'a std::ffi::OsStr, String)> + 'a {
    let mut cur = root.to_path_buf();
    let mut shown = String::new();
    inside.components().map(move |c| {
        cur.push(c);
        if !shown.is_empty() {
            shown.push('/');
        }
        shown.push_str(&c.as_os_str().to_string_lossy());
        (cur.clone(), c.as_os_str(), shown.clone())
    })
}

/// The first directory below `root`, down to `root/inside` itself, that is the work
/// tree of another repository (it has a `.git` file or directory): a submodule, or a
/// repository nested in this one.
fn nested_repository(root: &Path, inside: &Path) -> Option<String> {
    steps_below(root, inside)
        .find(|(cur, _, _)| std::fs::symlink_metadata(cur.join(".git")).is_ok())
        .map(|(_, _, shown)| shown)
}

/// The first directory on the way from `root` to `root/inside` (or `inside` itself)
/// that is a git directory: named `.git` (any case), or holding `HEAD`, `objects` and
/// `refs` the way every git directory does. A `.git` file (a submodule's or worktree's
/// link to its git directory) counts too.
fn git_dir_containing(root: &Path, inside: &Path) -> Option<String> {
    steps_below(root, inside)
        .find(|(cur, name, _)| {
            name.eq_ignore_ascii_case(".git")
                || (cur.join("HEAD").is_file()
                    && cur.join("objects").is_dir()
                    && cur.join("refs").is_dir())
        })
        .map(|(_, _, shown)| shown)
}

enum Resolve {
    Io(PathBuf, std::io::Error),
    Loop,
}

/// Resolves `rel` under the real directory `base` the way the kernel would, following
/// symlinks (dangling ones too), leaving a nonexistent tail as written.
fn resolve_symlinks(base: &Path, rel: &Path) -> std::result::Result<PathBuf, Resolve> {
    let mut cur = base.to_path_buf();
    let mut todo: Vec<std::ffi::OsString> = Vec::new(); // a stack: last = next component
    let push_path = |todo: &mut Vec<std::ffi::OsString>, p: &Path| {
        let comps: Vec<_> = p
            .components()
            .map(|c| c.as_os_str().to_os_string())
            .collect();
        todo.extend(comps.into_iter().rev());
    };
    push_path(&mut todo, rel);
    let mut hops = 0;
    let mut missing = false;
    // How many trailing components of `cur` do not exist: `..` climbs back out of them
    // and symlinks are followed again from there.
    let mut missing_depth = 0usize;
    while let Some(c) = todo.pop() {
        let comp = Path::new(&c);
        match comp.components().next() {
            Some(Component::RootDir) | Some(Component::Prefix(_)) => cur = comp.to_path_buf(),
            Some(Component::CurDir) | None => {}
            Some(Component::ParentDir) => {
                cur.pop();
                missing_depth = missing_depth.saturating_sub(1);
                missing = missing_depth > 0;
            }
            Some(Component::Normal(name)) => {
                let next = cur.join(name);
                if missing {
                    cur = next;
                    missing_depth += 1;
                    continue;
                }
                match std::fs::symlink_metadata(&next) {
                    Ok(m) if m.file_type().is_symlink() => {
                        hops += 1;
                        if hops > 40 {
                            return Err(Resolve::Loop);
                        }
                        let target =
                            std::fs::read_link(&next).map_err(|e| Resolve::Io(next.clone(), e))?;
                        push_path(&mut todo, &target);
                    }
                    Ok(_) => cur = next,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        missing = true;
                        missing_depth = 1;
                        cur = next;
                    }
                    Err(e) => return Err(Resolve::Io(next, e)),
                }
            }
        }
    }
    Ok(cur)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_keeps_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("doc.md");
        std::fs::write(&p, "old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&p, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temp file left behind");
    }

    #[test]
    fn new_files_are_not_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("new.md");
        write_atomic(&p, b"x").unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        // 0666 less the umask: at least readable by its owner, and not the 0600 of a
        // temp file unless the umask says so.
        let probe = dir.path().join("probe");
        std::fs::write(&probe, b"").unwrap();
        let umasked = std::fs::metadata(&probe).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, umasked);
    }

    #[test]
    fn symlinks_are_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.md");
        let link = dir.path().join("link.md");
        std::fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink("real.md", &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
    }

    #[test]
    fn stale_temp_files_go_and_live_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(".dbarch-dead01.tmp");
        std::fs::write(&stale, "partial").unwrap();
        let live = dir.path().join(".dbarch-live01.tmp");
        let held = File::create(&live).unwrap();
        held.lock().unwrap();
        let other = dir.path().join(".dbarch-notes.md");
        std::fs::write(&other, "x").unwrap();
        std::os::unix::fs::symlink(&other, dir.path().join(".dbarch-link.tmp")).unwrap();
        write_atomic(&dir.path().join("doc.md"), b"new").unwrap();
        assert!(!stale.exists(), "a dead run's temp file is removed");
        assert!(live.exists(), "a live run's temp file is kept");
        assert!(other.exists());
        assert!(
            dir.path().join(".dbarch-link.tmp").exists(),
            "symlinks are not touched"
        );
        drop(held);
        assert_eq!(remove_stale_temp_files(dir.path()), [".dbarch-live01.tmp"]);
    }

    #[test]
    fn write_new_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b.md");
        write_new(&p, b"1", false).unwrap();
        let err = write_new(&p, b"2", false).unwrap_err();
        assert!(err.to_string().contains("--force"));
        write_new(&p, b"2", true).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "2");
    }

    #[test]
    fn lock_is_exclusive() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("lock");
        let held = Lock::acquire(&p, Duration::ZERO).unwrap();
        assert!(Lock::acquire(&p, Duration::from_millis(50)).is_err());
        drop(held);
        assert!(Lock::acquire(&p, Duration::ZERO).is_ok());
    }

    #[test]
    fn safe_doc_path_refuses_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (rel, want) in [
            (
                "../../etc/passwd",
                "refusing document path `../../etc/passwd`: `..` leaves the repository",
            ),
            (
                "/etc/passwd",
                "refusing document path `/etc/passwd`: it must be relative to the repository root",
            ),
            (
                "docs/../../x.md",
                "refusing document path `docs/../../x.md`: `..` leaves the repository",
            ),
            ("", "empty document path"),
        ] {
            let e = safe_doc_path(root, rel).unwrap_err();
            assert!(matches!(e, Error::Usage(_)), "{rel}: {e:?}");
            assert_eq!(e.to_string(), want);
        }
    }

    #[cfg(unix)]
    #[test]
    fn safe_doc_path_follows_symlinks() {
        use std::os::unix::fs::symlink;
        let outside = tempfile::tempdir().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("docs/real")).unwrap();
        std::fs::write(root.join("docs/real/x.md"), "x").unwrap();

        // Plain paths, existing or not.
        assert_eq!(
            safe_doc_path(root, "docs/x.md").unwrap(),
            root.join("docs/x.md")
        );
        assert_eq!(
            safe_doc_path(root, "./docs/real/x.md").unwrap(),
            root.join("./docs/real/x.md")
        );

        // A directory symlink that stays inside, and a file symlink that stays inside.
        symlink("real", root.join("docs/inside")).unwrap();
        symlink("../docs/real/x.md", root.join("docs/real/alias.md")).unwrap();
        assert_eq!(
            safe_doc_path(root, "docs/inside/x.md").unwrap(),
            root.join("docs/inside/x.md")
        );
        assert!(safe_doc_path(root, "docs/real/alias.md").is_ok());

        // A directory symlink out of the repository.
        symlink(outside.path(), root.join("out")).unwrap();
        let e = safe_doc_path(root, "out/x.md").unwrap_err();
        assert!(matches!(e, Error::Usage(_)));
        assert!(
            e.to_string()
                .starts_with("refusing document path `out/x.md`: it resolves to `"),
            "{e}"
        );
        assert!(e.to_string().ends_with("outside the repository"), "{e}");

        // A dangling file symlink pointing outside (writing would create a file there).
        symlink(outside.path().join("new.md"), root.join("docs/dangling.md")).unwrap();
        assert!(safe_doc_path(root, "docs/dangling.md").is_err());

        // An absolute symlink back into the repository is fine.
        symlink(root.join("docs/real"), root.join("docs/abs")).unwrap();
        assert!(safe_doc_path(root, "docs/abs/x.md").is_ok());

        // A symlink loop is refused, not followed forever.
        symlink("loop2", root.join("loop1")).unwrap();
        symlink("loop1", root.join("loop2")).unwrap();
        let e = safe_doc_path(root, "loop1/x.md").unwrap_err();
        assert!(e.to_string().contains("too many levels"), "{e}");
    }
}
