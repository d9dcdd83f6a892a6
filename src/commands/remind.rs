//! `dbarch remind [DOCS...] [--mode issue|pr|both] [--dry-run]`: what the scheduled
//! GitHub Action runs. For every document that is due-soon, due or overdue it keeps one
//! review issue (and/or a review pull request); for a document reviewed since, it closes
//! the issue; for a document whose default branch has unrecorded commits it keeps a
//! Change Log pull request. See [`crate::github::remind`] for the rules.
//!
//! Exit 0 when the run did what it should (due documents are reported on GitHub, not by
//! the exit code, so the scheduled workflow stays green); 2 on configuration errors (a
//! shallow clone included); 4 when GitHub or the network failed or refused a call. A
//! document that fails does not stop the others: every failure is printed, the last is
//! the run's error.
use crate::changelog;
use crate::cli::{Format, RemindArgs};
use crate::compare::ComparedHistory;
use crate::config::GithubMode;
use crate::doc;
use crate::github::memory::Memory;
use crate::github::remind::{self, DocJob, Modes, Outcome, Settings};
use crate::github::{self, Env, GitHub};
use crate::review;
use crate::status;
use crate::sync::sync_one_from;
use crate::ui::{self, Ui};
use crate::workspace::{ManagedDoc, Workspace};
use crate::Result;

/// The login the job token acts as: what `GET /user` cannot tell for it.
pub const ACTIONS_LOGIN: &str = "github-actions[bot]";

pub fn run(ui: &mut Ui, ws: &Workspace, args: RemindArgs) -> Result<u8> {
    let mode = args.mode.unwrap_or(ws.config.github.mode);
    let modes = Modes {
        issue: matches!(mode, GithubMode::Issue | GithubMode::Both),
        pr: matches!(mode, GithubMode::Pr | GithubMode::Both),
    };
    // A shallow clone hides commits: the unrecorded ones and the changes since the last
    // review would silently be missing.
    if ws.repo.as_ref().is_some_and(|r| r.is_shallow()) {
        return Err(crate::Error::History(
            "this is a shallow clone: `remind` needs the documents' whole history (the changes since the last review, commits the Change Log does not record); check out with `fetch-depth: 0` (actions/checkout) or run `git fetch --unshallow`".into(),
        ));
    }
    let changelog_pr = ws.config.github.changelog_pr;
    let docs = ws.documents(&args.docs)?;
    // The documents' histories from one walk (each document on its own if that fails).
    let all: Vec<&ManagedDoc> = docs.iter().collect();
    let mut histories = status::histories(ws, &all);
    let mut jobs: Vec<DocJob> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| job(ws, d, modes, changelog_pr, histories[i].take()))
        .collect::<Result<_>>()?;
    let env = Env::from_env(&|k| std::env::var(k).ok(), ws.repo.as_ref())?;
    // A token pasted into `DBARCH_LABELS` (or `[github] labels`) would be printed and
    // published as a label name: refused, and never shown.
    if let Some(t) = env.token.as_deref().map(str::trim).filter(|t| t.len() >= 4) {
        if ws.config.github.labels.iter().any(|l| l.contains(t)) {
            return Err(crate::Error::Config(
                "a GitHub label (DBARCH_LABELS or [github] labels) contains the GitHub token; \
                 remove it from the labels (and rotate the token)"
                    .into(),
            ));
        }
    }
    let mut settings = Settings {
        labels: ws.config.github.labels.clone(),
        modes,
        changelog_pr,
        trusted: ws.config.github.login.clone(),
        creator: ws.config.github.login.clone(),
    };
    // Only the token's own issues are dbarch's: the configured login, else the token's
    // user, else (the job token or a GitHub App token, which have none) any `…[bot]`
    // login, listed as github-actions[bot] first.
    let trusted = |gh: &mut dyn GitHub, settings: &mut Settings| -> Result<()> {
        if settings.trusted.is_none() {
            let (trusted, creator) = match gh.viewer()? {
                Some(login) => (login.clone(), login),
                None => (remind::ANY_BOT.to_string(), ACTIONS_LOGIN.to_string()),
            };
            settings.trusted = Some(trusted);
            settings.creator = Some(creator);
        }
        Ok(())
    };
    let mut bodies = Vec::new();
    let mut unknown_repo = false;
    let (outcome, calls) = if args.dry_run {
        let mut offline;
        let mut online;
        let inner: &mut dyn GitHub = match &env.token {
            Some(_) => {
                online = github::client::Client::new(&env)?;
                trusted(&mut online, &mut settings)?;
                &mut online
            }
            None => {
                ui.status("dry run without a GitHub token: assuming no issues, branches or pull requests exist yet");
                // An empty repository holds no document to compare the checkout with.
                for j in &mut jobs {
                    j.checkout = None;
                }
                offline = Memory::new(&[]);
                match &env.repo {
                    Some(r) => offline.repo = r.clone(),
                    None => unknown_repo = true,
                }
                &mut offline
            }
        };
        let (mut outcome, planned) = remind::dry_run(inner, &jobs, &settings);
        // What the dry run would only open has no number yet.
        for d in &mut outcome.done {
            d.what = remind::show(&d.what);
        }
        for c in &mut outcome.checked {
            c.issue = c.issue.filter(|&n| !remind::invented(n));
            c.pull = c.pull.filter(|&n| !remind::invented(n));
        }
        let repo = if unknown_repo {
            "{owner}/{repo}".to_string()
        } else {
            inner.repo().to_string()
        };
        let mut calls = Vec::new();
        for (call, body) in planned {
            let (method, rest) = call.split_once(' ').unwrap_or((&call, ""));
            calls.push(remind::show(&format!("{method} /repos/{repo}{rest}")));
            bodies.push(body);
        }
        (outcome, calls)
    } else {
        let mut client = github::client::Client::new(&env)?;
        // On a terminal, a spinner while the calls go out (never in CI logs or pipes).
        let progress = ui.progress(&format!(
            "checking {} on GitHub",
            ui::count(jobs.len(), "document", "documents")
        ));
        trusted(&mut client, &mut settings)?;
        let outcome = remind::run_with(&mut client, &jobs, &settings);
        drop(progress);
        let calls = client
            .calls()
            .into_iter()
            .map(|(m, p)| format!("{m} {p}"))
            .collect();
        (outcome, calls)
    };
    let Outcome {
        done,
        warnings,
        checked,
        mut failed,
    } = outcome;
    for w in &warnings {
        ui.warning(&ui::one_line(w));
    }
    match args.format {
        Format::Json => ui.json(&serde_json::json!({
            "done": done,
            "calls": calls,
            "dry_run": args.dry_run,
            "checked": checked,
            "warnings": warnings,
            "failed": failed.iter().map(|(p, e)| serde_json::json!({"path": p, "error": e.to_string()})).collect::<Vec<_>>(),
        })),
        Format::Text => {
            if args.dry_run {
                let repo = if unknown_repo {
                    " (no repository known: set GITHUB_REPOSITORY=owner/name or add an `origin` remote on GitHub)".to_string()
                } else {
                    env.repo.as_ref().map_or(String::new(), |r| format!(" for {r}"))
                };
                ui.line(&format!(
                    "dry run{repo}: {} would be made",
                    remind::count(calls.len() as i64, "write call", "write calls")
                ));
                for (i, c) in calls.iter().enumerate() {
                    ui.line(&format!("  {}", ui::one_line(c)));
                    // The body it would post, as GitHub would show it, indented.
                    if let Some(body) = bodies.get(i).and_then(Option::as_deref) {
                        for l in ui::sanitize(&remind::show(body)).lines() {
                            ui.line(format!("      {l}").trim_end());
                        }
                    }
                }
            } else {
                for c in &calls {
                    ui.detail(&format!("  {}", ui::one_line(c)));
                }
            }
            for line in per_document(&checked, &done, &failed, args.dry_run) {
                ui.line(&line);
            }
            if !args.dry_run && done.is_empty() && failed.is_empty() {
                ui.line("nothing to do: every issue and pull request is up to date");
            }
        }
    }
    if !args.dry_run {
        write_summary(&checked, &done, &warnings, &failed)?;
    }
    // Every failure is printed; the last is the run's error (and its exit code).
    let Some((last_path, last)) = failed.pop() else {
        return Ok(crate::exit::OK);
    };
    for (path, e) in &failed {
        ui.error(&with_path(path, e, e.to_string()));
    }
    let message = if failed.is_empty() {
        last.to_string()
    } else {
        format!("{} documents failed; the last: {last}", failed.len() + 1)
    };
    Err(with_path(&last_path, &last, message))
}

/// One line per document: what the run found and what it did (or, with a dry run, would
/// do), e.g. `docs/db.md: due in 5 days: opened issue #12 URL`,
/// `docs/db.md: ok, next review in 30 days`.
fn per_document(
    checked: &[remind::Checked],
    done: &[remind::Done],
    failed: &[(String, crate::Error)],
    dry_run: bool,
) -> Vec<String> {
    checked
        .iter()
        .map(|c| {
            let mut did: Vec<String> = done
                .iter()
                .filter(|d| d.path == c.path)
                .map(|d| {
                    let what = if dry_run {
                        would(&d.what)
                    } else {
                        d.what.clone()
                    };
                    match d.url.as_deref().filter(|_| !dry_run) {
                        Some(u) => format!("{what} {u}"),
                        None => what,
                    }
                })
                .collect();
            if did.is_empty() {
                let num =
                    |n: Option<u64>, what: &str| n.map(|n| format!("{what} #{n} is up to date"));
                did.extend(num(c.issue, "issue"));
                did.extend(num(c.pull, "pull request"));
            }
            did.extend(c.note.clone());
            if failed.iter().any(|(p, _)| *p == c.path) {
                did.push("failed (the error follows)".into());
            }
            let found = remind::found(&c.state, c.days_left);
            let line = if did.is_empty() {
                format!("{}: {found}", c.path)
            } else {
                format!("{}: {found}: {}", c.path, did.join("; "))
            };
            ui::one_line(&line)
        })
        .collect()
}

/// `opened issue #(new)` → `would open issue #(new)`.
fn would(what: &str) -> String {
    let (verb, rest) = what.split_once(' ').unwrap_or((what, ""));
    let verb = match verb {
        "opened" => "open",
        "closed" => "close",
        "reopened" => "reopen",
        "updated" => "update",
        "labelled" => "label",
        "escalated" => "escalate",
        "committed" => "commit",
        other => return format!("would: {other} {rest}").trim_end().to_string(),
    };
    format!("would {verb} {rest}").trim_end().to_string()
}

/// `e`'s kind (and so its exit code) with `message` about the document at `path`.
fn with_path(path: &str, e: &crate::Error, message: String) -> crate::Error {
    let message = format!("{path}: {message}");
    match e {
        crate::Error::Remote { status, .. } => crate::Error::Remote {
            status: *status,
            message,
        },
        crate::Error::Usage(_) => crate::Error::Usage(message),
        crate::Error::Internal(_) => crate::Error::Internal(message),
        _ => crate::Error::Config(message),
    }
}

/// Appends what the run checked and did to `$GITHUB_STEP_SUMMARY` (when set).
fn write_summary(
    checked: &[remind::Checked],
    done: &[remind::Done],
    warnings: &[String],
    failed: &[(String, crate::Error)],
) -> Result<()> {
    use std::io::Write as _;
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let cell = |t: &str| crate::doc::table::escape_cell(t, 200);
    let mut md = String::from("## dbarch remind\n\n| document | state | issue | pull request | note |\n|---|---|---|---|---|\n");
    for c in checked {
        let num = |n: Option<u64>| n.map_or("-".to_string(), |n| format!("#{n}"));
        md.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            cell(&c.path),
            c.state,
            num(c.issue),
            num(c.pull),
            cell(c.note.as_deref().unwrap_or(""))
        ));
    }
    md.push('\n');
    if done.is_empty() && failed.is_empty() {
        md.push_str("Nothing to do: every issue and pull request is up to date.\n");
    }
    for d in done {
        md.push_str(&format!("- `{}`: {}\n", cell(&d.path), cell(&d.what)));
    }
    for w in warnings {
        md.push_str(&format!("- warning: {}\n", cell(w)));
    }
    for (p, e) in failed {
        md.push_str(&format!(
            "- failed: `{}`: {}\n",
            cell(p),
            cell(&e.to_string())
        ));
    }
    md.push('\n');
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| crate::Error::io(&path, e))?;
    f.write_all(md.as_bytes())
        .map_err(|e| crate::Error::io(&path, e))
}

/// Everything the reminder needs to know about one document.
fn job(
    ws: &Workspace,
    d: &ManagedDoc,
    modes: Modes,
    changelog_pr: bool,
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
    let document = doc::load(&d.abs, &labels)?;
    // With no review on record (no Review row) the changes go back to the start: Last
    // Updated, which the hook moves forward, is no review.
    let never_reviewed = changelog::last_review(&document).is_none();
    let since = if never_reviewed { None } else { st.last_review };
    let changes = match &compared {
        Some(compared) => review::changes_since(compared, since)
            .into_iter()
            .map(|(c, _)| c)
            .collect(),
        None => Vec::new(),
    };
    let schema = crate::schema::report::issue_markdown(ws, d);
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
    // Once the review pull request is approved, the record names the approvers and the
    // date of the latest approval (in the configured time zone; `commit`: the offset of
    // "now"), not the requested reviewers and the day the branch was built.
    let approved = review_text.as_ref().map(|_| {
        let (document, settings, abs) = (document.clone(), d.settings.clone(), d.abs.clone());
        let (tz, offset) = (ws.config.changelog.timezone, *ws.now.offset());
        let max_cell = ws.config.changelog.max_cell_width;
        remind::Rebuild(std::sync::Arc::new(move |who: &str, at: &str| {
            let at =
                chrono::DateTime::parse_from_rfc3339(at).map_err(|e| crate::Error::Remote {
                    status: None,
                    message: format!("GitHub: a review's submitted_at `{at}` is not a date: {e}"),
                })?;
            let date = match &tz {
                crate::config::Timezone::Named(z) => at.with_timezone(z).date_naive(),
                _ => at.with_timezone(&offset).date_naive(),
            };
            review::record(&document, &settings, who, date, max_cell)
                .map_err(|e| e.into_error(&abs))
        }))
    });
    let (sync_text, sync_rows) = match compared
        .as_ref()
        .filter(|_| changelog_pr && !st.unrecorded.is_empty())
    {
        Some(compared) => {
            let r = sync_one_from(ws, d, compared)?;
            (r.new.filter(|_| !r.rows.is_empty()), r.rows.len())
        }
        None => (None, 0),
    };
    let _ = changelog::short; // rows are counted above; ids appear in the pull request diff
    Ok(DocJob {
        status: st,
        changes,
        never_reviewed,
        schema,
        reviewers: d.settings.reviewers.clone(),
        review_text,
        sync_text,
        sync_rows,
        checkout: Some(std::fs::read(&d.abs).map_err(|e| crate::Error::io(&d.abs, e))?),
        approved,
    })
}
