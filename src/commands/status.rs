//! `dbarch status [DOCS...] [--format text|json] [--check]`: one line per document —
//! Last Updated, Reviewed By, Next Review, days left, state, unfilled placeholders,
//! unrecorded commits, drifted sections — and a summary. Under GitHub Actions
//! (`GITHUB_ACTIONS=true`) it also emits a workflow annotation per due or overdue
//! document and appends a Markdown table to `$GITHUB_STEP_SUMMARY`.
//!
//! Exit: 1 with `--check` when any document is due or overdue, else 0; 2 when a document
//! cannot be read or parsed (the others are still reported).
use std::io::Write;

use chrono::NaiveDate;
use serde::Serialize;

use crate::changelog::{self, Settings};
use crate::cli::{StatusArgs, StatusFormat};
use crate::compare::{compared_histories, compared_history, CompareOptions, ComparedHistory};
use crate::doc::{self, FieldKind};
use crate::git::walk::Walk;
use crate::history::HistoryOptions;
use crate::review::{self, CommitRef, Drift, NextFrom, Schedule, SectionDue, State};
use crate::ui::{self, Ui};
use crate::workspace::{ManagedDoc, Workspace};
use crate::Result;

/// `--format json`. Stable: fields are only ever added.
///
/// ```json
/// {"today": "2026-11-26",
///  "documents": [{"path": "docs/database-architecture.md",
///    "last_updated": "2026-11-20", "reviewed_by": "DBA Team",
///    "next_review": "2027-02-18", "next_review_from": {"from": "field"},
///    "days_left": 84, "state": "ok", "last_review": "2026-11-20",
///    "placeholders": 12, "placeholder_sections": [{"section", "unfilled", "lines", "tokens"}],
///    "unrecorded": [{"commit", "date", "author", "subject"}],
///    "drift": [{"section", "paths", "commits": [...]}],
///    "sections": [{"section", "interval", "next_review", "state"}],
///    "history_start": {"commit", "date", "path", "cut_off"},
///    "schema_findings": 3,
///    "error": null}],
///  "summary": {"ok": 1, "due-soon": 0, "due": 0, "overdue": 0, "errors": 0}}
/// ```
#[derive(Serialize)]
pub struct Report {
    pub today: NaiveDate,
    pub documents: Vec<DocStatus>,
    pub summary: Summary,
    /// Discovered template files, left alone (see [`Workspace::templates`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub templates: Vec<String>,
}

#[derive(Serialize, Default)]
pub struct Summary {
    pub ok: usize,
    #[serde(rename = "due-soon")]
    pub due_soon: usize,
    pub due: usize,
    pub overdue: usize,
    pub errors: usize,
}

#[derive(Serialize, Clone)]
pub struct DocStatus {
    pub path: String,
    pub last_updated: Option<String>,
    pub reviewed_by: Option<String>,
    pub next_review: Option<NaiveDate>,
    pub next_review_from: Option<NextFrom>,
    pub days_left: Option<i64>,
    pub state: Option<State>,
    pub last_review: Option<NaiveDate>,
    pub placeholders: usize,
    pub placeholder_sections: Vec<doc::SectionPlaceholders>,
    pub unrecorded: Vec<CommitRef>,
    pub drift: Vec<Drift>,
    pub sections: Vec<SectionDue>,
    /// Where the document's history starts (its add, or a shallow clone's cut).
    pub history_start: Option<changelog::HistoryStart>,
    /// Schema findings (see `dbarch schema`); only present when migrations exist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_findings: Option<usize>,
    /// Why the document could not be read or parsed.
    pub error: Option<String>,
    /// 1-based line of the Next Review field (for annotations).
    #[serde(skip)]
    pub line: Option<usize>,
}

pub fn run(ui: &mut Ui, ws: &Workspace, args: StatusArgs) -> Result<u8> {
    let templates = if args.docs.is_empty() {
        ws.templates()
    } else {
        Vec::new()
    };
    let docs = match ws.documents(&args.docs) {
        Ok(docs) => docs,
        // Only templates: listed as such, nothing else to show.
        Err(_) if !templates.is_empty() => Vec::new(),
        Err(e) => return Err(e),
    };
    let progress = ui.progress(&format!(
        "reading the history of {}",
        ui::count(docs.len(), "document", "documents")
    ));
    let mut report = collect(ws, &docs);
    drop(progress);
    ui.lenient_commits(ws.repo.as_ref());
    report.templates = templates;
    match args.format {
        StatusFormat::Json => ui.json(&report),
        StatusFormat::Shields => ui.json(&shields(&report)),
        StatusFormat::Text if args.quiet => print_quiet(ui, &report),
        StatusFormat::Text => {
            let width = (!args.wide).then(ui::terminal_width).flatten();
            if !report.documents.is_empty() {
                print_table(ui, &report, width);
            }
            for t in &report.templates {
                ui.line(&format!(
                    "{t}: template (every header field is a placeholder), left alone; name it to manage it"
                ));
            }
        }
    }
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        // Workflow commands go on stdout, which JSON output must keep to itself.
        if args.format == StatusFormat::Text {
            github_annotations(ui, &report);
        }
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            // An optional output: a failure to write it is a warning, not the run's result.
            let written = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .and_then(|mut f| f.write_all(step_summary(&report).as_bytes()));
            if let Err(e) = written {
                ui.warning(&format!(
                    "cannot write the step summary to {} (GITHUB_STEP_SUMMARY): {e}",
                    std::path::Path::new(&path).display()
                ));
            }
        }
    }
    if report.summary.errors > 0 {
        return Ok(crate::exit::USAGE);
    }
    let due = report.summary.due + report.summary.overdue;
    Ok(if args.check && due > 0 {
        crate::exit::FINDINGS
    } else {
        crate::exit::OK
    })
}

/// The status of every document (errors are per document). The documents' histories
/// come from one walk of the history ([`compared_histories`]).
pub fn collect(ws: &Workspace, docs: &[ManagedDoc]) -> Report {
    collect_in(ws, docs, None)
}

/// [`collect`] along `walk` when given (a caller that asks more of the same history
/// afterwards, as `review` does, holds one walk for both).
pub fn collect_in(ws: &Workspace, docs: &[ManagedDoc], walk: Option<&Walk>) -> Report {
    let mut report = Report {
        today: ws.today(),
        documents: Vec::new(),
        summary: Summary::default(),
        templates: Vec::new(),
    };
    let all: Vec<&ManagedDoc> = docs.iter().collect();
    let mut histories = histories_in(ws, &all, walk);
    for (i, d) in docs.iter().enumerate() {
        let result = match histories[i].take() {
            Some(h) => one_from(ws, d, Some(&h)),
            // No repository, or the shared walk failed: each document on its own (and
            // its own error).
            None => one(ws, d),
        };
        let s = match result {
            Ok(s) => s,
            Err(e) => DocStatus {
                path: d.rel.clone(),
                last_updated: None,
                reviewed_by: None,
                next_review: None,
                next_review_from: None,
                days_left: None,
                state: None,
                last_review: None,
                placeholders: 0,
                placeholder_sections: Vec::new(),
                unrecorded: Vec::new(),
                drift: Vec::new(),
                sections: Vec::new(),
                history_start: None,
                schema_findings: None,
                error: Some(e.to_string()),
                line: None,
            },
        };
        match s.state {
            Some(State::Ok) => report.summary.ok += 1,
            Some(State::DueSoon) => report.summary.due_soon += 1,
            Some(State::Due) => report.summary.due += 1,
            Some(State::Overdue) => report.summary.overdue += 1,
            None => report.summary.errors += 1,
        }
        report.documents.push(s);
    }
    report
}

/// The compared histories of `docs` from one walk, one per document; all `None` without
/// a repository or when the walk fails (each document then walks on its own and reports
/// its own error).
pub fn histories(ws: &Workspace, docs: &[&ManagedDoc]) -> Vec<Option<ComparedHistory>> {
    histories_in(ws, docs, None)
}

/// [`histories`] along `walk` when given (else a walk of their own).
fn histories_in(
    ws: &Workspace,
    docs: &[&ManagedDoc],
    walk: Option<&Walk>,
) -> Vec<Option<ComparedHistory>> {
    let none = || docs.iter().map(|_| None).collect();
    let Some(repo) = ws.repo.as_ref() else {
        return none();
    };
    let labels = ws.labels();
    let paths: Vec<&std::path::Path> = docs.iter().map(|d| std::path::Path::new(&d.rel)).collect();
    let options: Vec<CompareOptions> = docs
        .iter()
        .map(|d| {
            Settings::new(&ws.root, &ws.config.changelog, &d.settings, &labels).compare_options()
        })
        .collect();
    let opts = HistoryOptions {
        previous_paths: docs
            .iter()
            .flat_map(|d| d.settings.history_previous_paths(&d.rel))
            .collect(),
        ..HistoryOptions::default()
    };
    let own;
    let walk = match walk {
        Some(w) => w,
        None => match repo.walk(&[]) {
            Ok(w) => {
                own = w;
                &own
            }
            Err(_) => return none(),
        },
    };
    match compared_histories(repo, walk, &paths, &opts, &labels, &options) {
        Ok(all) => all.into_iter().map(Some).collect(),
        Err(_) => none(),
    }
}

/// One document's history with its changes compared (`None` without a repository): what
/// [`one_from`], the review's list of changes and a full sync all read.
pub fn compared(ws: &Workspace, d: &ManagedDoc) -> Result<Option<ComparedHistory>> {
    compared_in(ws, d, None)
}

/// [`compared`] along `walk` when given (else a walk of its own).
pub fn compared_in(
    ws: &Workspace,
    d: &ManagedDoc,
    walk: Option<&Walk>,
) -> Result<Option<ComparedHistory>> {
    let Some(repo) = &ws.repo else {
        return Ok(None);
    };
    let labels = ws.labels();
    let settings = Settings::new(&ws.root, &ws.config.changelog, &d.settings, &labels);
    let own;
    let walk = match walk {
        Some(w) => w,
        None => {
            own = repo.walk(&[])?;
            &own
        }
    };
    compared_history(
        repo,
        walk,
        std::path::Path::new(&d.rel),
        &HistoryOptions {
            previous_paths: d.settings.history_previous_paths(&d.rel),
            ..HistoryOptions::default()
        },
        &labels,
        settings.compare_options(),
    )
    .map(Some)
}

/// One document's status.
pub fn one(ws: &Workspace, d: &ManagedDoc) -> Result<DocStatus> {
    // The document first: a missing one is reported as such, not as a history error.
    let document = doc::load(&d.abs, &ws.labels())?;
    status_of(ws, d, document, compared(ws, d)?.as_ref())
}

/// One document's status, from its compared history (see [`compared`]).
pub fn one_from(
    ws: &Workspace,
    d: &ManagedDoc,
    compared: Option<&ComparedHistory>,
) -> Result<DocStatus> {
    let document = doc::load(&d.abs, &ws.labels())?;
    status_of(ws, d, document, compared)
}

fn status_of(
    ws: &Workspace,
    d: &ManagedDoc,
    document: doc::Document,
    compared: Option<&ComparedHistory>,
) -> Result<DocStatus> {
    let labels = ws.labels();
    let mut unrecorded = Vec::new();
    let mut first_commit = None;
    let mut history_start = None;
    let mut drift = Vec::new();
    let sch: Schedule;
    if let (Some(repo), Some(compared)) = (&ws.repo, compared) {
        let settings = Settings::new(&ws.root, &ws.config.changelog, &d.settings, &labels);
        let history = &compared.history;
        history_start = changelog::history_start(repo, history);
        first_commit = history
            .changes
            .iter()
            .find(|c| !c.shallow_boundary)
            .map(|c| c.commit.author_time.date_naive());
        // A shallow clone whose history is cut off before anything the Change Log
        // records cannot tell what is unrecorded: that is the document's error (naming
        // the fix), never "0 unrecorded".
        let plan = match changelog::plan_from_history(repo, &d.rel, &document, compared, &settings)
        {
            Err(e @ crate::Error::History(_)) => return Err(e),
            other => other,
        };
        if let Ok(plan) = plan {
            unrecorded = history
                .changes
                .iter()
                .filter(|c| plan.rows.iter().any(|r| r.commit == c.commit.id))
                .map(|c| CommitRef::of(&c.commit))
                .collect();
        }
        sch = review::schedule(&document, &d.settings, ws.today(), first_commit);
        let after = review::review_time(compared, sch.last_review);
        drift = review::drift(repo, &d.settings, sch.last_review, after)?;
    } else {
        sch = review::schedule(&document, &d.settings, ws.today(), first_commit);
    }
    let schema_findings =
        super::schema::report_for(ws, d, &document, false).map(|r| r.findings.len());
    let groups = document.placeholders_by_section();
    let field = |k: FieldKind| document.field(k).map(|f| f.raw.clone());
    Ok(DocStatus {
        path: d.rel.clone(),
        last_updated: field(FieldKind::LastUpdated),
        reviewed_by: field(FieldKind::ReviewedBy),
        next_review: sch.next_review,
        next_review_from: Some(sch.next_from.clone()),
        days_left: sch.days_left,
        state: Some(sch.state),
        last_review: sch.last_review,
        placeholders: groups.iter().map(|g| g.tokens.len()).sum(),
        placeholder_sections: groups,
        unrecorded,
        drift,
        sections: sch.sections,
        history_start,
        schema_findings,
        error: None,
        line: document.field(FieldKind::NextReview).map(|f| f.line + 1),
    })
}

fn state_text(ui: &Ui, s: Option<State>) -> String {
    match s {
        Some(State::Ok) => ui.green("ok"),
        Some(State::DueSoon) => ui.yellow("due-soon"),
        Some(State::Due) => ui.red("due"),
        Some(State::Overdue) => ui.red(&ui.bold("overdue")),
        None => ui.red("error"),
    }
}

/// The Next Review that is enforced: the earliest of the document's and of its sections
/// with their own interval (the section named when it sets the date).
fn next_text(s: &DocStatus) -> String {
    let earliest = s
        .sections
        .iter()
        .filter(|x| s.next_review.is_none_or(|n| x.next_review <= n))
        .min_by_key(|x| x.next_review);
    if let Some(sec) = earliest {
        return format!(
            "{} (section {:?}, every {})",
            sec.next_review,
            ui::one_line(&sec.section),
            sec.interval
        );
    }
    match (&s.next_review, &s.next_review_from) {
        (Some(d), Some(NextFrom::Field)) | (Some(d), None) => d.to_string(),
        (Some(d), Some(_)) => format!("{d} (derived)"),
        (None, _) => "-".into(),
    }
}

/// A shields.io endpoint (<https://shields.io/badges/endpoint-badge>) for the most
/// urgent document: "review in 12 days" (green), "review due in 3 days" (yellow, due
/// soon), "review due" (orange), "review overdue" (red), "unreadable" (grey).
#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Shields {
    pub schema_version: u8,
    pub label: String,
    pub message: String,
    pub color: String,
}

pub fn shields(r: &Report) -> Shields {
    let badge = |message: String, color: &str| Shields {
        schema_version: 1,
        label: "architecture review".into(),
        message,
        color: color.into(),
    };
    if r.documents.is_empty() {
        return badge("no documents".into(), "lightgrey");
    }
    if r.documents.iter().any(|d| d.state.is_none()) {
        return badge("unreadable".into(), "lightgrey");
    }
    // The most urgent: the highest state, then the fewest days left.
    let worst = r
        .documents
        .iter()
        .max_by_key(|d| (d.state, std::cmp::Reverse(d.days_left.unwrap_or(i64::MIN))))
        .expect("not empty");
    let days = worst.days_left.unwrap_or(0);
    let in_days = |n: i64| match n {
        0 => "today".to_string(),
        1 => "in 1 day".to_string(),
        n => format!("in {n} days"),
    };
    match worst.state {
        Some(State::Ok) => badge(format!("review {}", in_days(days)), "brightgreen"),
        Some(State::DueSoon) => badge(format!("review due {}", in_days(days)), "yellow"),
        Some(State::Due) => badge("review due".into(), "orange"),
        Some(State::Overdue) | None => badge("review overdue".into(), "red"),
    }
}

/// `--quiet`: the errors and the summary line only.
fn print_quiet(ui: &mut Ui, r: &Report) {
    for s in &r.documents {
        if let Some(e) = &s.error {
            ui.line(&format!("{}: {}", ui::one_line(&s.path), ui::one_line(e)));
        }
    }
    ui.line(&summary_line(r));
}

/// How the table is laid out: which columns (by index into [`HEADER`]) with which
/// headers, and what goes between them.
struct Layout {
    columns: Vec<usize>,
    headers: &'static [&'static str],
    sep: &'static str,
}

/// Fits the table into `width` columns, so the terminal never wraps a line in the middle
/// of a word. In order, until it fits: short headers (`UPDATED`, `BY`, `NEXT`, `UNREC`)
/// and one space between columns; DRIFT and REVIEWED BY shortened at a word boundary
/// (`DBA Team, …`); LAST UPDATED left out; DOCUMENT shortened to its last path components
/// (`…/architecture.md`). `--wide` and `--format json` always show everything.
fn fit(
    rows: &mut [Vec<String>],
    widths: &mut [usize],
    width: usize,
    mut columns: Vec<usize>,
) -> Layout {
    const SHORT: [&str; 10] = [
        "DOCUMENT", "UPDATED", "BY", "NEXT", "DAYS", "STATE", "TODO", "UNREC", "SCHEMA", "DRIFT",
    ];
    let total = |w: &[usize], cols: &[usize], sep: usize| {
        cols.iter().map(|&c| w[c]).sum::<usize>() + sep * (cols.len() - 1)
    };
    if total(widths, &columns, 2) <= width {
        return Layout {
            columns,
            headers: &HEADER,
            sep: "  ",
        };
    }
    let measure = |rows: &[Vec<String>], col: usize| {
        rows.iter()
            .map(|r| r[col].chars().count())
            .chain([SHORT[col].len()])
            .max()
            .unwrap_or(0)
    };
    for (i, w) in widths.iter_mut().enumerate() {
        *w = measure(rows, i);
    }
    let shrink = |rows: &mut [Vec<String>],
                  widths: &mut [usize],
                  columns: &[usize],
                  col: usize,
                  min: usize| {
        let over = total(widths, columns, 1).saturating_sub(width);
        let to = widths[col].saturating_sub(over).max(min);
        if over == 0 || to >= widths[col] {
            return;
        }
        for r in rows.iter_mut() {
            r[col] = if col == 0 {
                elide_start(&r[col], to)
            } else {
                elide_end(&r[col], to)
            };
        }
        widths[col] = measure(rows, col);
    };
    shrink(rows, widths, &columns, DRIFT_COLUMN, 5);
    shrink(rows, widths, &columns, 2, 9);
    if total(widths, &columns, 1) > width {
        columns.retain(|&c| c != 1);
    }
    shrink(rows, widths, &columns, 0, 12);
    Layout {
        columns,
        headers: &SHORT,
        sep: " ",
    }
}

/// The table's headers at full width.
const HEADER: [&str; 10] = [
    "DOCUMENT",
    "LAST UPDATED",
    "REVIEWED BY",
    "NEXT REVIEW",
    "DAYS",
    "STATE",
    "TODO",
    "UNRECORDED",
    "SCHEMA",
    "DRIFT",
];

/// The index of the SCHEMA column in [`HEADER`] (shown only with migrations).
const SCHEMA_COLUMN: usize = 8;
/// The index of the DRIFT column in [`HEADER`].
const DRIFT_COLUMN: usize = 9;

/// `text` in at most `max` characters, cut at a word boundary with `…` at the end.
fn elide_end(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let budget = max.saturating_sub(1);
    let mut out = String::new();
    for word in text.split_inclusive([' ', ',']) {
        if out.chars().count() + word.chars().count() > budget {
            break;
        }
        out.push_str(word);
    }
    // No whole word fits: say only that there is more (`--wide` shows it).
    format!("{}…", out.trim_end())
}

/// `text` (a path) in at most `max` characters, keeping whole components at its end:
/// `…/architecture.md`. A file name longer than `max` is kept whole.
fn elide_start(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let parts: Vec<&str> = text.split('/').collect();
    let mut tail = parts.last().copied().unwrap_or(text).to_string();
    for p in parts.iter().rev().skip(1) {
        let longer = format!("{p}/{tail}");
        if longer.chars().count() + 2 > max {
            break;
        }
        tail = longer;
    }
    format!("…/{tail}")
}

fn print_table(ui: &mut Ui, r: &Report, width: Option<usize>) {
    // The SCHEMA column only when some document has migrations.
    let schema = r.documents.iter().any(|s| s.schema_findings.is_some());
    let mut rows: Vec<Vec<String>> = Vec::new();
    for s in &r.documents {
        rows.push(vec![
            ui::one_line(&s.path),
            ui::one_line(s.last_updated.as_deref().unwrap_or("-")),
            ui::one_line(s.reviewed_by.as_deref().unwrap_or("-")),
            next_text(s),
            s.days_left.map_or("-".into(), |d| d.to_string()),
            s.state.map_or("error", State::as_str).to_string(),
            s.placeholders.to_string(),
            s.unrecorded.len().to_string(),
            if s.drift.is_empty() {
                "-".into()
            } else {
                ui::one_line(
                    &s.drift
                        .iter()
                        .map(|d| d.section.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            },
        ]);
        let last = rows.len() - 1;
        rows[last].insert(8, s.schema_findings.map_or("-".into(), |n| n.to_string()));
    }
    let mut widths: Vec<usize> = (0..HEADER.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([HEADER[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    // SCHEMA (before DRIFT, which stays last) only when some document has migrations.
    let shown: Vec<usize> = (0..HEADER.len())
        .filter(|&i| schema || i != SCHEMA_COLUMN)
        .collect();
    let layout = match width {
        Some(width) => fit(&mut rows, &mut widths, width, shown),
        None => Layout {
            columns: shown,
            headers: &HEADER,
            sep: "  ",
        },
    };
    let pad = |cells: &[String], ui: &Ui, state: Option<Option<State>>| -> String {
        let mut out = Vec::new();
        for &i in &layout.columns {
            let c = &cells[i];
            let fill = " ".repeat(widths[i].saturating_sub(c.chars().count()));
            out.push(match (i, state) {
                (5, Some(s)) => format!("{}{fill}", state_text(ui, s)),
                _ => format!("{c}{fill}"),
            });
        }
        out.join(layout.sep).trim_end().to_string()
    };
    let head: Vec<String> = layout.headers.iter().map(|h| h.to_string()).collect();
    let line = pad(&head, ui, None);
    ui.line(&ui.bold(&line));
    for (cells, s) in rows.iter().zip(&r.documents) {
        let line = pad(cells, ui, Some(s.state));
        ui.line(&line);
    }
    for s in &r.documents {
        if let Some(e) = &s.error {
            ui.line(&format!("{}: {}", ui::one_line(&s.path), ui::one_line(e)));
        }
        if matches!(
            s.next_review_from,
            Some(NextFrom::LastReview { .. })
                | Some(NextFrom::FirstCommit { .. })
                | Some(NextFrom::Nothing)
        ) {
            let why = match &s.next_review_from {
                Some(NextFrom::LastReview { review }) => {
                    format!("derived from the last review ({review}) + interval")
                }
                Some(NextFrom::FirstCommit { commit }) => {
                    format!("derived from the first commit ({commit}) + interval")
                }
                _ => "no Next Review and no history: treated as due".into(),
            };
            ui.line(&format!(
                "{}: Next Review is missing or a placeholder; {why}",
                ui::one_line(&s.path)
            ));
        }
        for sec in &s.sections {
            if sec.state.needs_attention() {
                ui.line(&format!(
                    "{}: section {:?} ({}) is {} on {}",
                    ui::one_line(&s.path),
                    ui::one_line(&sec.section),
                    sec.interval,
                    sec.state.as_str(),
                    sec.next_review
                ));
            }
        }
        for d in &s.drift {
            let commits: Vec<String> = d
                .commits
                .iter()
                .map(|c| format!("{} {}", c.commit, ui::one_line(&c.subject)))
                .collect();
            ui.line(&format!(
                "{}: {:?} drifted since the last review: {}",
                ui::one_line(&s.path),
                ui::one_line(&d.section),
                commits.join("; ")
            ));
        }
    }
    ui.line(&summary_line(r));
}

/// "3 documents: 1 ok, 2 overdue".
fn summary_line(r: &Report) -> String {
    let sm = &r.summary;
    let mut parts = vec![format!("{} ok", sm.ok)];
    for (n, what) in [
        (sm.due_soon, "due soon"),
        (sm.due, "due"),
        (sm.overdue, "overdue"),
        (sm.errors, "unreadable"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    let total = r.documents.len();
    format!(
        "{total} document{}: {}",
        if total == 1 { "" } else { "s" },
        parts.join(", ")
    )
}

/// `::warning file=...,line=...,title=...::message` for due and overdue documents.
fn github_annotations(ui: &mut Ui, r: &Report) {
    for s in &r.documents {
        let Some(state) = s.state else { continue };
        if state < State::Due {
            continue;
        }
        let days = s
            .days_left
            .map_or(String::new(), |d| format!(" ({} days ago)", -d));
        let msg = format!(
            "{} is {} for review: Next Review {}{days}. Run `dbarch review {}` after reviewing it.",
            s.path,
            state.as_str(),
            next_text(s),
            s.path
        );
        let level = if state == State::Overdue {
            "error"
        } else {
            "warning"
        };
        let line = s.line.map_or(String::new(), |l| format!(",line={l}"));
        ui.line(&format!(
            "::{level} file={}{line},title={}::{}",
            escape_property(&s.path),
            escape_property(&format!("Architecture review {}", state.as_str())),
            escape_data(&ui::one_line(&msg))
        ));
    }
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The Markdown table appended to `$GITHUB_STEP_SUMMARY`.
pub fn step_summary(r: &Report) -> String {
    let cell = |s: &str| crate::doc::table::escape_cell(s, 80);
    let mut out = String::from("### Architecture documents\n\n| Document | Last Updated | Reviewed By | Next Review | Days left | State | Placeholders | Unrecorded commits | Drift |\n|---|---|---|---|---|---|---|---|---|\n");
    for s in &r.documents {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            cell(&s.path),
            cell(s.last_updated.as_deref().unwrap_or("-")),
            cell(s.reviewed_by.as_deref().unwrap_or("-")),
            cell(&next_text(s)),
            s.days_left.map_or("-".into(), |d| d.to_string()),
            s.state.map_or("error", State::as_str),
            s.placeholders,
            s.unrecorded.len(),
            cell(
                &s.drift
                    .iter()
                    .map(|d| d.section.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    out.push('\n');
    out
}
