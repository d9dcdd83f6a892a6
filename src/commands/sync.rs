//! `dbarch sync`: add Change Log rows for unrecorded commits and set Last Updated.
//! `--dry-run` prints a unified diff, `--check` exits 1 when anything is out of date;
//! neither writes.
use serde::Serialize;

use crate::changelog::{self, PlannedRow, Settings};
use crate::cli::{Format, SyncArgs};
use crate::compare::ComparedHistory;
use crate::doc;
use crate::fsutil;
use crate::syncstate::{self, SyncState};
use crate::ui::{self, Ui};
use crate::workspace::{ManagedDoc, Workspace};
use crate::{Error, Result};

/// `--format json`: `{"documents": [{"path", "changed", "rows": [{"commit", "date",
/// "change", "author", "impact"}], "last_updated": {"old", "new"}}]}`.
#[derive(Serialize)]
struct Report {
    documents: Vec<DocReport>,
}

#[derive(Serialize)]
pub struct DocReport {
    pub path: String,
    pub changed: bool,
    pub rows: Vec<PlannedRow>,
    pub last_updated: LastUpdated,
    #[serde(skip)]
    pub old: String,
    #[serde(skip)]
    pub new: Option<String>,
    /// What to remember when this result is written (or found up to date).
    #[serde(skip)]
    pub state: Option<syncstate::DocState>,
    #[serde(skip)]
    pub walked: usize,
    #[serde(skip)]
    pub start: Option<changelog::HistoryStart>,
}

#[derive(Serialize)]
pub struct LastUpdated {
    pub old: Option<String>,
    pub new: Option<String>,
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
    let mut walks = crate::history::Walks::default();
    for (i, d) in docs.iter().enumerate() {
        let p = prepared[i]
            .take()
            .ok_or_else(|| Error::Internal("a document was prepared twice".into()))??;
        let r = match full.get_mut(i).and_then(Option::take) {
            Some(compared) => sync_with(ws, d, p.document, History::Compared(&compared))?,
            None => sync_with(ws, d, p.document, History::Since(p.since, &mut walks))?,
        };
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

/// [`run`]'s sync of one document from a full walk already made and compared (`remind`
/// has it from the document's status); writes nothing.
pub fn sync_one_from(
    ws: &Workspace,
    d: &ManagedDoc,
    compared: &ComparedHistory,
) -> Result<DocReport> {
    let document = doc::load(&d.abs, &ws.labels())?;
    sync_with(ws, d, document, History::Compared(compared))
}

/// A document read, and where its history walk may start.
struct Prepared {
    document: doc::Document,
    /// From the sync state (see [`since`]); `None`: a full walk.
    since: Option<changelog::Since>,
}

fn prepare(
    ws: &Workspace,
    d: &ManagedDoc,
    labels: &doc::Labels,
    state: &SyncState,
    head: Option<crate::git::Oid>,
) -> Result<Prepared> {
    let repo = ws.repo()?;
    let document = doc::load(&d.abs, labels)?;
    let settings = Settings::new(&ws.root, &ws.config.changelog, &d.settings, labels);
    let since = since(repo, d, &document, &settings, state, head);
    Ok(Prepared { document, since })
}

/// For the documents that need a full walk (no usable sync state: a first sync, a
/// `.git/dbarch` removed, changed settings), their compared histories from one shared
/// walk, by index in `docs`; empty when fewer than two need one or the shared walk fails
/// (each document then walks on its own and reports its own error).
fn full_walks(
    ws: &Workspace,
    docs: &[ManagedDoc],
    prepared: &[Option<Result<Prepared>>],
) -> Vec<Option<ComparedHistory>> {
    let needs: Vec<usize> = (0..docs.len())
        .filter(|&i| matches!(&prepared[i], Some(Ok(p)) if p.since.is_none()))
        .collect();
    if needs.len() < 2 {
        return Vec::new();
    }
    let subset: Vec<&ManagedDoc> = needs.iter().map(|&i| &docs[i]).collect();
    let mut out: Vec<Option<ComparedHistory>> = (0..docs.len()).map(|_| None).collect();
    for (i, h) in needs
        .into_iter()
        .zip(crate::commands::status::histories(ws, &subset))
    {
        out[i] = h;
    }
    out
}

/// The fingerprint the sync state keeps: the settings that decide rows, and the
/// commit-graph the walk trusted (a result from a graph later found bad, rewritten or
/// removed is not reused).
pub fn state_print(repo: &crate::history::Repo, settings: &Settings<'_>) -> u64 {
    syncstate::with_graph(settings.fingerprint(), &repo.graph_id())
}

/// Where the sync state lets an incremental walk start for `d`: its commit must be HEAD or
/// an ancestor of it, with the same settings and every row it remembers still there.
fn since(
    repo: &crate::history::Repo,
    d: &ManagedDoc,
    document: &doc::Document,
    settings: &Settings<'_>,
    state: &SyncState,
    head: Option<crate::git::Oid>,
) -> Option<changelog::Since> {
    let s = state.usable(&d.rel, document, state_print(repo, settings))?;
    let id = crate::git::Oid::from_str(&s.head).ok()?;
    let reachable = Some(id) == head || head.is_some_and(|h| repo.is_descendant_of(h, id));
    reachable.then_some(changelog::Since {
        head: id,
        last_substantive: s.last_substantive,
    })
}

/// Where [`sync_with`] gets the document's history.
enum History<'a> {
    /// A walk of its own, from the sync state's commit when there is one (shared with
    /// the documents before it that hid the same commit).
    Since(Option<changelog::Since>, &'a mut crate::history::Walks),
    /// A full walk already made.
    Compared(&'a ComparedHistory),
}

/// Plans and renders one document; writes nothing.
fn sync_with(
    ws: &Workspace,
    d: &ManagedDoc,
    document: doc::Document,
    history: History<'_>,
) -> Result<DocReport> {
    let repo = ws.repo()?;
    let labels = ws.labels();
    let settings = Settings::new(&ws.root, &ws.config.changelog, &d.settings, &labels);
    let print = state_print(repo, &settings);
    let head = repo.head_id()?;
    let plan = match history {
        History::Compared(compared) => {
            changelog::plan_from_history(repo, &d.rel, &document, compared, &settings)?
        }
        History::Since(since, walks) => {
            changelog::plan_with(walks, repo, &d.rel, &document, &settings, since)?
        }
    };
    report(d, document, &settings, print, head, plan)
}

/// The document with `plan` applied, and what the sync state should say after it.
fn report(
    d: &ManagedDoc,
    document: doc::Document,
    settings: &Settings<'_>,
    print: u64,
    head: Option<crate::git::Oid>,
    plan: changelog::Plan,
) -> Result<DocReport> {
    let (new, parsed) = match changelog::apply_plan_parsed(&document, &plan, settings)
        .map_err(|e| e.into_error(&d.abs))?
    {
        Some((text, parsed)) => (Some(text), Some(parsed)),
        None => (None, None),
    };
    let after = parsed.as_ref().unwrap_or(&document);
    let state = head.map(|h| syncstate::DocState {
        head: h.to_string(),
        last_substantive: plan.last_substantive,
        settings: print,
        rows: syncstate::row_prints(after),
    });
    let old_lu = document
        .field(doc::FieldKind::LastUpdated)
        .map(|f| f.raw.clone());
    let new_lu = after
        .field(doc::FieldKind::LastUpdated)
        .map(|f| f.raw.clone());
    Ok(DocReport {
        path: d.rel.clone(),
        changed: new.is_some(),
        rows: plan.rows,
        last_updated: LastUpdated {
            old: old_lu,
            new: new_lu,
        },
        old: document.text.src,
        new,
        state,
        walked: plan.walked,
        start: plan.start,
    })
}

/// Writes `new` unless the file changed since it was read (an editor saved meanwhile).
pub fn write_checked(d: &ManagedDoc, old: &str, new: &str) -> Result<()> {
    let now = std::fs::read(&d.abs).map_err(|e| Error::io(&d.abs, e))?;
    if now != old.as_bytes() {
        return Err(Error::Usage(format!(
            "{} changed while dbarch was working on it; nothing written, run again",
            d.rel
        )));
    }
    // Compare-and-swap: checked again right before the rename.
    if fsutil::replace_if_unchanged(&d.abs, old.as_bytes(), new.as_bytes())? {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "{} changed while dbarch was working on it; nothing written, run again",
        d.rel
    )))
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

/// A unified diff of a document's change, for `--dry-run`.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

fn print_text(ui: &mut Ui, r: &DocReport, args: &SyncArgs) {
    let Some(new) = &r.new else {
        ui.line(&format!("{}: up to date", r.path));
        return;
    };
    if args.dry_run {
        ui.print(&ui::sanitize(&unified_diff(&r.path, &r.old, new)));
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
