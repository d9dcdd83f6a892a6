//! Helpers shared by every integration test area (init, lint, config, sync, ...).
//!
//! Everything runs hermetically: the real `dbarch` binary and the git CLI get an
//! environment without the caller's git, GitHub and `DBARCH_*` settings (see
//! [`hermetic_env`]), a fixed clock (`DBARCH_NOW=2026-11-26`) and an empty `HOME`. Each
//! [`TestRepo`] is a fresh temporary directory; tests never touch this repository's own
//! git history.
#![allow(dead_code)] // Not every test module uses every helper.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::sync::OnceLock;

use tempfile::TempDir;

/// The date every test runs on (`DBARCH_NOW`).
pub const TODAY: &str = "2026-11-26";

/// The shipped document template (what `dbarch init` starts from).
pub const DOC_TEMPLATE: &str = include_str!("../../src/templates/database-architecture.md");

/// The shipped `dbarch.toml` template.
pub const CONFIG_TEMPLATE: &str = include_str!("../../src/templates/dbarch.toml");

/// Where `dbarch init` writes the document by default.
pub const DOC: &str = "docs/database-architecture.md";

/// The default author of [`TestRepo::commit`]-style helpers that take none.
pub const ALICE: (&str, &str) = ("Alice Example", "alice@example.com");
pub const BOB: (&str, &str) = ("Bob Example", "bob@example.com");

/// An empty directory used as `HOME` / `XDG_CONFIG_HOME`, so neither git nor libgit2
/// reads the caller's configuration.
fn empty_home() -> &'static Path {
    static HOME: OnceLock<PathBuf> = OnceLock::new();
    HOME.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dbarch-test-home");
        std::fs::create_dir_all(&dir).expect("create the test HOME");
        dir
    })
}

/// What [`dbarch`] and [`git_command`] do to the inherited environment: `(name, None)`
/// removes a variable, `(name, Some(value))` sets it.
///
/// Removed: every `GIT_*` (so `GIT_DIR`, `GIT_INDEX_FILE`, ... from a hook that runs the
/// tests cannot point at this repository), every `DBARCH_*`, `GITHUB_*` and `GH_*`
/// variable, and `COLUMNS`. Set: `GIT_CONFIG_GLOBAL=/dev/null`, `GIT_CONFIG_NOSYSTEM=1`, `NO_COLOR=1`,
/// `DBARCH_NOW=2026-11-26`, `TZ=UTC`, `LC_ALL=C`, and an empty `HOME`.
pub fn hermetic_env() -> Vec<(OsString, Option<OsString>)> {
    let mut ops: Vec<(OsString, Option<OsString>)> = Vec::new();
    for (k, _) in std::env::vars_os() {
        let name = k.to_string_lossy();
        if ["GIT_", "DBARCH_", "GITHUB_", "GH_"]
            .iter()
            .any(|p| name.starts_with(p))
        {
            ops.push((k.clone(), None));
        }
    }
    // COLUMNS: `status` fits its table to it; tests set it where they mean to.
    for k in ["GITHUB_ACTIONS", "GITHUB_TOKEN", "GH_TOKEN", "COLUMNS"] {
        ops.push((k.into(), None));
    }
    let home = empty_home().as_os_str().to_os_string();
    let set = [
        ("GIT_CONFIG_GLOBAL", OsString::from("/dev/null")),
        ("GIT_CONFIG_NOSYSTEM", OsString::from("1")),
        ("NO_COLOR", OsString::from("1")),
        ("DBARCH_NOW", OsString::from(TODAY)),
        ("TZ", OsString::from("UTC")),
        ("LC_ALL", OsString::from("C")),
        ("HOME", home.clone()),
        ("XDG_CONFIG_HOME", home),
    ];
    for (k, v) in set {
        ops.push((k.into(), Some(v)));
    }
    ops
}

/// The real `dbarch` binary with a hermetic environment (see [`hermetic_env`]). Add
/// `.current_dir(..)` or `-C DIR`; [`TestRepo::dbarch`] does the former.
pub fn dbarch() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("dbarch").expect("the dbarch binary");
    for (k, v) in hermetic_env() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd
}

/// The git CLI with a hermetic environment, run in `dir`.
pub fn git_command(dir: &Path) -> StdCommand {
    let mut cmd = StdCommand::new("git");
    cmd.current_dir(dir);
    for (k, v) in hermetic_env() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd
}

/// [`git_command`] with `author` and `committer` (`(name, email)`), both dated `date`.
pub fn git_command_as(
    dir: &Path,
    author: (&str, &str),
    committer: (&str, &str),
    date: &str,
) -> StdCommand {
    let mut cmd = git_command(dir);
    cmd.env("GIT_AUTHOR_NAME", author.0)
        .env("GIT_AUTHOR_EMAIL", author.1)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_NAME", committer.0)
        .env("GIT_COMMITTER_EMAIL", committer.1)
        .env("GIT_COMMITTER_DATE", date);
    cmd
}

/// Runs git in `dir`, asserts success, returns stdout.
pub fn run_git(dir: &Path, args: &[&str]) -> String {
    run_git_with(git_command(dir), args)
}

fn run_git_with(mut cmd: StdCommand, args: &[&str]) -> String {
    let out = cmd.args(args).output().expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("git output is UTF-8")
}

/// A throwaway directory, with a git repository unless made by [`TestRepo::without_git`].
pub struct TestRepo {
    pub dir: TempDir,
}

impl Default for TestRepo {
    fn default() -> Self {
        TestRepo::new()
    }
}

impl TestRepo {
    /// A fresh repository: `git init -b main`, with a local `user.name`/`user.email`
    /// (`Test User <test@example.com>`), no signing, no line-ending conversion.
    pub fn new() -> TestRepo {
        let repo = TestRepo::without_git();
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "user.name", "Test User"]);
        repo.git(&["config", "user.email", "test@example.com"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo.git(&["config", "core.autocrlf", "false"]);
        repo
    }

    /// A fresh empty directory that is not a git repository.
    pub fn without_git() -> TestRepo {
        let dir = tempfile::Builder::new()
            .prefix("dbarch-test-")
            .tempdir()
            .expect("create a temporary directory");
        TestRepo { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `path()/rel`.
    pub fn abs(&self, rel: &str) -> PathBuf {
        self.path().join(rel)
    }

    /// Writes a file (creating its directories).
    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) {
        let p = self.abs(rel);
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).expect("create directories");
        }
        std::fs::write(&p, content).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
    }

    /// A file's text (panics when missing or not UTF-8).
    pub fn read(&self, rel: &str) -> String {
        let p = self.abs(rel);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
    }

    /// A file's bytes.
    pub fn read_bytes(&self, rel: &str) -> Vec<u8> {
        let p = self.abs(rel);
        std::fs::read(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.abs(rel).exists()
    }

    /// Writes a `dbarch.toml` that manages [`DOC`], followed by `extra` (more TOML).
    pub fn write_doc_config(&self, extra: &str) {
        self.write(
            "dbarch.toml",
            format!("[[docs]]\npath = \"{DOC}\"\n{extra}"),
        );
    }

    /// Runs git here, asserts success, returns stdout.
    pub fn git(&self, args: &[&str]) -> String {
        run_git(self.path(), args)
    }

    /// `dbarch` run in this directory.
    pub fn dbarch(&self) -> assert_cmd::Command {
        let mut cmd = dbarch();
        cmd.current_dir(self.path());
        cmd
    }

    /// Stages `rel_files` (additions, changes and deletions; none = an empty commit) and
    /// commits with `author` (`(name, email)`) as author and committer, both dated `date`
    /// (e.g. `"2026-01-05T10:00:00+01:00"`). Returns the new commit's full id.
    pub fn commit(
        &self,
        rel_files: &[&str],
        message: &str,
        author: (&str, &str),
        date: &str,
    ) -> String {
        self.commit_as(rel_files, message, author, author, date)
    }

    /// [`TestRepo::commit`] with a different committer (same date).
    pub fn commit_as(
        &self,
        rel_files: &[&str],
        message: &str,
        author: (&str, &str),
        committer: (&str, &str),
        date: &str,
    ) -> String {
        if !rel_files.is_empty() {
            let mut args = vec!["add", "-A", "--"];
            args.extend_from_slice(rel_files);
            self.git(&args);
        }
        let cmd = git_command_as(self.path(), author, committer, date);
        let mut args = vec!["commit", "-q", "-m", message];
        if rel_files.is_empty() {
            args.push("--allow-empty");
        }
        run_git_with(cmd, &args);
        self.head()
    }

    /// Writes `rel` and commits it in one step; returns the commit id.
    pub fn write_commit(
        &self,
        rel: &str,
        content: impl AsRef<[u8]>,
        message: &str,
        author: (&str, &str),
        date: &str,
    ) -> String {
        self.write(rel, content);
        self.commit(&[rel], message, author, date)
    }

    /// The full id of HEAD.
    pub fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }
}

/// The stdout of an `assert_cmd` assertion as text.
pub fn stdout_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).into_owned()
}

/// The stderr of an `assert_cmd` assertion as text.
pub fn stderr_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

/// The template with its header values replaced (`None` keeps the placeholder).
pub fn template_with_header(last: Option<&str>, by: Option<&str>, next: Option<&str>) -> String {
    let mut s = DOC_TEMPLATE.to_string();
    if let Some(v) = last {
        s = s.replacen(
            "**Last Updated:** [DATE]",
            &format!("**Last Updated:** {v}"),
            1,
        );
    }
    if let Some(v) = by {
        s = s.replacen(
            "**Reviewed By:** [TEAM]",
            &format!("**Reviewed By:** {v}"),
            1,
        );
    }
    if let Some(v) = next {
        s = s.replacen(
            "**Next Review:** [DATE]",
            &format!("**Next Review:** {v}"),
            1,
        );
    }
    s
}

/// A document's title and its three header fields (Last Updated on line 3, Reviewed By on
/// line 4, Next Review on line 5), then a blank line.
pub fn doc_header(last: &str, by: &str, next: &str) -> String {
    format!(
        "# Database Architecture\n\
         \n\
         **Last Updated:** {last}  \n\
         **Reviewed By:** {by}  \n\
         **Next Review:** {next}  \n\
         \n"
    )
}

/// A small, fully filled document: lint finds nothing in it.
pub fn filled_doc() -> String {
    doc_header("2026-11-20", "DBA Team", "2027-02-18")
        + "## Overview\n\
           PostgreSQL 16 for everything transactional.\n\
           \n\
           ### Backup Strategy\n\
           - **Full Backups:** nightly\n\
           - **Point-in-Time Recovery:** 14 days\n\
           \n\
           ## Change Log\n\
           | Date | Change | Author | Impact |\n\
           |------|--------|--------|--------|\n\
           | 2026-11-20 | First version | Alice Example | Low |\n\
           \n\
           ## References\n\
           - [Backend Architecture](backend.md)\n"
}
