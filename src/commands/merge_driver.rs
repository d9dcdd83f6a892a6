//! `dbarch merge-driver` (what git runs to merge a managed document), `dbarch resolve`
//! (finishes a conflicted merge made without the driver), and the driver's registration
//! that `hooks install` / `hooks uninstall` do: `merge.dbarch.name` and
//! `merge.dbarch.driver` in the repository's own config (`.git/config`), and a
//! `<path> merge=dbarch` line in `.gitattributes` per managed document. See
//! [`crate::hook::merge`] for how a document is merged.
//!
//! A fresh clone has `.gitattributes` (it is committed) but not the config (git never
//! clones config): git then merges the document as plain text, and `dbarch resolve`
//! finishes what the driver would have done.
use std::path::{Path, PathBuf};

use crate::cli::{Global, MergeDriverArgs, ResolveArgs};
use crate::config::{Config, Overrides};
use crate::doc::Labels;
use crate::history::Repo;
use crate::hook::merge::{self as merge_driver, MarkerStyle};
use crate::ui::{self, Ui};
use crate::workspace::Workspace;
use crate::{fsutil, Error, Result};

/// The name of the driver in `merge.<name>.*` and `merge=<name>`.
pub const DRIVER: &str = "dbarch";
/// The attribute `hooks install` writes for each managed document.
pub const ATTR: &str = "merge=dbarch";
const ATTR_COMMENT: &str =
    "# dbarch: merge managed documents by meaning (`dbarch hooks install` wrote these lines)";

fn labels_from(global: &Global) -> Labels {
    let root = Repo::discover(&global.repo)
        .ok()
        .and_then(|r| r.workdir().ok().map(Path::to_path_buf))
        .unwrap_or_else(|| global.repo.clone());
    let env = |k: &str| std::env::var(k).ok();
    match Config::load(&root, global.config.as_deref(), &env, &Overrides::default()) {
        Ok(c) => Labels {
            last_updated: c.fields.last_updated,
            reviewed_by: c.fields.reviewed_by,
            next_review: c.fields.next_review,
        },
        Err(_) => Labels::default(),
    }
}

/// `dbarch merge-driver %O %A %B %P`: writes the merge to %A; exit 0 when clean, 1 when
/// conflict markers were left in the body (git then reports the conflict).
pub fn run_driver(ui: &mut Ui, global: &Global, args: MergeDriverArgs) -> Result<u8> {
    let read = |p: &Path| std::fs::read(p).map_err(|e| Error::io(p, e));
    let base = read(&args.base)?;
    let ours = read(&args.ours)?;
    let theirs = read(&args.theirs)?;
    // A configuration error must not stop a merge: the default labels are used then.
    let labels = labels_from(global);
    let style = MarkerStyle {
        size: args.marker_size.unwrap_or(7),
        ..MarkerStyle::default()
    };
    let m = merge_driver::merge3(&base, &ours, &theirs, &labels, &style);
    if m.bytes != ours {
        fsutil::write_atomic(&args.ours, &m.bytes)?;
    }
    let name = args.path.as_deref().unwrap_or("the document");
    if m.conflicts {
        ui.warning(&format!(
            "dbarch merge-driver: {}: a conflict in the body is left as conflict markers; \
             the Change Log and the header dates were merged",
            ui::sanitize(name)
        ));
        return Ok(crate::exit::FINDINGS);
    }
    Ok(crate::exit::OK)
}

/// `dbarch resolve [DOC]`.
pub fn run_resolve(ui: &mut Ui, ws: &Workspace, args: ResolveArgs) -> Result<u8> {
    let named: Vec<String> = args.doc.into_iter().collect();
    let docs = ws.documents(&named)?;
    let labels = ws.labels();
    let mut left = 0;
    let mut any = false;
    for d in &docs {
        let Ok(bytes) = std::fs::read(&d.abs) else {
            continue;
        };
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        let Some(r) = merge_driver::resolve_markers(&text, &labels) else {
            if !named.is_empty() {
                ui.line(&format!(
                    "{}: no conflict markers; nothing to resolve",
                    ui::sanitize(&d.rel)
                ));
            }
            continue;
        };
        any = true;
        if r.text != text {
            fsutil::write_atomic(&d.abs, r.text.as_bytes())?;
        }
        let fixed = r.before - r.after;
        if r.after == 0 {
            stage(ws, &d.rel)?;
            ui.line(&format!(
                "{}: resolved {fixed} conflict{} in the Change Log and header; staged (finish with `git commit`)",
                ui::sanitize(&d.rel),
                plural(fixed)
            ));
        } else {
            left += r.after;
            ui.line(&format!(
                "{}: resolved {fixed} conflict{} in the Change Log and header; {} left in the body (edit them, then `git add`)",
                ui::sanitize(&d.rel),
                plural(fixed),
                r.after
            ));
        }
    }
    if !any && named.is_empty() {
        ui.line("no managed document has conflict markers; nothing to resolve");
    }
    Ok(if left > 0 {
        crate::exit::FINDINGS
    } else {
        crate::exit::OK
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Marks a resolved file as resolved in the index (as `git add` does).
fn stage(ws: &Workspace, rel: &str) -> Result<()> {
    let Some(repo) = &ws.repo else {
        return Ok(());
    };
    let mut index = repo
        .git()
        .index()
        .map_err(|e| Error::git("opening the index", e))?;
    index
        .add_path(Path::new(rel))
        .and_then(|()| index.write())
        .map_err(|e| Error::git(format!("staging {rel}"), e))
}

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

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// `hooks install`'s part: registers the driver for the managed documents (plus `extra`)
/// and says so.
pub fn install(ui: &mut Ui, global: &Global, repo: &Repo, extra: &[String]) -> Result<()> {
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
    let bin = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok());
    let r = register(repo, bin.as_deref(), &docs)?;
    let what = if r.config_changed {
        "registered the merge driver (merge.dbarch.driver in .git/config)"
    } else {
        "the merge driver is already registered (merge.dbarch.driver in .git/config)"
    };
    ui.line(what);
    if !r.added.is_empty() {
        ui.line(&format!(
            "added `{ATTR}` to .gitattributes for {} (commit .gitattributes so merges, rebases and cherry-picks use it)",
            r.added
                .iter()
                .map(|d| ui::sanitize(d))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    } else if docs.is_empty() {
        ui.line("no managed document yet: run `dbarch hooks install` again after `dbarch init`");
    }
    Ok(())
}
