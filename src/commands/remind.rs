//! `dbarch remind [DOCS...] [--mode issue|pr|both] [--dry-run]`: what the scheduled
//! GitHub Action runs. For every document that is due-soon, due or overdue it keeps one
//! review issue (and/or a review pull request); for a document reviewed since, it closes
//! the issue; for a document whose default branch has unrecorded commits it keeps a
//! Change Log pull request. See [`crate::github::remind`] for the rules.
//!
//! Exit 0 when the run did what it should (due documents are reported on GitHub, not by
//! the exit code, so the scheduled workflow stays green); 2 on configuration, permission
//! or GitHub errors.
use crate::changelog;
use crate::cli::{Format, RemindArgs};
use crate::commands::status;
use crate::commands::sync::sync_one_from;
use crate::compare::ComparedHistory;
use crate::config::GithubMode;
use crate::doc;
use crate::github::dry_run::DryRun;
use crate::github::memory::Memory;
use crate::github::remind::{self, DocJob, DocStatusView, Modes};
use crate::github::{self, Env, GitHub};
use crate::review;
use crate::ui::{self, Ui};
use crate::workspace::{ManagedDoc, Workspace};
use crate::Result;

pub fn run(ui: &mut Ui, ws: &Workspace, args: RemindArgs) -> Result<u8> {
    let mode = args.mode.unwrap_or(ws.config.github.mode);
    let modes = Modes {
        issue: matches!(mode, GithubMode::Issue | GithubMode::Both),
        pr: matches!(mode, GithubMode::Pr | GithubMode::Both),
    };
    let docs = ws.documents(&args.docs)?;
    // The documents' histories from one walk (each document on its own if that fails).
    let all: Vec<&ManagedDoc> = docs.iter().collect();
    let mut histories = status::histories(ws, &all);
    let jobs: Vec<DocJob> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| job(ws, d, modes, histories[i].take()))
        .collect::<Result<_>>()?;
    let env = Env::from_env(&|k| std::env::var(k).ok(), ws.repo.as_ref())?;
    let labels = ws.config.github.labels.clone();
    let (done, calls) = if args.dry_run {
        let mut offline;
        let mut online;
        let inner: &mut dyn GitHub = match &env.token {
            Some(_) => {
                online = github::client::Client::new(&env)?;
                &mut online
            }
            None => {
                ui.status("dry run without a GitHub token: assuming no issues, branches or pull requests exist yet");
                offline = Memory::new(&[]);
                if let Some(r) = &env.repo {
                    offline.repo = r.clone();
                }
                &mut offline
            }
        };
        let mut dry = DryRun::new(inner);
        let done = remind::run(&mut dry, &jobs, &labels, modes)?;
        (done, dry.calls)
    } else {
        let mut client = github::client::Client::new(&env)?;
        let done = remind::run(&mut client, &jobs, &labels, modes)?;
        let calls = client
            .calls()
            .into_iter()
            .map(|(m, p)| format!("{m} {p}"))
            .collect();
        (done, calls)
    };
    match args.format {
        Format::Json => {
            ui.json(&serde_json::json!({ "done": done, "calls": calls, "dry_run": args.dry_run }))
        }
        Format::Text => {
            if args.dry_run {
                ui.line(&format!(
                    "dry run: {} write call(s) would be made",
                    calls.len()
                ));
                for c in &calls {
                    ui.line(&format!("  {}", ui::one_line(c)));
                }
            } else {
                for c in &calls {
                    ui.detail(&format!("  {}", ui::one_line(c)));
                }
                if done.is_empty() {
                    ui.line("nothing to do: every issue and pull request is up to date");
                }
                for d in &done {
                    let url = d.url.as_deref().map_or(String::new(), |u| format!(" {u}"));
                    ui.line(&ui::one_line(&format!("{}: {}{url}", d.path, d.what)));
                }
            }
        }
    }
    Ok(crate::exit::OK)
}

/// Everything the reminder needs to know about one document.
fn job(
    ws: &Workspace,
    d: &ManagedDoc,
    modes: Modes,
    compared: Option<ComparedHistory>,
) -> Result<DocJob> {
    // One walk of the document's history serves the status, the list of changes and
    // the Change Log rows.
    let compared = match compared {
        Some(c) => Some(c),
        None => status::compared(ws, d)?,
    };
    let st = status::one_from(ws, d, compared.as_ref())?;
    let labels = ws.labels();
    let changes = match &compared {
        Some(compared) => review::changes_since(compared, st.last_review)
            .into_iter()
            .map(|(c, _)| c)
            .collect(),
        None => Vec::new(),
    };
    let view = DocStatusView {
        path: d.rel.clone(),
        state: st.state,
        next_review: st.next_review,
        days_left: st.days_left,
        last_review: st.last_review,
        last_updated: st.last_updated.clone(),
        reviewed_by: st.reviewed_by.clone(),
        changes,
        unrecorded: st.unrecorded.len(),
        drift: st.drift.clone(),
        placeholders: st
            .placeholder_sections
            .iter()
            .map(|g| (g.section.clone(), g.unfilled, g.lines))
            .collect(),
        schema: super::schema::issue_markdown(ws, d),
    };
    let document = doc::load(&d.abs, &labels)?;
    let review_text = if modes.pr && st.state.is_some_and(|s| s.needs_attention()) {
        let who = if d.settings.reviewers.is_empty() {
            "[TEAM]".to_string()
        } else {
            d.settings.reviewers.join(", ")
        };
        Some(
            review::record(
                &document,
                &d.settings,
                &who,
                ws.today(),
                ws.config.changelog.max_cell_width,
            )
            .map_err(|e| e.into_error(&d.abs))?,
        )
    } else {
        None
    };
    let (sync_text, sync_rows) = match compared.as_ref().filter(|_| !st.unrecorded.is_empty()) {
        Some(compared) => {
            let r = sync_one_from(ws, d, compared)?;
            (r.new.filter(|_| !r.rows.is_empty()), r.rows.len())
        }
        None => (None, 0),
    };
    let _ = changelog::short; // rows are counted above; ids appear in the pull request diff
    Ok(DocJob {
        status: view,
        reviewers: d.settings.reviewers.clone(),
        review_text,
        sync_text,
        sync_rows,
    })
}
