//! Per-document status, shared by `status`, `review` and `remind`: the header's dates,
//! the review schedule and state, unfilled placeholders, unrecorded commits, drifted
//! sections and schema findings. The histories of many documents come from one walk
//! ([`histories`]); a document whose walk fails reports its own error. Reads only and
//! never prints.
use chrono::NaiveDate;
use serde::Serialize;

use crate::changelog::{self, Settings};
use crate::compare::{compared_histories, CompareOptions, ComparedHistory};
use crate::doc::{self, FieldKind};
use crate::git::walk::Walk;
use crate::history::HistoryOptions;
use crate::review::{self, CommitRef, Drift, NextFrom, Schedule, SectionDue, State};
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
pub(crate) struct Report {
    pub today: NaiveDate,
    pub documents: Vec<DocStatus>,
    pub summary: Summary,
    /// Discovered template files, left alone (see [`Workspace::templates`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub templates: Vec<String>,
}

#[derive(Serialize, Default)]
pub(crate) struct Summary {
    pub ok: usize,
    #[serde(rename = "due-soon")]
    pub due_soon: usize,
    pub due: usize,
    pub overdue: usize,
    pub errors: usize,
}

#[derive(Serialize, Clone)]
pub(crate) struct DocStatus {
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

/// The status of every document (errors are per document). The documents' histories
/// come from one walk of the history ([`compared_histories`]).
pub(crate) fn collect(ws: &Workspace, docs: &[ManagedDoc]) -> Report {
    collect_in(ws, docs, None)
}

/// [`collect`] along `walk` when given (a caller that asks more of the same history
/// afterwards, as `review` does, holds one walk for both).
pub(crate) fn collect_in(ws: &Workspace, docs: &[ManagedDoc], walk: Option<&Walk>) -> Report {
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
pub(crate) fn histories(ws: &Workspace, docs: &[&ManagedDoc]) -> Vec<Option<ComparedHistory>> {
    histories_in(ws, docs, None)
}

/// [`histories`] along `walk` when given (else a walk of their own).
fn histories_in(
    ws: &Workspace,
    docs: &[&ManagedDoc],
    walk: Option<&Walk>,
) -> Vec<Option<ComparedHistory>> {
    match compared_along(ws, docs, walk) {
        Ok(Some(all)) => all.into_iter().map(Some).collect(),
        _ => docs.iter().map(|_| None).collect(),
    }
}

/// One document's history with its changes compared (`None` without a repository): what
/// [`one_from`], the review's list of changes and a full sync all read.
pub(crate) fn compared(ws: &Workspace, d: &ManagedDoc) -> Result<Option<ComparedHistory>> {
    compared_in(ws, d, None)
}

/// [`compared`] along `walk` when given (else a walk of its own).
pub(crate) fn compared_in(
    ws: &Workspace,
    d: &ManagedDoc,
    walk: Option<&Walk>,
) -> Result<Option<ComparedHistory>> {
    Ok(compared_along(ws, &[d], walk)?.map(|mut all| all.pop().unwrap_or_default()))
}

/// The one walk behind [`histories`] and [`compared`]: the compared histories of `docs`,
/// in order, each with its own compare options, following every document's configured
/// previous paths (`None` without a repository), along `walk` when given (else a walk of
/// their own, from HEAD).
fn compared_along(
    ws: &Workspace,
    docs: &[&ManagedDoc],
    walk: Option<&Walk>,
) -> Result<Option<Vec<ComparedHistory>>> {
    let Some(repo) = ws.repo.as_ref() else {
        return Ok(None);
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
        None => {
            own = repo.walk(&[])?;
            &own
        }
    };
    compared_histories(repo, walk, &paths, &opts, &labels, &options).map(Some)
}

/// One document's status.
pub(crate) fn one(ws: &Workspace, d: &ManagedDoc) -> Result<DocStatus> {
    // The document first: a missing one is reported as such, not as a history error.
    let document = doc::load(&d.abs, &ws.labels())?;
    status_of(ws, d, document, compared(ws, d)?.as_ref())
}

/// One document's status, from its compared history (see [`compared`]).
pub(crate) fn one_from(
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
        crate::schema::report::report_for(ws, d, &document, false).map(|r| r.findings.len());
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
