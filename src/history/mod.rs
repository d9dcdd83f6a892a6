//! Document histories: *which commits changed this document, and how?*
//! ([`document_history`]), for many documents in one walk ([`document_histories`]).
//! The walk is the caller's ([`crate::git::walk::Walk`]): several questions about one
//! walk's commits share it.
//!
//! Invariants:
//! - [`document_history`] tracks the document's path *per commit* (a rename on one
//!   branch does not leak into another), reads blob contents only for commits that
//!   changed the document (each blob once), and runs rename detection only where the
//!   document's path disappears between a commit and its parent (reading only the
//!   subtrees that differ; see [`locate`](mod@locate)). The commits come from [`crate::git::walk`].
//!   Per commit, from cheapest:
//!   - with the graph's changed-path Bloom filters (`--changed-paths`), a filter probe
//!     that says "not changed" for almost every commit: no object is read;
//!   - one tree-id comparison (same root tree as the parent);
//!   - one root-tree read: the ids of the subtrees on the document's path are kept with
//!     its state, so a parent whose `docs/` entry has the same id has the same document.
//!
//!   Measured in `BENCHMARKS.md`.
//! - A shallow clone never produces a false "Added": a commit at the shallow boundary
//!   that holds the document is reported with `shallow_boundary: true`, and the history
//!   is marked `truncated`.
//! - Merges are classified in [`merge`]: a clean merge of the parents' versions records
//!   nothing new.
//! - Everything git is asked goes through [`crate::git`]: this tree does not name git2.
//! - Nothing here prints, and nothing here writes to the repository.
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::git::{graph, Oid, OidHash, Tree};
use crate::{Error, Result};

pub(crate) mod locate;
pub(crate) mod merge;
#[cfg(test)]
mod tests;

use crate::git::walk::Walk;
use crate::git::{CommitInfo, Repo};
use locate::{locate, parent_state, Renames};
use merge::{classify, is_clean_merge, Blobs, Dag};

/// Default similarity (percent) for rename detection, as in git.
const DEFAULT_RENAME_THRESHOLD: u16 = 50;

/// How a commit changed a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Modified,
    Renamed,
    Deleted,
}

/// One commit that changed the document.
#[derive(Clone, Debug)]
pub struct DocChange {
    pub commit: CommitInfo,
    pub kind: ChangeKind,
    /// The document's path in this commit (for `Deleted`: the path it had in the parent).
    pub path: PathBuf,
    /// For `Renamed`: the path in the parent.
    pub old_path: Option<PathBuf>,
    /// The document's blob in the (first relevant) parent; `None` when `Added`. The walk
    /// keeps ids, not bytes: a long history would otherwise hold every version at once
    /// (read them with [`Repo::read_blob`]).
    pub before: Option<Oid>,
    /// The document's blob in this commit; `None` when `Deleted`.
    pub after: Option<Oid>,
    /// This commit is a shallow-clone boundary (its parents are missing): the `Added`
    /// reported here is NOT known to be the document's creation.
    pub shallow_boundary: bool,
}

/// The changes to one document, oldest first.
#[derive(Clone, Debug, Default)]
pub struct DocHistory {
    /// Oldest first (topological, parents before children; ties by commit time).
    pub changes: Vec<DocChange>,
    /// The walk hit a shallow boundary where the document existed.
    pub truncated: bool,
    /// How many commits the walk read (for `--verbose` and the incremental-sync tests).
    pub walked: usize,
    /// How many files rename detection read and hashed in the walk (each blob at most
    /// once, however many merges look for the document's source among the same files).
    pub rename_reads: usize,
}

/// Knobs for [`document_history`] (the commits walked are the [`Walk`]'s).
#[derive(Default, Clone)]
pub struct HistoryOptions {
    /// Similarity percent for rename detection; default 50.
    pub rename_threshold: Option<u16>,
    /// Per document (its path, normalised as the walk's): the paths, newest first, at
    /// which an earlier life of it was deleted and that continue in it
    /// (`[[docs]] previous-paths`). Without, an add that is no rename starts the
    /// document's history.
    pub previous_paths: Vec<(PathBuf, Vec<PathBuf>)>,
}

/// Where the document is in one commit: its path and the blob id there (`None`: absent).
/// Equality is path and blob.
#[derive(Clone, Debug)]
pub(crate) struct DocState {
    /// Shared: a state is copied from child to parent at almost every commit.
    pub(crate) path: Rc<Path>,
    pub(crate) blob: Option<Oid>,
    /// Ids of the trees met looking `path` up, below the root (`docs/` for
    /// `docs/x.md`), in a commit where the lookup gave `blob`: any tree with one of these
    /// ids at that place gives the same answer.
    pub(crate) trees: Rc<[Oid]>,
}

impl PartialEq for DocState {
    fn eq(&self, other: &DocState) -> bool {
        self.path == other.path && self.blob == other.blob
    }
}

impl Eq for DocState {}

/// One document followed by [`history_walk`].
struct Tracked {
    /// Its path at HEAD.
    path: PathBuf,
    /// Its state in commits seen as a parent but not yet walked.
    pending: HashMap<Oid, DocState, OidHash>,
    newest_first: Vec<DocChange>,
    truncated: bool,
    /// Its last [`FilterKeys::of`] lookup.
    key: Option<(Rc<Path>, usize)>,
    /// Commits below the document's start (an add that is no rename): another life of
    /// whatever was at its path, not walked for it.
    ended: HashSet<Oid>,
    /// `previous-paths` not used yet: where a life ended by a delete continues.
    previous: Vec<PathBuf>,
}

/// Changed-path filter keys of each path a document had, for one walk.
/// (Paths are few and change rarely: a list, compared bytewise, is cheapest.)
#[derive(Default)]
struct FilterKeys(Vec<(String, Option<graph::BloomKeys>)>);

impl FilterKeys {
    /// The keys of `path` (`None`: the filters cannot answer for it). `last` is the
    /// document's last lookup: while its path stays the same `Rc`, no path is compared.
    fn of(
        &mut self,
        g: &graph::CommitGraph,
        path: &Rc<Path>,
        last: &mut Option<(Rc<Path>, usize)>,
    ) -> Option<&graph::BloomKeys> {
        let at = match last {
            Some((p, at)) if Rc::ptr_eq(p, path) => *at,
            _ => {
                let text = path.to_string_lossy();
                let at = match self.0.iter().position(|(p, _)| *p == text) {
                    Some(at) => at,
                    None => {
                        self.0.push((text.to_string(), g.keys(path)));
                        self.0.len() - 1
                    }
                };
                *last = Some((path.clone(), at));
                at
            }
        };
        self.0[at].1.as_ref()
    }
}

/// Commits of `walk` that changed the document now at `path` (relative to the
/// workdir), oldest first, following renames.
///
/// The path is tracked per commit: HEAD has `path`; each commit hands its parents the
/// path the document had there (the same path, or the rename source). A non-merge
/// commit is listed when the document's content or path differs from its parent's; a
/// merge only when its content differs from every parent's, or when no parent had it at
/// this path (moved in the merge). Kinds and `before` are relative to the first parent.
/// A commit on a shallow boundary holding the document is listed as `Added` with
/// `shallow_boundary` set, and the history is `truncated`. See the module
/// documentation for what it costs.
pub fn document_history(
    repo: &Repo,
    walk: &Walk,
    path: &Path,
    opts: &HistoryOptions,
) -> Result<DocHistory> {
    document_history_with(repo, walk, path, opts, &mut |_| {})
}

/// [`document_history`], calling `on_change` with each change as the walk finds it
/// (newest first), so a caller can work on the changes while the walk goes on.
pub fn document_history_with(
    repo: &Repo,
    walk: &Walk,
    path: &Path,
    opts: &HistoryOptions,
    on_change: &mut dyn FnMut(&DocChange),
) -> Result<DocHistory> {
    let path = repo.normalize(path)?;
    let mut out = history_walk(repo, walk, &[path], opts, &mut |_, c| on_change(c))?;
    Ok(out.pop().unwrap_or_default())
}

/// The histories of several documents from one walk (`status` over many documents):
/// each commit and root tree is read once for all of them. `on_change` gets the
/// document's index in `paths` with each change, newest first.
pub fn document_histories(
    repo: &Repo,
    walk: &Walk,
    paths: &[&Path],
    opts: &HistoryOptions,
    on_change: &mut dyn FnMut(usize, &DocChange),
) -> Result<Vec<DocHistory>> {
    let paths = paths
        .iter()
        .map(|p| repo.normalize(p))
        .collect::<Result<Vec<_>>>()?;
    history_walk(repo, walk, &paths, opts, on_change)
}

/// The histories of `paths` (normalised) along `walk`.
fn history_walk(
    repo: &Repo,
    walk: &Walk,
    paths: &[PathBuf],
    opts: &HistoryOptions,
    on_change: &mut dyn FnMut(usize, &DocChange),
) -> Result<Vec<DocHistory>> {
    let threshold = opts.rename_threshold.unwrap_or(DEFAULT_RENAME_THRESHOLD);
    let mut docs: Vec<Tracked> = paths
        .iter()
        .map(|p| Tracked {
            path: p.clone(),
            pending: HashMap::default(),
            newest_first: Vec::new(),
            truncated: false,
            key: None,
            ended: HashSet::new(),
            previous: opts
                .previous_paths
                .iter()
                .find(|(doc, _)| doc == p)
                .map(|(_, prev)| prev.clone())
                .unwrap_or_default(),
        })
        .collect();
    if walk.head().is_none() {
        return Ok(paths.iter().map(|_| DocHistory::default()).collect());
    }
    let graph = walk.graph(repo);
    let mut commits = walk.commits(repo)?;

    let mut walked = 0;
    let mut blobs = Blobs::default();
    let mut keys = FilterKeys::default();
    let mut renames = Renames::default();
    // The walked commits as a graph for merge bases, built at the first merge that
    // needs one.
    let mut dag: Option<Dag> = None;

    // Reused from commit to commit.
    let mut parent_states: Vec<(Oid, DocState)> = Vec::new();
    let mut parent_roots: Vec<Option<Tree<'_>>> = Vec::new();
    while let Some(next) = commits.next() {
        let (id, node) = next?;
        walked += 1;
        // Trees read for this commit, shared by the documents.
        let mut own_tree: Option<Tree<'_>> = None;
        parent_roots.clear();
        parent_roots.resize_with(node.parents.as_ref().map_or(0, |p| p.len()), || None);
        let mut info: Option<CommitInfo> = None;
        // The commit's changed-path filter, found once for all documents.
        let mut filter: Option<Option<graph::Filter<'_>>> = None;
        // Trees below the roots read for this commit (each document looks its own
        // path up; many share directories).
        let mut subtrees: Vec<(Oid, Tree<'_>)> = Vec::new();
        for (d, doc) in docs.iter_mut().enumerate() {
            let state = match doc.pending.remove(&id) {
                Some(state) => state,
                // Below the document's start: so are the parents.
                None if doc.ended.remove(&id) => {
                    for &(pid, _) in node.parents.iter().flatten() {
                        if !doc.pending.contains_key(&pid) {
                            doc.ended.insert(pid);
                        }
                    }
                    continue;
                }
                // Only HEAD gets here: every other walked commit has a walked child.
                None => {
                    if own_tree.is_none() {
                        own_tree = Some(repo.tree(node.tree)?);
                    }
                    let tree = own_tree
                        .as_ref()
                        .ok_or_else(|| Error::Internal("the commit's tree is not loaded".into()))?;
                    let (blob, trees) = locate(repo, tree, &doc.path, None, &mut subtrees)?;
                    DocState {
                        path: Rc::from(doc.path.as_path()),
                        blob,
                        trees,
                    }
                }
            };

            // Parents, or None when this commit sits on the shallow boundary.
            let Some(parents) = node.parents.as_ref() else {
                if let Some(blob) = state.blob {
                    doc.truncated = true;
                    doc.newest_first.push(DocChange {
                        commit: info_once(repo, &mut info, id)?,
                        kind: ChangeKind::Added,
                        path: state.path.to_path_buf(),
                        old_path: None,
                        before: None,
                        after: Some(blob),
                        shallow_boundary: true,
                    });
                    on_change(d, &doc.newest_first[doc.newest_first.len() - 1]);
                }
                continue;
            };

            // The first parent's changed-path filter may say the path did not change.
            let unchanged = match (graph, node.pos) {
                (Some(g), Some(pos)) if !parents.is_empty() => {
                    let k = keys.of(g, &state.path, &mut doc.key);
                    let filter = filter.get_or_insert_with(|| g.filter(pos));
                    matches!((filter, k), (Some(f), Some(k)) if f.not_changed(k))
                }
                _ => false,
            };
            parent_states.clear();
            for (i, &(pid, ptree)) in parents.iter().enumerate() {
                let ps = if i == 0 && unchanged {
                    state.clone()
                } else {
                    parent_state(
                        repo,
                        (node.tree, &mut own_tree),
                        &state,
                        (ptree, &mut parent_roots[i]),
                        threshold,
                        &mut subtrees,
                        &mut renames,
                    )?
                };
                parent_states.push((pid, ps));
            }

            let change = classify(&state, &parent_states).filter(|_| {
                let dag = dag.get_or_insert_with(|| Dag::new(walk.listed()));
                !is_clean_merge(repo, &state, &parent_states, &mut blobs, dag)
            });
            if let Some(change) = change {
                let before = match parent_states.first() {
                    Some((_, ps)) => ps.blob,
                    None => None,
                };
                let old_path = match (change, parent_states.first()) {
                    (ChangeKind::Renamed, Some((_, ps))) => Some(ps.path.to_path_buf()),
                    _ => None,
                };
                doc.newest_first.push(DocChange {
                    commit: info_once(repo, &mut info, id)?,
                    kind: change,
                    path: state.path.to_path_buf(),
                    old_path,
                    before: match change {
                        ChangeKind::Added => None,
                        _ => before,
                    },
                    after: state.blob,
                    shallow_boundary: false,
                });
                on_change(d, &doc.newest_first[doc.newest_first.len() - 1]);
            }

            // An add that is no rename starts the document: what its parents had at
            // the path is another life (git's rule: a delete and a later add are two
            // files), unless `previous-paths` says the life continues there.
            if change == Some(ChangeKind::Added) {
                if doc.previous.is_empty() {
                    for (pid, _) in parent_states.drain(..) {
                        if !doc.pending.contains_key(&pid) {
                            doc.ended.insert(pid);
                        }
                    }
                } else {
                    let earlier: Rc<Path> = Rc::from(doc.previous.remove(0).as_path());
                    for (i, (_, ps)) in parent_states.iter_mut().enumerate() {
                        let (_, ptree) = parents[i];
                        if parent_roots[i].is_none() {
                            parent_roots[i] = Some(repo.tree(ptree)?);
                        }
                        let Some(root) = parent_roots[i].as_ref() else {
                            continue;
                        };
                        let (blob, trees) = locate(repo, root, &earlier, None, &mut subtrees)?;
                        *ps = DocState {
                            path: earlier.clone(),
                            blob,
                            trees,
                        };
                    }
                }
            }
            for (pid, ps) in parent_states.drain(..) {
                doc.ended.remove(&pid);
                match doc.pending.get(&pid) {
                    // Two children disagree on the parent's path: prefer the one where
                    // the document exists, otherwise the first child's (newest) view.
                    Some(existing) if existing.blob.is_some() || ps.blob.is_none() => {}
                    _ => {
                        doc.pending.insert(pid, ps);
                    }
                }
            }
        }
    }

    Ok(docs
        .into_iter()
        .map(|doc| {
            let mut changes = doc.newest_first;
            changes.reverse();
            DocHistory {
                changes,
                truncated: doc.truncated,
                walked,
                rename_reads: renames.signatures.len(),
            }
        })
        .collect())
}

/// The commit's [`CommitInfo`], read once however many documents it changed.
fn info_once(repo: &Repo, info: &mut Option<CommitInfo>, id: Oid) -> Result<CommitInfo> {
    if let Some(info) = info.as_ref() {
        return Ok(info.clone());
    }
    let read = repo.commit_info(id)?;
    *info = Some(read.clone());
    Ok(read)
}
