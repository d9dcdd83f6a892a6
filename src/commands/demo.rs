//! `dbarch demo`: builds a throwaway repository with a realistic history of a database
//! architecture document — several authors, a `.mailmap`, co-authors, a rename, a
//! branch merged back, a bot commit — then runs the main job there and shows each step.
//! The repository is kept so it can be inspected.
use std::path::{Path, PathBuf};

use crate::git::write::Stamp;
use crate::git::{Oid, Repo};
use clap::Parser;

use crate::cli::{Cli, DemoArgs};
use crate::ui::{self, Ui};
use crate::{Error, Result};

const TEMPLATE: &str = include_str!("../templates/database-architecture.md");

/// One scripted commit: who, when (seconds since the epoch, offset in minutes), what.
struct Step<'a> {
    name: &'a str,
    email: &'a str,
    time: i64,
    offset: i32,
    message: &'a str,
}

pub fn run(ui: &mut Ui, args: DemoArgs) -> Result<u8> {
    let dir = match args.dir {
        Some(d) => {
            if d.exists()
                && std::fs::read_dir(&d)
                    .map_err(|e| Error::io(&d, e))?
                    .next()
                    .is_some()
            {
                return Err(Error::Usage(format!(
                    "{}: not empty; give an empty or new directory",
                    d.display()
                )));
            }
            std::fs::create_dir_all(&d).map_err(|e| Error::io(&d, e))?;
            d
        }
        None => tempfile::Builder::new()
            .prefix("dbarch-demo-")
            .tempdir()
            .map_err(|e| Error::io(std::env::temp_dir(), e))?
            .keep(),
    };
    ui.line(&ui.bold(&format!(
        "dbarch demo — a throwaway repository at {}",
        dir.display()
    )));
    ui.line("");
    build_history(ui, &dir)?;
    let dir_s = dir.to_string_lossy().to_string();
    for (title, argv) in [
        (
            "1. What is out of date? (sync --check)",
            vec!["sync", "--check"],
        ),
        (
            "2. Write the Change Log rows and Last Updated (sync)",
            vec!["sync"],
        ),
        (
            "3. Run it again: nothing changes (sync is idempotent)",
            vec!["sync"],
        ),
        (
            "4. What is still unfilled? (lint, first lines)",
            vec!["lint"],
        ),
        (
            "5. Where does the review cycle stand? (status)",
            vec!["status"],
        ),
        (
            "5b. What did the migrations make of the schema since the last review? (schema)",
            vec!["schema"],
        ),
        (
            "6. Record a review without prompts (review --yes)",
            vec!["review", "--yes", "--reviewer", "Ana Lima"],
        ),
        ("7. And now (status)", vec!["status"]),
    ] {
        ui.line(&ui.bold(&format!("── {title}")));
        ui.line(&format!("$ dbarch {}", argv.join(" ")));
        let mut full = vec!["dbarch", "-C", &dir_s];
        full.extend(argv.iter().copied());
        let cli = Cli::try_parse_from(full).map_err(|e| Error::Internal(e.to_string()))?;
        let code = if title.starts_with("4.") {
            let mut buf = Ui::new(
                Box::new(std::io::sink()),
                Box::new(std::io::sink()),
                crate::cli::ColorChoice::Never,
                false,
            );
            let code = super::run(&mut buf, cli)?;
            drop(buf);
            ui.line(&lint_summary(&dir)?);
            code
        } else {
            super::run(ui, cli)?
        };
        if title.starts_with("5b.") {
            demo_issue_section(ui, &dir_s)?;
        }
        ui.line(&ui.dim(&format!("(exit code {code})")));
        ui.line("");
    }
    ui.line(&ui.bold("── The Change Log now reads"));
    let doc = std::fs::read_to_string(dir.join("docs/database-architecture.md"))
        .map_err(|e| Error::io(&dir, e))?;
    if let Some(i) = doc.find("## Change Log") {
        let end = doc[i..]
            .find("\n## References")
            .map_or(doc.len(), |e| i + e);
        ui.line(doc[i..end].trim_end());
    }
    ui.line("");
    ui.line(&format!(
        "Inspect it: cd {} && git log --stat --follow docs/database-architecture.md",
        dir.display()
    ));
    Ok(crate::exit::OK)
}

fn lint_summary(dir: &Path) -> Result<String> {
    let labels = crate::doc::Labels::default();
    let doc = crate::doc::load(&dir.join("docs/database-architecture.md"), &labels)?;
    let groups = doc.placeholders_by_section();
    let mut lines: Vec<String> = groups
        .iter()
        .take(4)
        .map(|g| {
            format!(
                "  {}: {} of {} unfilled",
                g.section,
                g.unfilled,
                ui::count(g.lines, "line", "lines")
            )
        })
        .collect();
    let tokens: usize = groups.iter().map(|g| g.tokens.len()).sum();
    lines.push(format!(
        "  … {} in {} in all (`dbarch lint` lists each with its line)",
        ui::count(tokens, "placeholder", "placeholders"),
        ui::count(groups.len(), "section", "sections")
    ));
    Ok(lines.join("\n"))
}

fn build_history(ui: &mut Ui, dir: &Path) -> Result<()> {
    let repo = crate::git::write::init(
        dir,
        "refs/heads/main",
        "creating the demo repository",
        "naming the branch",
    )?;
    let old = "docs/db-architecture.md";
    let doc = "docs/database-architecture.md";
    let day = |d: i64| 1_780_272_000 + d * 86_400; // 2026-06-01 00:00 UTC + d days
    let fill = |text: &str, pairs: &[(&str, &str)]| {
        let mut t = text.to_string();
        for (a, b) in pairs {
            t = t.replacen(a, b, 1);
        }
        t
    };
    let say = |ui: &mut Ui, what: &str| ui.line(&format!("  {what}"));

    write(
        dir,
        ".mailmap",
        "Ana Lima <ana@acme.example> <ana.lima@old-laptop.local>\n",
    )?;
    write(dir, old, TEMPLATE)?;
    let c1 = commit(
        &repo,
        &[".mailmap", old],
        &[],
        &[],
        &Step {
            name: "ana",
            email: "ana.lima@old-laptop.local",
            time: day(0) + 9 * 3600,
            offset: 60,
            message: "docs: add database architecture template",
        },
    )?;
    say(
        ui,
        "ana.lima@old-laptop.local adds the template (a .mailmap maps her to Ana Lima)",
    );

    let v2 = fill(
        TEMPLATE,
        &[
            ("[DATABASE] [VERSION]", "PostgreSQL 16"),
            ("[CACHE] [VERSION]", "Redis 7"),
        ],
    );
    write(dir, old, &v2)?;
    let c2 = commit(&repo, &[old], &[], &[c1], &Step {
        name: "Bo Chen", email: "bo@acme.example", time: day(14) + 15 * 3600, offset: -300,
        message: "feat(db): choose PostgreSQL 16 and Redis 7\n\nCo-authored-by: Cy Diaz <cy@acme.example>\nCo-authored-by: Dee Okafor <dee@acme.example>\n",
    })?;
    say(
        ui,
        "Bo Chen fills the Technology Stack, with two co-authors",
    );

    std::fs::rename(dir.join(old), dir.join(doc)).map_err(|e| Error::io(dir, e))?;
    let c3 = commit(
        &repo,
        &[doc],
        &[old],
        &[c2],
        &Step {
            name: "Ana Lima",
            email: "ana@acme.example",
            time: day(31) + 10 * 3600,
            offset: 60,
            message: "Rename the architecture document",
        },
    )?;
    say(
        ui,
        "Ana Lima renames docs/db-architecture.md → docs/database-architecture.md",
    );

    let base = std::fs::read_to_string(dir.join(doc)).map_err(|e| Error::io(dir, e))?;
    let backup = [
        (
            "- **Full Backups:** [SCHEDULE]",
            "- **Full Backups:** nightly, 01:00 UTC",
        ),
        (
            "- **Point-in-Time Recovery:** [RETENTION_PERIOD]",
            "- **Point-in-Time Recovery:** 14 days of WAL",
        ),
    ];
    let indexes = [
        (
            "- **Primary Keys:** [STRATEGY]",
            "- **Primary Keys:** bigint identity",
        ),
        (
            "- **Foreign Keys:** [STRATEGY]",
            "- **Foreign Keys:** always indexed",
        ),
    ];
    write(dir, doc, &fill(&base, &backup))?;
    let branch = commit(
        &repo,
        &[doc],
        &[],
        &[c3],
        &Step {
            name: "Dee Okafor",
            email: "dee@acme.example",
            time: day(49) + 11 * 3600,
            offset: 0,
            message: "Define the backup strategy\n\nImpact: High\n",
        },
    )?;
    say(
        ui,
        "Dee Okafor defines backups on a branch (Impact: High trailer)",
    );

    write(dir, doc, &fill(&base, &indexes))?;
    let c5 = commit(
        &repo,
        &[doc],
        &[],
        &[c3],
        &Step {
            name: "Bo Chen",
            email: "bo@acme.example",
            time: day(51) + 16 * 3600,
            offset: -300,
            message: "docs: describe the indexing strategy",
        },
    )?;
    say(ui, "Bo Chen describes indexing on main meanwhile");

    write(dir, doc, &fill(&fill(&base, &backup), &indexes))?;
    let c6 = commit(
        &repo,
        &[doc],
        &[],
        &[c5, branch],
        &Step {
            name: "Ana Lima",
            email: "ana@acme.example",
            time: day(53) + 9 * 3600,
            offset: 60,
            message: "Merge branch 'backup-strategy'",
        },
    )?;
    say(
        ui,
        "Ana Lima merges the branch (no conflict: the merge gets no row)",
    );

    write(
        dir,
        "migrations/0001_init.sql",
        "create table account (id bigint primary key);\n",
    )?;
    let c7 = commit(
        &repo,
        &["migrations/0001_init.sql"],
        &[],
        &[c6],
        &Step {
            name: "Bo Chen",
            email: "bo@acme.example",
            time: day(55) + 9 * 3600,
            offset: -300,
            message: "Add the first migration",
        },
    )?;
    say(
        ui,
        "Bo Chen adds a migration (does not touch the document: no row)",
    );

    let now = std::fs::read_to_string(dir.join(doc)).map_err(|e| Error::io(dir, e))?;
    write(dir, doc, &now.replace("## Overview\n", "## Overview  \n"))?;
    let c8 = commit(
        &repo,
        &[doc],
        &[],
        &[c7],
        &Step {
            name: "docs-formatter[bot]",
            email: "bot@acme.example",
            time: day(56) + 9 * 3600,
            offset: 0,
            message: "style: normalise whitespace",
        },
    )?;
    say(ui, "a [bot] touches whitespace (skipped by rule)");
    write(
        dir,
        "migrations/0002_billing.sql",
        "create table invoices (\n  id bigint primary key,\n  account_id bigint not null references account (id),\n  total_cents bigint not null\n);\ncreate index idx_invoices_account on invoices (account_id);\n",
    )?;
    commit(
        &repo,
        &["migrations/0002_billing.sql"],
        &[],
        &[c8],
        &Step {
            name: "Cy Diaz",
            email: "cy@acme.example",
            time: day(58) + 11 * 3600,
            offset: 60,
            message: "feat(billing): invoices table",
        },
    )?;
    say(
        ui,
        "Cy Diaz adds a migration: table invoices and index idx_invoices_account (the document says nothing)",
    );
    write(
        dir,
        "dbarch.toml",
        "[[docs]]\npath = \"docs/database-architecture.md\"\nreview-every = \"quarterly\"\nreviewers = [\"@acme/dba-team\"]\n\n[docs.sections.\"Indexing Strategy\"]\npaths = [\"migrations/**\"]   # drift: schema changes after the last review\n",
    )?;
    say(
        ui,
        "dbarch.toml: quarterly reviews; Indexing Strategy watches migrations/**",
    );
    ui.line("");
    Ok(())
}

/// What the review issue (`dbarch remind`) will say of the schema.
fn demo_issue_section(ui: &mut Ui, dir: &str) -> Result<()> {
    let cli = Cli::try_parse_from(["dbarch", "-C", dir, "schema"])
        .map_err(|e| Error::Internal(e.to_string()))?;
    let ws = crate::workspace::Workspace::open(&cli.global, &crate::config::Overrides::default())?;
    let md = ws
        .documents(&[])?
        .first()
        .map(|d| crate::schema::report::issue_markdown(&ws, d))
        .unwrap_or_default();
    if !md.is_empty() {
        ui.line("");
        ui.line(&ui.bold("The review issue that `dbarch remind` opens carries this section:"));
        ui.line(md.trim_end());
    }
    Ok(())
}

fn write(dir: &Path, rel: &str, text: &str) -> Result<()> {
    let p: PathBuf = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    std::fs::write(&p, text).map_err(|e| Error::io(&p, e))
}

fn commit(repo: &Repo, add: &[&str], remove: &[&str], parents: &[Oid], s: &Step) -> Result<Oid> {
    let target = if s.message.starts_with("Define the backup") {
        "refs/heads/backup-strategy"
    } else {
        "HEAD"
    };
    let who = Stamp {
        name: s.name,
        email: s.email,
        time: s.time,
        offset_minutes: s.offset,
    };
    repo.commit_index(
        (add, remove),
        parents,
        who,
        s.message,
        target,
        "writing the demo history",
    )
}
