//! `dbarch adopt PATH`: bring an existing document under management. It adds the
//! header fields it lacks (Last Updated from history, Reviewed By, Next Review = today +
//! interval or `--next-review`, said in the output) and a Change Log backfilled from the document's whole history.
//! Existing fields and rows are kept as they are; a second run changes nothing.
use crate::changelog::{self, Settings};
use crate::cli::AdoptArgs;
use crate::doc::{self, FieldKind};
use crate::sync::write_checked;
use crate::ui::{self, Ui};
use crate::workspace::Workspace;
use crate::{Error, Result};

pub fn run(ui: &mut Ui, ws: &Workspace, args: AdoptArgs) -> Result<u8> {
    let repo = ws.repo()?;
    let d = ws.named_doc(&args.path)?;
    if !d.abs.is_file() {
        return Err(Error::Usage(format!("{}: no such document", d.rel)));
    }
    let _lock = if args.dry_run { None } else { Some(ws.lock()?) };
    let labels = ws.labels();
    let original = doc::load(&d.abs, &labels)?;
    let settings = Settings::new(&ws.root, &ws.config.changelog, &d.settings, &labels);
    // A refusal that depends only on the document (a code block never closed, where the
    // Change Log would go) comes before the history walk, and names the user's line.
    if original.table().is_none() {
        let probe = doc::NewRow {
            date: "2000-01-01".into(),
            change: "probe".into(),
            author: "probe".into(),
            impact: "Low".into(),
            commit: None,
        };
        original
            .add_rows(&[probe], settings.changelog.max_cell_width)
            .map_err(|e| e.into_error(&d.abs))?;
    }
    let progress = ui.progress(&format!("reading the history of {}", d.rel));
    // The whole history, from the walk every command uses (a repository is open, so
    // there is one).
    let compared = crate::status::compared(ws, &d)?
        .ok_or_else(|| Error::Internal("adopt: no history without a repository".into()))?;
    let plan = changelog::plan_from_history(repo, &d.rel, &original, &compared, &settings)?;
    drop(progress);
    // The header first, so the rows land in a document that already has it.
    let last = plan.last_updated.unwrap_or_else(|| ws.today());
    let reviewer = args
        .reviewer
        .clone()
        .or_else(|| (!d.settings.reviewers.is_empty()).then(|| d.settings.reviewers.join(", ")))
        .unwrap_or_else(|| "[TEAM]".to_string());
    // The review cycle starts at the adoption, not at the last change found in history
    // (which may be long past): today + interval, unless --next-review says otherwise.
    let (next, next_why) = match &args.next_review {
        Some(t) => (
            doc::date::parse(t)
                .filter(|d| !matches!(d.style, doc::DateStyle::MonthYear { .. }))
                .map(|d| d.date)
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "--next-review: `{}` is not a date such as 2027-02-24",
                        ui::one_line(t)
                    ))
                })?,
            "from --next-review".to_string(),
        ),
        None => (
            d.settings.review_every.add_to(ws.today()),
            format!("today + {}", d.settings.review_every),
        ),
    };
    let mut fields = Vec::new();
    for (kind, value) in [
        (
            FieldKind::LastUpdated,
            original.format_date(FieldKind::LastUpdated, last, None),
        ),
        (FieldKind::ReviewedBy, reviewer),
        (
            FieldKind::NextReview,
            original.format_date(FieldKind::NextReview, next, None),
        ),
    ] {
        if original.field(kind).is_none() {
            fields.push((kind, value));
        }
    }
    let edits = original.set_fields(&fields);
    let (with_header, headed) = original.apply(&edits).map_err(|e| e.into_error(&d.abs))?;
    let new = changelog::apply_plan(&headed, &plan, &settings)
        .map_err(|e| e.into_error(&d.abs))?
        .unwrap_or(with_header);
    if new == original.text.src {
        ui.line(&format!("{}: already managed, nothing to add", d.rel));
        return Ok(crate::exit::OK);
    }
    if args.dry_run {
        ui.print(&ui::sanitize(&ui::unified_diff(
            &d.rel,
            &original.text.src,
            &new,
        )));
        return Ok(crate::exit::OK);
    }
    write_checked(&d, &original.text.src, &new)?;
    ui.line(&format!(
        "{}: adopted ({} header field{} added, {} Change Log row{} backfilled)",
        d.rel,
        fields.len(),
        if fields.len() == 1 { "" } else { "s" },
        plan.rows.len(),
        if plan.rows.len() == 1 { "" } else { "s" },
    ));
    if original.field(FieldKind::NextReview).is_none() {
        ui.line(&format!(
            "Next Review {next} ({next_why}; `--next-review DATE` sets another)"
        ));
    }
    if ws.config.docs_explicit && !ws.config.docs.iter().any(|c| c.path == d.rel) {
        ui.status(&format!(
            "hint: add it to dbarch.toml so every command manages it:\n\n[[docs]]\npath = \"{}\"",
            d.rel
        ));
    }
    Ok(crate::exit::OK)
}
