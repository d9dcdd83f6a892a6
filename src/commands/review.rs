//! `dbarch review [DOC]`: record a review. It shows what changed since the last review
//! (commits with authors and the sections they touched, drift, unfilled placeholders),
//! asks who reviewed and on which day, confirms, then sets Reviewed By, Next Review
//! (= review date + interval) and Last Updated, and adds a Change Log row with Impact
//! `Review`. `--commit` commits the document with a `Reviewed-by:` trailer.
//!
//! Every prompt has a flag (`--reviewer`, `--date`, `--yes`). Without a terminal it never
//! waits: unless `--yes` is given it fails at once (exit 2) naming the flags to pass.
//! Nothing is written before the last answer, so Ctrl-C leaves the document untouched.
use std::path::Path;

use chrono::NaiveDate;

use crate::cli::ReviewArgs;
use crate::compare::ComparedHistory;
use crate::doc::{self, Document};
use crate::git::walk::Walk;
use crate::git::write::FileUpdate;
use crate::prompt::{self, Prompter, TerminalPrompter};
use crate::review;
use crate::schema::report;
use crate::status;
use crate::sync::write_checked;
use crate::ui::{self, Ui};
use crate::workspace::{ManagedDoc, Workspace};
use crate::{Error, Result};

pub fn run(ui: &mut Ui, ws: &Workspace, args: ReviewArgs) -> Result<u8> {
    let interactive = !args.yes && prompt::interactive();
    if !interactive && !args.yes {
        let mut missing = Vec::new();
        if args.reviewer.is_none() {
            missing.push("--reviewer NAME");
        }
        if args.date.is_none() {
            missing.push("--date YYYY-MM-DD");
        }
        missing.push("--yes");
        return Err(Error::Usage(format!(
            "no terminal to ask on; pass {} (with --yes alone, the reviewer defaults to the configured reviewers or your git user, and the date to today)",
            missing.join(", ")
        )));
    }
    let mut terminal;
    let mut scripted = prompt::Scripted::default();
    let prompter: &mut dyn Prompter = if interactive {
        terminal = TerminalPrompter::new();
        &mut terminal
    } else {
        &mut scripted
    };
    review_with(ui, ws, &args, prompter, interactive)
}

/// The whole flow with a given prompter (tests pass a scripted one).
pub fn review_with(
    ui: &mut Ui,
    ws: &Workspace,
    args: &ReviewArgs,
    p: &mut dyn Prompter,
    interactive: bool,
) -> Result<u8> {
    // A bad --date is refused before anything is shown.
    let given_date = args
        .date
        .as_deref()
        .map(|x| parse_date(x, ws.today()))
        .transpose()?;
    // One walk of the history serves the pick (every document's status) and the
    // review's list of changes; when it cannot be made, each makes its own (and reports
    // its own error).
    let walk = ws.repo.as_ref().and_then(|r| r.walk(&[]).ok());
    let d = pick_document(ui, ws, args, p, interactive, walk.as_ref())?;
    let labels = ws.labels();
    let document = doc::load(&d.abs, &labels)?;
    let compared = status::compared_in(ws, &d, walk.as_ref())?;
    let st = status::one_from(ws, &d, compared.as_ref())?;
    show_changes(ui, &d, &document, &st, compared.as_ref())?;
    print_schema_summary(ui, ws, &d, &document);

    let default_reviewer = args.reviewer.clone().or_else(|| default_reviewer(ws, &d));
    let reviewer = match (&args.reviewer, interactive) {
        (Some(r), _) => r.clone(),
        (None, true) => p.input("Who reviewed it?", default_reviewer.as_deref())?,
        (None, false) => default_reviewer.clone().ok_or_else(|| {
            Error::Usage("no reviewer configured and no git user.name: pass --reviewer NAME".into())
        })?,
    };
    let reviewer = ui::one_line(&reviewer);
    if reviewer.is_empty() {
        return Err(Error::Usage(
            "the reviewer cannot be empty (--reviewer NAME)".into(),
        ));
    }
    let today = ws.today().to_string();
    let date = match (given_date, interactive) {
        (Some(x), _) => x,
        (None, false) => ws.today(),
        // A mistyped date is asked again rather than ending the session.
        (None, true) => {
            let check = |answer: &str| {
                parse_date(answer, ws.today())
                    .map(|_| ())
                    .map_err(|e| e.to_string().replace("--date: ", ""))
            };
            let answer = p.input_checked("Review date", Some(&today), &check)?;
            parse_date(&answer, ws.today())?
        }
    };
    // A review is an event: one dated before the last recorded review is refused, and
    // the same review recorded twice is the same event.
    if let Some(last) = crate::changelog::last_review(&document) {
        if date < last {
            return Err(Error::Usage(format!(
                "{}: the last recorded review is {last}; a review dated {date} would come before it (pass --date {last} or later)",
                d.rel
            )));
        }
        if date == last && already_recorded(&document, &reviewer, date) {
            ui.line(&format!(
                "{}: a review by {reviewer} on {date} is already recorded; nothing written",
                d.rel
            ));
            return Ok(crate::exit::OK);
        }
    }
    let new = review::record(
        &document,
        &d.settings,
        &reviewer,
        date,
        ws.config.changelog.max_cell_width,
    )
    .map_err(|e| e.into_error(&d.abs))?;
    // The preview shows what will be written, read back from the new text.
    let written = doc::Document::parse_str(&new, &labels).ok();
    let field = |k: doc::FieldKind| {
        written
            .as_ref()
            .and_then(|w| w.field(k))
            .map(|f| f.raw.clone())
            .unwrap_or_default()
    };
    let next = field(doc::FieldKind::NextReview);
    let (_, section) = review::next_due(&document, &d.settings, date);
    let every = match &section {
        Some(name) => format!(
            "section {:?} every {}",
            ui::one_line(name),
            d.settings
                .sections
                .get(name)
                .and_then(|x| x.review_every)
                .map(|x| x.to_string())
                .unwrap_or_default()
        ),
        None => d.settings.review_every.to_string(),
    };
    ui.line(&format!(
        "Record the review: Reviewed By {reviewer}, Last Updated {}, Next Review {next} ({every} from {date}).",
        field(doc::FieldKind::LastUpdated),
    ));
    let ok = args.yes || p.confirm("Write it?", true)?;
    if !ok {
        ui.line("Nothing written.");
        return Ok(crate::exit::OK);
    }
    {
        let _lock = ws.lock()?;
        write_checked(&d, &document.text.src, &new)?;
    }
    ui.line(&format!(
        "{}: review recorded; next review {next}{}",
        d.rel,
        section.map_or(String::new(), |n| format!(
            " (section {:?})",
            ui::one_line(&n)
        ))
    ));
    if args.commit {
        // Only the review's own edits are committed: applied to the committed version
        // when the working file holds other, uncommitted edits (which stay uncommitted).
        let repo = ws.repo()?;
        let committed = match repo.head_id()? {
            Some(h) => repo.blob_at(h, Path::new(&d.rel))?,
            None => None,
        };
        let own = match committed {
            Some(c) if c != document.text.src.as_bytes() => {
                let head_doc = Document::parse(c, &labels)
                    .map_err(|e| e.into_error(Path::new(&format!("{} (as committed)", d.rel))))?;
                Some(
                    review::record(
                        &head_doc,
                        &d.settings,
                        &reviewer,
                        date,
                        ws.config.changelog.max_cell_width,
                    )
                    .map_err(|e| e.into_error(&d.abs))?,
                )
            }
            _ => None,
        };
        let id = commit_review(ws, &d, &reviewer, own.as_deref())?;
        ui.line(&format!("committed {id}"));
    }
    Ok(crate::exit::OK)
}

/// The newest Review row is dated `date`, by `reviewer`, and Reviewed By names them.
fn already_recorded(document: &Document, reviewer: &str, date: NaiveDate) -> bool {
    use crate::doc::Column;
    let by = document
        .field(doc::FieldKind::ReviewedBy)
        .is_some_and(|f| f.raw.trim() == reviewer.trim());
    let Some(t) = document.table() else {
        return false;
    };
    by && t.real_rows().any(|r| {
        t.cell(r, Column::Impact)
            .is_some_and(|i| i.trim().eq_ignore_ascii_case("review"))
            && t.cell(r, Column::Date)
                .and_then(doc::date::parse)
                .is_some_and(|x| x.date == date)
            && t.cell(r, Column::Author)
                .is_some_and(|a| a.trim() == crate::doc::table::escape_cell(reviewer, 0))
    })
}

/// A full date, not after today (a review in the future is a date known to be wrong).
fn parse_date(text: &str, today: NaiveDate) -> Result<NaiveDate> {
    let d = doc::date::parse(text)
        .filter(|d| !matches!(d.style, doc::DateStyle::MonthYear { .. }))
        .map(|d| d.date)
        .ok_or_else(|| {
            Error::Usage(format!(
                "--date: `{}` is not a date such as 2026-11-26",
                ui::one_line(text)
            ))
        })?;
    if d > today {
        return Err(Error::Usage(format!(
            "--date: {d} is in the future (today is {today}); a review is recorded when it happened"
        )));
    }
    Ok(d)
}

fn default_reviewer(ws: &Workspace, d: &ManagedDoc) -> Option<String> {
    if !d.settings.reviewers.is_empty() {
        return Some(d.settings.reviewers.join(", "));
    }
    ws.repo
        .as_ref()
        .and_then(|r| r.user())
        .map(|u| u.name)
        .filter(|n| !n.is_empty())
}

fn pick_document(
    ui: &mut Ui,
    ws: &Workspace,
    args: &ReviewArgs,
    p: &mut dyn Prompter,
    interactive: bool,
    walk: Option<&Walk>,
) -> Result<ManagedDoc> {
    if let Some(name) = &args.doc {
        return ws.named_doc(name);
    }
    let docs = ws.documents(&[])?;
    if docs.len() == 1 {
        return Ok(docs.into_iter().next().expect("one document"));
    }
    let report = status::collect_in(ws, &docs, walk);
    let mut candidates: Vec<(ManagedDoc, String)> = docs
        .iter()
        .zip(&report.documents)
        .filter(|(_, s)| s.state.is_some_and(|x| x.needs_attention()))
        .map(|(d, s)| {
            let label = format!(
                "{} — {} (next review {})",
                d.rel,
                s.state.map_or("error", |x| x.as_str()),
                s.next_review.map_or("-".into(), |n| n.to_string())
            );
            (d.clone(), label)
        })
        .collect();
    if candidates.is_empty() {
        candidates = docs.iter().map(|d| (d.clone(), d.rel.clone())).collect();
    }
    if candidates.len() == 1 {
        return Ok(candidates.remove(0).0);
    }
    if !interactive {
        let names: Vec<&str> = candidates.iter().map(|(d, _)| d.rel.as_str()).collect();
        return Err(Error::Usage(format!(
            "several documents could be reviewed ({}); name one: dbarch review DOC",
            names.join(", ")
        )));
    }
    let labels: Vec<String> = candidates.iter().map(|(_, l)| ui::one_line(l)).collect();
    ui.flush();
    let i = p.select("Which document did you review?", &labels)?;
    Ok(candidates.remove(i).0)
}

/// What `review` shows of the schema before it asks: the migrations' changes since the
/// last review and the findings per section.
fn print_schema_summary(ui: &mut Ui, ws: &Workspace, d: &ManagedDoc, document: &Document) {
    let Some(r) = report::report_for(ws, d, document, true) else {
        return;
    };
    if r.changes.is_empty() && r.findings.is_empty() {
        return;
    }
    let list: Vec<String> = r
        .changes
        .iter()
        .map(|c| match &c.renamed_to {
            Some(n) => format!("renamed {} {} to {}", c.kind.as_str(), c.name, n),
            None => format!("{} {} {}", c.change.as_str(), c.kind.as_str(), c.name),
        })
        .collect();
    if !list.is_empty() {
        ui.line(&format!(
            "Schema since the last review: {}",
            ui::one_line(&list.join(", "))
        ));
    }
    if !r.findings.is_empty() {
        ui.line(&format!(
            "Schema findings: {} (`dbarch schema` for details)",
            r.findings.len()
        ));
        for (section, fs) in r.by_section() {
            ui.line(&format!("  {}:", ui::one_line(&section)));
            for f in fs {
                ui.line(&format!("    - {}", ui::one_line(&f.message)));
            }
        }
    }
}

/// What changed since the last review: commits (with the sections they touched),
/// drift, and unfilled placeholders.
fn show_changes(
    ui: &mut Ui,
    d: &ManagedDoc,
    document: &Document,
    st: &status::DocStatus,
    compared: Option<&ComparedHistory>,
) -> Result<()> {
    // Since the last Review row; a document never reviewed lists from its first commit.
    let since = crate::changelog::last_review(document);
    ui.line(&ui.bold(&format!(
        "{} — {} (Next Review {})",
        ui::one_line(&d.rel),
        st.state.map_or("error", |s| s.as_str()),
        st.next_review.map_or("-".into(), |n| n.to_string())
    )));
    ui.line(&match since {
        Some(s) => format!("Changes since the last review ({s}):"),
        None => "Changes since the document began (no review on record):".to_string(),
    });
    let mut any = false;
    if let Some(compared) = compared {
        for (c, sections) in review::changes_since(compared, since) {
            ui.line(&format!(
                "  {} {} {} — {}{}",
                c.commit,
                c.date.format("%Y-%m-%d"),
                ui::one_line(&c.author),
                ui::one_line(&c.subject),
                if sections.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", ui::one_line(&sections.join(", ")))
                }
            ));
            any = true;
        }
    }
    if !any {
        ui.line("  (no commits)");
    }
    for dr in &st.drift {
        ui.line(&format!(
            "Drift: {:?} — {} changed {}",
            ui::one_line(&dr.section),
            ui::count(dr.commits.len(), "commit", "commits"),
            ui::one_line(&dr.paths.join(", "))
        ));
    }
    let groups = document.placeholders_by_section();
    if !groups.is_empty() {
        let total: usize = groups.iter().map(|g| g.tokens.len()).sum();
        ui.line(&format!(
            "Unfilled: {} in {}",
            ui::count(total, "placeholder", "placeholders"),
            ui::count(groups.len(), "section", "sections")
        ));
        for g in groups.iter().take(5) {
            ui.line(&format!(
                "  {}: {} of {} unfilled",
                ui::one_line(&g.section),
                g.unfilled,
                ui::count(g.lines, "line", "lines")
            ));
        }
    }
    Ok(())
}

/// Commits only the document (other staged changes stay staged) with a `Reviewed-by:`
/// trailer. With `commit.gpgsign` on, `git commit` does it so the commit is signed.
///
/// `own`: the committed version with only the review's edits, when the working file also
/// holds other edits; those stay in the working tree, unstaged.
fn commit_review(
    ws: &Workspace,
    d: &ManagedDoc,
    reviewer: &str,
    own: Option<&str>,
) -> Result<String> {
    let repo = ws.repo()?;
    let message = format!(
        "docs: record architecture review of {}\n\nReviewed-by: {reviewer}\n",
        d.rel
    );
    let signing = repo.signing_on();
    if signing && own.is_some() {
        return Err(Error::Usage(format!(
            "{} holds edits besides the review and commit.gpgsign is on: the review is written; \
             commit it yourself (`git add -p {}`, `git commit`)",
            d.rel, d.rel
        )));
    }
    if signing {
        if let Err(stderr) = repo.git_commit_only(&ws.root, &message, &[&d.rel])? {
            return Err(Error::Usage(format!(
                "git commit failed: {}",
                ui::one_line(&stderr)
            )));
        }
        return Ok(repo
            .head_id()?
            .map(crate::changelog::short)
            .unwrap_or_default());
    }
    let context = "committing the review";
    let bytes = match own {
        Some(t) => t.as_bytes().to_vec(),
        None => std::fs::read(&d.abs).map_err(|e| Error::io(&d.abs, e))?,
    };
    let blob = repo.write_blob(&bytes, context)?;
    let base = repo.head_commit_tree().map(|(_, tree)| tree);
    let file = FileUpdate {
        path: &d.rel,
        blob,
        executable: false,
    };
    let tree = repo.tree_with(base, &[file], context)?;
    // Dated by the clock seam (DBARCH_NOW), like every other date dbarch writes.
    let id = repo.commit_on_head(tree, &message, ws.now, context)?;
    // The index entry for the document now matches the commit; nothing else changes.
    // With other edits in the working file: the committed blob, with no stat data (git
    // compares the working file's content, so the other edits show as unstaged changes).
    let staged = own.map(|_| (blob, bytes.len()));
    repo.stage_file(&d.rel, staged, context)?;
    Ok(crate::changelog::short(id))
}
