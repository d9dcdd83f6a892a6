//! `dbarch init [--path P] [--force] [--reviewer R]`: writes the project's copy of the
//! document template and a commented `dbarch.toml`.
//!
//! The document is the embedded template with its header filled in by the document
//! engine (an edit of three value spans), so every other byte stays as in the template.
//! The shipped template ends with one newline (the user's seed had none, and every editor
//! adds one on the first save, which would make a first diff of its own):
//!
//! - Last Updated = today ([`Workspace::today`], so `DBARCH_NOW` applies), ISO 8601;
//! - Next Review = today + the document's `review-every` (from the configuration in
//!   effect when `init` runs: an existing `dbarch.toml`, then `DBARCH_*`);
//! - Reviewed By = `--reviewer`, else the configured reviewers joined with `, `, else
//!   the template's `[TEAM]` stays.
//!
//! Decisions:
//! - The document is checked first: when it exists and `--force` is not given, the
//!   command fails (exit 2) before anything is written.
//! - An existing `dbarch.toml` is kept without `--force` (a note, not an error): it may
//!   hold settings the user wants. When it is kept but has `[[docs]]` entries none of
//!   which covers the new document, a warning says so.
//! - A freshly written `dbarch.toml` is parsed back before anything is written, so a path
//!   that cannot be configured is refused up front. A path with glob characters
//!   (`*?[]{}`) is refused when `dbarch.toml` is written: the file would read it as a
//!   glob, which means something else.
//! - With configured header labels (`[fields]`) that differ from the template's, the
//!   template's labels are renamed first, so the document matches its configuration.
//! - No lock is taken: `init` only creates files, and each write is atomic.
//! - `--hook` also installs the git post-commit hook (as `dbarch hooks install`), after
//!   the files are written; outside a git repository it fails before writing anything.
//! - `--reviewer` is reduced to one line (escapes and line breaks removed) so it cannot
//!   break the header; a blank value counts as not given.
use crate::cli::InitArgs;
use crate::config::{self, Config};
use crate::doc::{Document, Edit, FieldKind, Labels};
use crate::fsutil;
use crate::hook::install::{self, Line};
use crate::hook::HookKind;
use crate::ui::{self, Ui};
use crate::workspace::Workspace;
use crate::{Error, Result};

/// The document template, as shipped.
pub const TEMPLATE: &str = include_str!("../templates/database-architecture.md");

/// The line of [`config::TEMPLATE`] that names the document.
const PATH_LINE: &str = "path = \"docs/database-architecture.md\"";

pub fn run(ui: &mut Ui, ws: &Workspace, args: InitArgs) -> Result<u8> {
    let rel = normalize(&args.path);
    let abs = crate::fsutil::safe_doc_path(&ws.root, &rel)?;
    if abs.is_dir() {
        return Err(Error::Usage(format!(
            "{rel} is a directory; give --path a file name such as {}",
            config::DEFAULT_DOC_PATH
        )));
    }
    if abs.exists() && !args.force {
        return Err(Error::Usage(format!(
            "{rel} already exists; nothing was written (use --force to overwrite it)"
        )));
    }

    // `--hook` needs a repository; refuse before anything is written.
    let hook_repo = if args.hook { Some(ws.repo()?) } else { None };

    let doc_text = render_document(ws, &rel, args.reviewer.as_deref())?;

    let toml_path = ws.root.join(config::FILE_NAME);
    let write_toml = args.force || !toml_path.exists();
    let toml_text = if write_toml {
        Some(render_config(&rel)?)
    } else {
        None
    };

    fsutil::write_new(&abs, doc_text.as_bytes(), args.force)?;
    ui.line(&format!("wrote {}", ui::sanitize(&rel)));
    match toml_text {
        Some(text) => {
            fsutil::write_new(&toml_path, text.as_bytes(), true)?;
            ui.line(&format!("wrote {}", config::FILE_NAME));
        }
        None => {
            ui.line(&format!(
                "kept {} (it already exists; --force overwrites it)",
                config::FILE_NAME
            ));
            if ws.config.docs_explicit && !covers(&ws.config, &rel) {
                ui.warning(&format!(
                    "{} has no [[docs]] entry for {}; add one so dbarch looks after it",
                    config::FILE_NAME,
                    ui::sanitize(&rel)
                ));
            }
        }
    }
    if let Some(repo) = hook_repo {
        // As `dbarch hooks install`, with the document just written registered too.
        let global = crate::cli::Global {
            repo: ws.root.clone(),
            config: None,
            verbose: false,
            color: crate::cli::ColorChoice::Never,
        };
        let docs = install::documents(&global, std::slice::from_ref(&rel));
        let bin = install::this_binary();
        for kind in HookKind::ALL {
            let r = install::install(kind, repo, bin.as_deref(), &docs)?;
            for line in r.lines(repo.workdir().ok()) {
                match line {
                    Line::Say(s) => ui.line(&ui::sanitize(&s)),
                    Line::Detail(s) => ui.detail(&ui::sanitize(&s)),
                }
            }
        }
    }
    next_steps(ui, ws, &rel);
    Ok(crate::exit::OK)
}

/// `./docs/x.md` → `docs/x.md`, `\` → `/`.
fn normalize(p: &str) -> String {
    let mut s = p.trim().replace('\\', "/");
    while let Some(rest) = s.strip_prefix("./") {
        s = rest.to_string();
    }
    s
}

/// Whether a `[[docs]]` entry of `config` names or matches `rel`.
fn covers(config: &Config, rel: &str) -> bool {
    config.docs.iter().any(|d| d.matches(rel))
}

/// The template with its header filled in.
fn render_document(ws: &Workspace, rel: &str, reviewer: Option<&str>) -> Result<String> {
    let labels = ws.labels();
    let internal = |what: &str, e: crate::doc::DocError| {
        Error::Internal(format!(
            "the document template {what}: {}:{}: {}",
            e.line, e.col, e.msg
        ))
    };
    let doc = if labels == Labels::default() {
        Document::parse_str(TEMPLATE, &labels).map_err(|e| internal("does not parse", e))?
    } else {
        let (text, _) = relabel(&labels)?;
        Document::parse_str(&text, &labels).map_err(|e| internal("does not parse", e))?
    };

    let settings = ws.config.doc_settings(rel);
    let today = ws.today();
    let next = settings.review_every.add_to(today);
    let reviewed_by = reviewer
        .map(ui::one_line)
        .filter(|r| !r.is_empty())
        .or_else(|| {
            let joined = settings
                .reviewers
                .iter()
                .map(|r| ui::one_line(r))
                .filter(|r| !r.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            (!joined.is_empty()).then_some(joined)
        });

    let mut values = vec![
        (
            FieldKind::LastUpdated,
            doc.format_date(FieldKind::LastUpdated, today, None),
        ),
        (
            FieldKind::NextReview,
            doc.format_date(FieldKind::NextReview, next, None),
        ),
    ];
    if let Some(r) = &reviewed_by {
        values.push((FieldKind::ReviewedBy, r.clone()));
    }
    let edits = doc.set_fields(&values);
    let (text, new) = doc
        .apply(&edits)
        .map_err(|e| Error::Usage(format!("cannot fill in the document header: {}", e.msg)))?;
    // The engine re-parsed the result; make sure the header says what we meant.
    for (kind, value) in &values {
        let found = new.field(*kind).map(|f| f.raw.as_str());
        if found != Some(value.as_str()) {
            return Err(Error::Usage(format!(
                "cannot fill in the document header: {} would read {:?}, not {value:?}; \
                 check [fields] in {} and --reviewer",
                labels.get(*kind),
                found.unwrap_or("(missing)"),
                config::FILE_NAME
            )));
        }
    }
    Ok(text)
}

/// The template with its header labels renamed to `labels`.
fn relabel(labels: &Labels) -> Result<(String, Document)> {
    let default = Labels::default();
    let doc = Document::parse_str(TEMPLATE, &default)
        .map_err(|e| Error::Internal(format!("the document template does not parse: {}", e.msg)))?;
    let mut edits = Vec::new();
    for f in &doc.fields {
        let line = doc.text.lines[f.line];
        let old = default.get(f.kind);
        let new = labels.get(f.kind);
        let Some(at) = doc.text.src[line.start..line.end].find(&format!("**{old}")) else {
            continue;
        };
        let start = line.start + at + 2;
        edits.push(Edit {
            range: start..start + old.len(),
            text: new.to_string(),
        });
    }
    doc.apply(&edits).map_err(|e| {
        Error::Config(format!(
            "the header labels in [fields] of {} do not fit the template: {}",
            config::FILE_NAME,
            e.msg
        ))
    })
}

/// [`config::TEMPLATE`] with the document path set to `rel`; parsed back to make sure it
/// loads and configures `rel`.
fn render_config(rel: &str) -> Result<String> {
    if rel.contains(['*', '?', '[', ']', '{', '}']) {
        return Err(Error::Usage(format!(
            "--path {rel}: {} would read `*`, `?`, `[` or `{{` as a glob; choose a file name \
             without them",
            config::FILE_NAME
        )));
    }
    if !config::TEMPLATE.lines().any(|l| l == PATH_LINE) {
        return Err(Error::Internal(
            "the dbarch.toml template has no document path line".into(),
        ));
    }
    let text = if rel == config::DEFAULT_DOC_PATH {
        config::TEMPLATE.to_string()
    } else {
        let quoted = toml::Value::String(rel.to_string()).to_string();
        config::TEMPLATE.replacen(PATH_LINE, &format!("path = {quoted}"), 1)
    };
    let parsed = Config::parse_str(&text, config::FILE_NAME).map_err(|e| {
        Error::Usage(format!(
            "--path {rel}: cannot be written to {}: {e}",
            config::FILE_NAME
        ))
    })?;
    if !covers(&parsed, rel) {
        return Err(Error::Internal(format!(
            "the generated {} does not configure {rel}",
            config::FILE_NAME
        )));
    }
    Ok(text)
}

/// `rel` (from the repository root) as a path that works from the directory the command
/// was started in: `../../docs/x.md` from `src/deep`; the absolute path when that directory
/// is outside the repository.
fn from_cwd(ws: &Workspace, rel: &str) -> String {
    let root = ws.root.canonicalize().unwrap_or_else(|_| ws.root.clone());
    let Some(below) = std::env::current_dir()
        .ok()
        .and_then(|c| c.canonicalize().ok())
        .and_then(|c| c.strip_prefix(&root).ok().map(|p| p.to_path_buf()))
    else {
        return ws.root.join(rel).display().to_string();
    };
    let ups = below.components().count();
    format!("{}{rel}", "../".repeat(ups))
}

fn next_steps(ui: &mut Ui, ws: &Workspace, rel: &str) {
    let shown = ui::sanitize(&from_cwd(ws, rel));
    let toml = ui::sanitize(&from_cwd(ws, config::FILE_NAME));
    let rel = ui::sanitize(rel);
    ui.line("");
    ui.line(&ui.bold("Next steps:"));
    ui.line(&format!(
        "  1. Fill in the [PLACEHOLDERS] in {rel} (`dbarch lint` lists them by section)."
    ));
    ui.line("  2. Run `dbarch lint` until it reports 0 findings.");
    if ws.repo.is_some() {
        ui.line(&format!(
            "  3. Commit: git add {shown} {toml} && git commit"
        ));
    } else {
        ui.line(
            "  3. Commit both files to a git repository (`git init` first): dbarch reads \
             the document's history for the Change Log.",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_has_the_header_and_one_final_newline() {
        let doc = Document::parse_str(TEMPLATE, &Labels::default()).unwrap();
        assert_eq!(doc.fields.len(), 3);
        assert!(TEMPLATE.ends_with(")\n") && !TEMPLATE.ends_with("\n\n"));
    }

    #[test]
    fn config_path_line_is_replaced_and_loads() {
        let text = render_config("docs/db.md").unwrap();
        assert!(text.contains("path = \"docs/db.md\"\n"));
        assert!(!text.contains(PATH_LINE));
        assert_eq!(
            render_config(config::DEFAULT_DOC_PATH).unwrap(),
            config::TEMPLATE
        );
        assert!(render_config("docs/*.md").is_err());
        assert!(render_config("docs/db[1].md").is_err());
    }

    #[test]
    fn relabel_renames_only_the_labels() {
        let labels = Labels {
            last_updated: "Updated".into(),
            reviewed_by: "Owners".into(),
            next_review: "Review Due".into(),
        };
        let (text, _) = relabel(&labels).unwrap();
        let doc = Document::parse_str(&text, &labels).unwrap();
        assert_eq!(doc.fields.len(), 3);
        assert!(text.contains("**Updated:** [DATE]  \n**Owners:** [TEAM]  \n"));
        assert_eq!(
            text.len() + "Last Updated".len() + "Reviewed By".len() + "Next Review".len(),
            TEMPLATE.len() + "Updated".len() + "Owners".len() + "Review Due".len()
        );
    }
}
