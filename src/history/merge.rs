//! Merge classification: whether a commit changed the document, and how
//! ([`classify`]), and whether a merge only merged (a clean automatic merge of its
//! parents' versions records nothing new), with merge bases from the walked commits
//! ([`Dag`]).
use std::collections::HashMap;
use std::path::Path;

use crate::git::Oid;
use smallvec::SmallVec;

use super::{ChangeKind, DocState};
use crate::git::merge::merge_file;
use crate::git::walk::Node;
use crate::git::{OidHash, Repo};
use crate::Result;

/// Blob contents by id, for one walk's clean-merge checks (a merge reads both parents'
/// versions and the merge base's; neighbouring merges share some).
#[derive(Default)]
pub(crate) struct Blobs(HashMap<Oid, Vec<u8>>);

/// A merge whose document is exactly what git's automatic merge of the parents'
/// versions gives: the sides' own commits carry the change, so the merge records
/// nothing new. One rule for every shape: the parents are merged in order, as git's
/// octopus does (a two-parent merge is the one-step case), each step a three-way
/// merge on the merge base — with several merge bases (a criss-cross), on their
/// merge (git's virtual base), else on any one of them. A conflict resolved by hand
/// (or an "evil merge") differs from every automatic result and counts.
pub(crate) fn is_clean_merge(
    repo: &Repo,
    state: &DocState,
    parents: &[(Oid, DocState)],
    blobs: &mut Blobs,
    dag: &mut Dag,
) -> bool {
    if parents.len() < 2 || parents.iter().all(|(_, p)| p.path != state.path) {
        return false; // not a merge, or moved in the merge itself
    }
    let Some(result) = state.blob.and_then(|id| blobs.read(repo, id).ok()) else {
        return false;
    };
    let (p1, s1) = &parents[0];
    let Some(mut current) = s1.blob.and_then(|id| blobs.read(repo, id).ok()) else {
        return false;
    };
    let last = parents.len() - 1;
    for (step, (pid, ps)) in parents.iter().enumerate().skip(1) {
        let Some(theirs) = ps.blob.and_then(|id| blobs.read(repo, id).ok()) else {
            return false;
        };
        let paths = [s1.path.as_ref(), ps.path.as_ref()];
        let bases = base_versions(repo, *p1, *pid, &paths, blobs, dag);
        // Lazily: the first automatic result that answers the question ends it, so
        // the merge driver runs only where libgit2's merge did not already give it.
        let mut merged = bases
            .iter()
            .flat_map(|base| auto_merges(base, &current, &theirs));
        if step == last {
            return merged.any(|m| m == result);
        }
        let first = merged.next();
        drop(merged);
        match first {
            Some(m) => current = m,
            None => return false,
        }
    }
    false
}

/// The document's versions to merge `a` and `b` on (at the first of `paths` that
/// the base has): the merge base's; with several merge bases, first their merge
/// (conflicts and all, as git's virtual base), then each of them.
fn base_versions(
    repo: &Repo,
    a: Oid,
    b: Oid,
    paths: &[&Path],
    blobs: &mut Blobs,
    dag: &mut Dag,
) -> Vec<Vec<u8>> {
    let version = |blobs: &mut Blobs, commit: Oid| -> Vec<u8> {
        repo.blob_in_commit(commit, paths)
            .and_then(|id| blobs.read(repo, id).ok())
            .unwrap_or_default()
    };
    let mut merge_bases = |a: Oid, b: Oid| -> Vec<Oid> {
        dag.merge_bases(a, b)
            .unwrap_or_else(|| repo.merge_bases(a, b))
    };
    let bases = merge_bases(a, b);
    match bases.as_slice() {
        [] => vec![Vec::new()],
        [one] => vec![version(blobs, *one)],
        [first, rest @ ..] => {
            let singles: Vec<Vec<u8>> = bases.iter().map(|&c| version(blobs, c)).collect();
            let mut virtual_base = singles[0].clone();
            for (i, &other) in rest.iter().enumerate() {
                let below = merge_bases(*first, other)
                    .first()
                    .map(|&c| version(blobs, c))
                    .unwrap_or_default();
                // A merge libgit2 refuses keeps the virtual base as it was.
                virtual_base = merge_file(&below, &virtual_base, &singles[i + 1], None)
                    .map_or(virtual_base, |(merged, _)| merged);
            }
            let mut all = vec![virtual_base];
            all.extend(singles);
            all
        }
    }
}

/// The walked commits as a graph: merge bases without reading a commit (libgit2's
/// `merge_bases` reads every commit it paints, which at each merge of a long history
/// costs more than the whole walk).
pub(crate) struct Dag {
    ids: Vec<Oid>,
    /// Each commit's parents' positions (`u32::MAX`: not in the walk; `None`: missing,
    /// a shallow boundary).
    parents: Vec<Option<SmallVec<[u32; 2]>>>,
    pos: HashMap<Oid, u32, OidHash>,
    /// Paint flags, all zero between calls.
    flags: Vec<u8>,
}

impl Dag {
    pub(crate) fn new(list: Option<&[(Oid, Node)]>) -> Dag {
        let list = list.unwrap_or(&[]);
        let mut pos = HashMap::with_capacity_and_hasher(list.len(), OidHash);
        for (i, (id, _)) in list.iter().enumerate() {
            pos.insert(*id, i as u32);
        }
        let parents = list
            .iter()
            .map(|(_, node)| {
                node.parents.as_ref().map(|ps| {
                    ps.iter()
                        .map(|(pid, _)| pos.get(pid).copied().unwrap_or(u32::MAX))
                        .collect()
                })
            })
            .collect();
        Dag {
            ids: list.iter().map(|(id, _)| *id).collect(),
            parents,
            pos,
            flags: vec![0; list.len()],
        }
    }

    /// The merge bases of `a` and `b` (all of them, none redundant), as git's
    /// `paint_down_to_common` finds them, with the walk's topological order as the
    /// priority (a commit comes after all its children). `None` when the answer needs
    /// commits outside the walk (then libgit2 is asked).
    pub(crate) fn merge_bases(&mut self, a: Oid, b: Oid) -> Option<Vec<Oid>> {
        if a == b {
            return Some(vec![a]);
        }
        let (&ia, &ib) = (self.pos.get(&a)?, self.pos.get(&b)?);
        let mut touched: Vec<u32> = Vec::new();
        let found = self.paint(ia, ib, &mut touched);
        for i in touched {
            self.flags[i as usize] = 0;
        }
        found
    }

    fn paint(&mut self, ia: u32, ib: u32, touched: &mut Vec<u32>) -> Option<Vec<Oid>> {
        const ONE: u8 = 1;
        const TWO: u8 = 2;
        const STALE: u8 = 4;
        let mut heap = std::collections::BinaryHeap::new();
        self.flags[ia as usize] = ONE;
        self.flags[ib as usize] = TWO;
        touched.extend([ia, ib]);
        heap.push(std::cmp::Reverse(ia));
        heap.push(std::cmp::Reverse(ib));
        let mut nonstale = 2usize;
        let mut found = Vec::new();
        while nonstale > 0 {
            let std::cmp::Reverse(i) = heap.pop()?;
            let mut f = self.flags[i as usize];
            if f & STALE == 0 {
                nonstale -= 1;
            }
            if f & (ONE | TWO) == ONE | TWO && f & STALE == 0 {
                found.push(self.ids[i as usize]);
                f |= STALE;
            }
            let add = f & (ONE | TWO | STALE);
            let parents = self.parents[i as usize].as_ref()?;
            for &p in parents {
                if p == u32::MAX {
                    return None;
                }
                let pf = &mut self.flags[p as usize];
                if *pf == 0 {
                    *pf = add;
                    touched.push(p);
                    heap.push(std::cmp::Reverse(p));
                    if add & STALE == 0 {
                        nonstale += 1;
                    }
                } else {
                    let before = *pf;
                    *pf |= add;
                    if before & STALE == 0 && *pf & STALE != 0 {
                        nonstale -= 1;
                    }
                }
            }
        }
        Some(found)
    }
}

/// The clean merges of the three versions, each worked out only when the caller asks for
/// it: first git's line merge ([`merge_file`]) when it is clean, then the merge driver's
/// result when it has no conflict. The driver parses all three versions as documents and
/// costs more than libgit2's merge; on git.git most merges are answered by the first
/// (BENCHMARKS.md).
fn auto_merges<'a>(
    base: &'a [u8],
    ours: &'a [u8],
    theirs: &'a [u8],
) -> impl Iterator<Item = Vec<u8>> + 'a {
    let text = std::iter::once_with(move || match merge_file(base, ours, theirs, None) {
        Some((merged, false)) => Some(merged),
        _ => None,
    });
    // Or what dbarch's merge driver gives (rows as a union, header dates the newest): a
    // merge the driver made cleanly is a clean merge too.
    let driver = std::iter::once_with(move || {
        let m = crate::hook::merge::merge3(
            base,
            ours,
            theirs,
            &crate::doc::Labels::default(),
            &crate::hook::merge::MarkerStyle::default(),
        );
        (!m.conflicts).then_some(m.bytes)
    });
    text.chain(driver).flatten()
}

/// Decides whether a commit in state `state` with parents in `parents` changed the
/// document, and how (relative to the first parent).
pub(crate) fn classify(state: &DocState, parents: &[(Oid, DocState)]) -> Option<ChangeKind> {
    let Some((_, first)) = parents.first() else {
        // A root commit: the document is new here if it exists.
        return state.blob.map(|_| ChangeKind::Added);
    };
    if parents.len() == 1 {
        // A non-merge changes the document when its content or its path differs.
        if first == state {
            return None;
        }
    } else {
        // A merge changes the document only when its content differs from every parent's
        // (a conflict resolved in the document), or when the merge itself moved it (no
        // parent has it at this path). Content or a path that one parent already had
        // came from that parent's side, whose own commits are listed.
        let new_content = parents.iter().all(|(_, p)| p.blob != state.blob);
        let moved_here = parents.iter().all(|(_, p)| p.path != state.path);
        if !new_content && !moved_here {
            return None;
        }
    }
    match (first.blob, state.blob) {
        (None, None) => None,
        (None, Some(_)) => Some(ChangeKind::Added),
        (Some(_), None) => Some(ChangeKind::Deleted),
        (Some(_), Some(_)) if first.path != state.path => Some(ChangeKind::Renamed),
        (Some(_), Some(_)) => Some(ChangeKind::Modified),
    }
}

impl Blobs {
    /// The most blobs kept: enough for a merge and its neighbours.
    const KEEP: usize = 16;

    fn read(&mut self, repo: &Repo, id: Oid) -> Result<Vec<u8>> {
        if let Some(bytes) = self.0.get(&id) {
            return Ok(bytes.clone());
        }
        let bytes = repo.read_blob(id)?;
        if self.0.len() >= Blobs::KEEP {
            self.0.clear();
        }
        self.0.insert(id, bytes.clone());
        Ok(bytes)
    }
}
