//! `dbarch lint [DOCS...] [--format text|json]`: checks the structure, the header dates
//! and the unfilled placeholders of the managed documents. Read-only: nothing is written.
//!
//! The finding kinds and the rules behind them are listed in [`crate::doc::lint`].
//!
//! Decisions:
//! - A file that cannot be read is a finding too (`unreadable`), so one missing
//!   document does not hide the others' findings; exit 1 either way.
//! - The summary's `M documents` counts the documents checked.
use serde::Serialize;

use crate::cli::{Format, LintArgs};
use crate::doc::lint::{check, Finding};
use crate::doc::{self, SectionPlaceholders};
use crate::ui::{self, Ui};
use crate::workspace::Workspace;
use crate::{Error, Result};

/// The JSON output of `dbarch lint --format json` (a stable schema):
///
/// ```json
/// {
///   "documents": [
///     {
///       "path": "docs/database-architecture.md",
///       "findings": [
///         {"line": 3, "col": 19, "kind": "placeholder-date", "message": "..."},
///         {"line": null, "col": null, "kind": "no-changelog", "message": "..."}
///       ],
///       "placeholders": [
///         {
///           "section": "Data Management > Backup Strategy",
///           "unfilled": 4,
///           "lines": 4,
///           "tokens": [{"token": "[SCHEDULE]", "line": 80, "col": 21}]
///         }
///       ]
///     }
///   ],
///   "findings": 1
/// }
/// ```
///
/// - `documents`: one entry per document checked, in the order checked.
/// - `findings` (top level): the number of findings over all documents.
#[derive(Debug, Serialize)]
pub struct Report {
    pub documents: Vec<DocReport>,
    pub findings: usize,
}

/// One document's result (see [`Report`]).
///
/// - `path`: relative to the repository root, `/`-separated.
/// - `findings`: see [`Finding`], in document order.
/// - `placeholders`: the sections that still hold placeholders, in document order;
///   `section` is `Parent > Child` for a `###` section and `(preamble)` before the first
///   section; `unfilled` counts the section's lines holding a placeholder, `lines` its
///   content lines (outside code blocks, headings and blank lines); `tokens` are all its
///   placeholders with their 1-based line and column. Empty when the document could not
///   be parsed.
#[derive(Debug, Serialize)]
pub struct DocReport {
    pub path: String,
    pub findings: Vec<Finding>,
    pub placeholders: Vec<SectionPlaceholders>,
}

pub fn run(ui: &mut Ui, ws: &Workspace, args: LintArgs) -> Result<u8> {
    let labels = ws.labels();
    let docs = ws.documents(&args.docs)?;
    let mut report = Report {
        documents: Vec::with_capacity(docs.len()),
        findings: 0,
    };
    for d in &docs {
        ui.detail(&format!("checking {}", ui::sanitize(&d.rel)));
        let (mut findings, placeholders) = match doc::load(&d.abs, &labels) {
            Ok(document) => check(&document),
            Err(Error::Document { line, col, msg, .. }) => {
                (vec![Finding::at(line, col, "parse-error", msg)], Vec::new())
            }
            Err(Error::Io { source, .. }) => (
                vec![Finding::nowhere(
                    "unreadable",
                    format!("cannot read the file: {}", crate::error::plain_io(&source)),
                )],
                Vec::new(),
            ),
            Err(e) => return Err(e),
        };
        findings.extend(crate::schema::report::lint_findings(ws, d)); // `[schema] require-mentions`
        report.findings += findings.len();
        report.documents.push(DocReport {
            path: d.rel.clone(),
            findings,
            placeholders,
        });
    }

    match args.format {
        Format::Json => ui.json(&report),
        Format::Text => print_text(ui, &report),
    }
    Ok(if report.findings > 0 {
        crate::exit::FINDINGS
    } else {
        crate::exit::OK
    })
}

fn print_text(ui: &mut Ui, report: &Report) {
    for d in &report.documents {
        let path = ui::sanitize(&d.path);
        for f in &d.findings {
            let pos = match (f.line, f.col) {
                (Some(l), Some(c)) => format!("{path}:{l}:{c}"),
                (Some(l), None) => format!("{path}:{l}"),
                _ => path.clone(),
            };
            let kind = ui.yellow(f.kind);
            ui.line(&format!("{pos}: {kind}: {}", ui::sanitize(&f.message)));
        }
    }
    let n = report.findings;
    let m = report.documents.len();
    ui.line(&format!(
        "{n} finding{} in {m} document{}",
        if n == 1 { "" } else { "s" },
        if m == 1 { "" } else { "s" }
    ));
}
