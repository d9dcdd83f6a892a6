//! One managed document's schema report as the other commands use it: `status` counts its
//! findings, `lint` reports them (`require-mentions`), `review` shows them and the
//! review issue of `remind` carries them as Markdown. An error reading the migrations
//! is no report, so the schema feature never breaks those commands.
use crate::doc::{self, lint::Finding, Document};
use crate::review;
use crate::schema::{self, Detail, SchemaReport};
use crate::ui;
use crate::workspace::{ManagedDoc, Workspace};

/// The day of the document's last review (its newest Review row, else Last Updated).
pub(crate) fn last_review(
    ws: &Workspace,
    d: &ManagedDoc,
    document: &Document,
) -> Option<chrono::NaiveDate> {
    review::schedule(document, &d.settings, ws.today(), None).last_review
}

/// The schema report of one document as `status`, `review` and `remind` use it (`None`
/// without a repository or migrations; an error reading the migrations is `None` too,
/// so the schema feature never breaks those commands).
pub(crate) fn report_for(
    ws: &Workspace,
    d: &ManagedDoc,
    document: &Document,
    commits: bool,
) -> Option<SchemaReport> {
    let repo = ws.repo.as_ref()?;
    let cfg = ws.config.schema_for(&d.settings);
    let since = last_review(ws, d, document);
    schema::analyze(
        repo,
        &cfg,
        document,
        since,
        Detail {
            commits,
            objects: false,
        },
    )
    .ok()
    .flatten()
}

/// The schema findings of `lint` when `require-mentions = true` (else none).
pub(crate) fn lint_findings(ws: &Workspace, d: &ManagedDoc) -> Vec<Finding> {
    if !ws.config.schema_for(&d.settings).require_mentions {
        return Vec::new();
    }
    let Ok(document) = doc::load(&d.abs, &ws.labels()) else {
        return Vec::new();
    };
    let Some(r) = report_for(ws, d, &document, false) else {
        return Vec::new();
    };
    r.findings
        .iter()
        .map(|f| Finding {
            line: None,
            col: None,
            kind: "schema",
            message: format!("{}: {}", f.section, f.message),
        })
        .collect()
}

/// The findings as Markdown, per section (for the review summary and the review issue
/// body); empty when there are none.
pub(crate) fn findings_markdown(r: &SchemaReport) -> String {
    if r.findings.is_empty() {
        return String::new();
    }
    let since = r
        .since
        .map_or("ever".to_string(), |d| format!("the last review ({d})"));
    let mut out = format!("### Schema drift since {since}\n\n");
    for (section, fs) in r.by_section() {
        out.push_str(&format!("**{}**\n\n", md(&section)));
        for f in fs {
            out.push_str(&format!("- {}\n", md(&f.message)));
        }
        out.push('\n');
    }
    out
}

/// The review issue's schema section for one document (empty without findings).
pub(crate) fn issue_markdown(ws: &Workspace, d: &ManagedDoc) -> String {
    doc::load(&d.abs, &ws.labels())
        .ok()
        .and_then(|document| report_for(ws, d, &document, true))
        .map_or(String::new(), |r| findings_markdown(&r))
}

/// Backticks stay (they quote names); Markdown-active characters of names are escaped.
fn md(s: &str) -> String {
    ui::one_line(s).replace('<', "&lt;").replace('>', "&gt;")
}
