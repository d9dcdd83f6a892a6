//! Records the commit dbarch is built from, for `dbarch --version` and `dbarch doctor`:
//! `DBARCH_GIT_COMMIT` is the short commit id of HEAD, from `git` when this is the
//! crate's own git checkout, else `unknown` (a crates.io package,
//! a source tarball). `DBARCH_BUILD_COMMIT`, when set, wins (a packager's own build).
use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=DBARCH_BUILD_COMMIT");
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let commit = std::env::var("DBARCH_BUILD_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .map(|c| short(c.trim()))
        .or_else(|| from_git(Path::new(&manifest)))
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=DBARCH_GIT_COMMIT={commit}");
    // The target triple and profile, for `dbarch doctor`.
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=DBARCH_TARGET={target}");
}

/// A full 40-hex commit id (e.g. `github.sha`) as the 12-digit form git gives; anything
/// else as it is.
fn short(c: &str) -> String {
    if c.len() == 40 && c.bytes().all(|b| b.is_ascii_hexdigit()) {
        c[..12].to_string()
    } else {
        c.to_string()
    }
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn from_git(dir: &Path) -> Option<String> {
    // Only this crate's own checkout: a crates.io package unpacked inside some other
    // repository must not report that repository's commit.
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    let same = match (Path::new(&top).canonicalize(), dir.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same {
        return None;
    }
    let id = git(dir, &["rev-parse", "--short=12", "HEAD"])?;
    if id.is_empty() {
        return None;
    }
    // Run again when HEAD moves (a commit, a checkout); only files that exist (cargo
    // runs the script on every build for a missing one). A build with uncommitted changes
    // reports the commit it started from.
    let mut watch = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(r) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        watch.push(r);
    }
    for name in watch {
        if let Some(p) = git(dir, &["rev-parse", "--git-path", &name]) {
            let p = dir.join(p);
            if p.is_file() {
                println!("cargo:rerun-if-changed={}", p.display());
            }
        }
    }
    Some(id)
}
