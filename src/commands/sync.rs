//! `dbarch sync`: add Change Log rows for unrecorded commits and set Last Updated.
//! `--dry-run` prints a unified diff, `--check` exits 1 when anything is out of date;
//! neither writes.
use serde::Serialize;

use crate::changelog;
use crate::cli::{Format, SyncArgs};
use crate::sync::{full_walks, prepare, sync_prepared, write_checked, DocReport, Prepared};
use crate::syncstate::SyncState;
use crate::ui::{self, Ui};
use crate::workspace::Workspace;
use crate::{Error, Result};

/// `--format json`: `{"documents": [{"path", "changed", "rows": [{"commit", "date",
/// "change", "author", "impact"}], "last_updated": {"old", "new"}}]}`.
#[derive(Serialize)]
struct Report {
    documents: Vec<DocReport>,
}

/// A walk this long (commits read) gets the commit-graph tip under `--verbose`.
const LONG_WALK: usize = 10_000;

pub fn run(ui: &mut Ui, ws: &Workspace, args: SyncArgs) -> Result<u8> {
    let docs = ws.documents(&args.docs)?;
    let writing = !args.dry_run && !args.check;
    let _lock = if writing { Some(ws.lock()?) } else { None };
    let repo = ws.repo()?;
    let git_dir = repo.git_dir().to_path_buf();
    let mut state = SyncState::load(&git_dir);
    let head = repo.head_id()?;
    let labels = ws.labels();
    // Each document is read once; one that cannot be read fails the run at its turn.
    let mut prepared: Vec<Option<Result<Prepared>>> = docs
        .iter()
        .map(|d| Some(prepare(ws, d, &labels, &state, head)))
        .collect();
    let progress = ui.progress("reading the history");
    let mut full = full_walks(ws, &docs, &prepared);
    let mut reports = Vec::new();
    // Documents synced from the same sync state share one incremental walk.
    let mut walks = crate::git::walk::Walks::default();
    for (i, d) in docs.iter().enumerate() {
        let p = prepared[i]
            .take()
            .ok_or_else(|| Error::Internal("a document was prepared twice".into()))??;
        let full = full.get_mut(i).and_then(Option::take);
        let r = sync_prepared(ws, d, p, full.as_ref(), &mut walks)?;
        if i == 0 {
            if let Some(w) = ws.repo.as_ref().and_then(|r| r.graph_warning()) {
                ui.detail(&format!("warning: {w}"));
            }
        }
        ui.detail(&format!(
            "{}: read {} of history",
            d.rel,
            ui::count(r.walked, "commit", "commits")
        ));
        if let Some(start) = &r.start {
            ui.detail(&format!("{}: the history starts here: {start}", d.rel));
        }
        if r.walked >= LONG_WALK {
            if let Some(advice) = ws.repo.as_ref().and_then(|r| r.graph_advice()) {
                ui.detail(&format!("tip: {advice}"));
            }
        }
        if writing {
            if let Some(new) = &r.new {
                write_checked(d, &r.old, new)?;
            }
            if let Some(s) = &r.state {
                state.set(&d.rel, s.clone());
            }
        }
        reports.push(r);
    }
    drop(progress);
    ui.lenient_commits(ws.repo.as_ref());
    if writing {
        state.save(&git_dir);
    }
    let changed = reports.iter().any(|r| r.changed);
    match args.format {
        Format::Json => ui.json(&Report { documents: reports }),
        Format::Text => {
            for r in &reports {
                print_text(ui, r, &args);
            }
            if reports.len() > 1 {
                ui.line(&summary_line(&reports, &args));
            }
        }
    }
    Ok(if args.check && changed {
        crate::exit::FINDINGS
    } else {
        crate::exit::OK
    })
}

/// One line after many documents: "50 documents: 3 changed, 17 rows" (`--check`: "3 out
/// of date"; `--dry-run`: "3 would change").
fn summary_line(reports: &[DocReport], args: &SyncArgs) -> String {
    let changed = reports.iter().filter(|r| r.new.is_some()).count();
    let rows: usize = reports.iter().map(|r| r.rows.len()).sum();
    let verb = if args.check {
        "out of date"
    } else if args.dry_run {
        "would change"
    } else {
        "changed"
    };
    let mut line = format!(
        "{}: {changed} {verb}",
        ui::count(reports.len(), "document", "documents")
    );
    if rows > 0 {
        line.push_str(&format!(", {}", ui::count(rows, "row", "rows")));
    }
    line
}

fn print_text(ui: &mut Ui, r: &DocReport, args: &SyncArgs) {
    let Some(new) = &r.new else {
        ui.line(&format!("{}: up to date", r.path));
        return;
    };
    if args.dry_run {
        ui.print(&ui::sanitize(&ui::unified_diff(&r.path, &r.old, new)));
        return;
    }
    let verb = if args.check { "out of date" } else { "updated" };
    let mut what = Vec::new();
    if !r.rows.is_empty() {
        what.push(format!(
            "{} row{}",
            r.rows.len(),
            if r.rows.len() == 1 { "" } else { "s" }
        ));
    }
    if r.last_updated.old != r.last_updated.new {
        what.push(format!(
            "Last Updated {} → {}",
            r.last_updated.old.as_deref().unwrap_or("-"),
            r.last_updated.new.as_deref().unwrap_or("-")
        ));
    }
    let head = format!("{}: {verb} ({})", r.path, what.join(", "));
    ui.line(&ui::sanitize(&head));
    for row in &r.rows {
        ui.line(&format!(
            "  + {} {} | {} | {} | {}",
            changelog::short(row.commit),
            row.row.date,
            ui::one_line(&row.row.change),
            ui::one_line(&row.row.author),
            ui::one_line(&row.row.impact)
        ));
    }
}
