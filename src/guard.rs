//! Refusals that keep a document safe to edit: a document git stores through a filter
//! (git-lfs, any `filter=` driver, `ident`) is refused, because its committed blobs are
//! not its text (an LFS pointer, a cleaned form) and a blob dbarch writes would skip the
//! filter. dbarch does not run filters; it refuses such a document with one line and
//! writes nothing. Remove the attribute for the document to manage it.
use std::path::Path;

use git2::{AttrCheckFlags, AttrValue, ErrorCode, Repository};

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

/// Why the repository around `start` cannot be used, when opening it failed with `err`:
/// owned by another user (git's "dubious ownership", with git's fix), or a SHA-256
/// repository (libgit2 reads SHA-1 repositories only). `None`: there is no repository.
pub fn unreadable_repository(start: &Path, err: &Error) -> Option<Error> {
    if let Error::Git { source, .. } = err {
        if source.code() == ErrorCode::Owner {
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

/// A commit message in the encoding its `encoding` header names (git's
/// `i18n.commitEncoding`): UTF-8 (the default), ISO-8859-1 / Latin-1 and Windows-1252
/// are decoded; any other encoding, or bytes that are not valid in it, fall back to
/// UTF-8 with replacement characters, as before.
pub fn decode_message(bytes: &[u8], encoding: Option<&str>) -> String {
    let enc = encoding.map(|e| e.trim().to_ascii_lowercase().replace('_', "-"));
    match enc.as_deref() {
        Some("iso-8859-1" | "iso8859-1" | "latin1" | "latin-1" | "l1" | "iso-ir-100") => {
            // Valid UTF-8 stays UTF-8 (a header that lies about plain ASCII/UTF-8 text).
            match std::str::from_utf8(bytes) {
                Ok(s) => s.to_string(),
                Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
            }
        }
        Some("windows-1252" | "cp1252") => match std::str::from_utf8(bytes) {
            Ok(s) => s.to_string(),
            Err(_) => bytes.iter().map(|&b| cp1252(b)).collect(),
        },
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[(b - 0x80) as usize],
        _ => char::from(b),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_decoded_by_their_encoding_header() {
        let latin1 = b"Caf\xe9 cr\xe8me";
        assert_eq!(decode_message(latin1, Some("ISO-8859-1")), "Café crème");
        assert_eq!(decode_message(latin1, Some("latin1")), "Café crème");
        assert_eq!(
            decode_message(b"\x93quoted\x94", Some("windows-1252")),
            "“quoted”"
        );
        assert_eq!(
            decode_message("Café".as_bytes(), Some("ISO-8859-1")),
            "Café"
        );
        assert_eq!(decode_message(latin1, None), "Caf\u{fffd} cr\u{fffd}me");
    }
}
