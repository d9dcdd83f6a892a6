//! Refusals that keep the tool safe: a repository it cannot read (another user's, or
//! SHA-256) named with the fix, and the document-path invariant the fuzz target
//! checks. The refusal of a document git stores through a filter is
//! [`crate::git::checks::filter_refusal`].
use std::path::Path;

use crate::Error;

/// Why the repository around `start` cannot be used, when opening it failed with `err`:
/// owned by another user (git's "dubious ownership", with git's fix), or a SHA-256
/// repository (libgit2 reads SHA-1 repositories only). `None`: there is no repository.
pub fn unreadable_repository(start: &Path, err: &Error) -> Option<Error> {
    if let Error::Git { source, .. } = err {
        if source.is_dubious_ownership() {
            let dir = git_dir_above(start).unwrap_or_else(|| start.to_path_buf());
            let top = dir
                .parent()
                .filter(|_| dir.ends_with(".git"))
                .unwrap_or(&dir)
                .to_path_buf();
            return Some(Error::Usage(format!(
                "detected dubious ownership in repository at '{}': it is owned by another user. \
                 To trust it: git config --global --add safe.directory {}",
                top.display(),
                top.display()
            )));
        }
    }
    let dir = git_dir_above(start)?;
    let config = std::fs::read_to_string(dir.join("config")).ok()?;
    let sha256 = config.lines().any(|l| {
        let l = l.trim().to_ascii_lowercase().replace(' ', "");
        l == "objectformat=sha256"
    });
    if sha256 {
        return Some(Error::Usage(format!(
            "{} is a SHA-256 repository (extensions.objectFormat = sha256), which dbarch cannot \
             read yet (libgit2 reads SHA-1 repositories); nothing was read or written. Use a \
             SHA-1 clone of the history to run dbarch",
            dir.parent().unwrap_or(&dir).display()
        )));
    }
    Some(Error::Usage(format!("{err}"))).filter(|_| !matches!(err, Error::Usage(_)))
}

/// The nearest `.git` (directory or file) at or above `start`, as a git directory.
fn git_dir_above(start: &Path) -> Option<std::path::PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    for dir in start.ancestors() {
        let dot = dir.join(".git");
        if dot.is_dir() {
            return Some(dot);
        }
        if dot.is_file() {
            let text = std::fs::read_to_string(&dot).ok()?;
            let target = text.trim().strip_prefix("gitdir:")?.trim();
            return Some(dir.join(target));
        }
    }
    None
}

/// The fuzz target `path` and its property test: resolves `data` (as a document path)
/// in a fixed tree of traps — symlinks into `.git`, out of the tree, in a loop, to a
/// directory; a submodule; a bare repository inside the work tree — and checks what
/// [`crate::fsutil::resolve_doc_path`] promises. `Err` describes a violation; a refusal
/// is fine.
///
/// Promises: no panic; an accepted path is relative, `/`-separated, without `.`, `..`
/// or empty components, and not a `.git` component; its absolute path is the real root
/// joined with it; it is outside every git directory and every nested repository;
/// resolving it again gives itself.
pub fn check_path_invariant(data: &[u8]) -> std::result::Result<(), String> {
    let root = trap_tree()?;
    let text = String::from_utf8_lossy(data).replace('\0', "");
    let Ok((rel, abs)) = crate::fsutil::resolve_doc_path(root, &text) else {
        return Ok(());
    };
    let real_root = std::fs::canonicalize(root).map_err(|e| e.to_string())?;
    if abs != real_root.join(&rel) {
        return Err(format!(
            "{text:?}: {} is not the root joined with {rel:?}",
            abs.display()
        ));
    }
    for c in rel.split('/') {
        if c.is_empty() || c == "." || c == ".." || c.eq_ignore_ascii_case(".git") {
            return Err(format!("{text:?} resolved to {rel:?}: component {c:?}"));
        }
    }
    for trap in ["vendor/bare.git", "sub"] {
        if rel == trap || rel.starts_with(&format!("{trap}/")) {
            return Err(format!("{text:?} resolved to {rel:?}, inside {trap}"));
        }
    }
    // Whatever of it exists resolves inside the root.
    let mut existing = abs.clone();
    while !existing.exists() && existing.pop() {}
    let real = std::fs::canonicalize(&existing).map_err(|e| e.to_string())?;
    if !real.starts_with(&real_root) {
        return Err(format!(
            "{text:?} resolved to {rel:?}, which leads to {}",
            real.display()
        ));
    }
    match crate::fsutil::resolve_doc_path(root, &rel) {
        Ok((again, _)) if again == rel => Ok(()),
        other => Err(format!(
            "{text:?} resolved to {rel:?}, which resolves to {other:?}"
        )),
    }
}

/// The tree [`check_path_invariant`] resolves in (made once per process).
fn trap_tree() -> std::result::Result<&'static Path, String> {
    static TREE: std::sync::OnceLock<std::result::Result<tempfile::TempDir, String>> =
        std::sync::OnceLock::new();
    TREE.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("dbarch-path-traps-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        make_traps(dir.path()).map_err(|e| e.to_string())?;
        Ok(dir)
    })
    .as_ref()
    .map(|d| d.path())
    .map_err(Clone::clone)
}

fn make_traps(r: &Path) -> std::io::Result<()> {
    use std::fs;
    for d in [
        ".git/objects",
        ".git/refs",
        ".git/modules/sub/objects",
        ".git/modules/sub/refs",
    ] {
        fs::create_dir_all(r.join(d))?;
    }
    fs::write(r.join(".git/HEAD"), "ref: refs/heads/main\n")?;
    fs::write(r.join(".git/config"), "[core]\n")?;
    fs::write(r.join(".git/modules/sub/HEAD"), "ref: refs/heads/main\n")?;
    fs::write(r.join(".git/modules/sub/config"), "[core]\n")?;
    for d in [
        "docs/deep",
        "sub/docs",
        "vendor/bare.git/objects",
        "vendor/bare.git/refs",
    ] {
        fs::create_dir_all(r.join(d))?;
    }
    fs::write(r.join("vendor/bare.git/HEAD"), "ref: refs/heads/main\n")?;
    fs::write(r.join("vendor/bare.git/config"), "[core]\n")?;
    fs::write(r.join("docs/real.md"), "# Doc\n")?;
    fs::write(r.join("sub/.git"), "gitdir: ../.git/modules/sub\n")?;
    fs::write(r.join("sub/docs/x.md"), "# Sub\n")?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink("real.md", r.join("docs/link.md"))?;
        symlink("../.git/config", r.join("docs/gitlink.md"))?;
        symlink("../.git", r.join("docs/gitdir"))?;
        symlink("../.git/modules/sub/config", r.join("docs/modlink.md"))?;
        symlink("/tmp", r.join("docs/out"))?;
        symlink("../..", r.join("docs/deep/up"))?;
        symlink("..", r.join("docs/deep/parent"))?;
        symlink("loop2", r.join("loop1"))?;
        symlink("loop1", r.join("loop2"))?;
        symlink("../vendor/bare.git", r.join("docs/bare"))?;
        symlink("../sub/docs/x.md", r.join("docs/sublink.md"))?;
        symlink(r.join("docs"), r.join("absdocs"))?;
    }
    Ok(())
}
