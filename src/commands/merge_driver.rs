//! `dbarch merge-driver` (what git runs to merge a managed document) and `dbarch
//! resolve` (finishes a conflicted merge made without the driver). See
//! [`crate::hook::merge`] for how a document is merged, and [`crate::hook::install`]
//! for the driver's registration that `hooks install` / `hooks uninstall` do.
use std::path::Path;

use crate::cli::{Global, MergeDriverArgs, ResolveArgs};
use crate::config::{Config, Overrides};
use crate::doc::Labels;
use crate::git::Repo;
use crate::hook::merge::{self as merge_driver, MarkerStyle};
use crate::ui::{self, Ui};
use crate::workspace::Workspace;
use crate::{fsutil, Error, Result};

fn labels_from(global: &Global) -> Labels {
    let root = Repo::discover(&global.repo)
        .ok()
        .and_then(|r| r.workdir().ok().map(Path::to_path_buf))
        .unwrap_or_else(|| global.repo.clone());
    let env = |k: &str| std::env::var(k).ok();
    match Config::load(&root, global.config.as_deref(), &env, &Overrides::default()) {
        Ok(c) => crate::workspace::labels_of(&c),
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
    repo.stage_file(rel, None, &format!("staging {rel}"))
}
