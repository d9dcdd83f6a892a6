//! The shared sync: one document's Change Log rows and Last Updated, planned from its
//! history, and the document text they give. Full (one walk shared by the documents that
//! need it, `full_walks`) or incremental (from the commit the sync state remembers,
//! `since`). Used by `sync` and `remind`; `adopt` and `review` write through
//! [`write_checked`] too. Plans and renders; writes only through [`write_checked`]
//! (compare-and-swap); never prints.
use serde::Serialize;

use crate::changelog::{self, PlannedRow, Settings};
use crate::compare::ComparedHistory;
use crate::doc;
use crate::fsutil;
use crate::git::walk::Walks;
use crate::syncstate::{self, SyncState};
use crate::workspace::{ManagedDoc, Workspace};
use crate::{Error, Result};

/// One document's sync: the rows to add and the text with them (`--format json` of
/// `dbarch sync` lists the serialized fields).
#[derive(Serialize)]
pub(crate) struct DocReport {
    pub path: String,
    pub changed: bool,
    pub rows: Vec<PlannedRow>,
    pub last_updated: LastUpdated,
    #[serde(skip)]
    pub old: String,
    #[serde(skip)]
    pub new: Option<String>,
    /// What to remember when this result is written (or found up to date).
    #[serde(skip)]
    pub state: Option<syncstate::DocState>,
    #[serde(skip)]
    pub walked: usize,
    #[serde(skip)]
    pub start: Option<changelog::HistoryStart>,
}

#[derive(Serialize)]
pub(crate) struct LastUpdated {
    pub old: Option<String>,
    pub new: Option<String>,
}

/// The sync of one document from a full walk already made and compared (`remind` has it
/// from the document's status); writes nothing.
pub(crate) fn sync_one_from(
    ws: &Workspace,
    d: &ManagedDoc,
    compared: &ComparedHistory,
) -> Result<DocReport> {
    let document = doc::load(&d.abs, &ws.labels())?;
    sync_with(ws, d, document, History::Compared(compared))
}

/// The sync of a document [`prepare`]d: from its full walk when [`full_walks`] made one,
/// else from a walk of its own (incremental when the sync state allows; documents synced
/// one after another from the same sync state share it through `walks`); writes nothing.
pub(crate) fn sync_prepared(
    ws: &Workspace,
    d: &ManagedDoc,
    p: Prepared,
    full: Option<&ComparedHistory>,
    walks: &mut Walks,
) -> Result<DocReport> {
    match full {
        Some(compared) => sync_with(ws, d, p.document, History::Compared(compared)),
        None => sync_with(ws, d, p.document, History::Since(p.since, walks)),
    }
}

/// A document read, and where its history walk may start.
pub(crate) struct Prepared {
    document: doc::Document,
    /// From the sync state (see [`since`]); `None`: a full walk.
    since: Option<changelog::Since>,
}

/// Reads `d` and finds where its walk may start (see [`since`]).
pub(crate) fn prepare(
    ws: &Workspace,
    d: &ManagedDoc,
    labels: &doc::Labels,
    state: &SyncState,
    head: Option<crate::git::Oid>,
) -> Result<Prepared> {
    let repo = ws.repo()?;
    let document = doc::load(&d.abs, labels)?;
    let settings = Settings::new(&ws.root, &ws.config.changelog, &d.settings, labels);
    let since = since(repo, d, &document, &settings, state, head);
    Ok(Prepared { document, since })
}

/// For the documents that need a full walk (no usable sync state: a first sync, a
/// `.git/dbarch` removed, changed settings), their compared histories from one shared
/// walk, by index in `docs`; empty when fewer than two need one or the shared walk fails
/// (each document then walks on its own and reports its own error).
pub(crate) fn full_walks(
    ws: &Workspace,
    docs: &[ManagedDoc],
    prepared: &[Option<Result<Prepared>>],
) -> Vec<Option<ComparedHistory>> {
    let needs: Vec<usize> = (0..docs.len())
        .filter(|&i| matches!(&prepared[i], Some(Ok(p)) if p.since.is_none()))
        .collect();
    if needs.len() < 2 {
        return Vec::new();
    }
    let subset: Vec<&ManagedDoc> = needs.iter().map(|&i| &docs[i]).collect();
    let mut out: Vec<Option<ComparedHistory>> = (0..docs.len()).map(|_| None).collect();
    for (i, h) in needs.into_iter().zip(crate::status::histories(ws, &subset)) {
        out[i] = h;
    }
    out
}

/// The fingerprint the sync state keeps: the settings that decide rows, and the
/// commit-graph the walk trusted (a result from a graph later found bad, rewritten or
/// removed is not reused).
pub(crate) fn state_print(repo: &crate::git::Repo, settings: &Settings<'_>) -> u64 {
    syncstate::with_graph(settings.fingerprint(), &repo.graph_id())
}

/// Where the sync state lets an incremental walk start for `d`: its commit must be HEAD or
/// an ancestor of it, with the same settings and every row it remembers still there.
fn since(
    repo: &crate::git::Repo,
    d: &ManagedDoc,
    document: &doc::Document,
    settings: &Settings<'_>,
    state: &SyncState,
    head: Option<crate::git::Oid>,
) -> Option<changelog::Since> {
    let s = state.usable(&d.rel, document, state_print(repo, settings))?;
    let id = crate::git::Oid::from_str(&s.head).ok()?;
    let reachable = Some(id) == head || head.is_some_and(|h| repo.is_descendant_of(h, id));
    reachable.then_some(changelog::Since {
        head: id,
        last_substantive: s.last_substantive,
    })
}

/// Where [`sync_with`] gets the document's history.
enum History<'a> {
    /// A walk of its own, from the sync state's commit when there is one.
    /// (Shared with the documents before it that hid the same commit.)
    Since(Option<changelog::Since>, &'a mut Walks),
    /// A full walk already made.
    Compared(&'a ComparedHistory),
}

/// Plans and renders one document; writes nothing.
fn sync_with(
    ws: &Workspace,
    d: &ManagedDoc,
    document: doc::Document,
    history: History<'_>,
) -> Result<DocReport> {
    let repo = ws.repo()?;
    let labels = ws.labels();
    let settings = Settings::new(&ws.root, &ws.config.changelog, &d.settings, &labels);
    let print = state_print(repo, &settings);
    let head = repo.head_id()?;
    let plan = match history {
        History::Compared(compared) => {
            changelog::plan_from_history(repo, &d.rel, &document, compared, &settings)?
        }
        History::Since(since, walks) => {
            changelog::plan_with(walks, repo, &d.rel, &document, &settings, since)?
        }
    };
    report(d, document, &settings, print, head, plan)
}

/// The document with `plan` applied, and what the sync state should say after it.
fn report(
    d: &ManagedDoc,
    document: doc::Document,
    settings: &Settings<'_>,
    print: u64,
    head: Option<crate::git::Oid>,
    plan: changelog::Plan,
) -> Result<DocReport> {
    let (new, parsed) = match changelog::apply_plan_parsed(&document, &plan, settings)
        .map_err(|e| e.into_error(&d.abs))?
    {
        Some((text, parsed)) => (Some(text), Some(parsed)),
        None => (None, None),
    };
    let after = parsed.as_ref().unwrap_or(&document);
    let state = head.map(|h| syncstate::DocState {
        head: h.to_string(),
        last_substantive: plan.last_substantive,
        settings: print,
        rows: syncstate::row_prints(after),
    });
    let old_lu = document
        .field(doc::FieldKind::LastUpdated)
        .map(|f| f.raw.clone());
    let new_lu = after
        .field(doc::FieldKind::LastUpdated)
        .map(|f| f.raw.clone());
    Ok(DocReport {
        path: d.rel.clone(),
        changed: new.is_some(),
        rows: plan.rows,
        last_updated: LastUpdated {
            old: old_lu,
            new: new_lu,
        },
        old: document.text.src,
        new,
        state,
        walked: plan.walked,
        start: plan.start,
    })
}

/// Writes `new` unless the file changed since it was read (an editor saved meanwhile).
pub(crate) fn write_checked(d: &ManagedDoc, old: &str, new: &str) -> Result<()> {
    let now = std::fs::read(&d.abs).map_err(|e| Error::io(&d.abs, e))?;
    if now != old.as_bytes() {
        return Err(Error::Usage(format!(
            "{} changed while dbarch was working on it; nothing written, run again",
            d.rel
        )));
    }
    // Compare-and-swap: checked again right before the rename.
    if fsutil::replace_if_unchanged(&d.abs, old.as_bytes(), new.as_bytes())? {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "{} changed while dbarch was working on it; nothing written, run again",
        d.rel
    )))
}
