//! What the last successful `sync` of each document knew, kept in the git directory
//! (`.git/dbarch/sync-state.json`, never committed), so the next run walks only the
//! commits made since — a hook after one commit does not read the whole history.
//!
//! The state is a hint, never the truth: it is used only when its commit is still an
//! ancestor of HEAD, the configuration is the same, and every row the document had then
//! is still there (a discarded or reverted sync falls back to a full walk). Anything
//! unreadable is ignored.
use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::doc::Document;

#[derive(Serialize, Deserialize, Default, Debug)]
pub struct SyncState {
    #[serde(default)]
    docs: BTreeMap<String, DocState>,
}

/// One document's state after a sync that left it complete up to `head`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct DocState {
    pub head: String,
    pub last_substantive: Option<NaiveDate>,
    /// Fingerprint of the settings that decide rows.
    pub settings: u64,
    /// Fingerprints of the table's rows at the time.
    pub rows: Vec<u64>,
}

fn file(git_dir: &Path) -> PathBuf {
    git_dir.join("dbarch").join("sync-state.json")
}

pub fn fingerprint<T: std::fmt::Debug>(value: &T) -> u64 {
    let mut h = DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut h);
    format!("{value:?}").hash(&mut h);
    h.finish()
}

/// The fingerprint a state is kept under: the settings that decide rows (`settings`)
/// and the commit-graph the walk trusted (`graph`: its id, or `none`), so a result
/// computed from a graph later found bad, rewritten or removed is never reused.
pub fn with_graph(settings: u64, graph: &str) -> u64 {
    fingerprint(&(settings, graph))
}

/// Fingerprints of the document's real rows.
pub fn row_prints(doc: &Document) -> Vec<u64> {
    doc.table()
        .map(|t| t.real_rows().map(|r| fingerprint(&r.cells)).collect())
        .unwrap_or_default()
}

impl SyncState {
    pub fn load(git_dir: &Path) -> SyncState {
        std::fs::read(file(git_dir))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// The state for `rel`, when it still applies to `doc` under `settings`.
    pub fn usable(&self, rel: &str, doc: &Document, settings: u64) -> Option<&DocState> {
        let s = self.docs.get(rel)?;
        let now = row_prints(doc);
        (s.settings == settings && s.rows.iter().all(|r| now.contains(r))).then_some(s)
    }

    pub fn set(&mut self, rel: &str, state: DocState) {
        self.docs.insert(rel.to_string(), state);
    }

    /// Saves atomically; a failure only costs the next run a full walk.
    pub fn save(&self, git_dir: &Path) {
        let path = file(git_dir);
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Ok(bytes) = serde_json::to_vec_pretty(self) {
            let _ = crate::fsutil::write_atomic(&path, &bytes);
        }
    }
}
