//! `dbarch sync --staged [-m MESSAGE]`: what the post-commit hook will write for the
//! staged change if it is committed now — the row(s) and the Last Updated change. The
//! decisions and the rows are the hook's own ([`crate::hook::preview`]); nothing is
//! written. Exit 0 whether or not the commit would get a row.
//!
//! Text: one line per document (`docs/db.md: 1 row, Last Updated 2026-11-20 →
//! 2026-11-26`) with each row as it will be written, or one line saying why the commit
//! gets none. `--format json`: `{"documents": [{"path", "rows": [{"date", "change",
//! "author", "impact"}], "lines", "last_updated": {"old", "new"}}], "nothing": why or
//! null, "mode", "hook_installed"}`.
use serde::Serialize;

use crate::cli::{Format, Global, SyncArgs};
use crate::config::{HookMode, Overrides};
use crate::hook::install;
use crate::hook::{self, HookKind, Outcome, PreviewDoc, Staged, PLACEHOLDER_SUBJECT};
use crate::ui::{self, Ui};
use crate::workspace::Workspace;
use crate::Result;

#[derive(Serialize)]
struct Report<'a> {
    documents: &'a [PreviewDoc],
    nothing: Option<&'a str>,
    mode: &'static str,
    hook_installed: bool,
}

pub fn run(ui: &mut Ui, global: &Global, args: SyncArgs) -> Result<u8> {
    let env = |k: &str| std::env::var(k).ok();
    let staged = Staged {
        message: args.message.clone(),
    };
    let outcome = hook::preview(global, &env, &staged)?;
    let ws = Workspace::open(global, &Overrides::default())?;
    let mode = ws.config.hook.mode;
    let installed = ws
        .repo
        .as_ref()
        .and_then(|r| install::status(HookKind::PostCommit, r).ok())
        .is_some_and(|s| s.installed());
    let wanted: Vec<String> = args
        .docs
        .iter()
        .map(|d| d.trim_start_matches("./").replace('\\', "/"))
        .collect();
    // The placeholder is not what will be written: show it as typed, not cell-escaped.
    let escaped = crate::doc::table::escape_cell(PLACEHOLDER_SUBJECT, 0);
    let unescape = |mut d: PreviewDoc| {
        if args.message.is_none() {
            for l in &mut d.lines {
                *l = l.replace(&escaped, PLACEHOLDER_SUBJECT);
            }
        }
        d
    };
    let (docs, nothing) = match outcome {
        Outcome::Preview(docs) => (
            docs.into_iter()
                .filter(|d| wanted.is_empty() || wanted.contains(&d.path))
                .map(unescape)
                .collect::<Vec<_>>(),
            None,
        ),
        Outcome::Nothing(why) => (Vec::new(), Some(why)),
        _ => (Vec::new(), Some("nothing to preview".to_string())),
    };
    let nothing = match (&nothing, docs.is_empty()) {
        (None, true) => Some("the staged change touches none of the documents named".into()),
        _ => nothing,
    };
    let mode_name = match mode {
        HookMode::Amend => "amend",
        HookMode::Worktree => "worktree",
        HookMode::Off => "off",
    };
    if args.format == Format::Json {
        ui.json(&Report {
            documents: &docs,
            nothing: nothing.as_deref(),
            mode: mode_name,
            hook_installed: installed,
        });
        return Ok(crate::exit::OK);
    }
    if let Some(why) = &nothing {
        ui.line(&ui::sanitize(&format!(
            "the next commit gets no Change Log row: {why}"
        )));
        return Ok(crate::exit::OK);
    }
    for d in &docs {
        let mut what = vec![format!(
            "{} row{}",
            d.rows.len(),
            if d.rows.len() == 1 { "" } else { "s" }
        )];
        if d.last_updated.old != d.last_updated.new {
            what.push(format!(
                "Last Updated {} → {}",
                d.last_updated.old.as_deref().unwrap_or("-"),
                d.last_updated.new.as_deref().unwrap_or("-")
            ));
        }
        ui.line(&ui::sanitize(&format!("{}: {}", d.path, what.join(", "))));
        for l in d.lines.iter().filter(|l| l.trim_start().starts_with('|')) {
            ui.line(&format!("  + {}", ui::one_line(l)));
        }
    }
    let mut notes = vec!["a preview: nothing written".to_string()];
    if args.message.is_none() {
        notes.push(format!(
            "{PLACEHOLDER_SUBJECT} is your commit's subject (give it with -m to see it)"
        ));
    }
    notes.push(match (installed, mode) {
        (false, _) => "the post-commit hook is not installed (`dbarch hooks install`); \
                       without it `dbarch sync` writes these rows later"
            .to_string(),
        (true, HookMode::Worktree) => "[hook] mode is worktree: the hook writes the row to \
                                       the working tree, for a later commit"
            .to_string(),
        (true, _) => "the hook adds this to the commit itself".to_string(),
    });
    for n in notes {
        ui.status(&format!("note: {n}"));
    }
    Ok(crate::exit::OK)
}
