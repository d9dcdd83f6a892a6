//! What every command starts from: the repository root, the effective configuration,
//! "today" (through the `DBARCH_NOW` clock seam), and the managed documents.
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::cli::Global;
use crate::config::{self, Config, DocConfig, Overrides};
use crate::doc::Labels;
use crate::fsutil::Lock;
use crate::git::Repo;
use crate::{Error, Result};

/// The clock seam: `DBARCH_NOW` (`2026-11-26` or RFC 3339) replaces the system clock,
/// so tests and demos are deterministic.
pub const ENV_NOW: &str = "DBARCH_NOW";

/// The current time, honouring [`ENV_NOW`].
pub fn now() -> Result<DateTime<FixedOffset>> {
    match std::env::var(ENV_NOW) {
        Ok(v) if !v.trim().is_empty() => parse_now(v.trim()).ok_or_else(|| {
            Error::Config(format!(
                "environment variable {ENV_NOW}: `{v}` is not a date (2026-11-26) or an RFC 3339 time"
            ))
        }),
        _ => Ok(chrono::Local::now().fixed_offset()),
    }
}

fn parse_now(v: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Some(t);
    }
    let d = NaiveDate::parse_from_str(v, "%Y-%m-%d").ok()?;
    Some(d.and_hms_opt(12, 0, 0)?.and_utc().fixed_offset())
}

/// A document `dbarch` manages.
#[derive(Clone, Debug)]
pub struct ManagedDoc {
    /// Relative to the repository root, `/`-separated.
    pub rel: String,
    pub abs: PathBuf,
    pub settings: DocConfig,
}

pub struct Workspace {
    pub root: PathBuf,
    pub repo: Option<Repo>,
    pub config: Config,
    pub now: DateTime<FixedOffset>,
}

impl Workspace {
    /// Finds the repository (if any) from `--repo`, loads the configuration.
    pub fn open(global: &Global, overrides: &Overrides) -> Result<Workspace> {
        let start = &global.repo;
        if !start.exists() {
            return Err(Error::Usage(format!(
                "{}: no such directory",
                start.display()
            )));
        }
        let repo = match Repo::discover(start) {
            Ok(r) => Some(r),
            // A repository dbarch must not or cannot read is refused by name, never
            // treated as "no repository" (which would read as a clean history).
            Err(e) => match crate::guard::unreadable_repository(start, &e) {
                Some(refusal) => return Err(refusal),
                None => None,
            },
        };
        let root = match &repo {
            Some(r) => r.workdir()?.to_path_buf(),
            None => start.to_path_buf(),
        };
        let env = |k: &str| std::env::var(k).ok();
        let config = Config::load(&root, global.config.as_deref(), &env, overrides)?;
        Ok(Workspace {
            root,
            repo,
            config,
            now: now()?,
        })
    }

    pub fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }

    /// The repository, or an error saying the command needs one.
    pub fn repo(&self) -> Result<&Repo> {
        self.repo.as_ref().ok_or_else(|| {
            Error::Usage(format!(
                "{} is not inside a git repository; this command reads the document's history",
                self.root.display()
            ))
        })
    }

    pub fn labels(&self) -> Labels {
        self.config.fields.clone()
    }

    /// Takes the repository-wide lock (in the git directory, else at the root).
    pub fn lock(&self) -> Result<Lock> {
        let dir = self
            .repo
            .as_ref()
            .map_or_else(|| self.root.clone(), |r| r.git_dir().to_path_buf());
        Lock::acquire(&dir.join("dbarch.lock"), Duration::from_secs(30))
    }

    /// A document named on the command line, relative to the current directory or the
    /// root; refused when it leaves the repository.
    pub fn named_doc(&self, name: &str) -> Result<ManagedDoc> {
        let rel = self.relative(name);
        self.managed(&rel)
    }

    /// The document at `rel`, resolved: a symlink is managed as its target (see
    /// [`crate::fsutil::resolve_doc_path`]); its settings are those of the path it was named by.
    /// Refused when it leaves the work tree or lands in a git directory.
    pub fn managed(&self, rel: &str) -> Result<ManagedDoc> {
        let (real, abs) = crate::fsutil::resolve_doc_path(&self.root, rel)?;
        if let Some(repo) = &self.repo {
            let head = read_head(&abs);
            if let Some(why) = repo.filter_refusal(&real, head.as_deref()) {
                return Err(Error::Usage(why));
            }
        }
        let named = rel.trim_start_matches("./");
        let settings = if real == named {
            self.config.doc_settings(&real)
        } else {
            self.config.doc_settings(named)
        };
        Ok(ManagedDoc {
            abs: self.root.join(&real),
            rel: real,
            settings,
        })
    }

    fn relative(&self, name: &str) -> String {
        let p = Path::new(name);
        let cwd = std::env::current_dir().ok();
        let candidates = [cwd.as_ref().map(|c| c.join(p)), Some(self.root.join(p))];
        for c in candidates.into_iter().flatten() {
            if let (Ok(a), Ok(r)) = (c.canonicalize(), self.root.canonicalize()) {
                if let Ok(rel) = a.strip_prefix(&r) {
                    return rel.to_string_lossy().replace('\\', "/");
                }
            }
        }
        name.trim_start_matches("./").to_string()
    }

    /// The managed documents: the ones named, else the configured paths and globs, else
    /// tracked Markdown files that carry a Next Review field, else the default path when
    /// it exists.
    pub fn documents(&self, named: &[String]) -> Result<Vec<ManagedDoc>> {
        if !named.is_empty() {
            let mut out: Vec<ManagedDoc> = Vec::new();
            for n in named {
                let d = self.named_doc(n)?;
                if !out.iter().any(|o| o.rel == d.rel) {
                    out.push(d);
                }
            }
            return Ok(out);
        }
        let files = self.candidate_files()?;
        let mut out: Vec<ManagedDoc> = Vec::new();
        let push = |rel: String, out: &mut Vec<ManagedDoc>| -> Result<()> {
            let d = self.managed(&rel)?;
            if out.iter().any(|o| o.rel == d.rel) {
                return Ok(());
            }
            out.push(d);
            Ok(())
        };
        if self.config.docs_explicit {
            for d in &self.config.docs {
                if let Some(glob) = &d.glob {
                    for f in files.iter().filter(|f| glob.is_match(f.as_str())) {
                        push(f.clone(), &mut out)?;
                    }
                } else {
                    self.check_not_renamed(&d.path)?;
                    push(d.path.clone(), &mut out)?;
                }
            }
            return Ok(out);
        }
        let labels = self.labels();
        for f in files.iter().filter(|f| is_markdown(f)) {
            let Ok(text) = std::fs::read(self.root.join(f)) else {
                continue;
            };
            let text = String::from_utf8_lossy(&text);
            if is_managed(&self.config, &labels, f, || &*text) && !is_template(&text, &labels) {
                push(f.clone(), &mut out)?;
            }
        }
        if out.is_empty() && self.root.join(config::DEFAULT_DOC_PATH).is_file() {
            push(config::DEFAULT_DOC_PATH.to_string(), &mut out)?;
        }
        if out.is_empty() {
            return Err(Error::Usage(
                "no managed documents found: run `dbarch init`, name a document, or add [[docs]] to dbarch.toml".into(),
            ));
        }
        Ok(out)
    }

    /// A configured path that is gone from the work tree because git renamed it: an
    /// error naming the new path (instead of an OS error later).
    fn check_not_renamed(&self, rel: &str) -> Result<()> {
        let Some(repo) = &self.repo else {
            return Ok(());
        };
        if std::fs::symlink_metadata(self.root.join(rel)).is_ok() {
            return Ok(());
        }
        match repo.renamed_to(rel, 10_000) {
            Some((new, commit)) => Err(Error::Usage(format!(
                "{rel} (a [[docs]] path in {}) does not exist: commit {} renamed it to {new}; \
                 set `path = \"{new}\"` in {} (the post-commit hook does this when it sees the rename)",
                config::FILE_NAME,
                &commit.to_string()[..7],
                config::FILE_NAME
            ))),
            None => Ok(()),
        }
    }

    /// Discovered files left alone as templates: with no `[[docs]]` configured, tracked
    /// Markdown files with a Next Review field whose header fields are all placeholders
    /// (`**Next Review:** [DATE]`). Named on the command line, they are documents.
    pub fn templates(&self) -> Vec<String> {
        if self.config.docs_explicit {
            return Vec::new();
        }
        let labels = self.labels();
        let Ok(files) = self.candidate_files() else {
            return Vec::new();
        };
        files
            .into_iter()
            .filter(|f| is_markdown(f))
            .filter(|f| {
                std::fs::read(self.root.join(f)).is_ok_and(|t| {
                    let text = String::from_utf8_lossy(&t);
                    carries_next_review(&text, &labels) && is_template(&text, &labels)
                })
            })
            .collect()
    }

    /// Tracked files in a repository; without one, the Markdown files under the root.
    fn candidate_files(&self) -> Result<Vec<String>> {
        if let Some(repo) = &self.repo {
            return Ok(repo
                .tracked_files()?
                .into_iter()
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .collect());
        }
        let mut out = Vec::new();
        walk(&self.root, &self.root, &mut out, 0);
        out.sort();
        Ok(out)
    }
}

/// The first bytes of a file (enough to recognise a git-lfs pointer).
fn read_head(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::with_capacity(64);
    std::fs::File::open(path)
        .ok()?
        .take(64)
        .read_to_end(&mut buf)
        .ok()?;
    Some(buf)
}

/// A template: its header fields are all placeholders (`[DATE]`, `[TEAM]`).
fn is_template(text: &str, labels: &crate::doc::Labels) -> bool {
    let Ok(doc) = crate::doc::Document::parse_str(text, labels) else {
        return false;
    };
    !doc.fields.is_empty()
        && doc.fields.iter().all(|f| {
            let v = f.raw.trim();
            v.len() > 2
                && v.starts_with('[')
                && v.ends_with(']')
                && v[1..v.len() - 1]
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
        })
}

/// The header labels the configuration sets.
pub(crate) fn labels_of(config: &Config) -> Labels {
    config.fields.clone()
}

/// The one "is this path managed" test, for a `/`-separated path relative to the root:
/// with `[[docs]]`, a configured path or glob names it ([`configured`]); without, it is a
/// Markdown file ([`is_markdown`]) whose text carries the Next Review field
/// ([`carries_next_review`]). `text` is asked for only in the second case, so a caller
/// that has many paths and no `[[docs]]` can filter by [`is_markdown`] first and read
/// nothing else. [`Workspace::documents`] also leaves templates out and falls back to
/// [`config::DEFAULT_DOC_PATH`]; the post-commit hook checks that fallback against full
/// discovery.
pub(crate) fn is_managed<T: AsRef<str>>(
    config: &Config,
    labels: &Labels,
    rel: &str,
    text: impl FnOnce() -> T,
) -> bool {
    if config.docs_explicit {
        configured(config, rel)
    } else {
        is_markdown(rel) && carries_next_review(text().as_ref(), labels)
    }
}

/// The file names discovery looks at without `[[docs]]`.
pub(crate) fn is_markdown(rel: &str) -> bool {
    rel.ends_with(".md") || rel.ends_with(".markdown")
}

/// Whether a `[[docs]]` entry names or matches `rel`.
pub(crate) fn configured(config: &Config, rel: &str) -> bool {
    config.docs.iter().any(|d| d.matches(rel))
}

/// Discovery's test on a file's text: it carries the Next Review field, bold
/// (`**Next Review:**`) or as a front-matter key.
pub(crate) fn carries_next_review(text: &str, labels: &Labels) -> bool {
    let bold = format!("**{}:**", labels.next_review);
    let key = format!("{}:", labels.key(crate::doc::FieldKind::NextReview));
    text.contains(&bold) || text.lines().any(|l| l.starts_with(&key))
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>, depth: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name();
        if name.to_string_lossy().starts_with('.') || name == "target" || name == "node_modules" {
            continue;
        }
        match e.file_type() {
            Ok(t) if t.is_dir() && depth < 8 => walk(root, &p, out, depth + 1),
            Ok(t) if t.is_file() => {
                if let Ok(rel) = p.strip_prefix(root) {
                    out.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_accepts_dates_and_times() {
        assert_eq!(
            parse_now("2026-11-26").unwrap().date_naive().to_string(),
            "2026-11-26"
        );
        let t = parse_now("2026-11-26T23:30:00-05:00").unwrap();
        assert_eq!(t.date_naive().to_string(), "2026-11-26");
        assert!(parse_now("tomorrow").is_none());
    }

    #[test]
    fn markdown_and_globs() {
        assert!(is_markdown("docs/a.md"));
        assert!(is_markdown("a.markdown"));
        assert!(!is_markdown("docs/a.mdx"));
        let mut c = Config::defaults();
        c.docs[0].path = "docs/**/*.txt".into();
        c.docs[0].glob = Some(config::Glob::new("docs/**/*.txt").unwrap());
        assert!(configured(&c, "docs/x/y.txt"));
        assert!(!configured(&c, "docs/x/y.md"));
        c.docs[0].path = "arch.txt".into();
        c.docs[0].glob = None;
        assert!(configured(&c, "arch.txt"));
    }

    #[test]
    fn next_review_marker() {
        let l = Labels::default();
        assert!(carries_next_review("x\n**Next Review:** 2027-01-01\n", &l));
        assert!(carries_next_review(
            "---\nnext_review: 2027-01-01\n---\n",
            &l
        ));
        assert!(!carries_next_review("# Readme\n", &l));
    }
}
