//! Renames as git detects them: the files renamed between two trees, and where git last
//! moved a path (for a configured document that is gone from the work tree).
use git2::{DiffFindOptions, Oid, Repository, Tree};

use super::Repo;

impl Repo {
    /// `(old, new)` paths of files renamed from tree `old` to tree `new` (git's rename
    /// detection, 50% similarity); none when a tree cannot be read.
    pub(crate) fn renames(&self, old: Oid, new: Oid) -> Vec<(String, String)> {
        match (self.repo.find_tree(old), self.repo.find_tree(new)) {
            (Ok(o), Ok(n)) => renames(&self.repo, &o, &n),
            _ => Vec::new(),
        }
    }
}

/// `(old, new)` paths of files renamed between `old` and `new` (git's rename detection,
/// 50% similarity).
fn renames(git: &Repository, old: &Tree<'_>, new: &Tree<'_>) -> Vec<(String, String)> {
    let Ok(mut diff) = git.diff_tree_to_tree(Some(old), Some(new), None) else {
        return Vec::new();
    };
    let mut opts = DiffFindOptions::new();
    opts.renames(true);
    if diff.find_similar(Some(&mut opts)).is_err() {
        return Vec::new();
    }
    diff.deltas()
        .filter(|d| d.status() == git2::Delta::Renamed)
        .filter_map(|d| {
            let o = d.old_file().path()?.to_string_lossy().replace('\\', "/");
            let n = d.new_file().path()?.to_string_lossy().replace('\\', "/");
            Some((o, n))
        })
        .collect()
}

/// Where git last moved `rel`: walks first parents from HEAD (at most `limit` commits)
/// to the commit that renamed it, then follows later renames of the new path. Returns
/// the current path and the renaming commit.
pub fn renamed_to(git: &Repository, rel: &str, limit: usize) -> Option<(String, Oid)> {
    let mut path = rel.to_string();
    let mut found = None;
    for _ in 0..8 {
        let head = git.head().ok()?.peel_to_commit().ok()?;
        let mut c = head;
        let mut hit = None;
        for _ in 0..limit {
            let Ok(parent) = c.parent(0) else { break };
            let (Ok(ct), Ok(pt)) = (c.tree(), parent.tree()) else {
                break;
            };
            let here = ct.get_path(std::path::Path::new(&path)).is_ok();
            let before = pt.get_path(std::path::Path::new(&path)).is_ok();
            if !here && before {
                hit = renames(git, &pt, &ct)
                    .into_iter()
                    .find(|(o, _)| *o == path)
                    .map(|(_, n)| (n, c.id()));
                break;
            }
            c = parent;
        }
        let Some((new, id)) = hit else { break };
        path = new;
        found = Some((path.clone(), id));
        let exists = git
            .head()
            .ok()
            .and_then(|h| h.peel_to_tree().ok())
            .is_some_and(|t| t.get_path(std::path::Path::new(&path)).is_ok());
        if exists {
            break;
        }
    }
    found
}

impl Repo {
    /// Where git last moved `rel` ([`renamed_to`]): the current path and the renaming
    /// commit, walking at most `limit` first-parent commits.
    pub fn renamed_to(&self, rel: &str, limit: usize) -> Option<(String, Oid)> {
        renamed_to(&self.repo, rel, limit)
    }
}
