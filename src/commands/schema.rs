//! `dbarch schema [DOCS...] [--format text|json] [--check]`: the schema inventory the
//! migrations build (each object with the migration and commit that made it, and where
//! the document mentions it), what changed since the document's last review, and the
//! findings per section (see [`crate::schema`]).
//!
//! Reads the committed migrations (HEAD), not the working tree: a migration counts once
//! it is committed, as it does for the review history. Exit 1 with `--check` when there
//! are findings; 2 without a repository.
use serde::Serialize;

use crate::cli::{Format, SchemaArgs};
use crate::config::SchemaConfig;
use crate::doc;
use crate::schema::{self, Detail, Kind, SchemaReport};
use crate::ui::{self, Ui};
use crate::workspace::Workspace;
use crate::Result;

/// `--format json`: `{"documents": [{"path", "schema": null | {...}}], "findings": N}`;
/// `schema` is [`SchemaReport`] (with `objects` and `dropped`), `null` when no
/// migration file was found.
#[derive(Serialize)]
struct Report {
    documents: Vec<DocSchema>,
    findings: usize,
}

#[derive(Serialize)]
struct DocSchema {
    path: String,
    schema: Option<SchemaReport>,
}

pub fn run(ui: &mut Ui, ws: &Workspace, args: SchemaArgs) -> Result<u8> {
    let repo = ws.repo()?;
    let docs = ws.documents(&args.docs)?;
    let mut out = Report {
        documents: Vec::new(),
        findings: 0,
    };
    let mut cfgs = Vec::new();
    for d in &docs {
        let document = doc::load(&d.abs, &ws.labels())?;
        let cfg = ws.config.schema_for(&d.settings);
        let since = schema::report::last_review(ws, d, &document);
        let r = schema::analyze(
            repo,
            &cfg,
            &document,
            since,
            Detail {
                commits: true,
                objects: true,
            },
        )?;
        out.findings += r.as_ref().map_or(0, |r| r.findings.len());
        out.documents.push(DocSchema {
            path: d.rel.clone(),
            schema: r,
        });
        cfgs.push(cfg);
    }
    match args.format {
        Format::Json => ui.json(&out),
        Format::Text => {
            for (d, cfg) in out.documents.iter().zip(&cfgs) {
                print_text(ui, &d.path, d.schema.as_ref(), cfg);
            }
        }
    }
    Ok(if args.check && out.findings > 0 {
        crate::exit::FINDINGS
    } else {
        crate::exit::OK
    })
}

fn print_text(ui: &mut Ui, path: &str, r: Option<&SchemaReport>, cfg: &SchemaConfig) {
    let path = ui::sanitize(path);
    let Some(r) = r else {
        ui.line(&format!(
            "{path}: no migration files found (looked for {})",
            cfg.migrations.join(", ")
        ));
        return;
    };
    ui.line(&ui.bold(&format!(
        "{path}: {} migration file{}, {} statement{}, {} object{}",
        r.migrations,
        plural(r.migrations),
        r.statements,
        plural(r.statements),
        r.objects.len(),
        plural(r.objects.len())
    )));
    let mut last_kind = None;
    for o in r.objects.iter().filter(|o| o.object.kind != Kind::Column) {
        if last_kind != Some(o.object.kind) {
            ui.line(&format!("{}:", o.object.kind.as_str()));
            last_kind = Some(o.object.kind);
        }
        let commit = o
            .commit
            .as_ref()
            .map_or(String::new(), |c| format!(" ({})", c.commit));
        let where_ = match o.mentions.first() {
            Some(m) => format!("described in {} (line {})", m.path, m.line),
            None => ui.yellow("not mentioned"),
        };
        let mut line = format!(
            "  {}  {}{commit}  {where_}",
            ui::one_line(&o.object.name),
            o.object.created
        );
        if o.object.kind == Kind::Table {
            let prefix = format!("{}.", o.object.name.to_lowercase());
            let cols: Vec<&str> = r
                .objects
                .iter()
                .filter(|c| {
                    c.object.kind == Kind::Column
                        && c.object.name.to_lowercase().starts_with(&prefix)
                })
                .map(|c| &c.object.name[prefix.len()..])
                .collect();
            if !cols.is_empty() {
                line.push_str(&format!(
                    "\n      columns: {}",
                    ui::one_line(&cols.join(", "))
                ));
            }
        }
        ui.line(&line);
    }
    match r.since {
        Some(d) => ui.line(&ui.bold(&format!(
            "Since the last review ({d}{}):",
            r.base
                .as_ref()
                .map_or(String::new(), |b| format!(", commit {b}"))
        ))),
        None => ui.line(&ui.bold("Since the beginning (no review recorded):")),
    }
    if r.changes.is_empty() {
        ui.line("  no schema changes");
    }
    for c in &r.changes {
        let name = match &c.renamed_to {
            Some(n) => format!("{} -> {}", c.name, n),
            None => c.name.clone(),
        };
        let at =
            c.at.as_ref()
                .map_or("(migration removed)".to_string(), |a| a.to_string());
        let commit = c.commit.as_ref().map_or(String::new(), |c| {
            format!(" {} {}", c.commit, ui::one_line(&c.subject))
        });
        ui.line(&format!(
            "  {} {} {}  {at}{commit}",
            c.change.as_str(),
            c.kind.as_str(),
            ui::one_line(&name)
        ));
    }
    if r.findings.is_empty() {
        ui.line(&ui.green("No schema findings."));
    } else {
        ui.line(&ui.bold(&format!(
            "{} schema finding{}:",
            r.findings.len(),
            plural(r.findings.len())
        )));
        for (section, fs) in r.by_section() {
            ui.line(&format!("  {}:", ui::one_line(&section)));
            for f in fs {
                ui.line(&format!("    - {}", ui::one_line(&f.message)));
            }
        }
    }
    for s in &r.skipped {
        ui.line(&format!(
            "{}:{}: skipped, cannot parse: {}",
            ui::sanitize(&s.file),
            s.line,
            ui::one_line(&s.error)
        ));
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
