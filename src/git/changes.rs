//! The one "paths a commit changed": files that differ between two trees, found by
//! descending only into subtrees whose ids differ (a commit that touches one file in
//! `docs/` reads the root tree, `docs/` and nothing else on either side).
//!
//! Used by the Change Log's impact rules and the review's drift check (every changed
//! path, deletions and submodules included), and by the post-commit hook's fast path
//! (files added or changed only: [`Changes::ADDED_OR_CHANGED`]).
use git2::{ObjectType, Oid, Tree, TreeEntry};

use super::Repo;
use crate::{Error, Result};

/// Which entries [`Repo::changed_paths`] reports, besides files (blobs: regular files
/// and symbolic links) added or changed in content or mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Changes {
    /// Files that are gone (deleted, or replaced by a directory).
    pub deleted: bool,
    /// Submodules (gitlinks) added, moved to another commit, or removed.
    pub submodules: bool,
}

impl Changes {
    /// Everything `git diff-tree -r` lists: additions, changes, deletions, submodules.
    pub const ALL: Changes = Changes {
        deleted: true,
        submodules: true,
    };
    /// Files added or changed only (the hook: a deleted document has nothing to record).
    pub const ADDED_OR_CHANGED: Changes = Changes {
        deleted: false,
        submodules: false,
    };
}

impl Repo {
    /// The paths (`/`-separated, relative to the root) that differ from tree `old`
    /// (`None`: the empty tree) to tree `new`, as `wanted` says; an entry with the same
    /// id and mode on both sides is unchanged, and a subtree with the same id is not
    /// read. In tree order (git's path order within each directory).
    pub fn changed_paths(
        &self,
        old: Option<Oid>,
        new: Option<Oid>,
        wanted: Changes,
    ) -> Result<Vec<String>> {
        let old = old.map(|id| self.find_tree(id)).transpose()?;
        let new = new.map(|id| self.find_tree(id)).transpose()?;
        let mut out = Vec::new();
        self.tree_diff(old.as_ref(), new.as_ref(), "", wanted, &mut out)?;
        Ok(out)
    }

    /// [`Repo::changed_paths`] of commit `id` against its first parent (everything it
    /// holds for a root commit).
    pub fn commit_changed_paths(&self, id: Oid, wanted: Changes) -> Result<Vec<String>> {
        let commit = self
            .repo
            .find_commit(id)
            .map_err(|e| Error::git(format!("reading commit {id}"), e))?;
        let parent = commit.parent_ids().next();
        let parent_tree = match parent {
            Some(p) => Some(
                self.repo
                    .find_commit(p)
                    .map_err(|e| Error::git(format!("reading commit {p}"), e))?
                    .tree_id(),
            ),
            None => None,
        };
        self.changed_paths(parent_tree, Some(commit.tree_id()), wanted)
    }

    fn tree_diff(
        &self,
        old: Option<&Tree<'_>>,
        new: Option<&Tree<'_>>,
        prefix: &str,
        wanted: Changes,
        out: &mut Vec<String>,
    ) -> Result<()> {
        let join = |name: &[u8]| {
            let name = String::from_utf8_lossy(name);
            if prefix.is_empty() {
                name.into_owned()
            } else {
                format!("{prefix}/{name}")
            }
        };
        let subtree = |e: &TreeEntry<'_>| -> Result<Option<Tree<'_>>> {
            match e.kind() {
                Some(ObjectType::Tree) => self.find_tree(e.id()).map(Some),
                _ => Ok(None),
            }
        };
        if let Some(new) = new {
            for entry in new.iter() {
                let before = old.and_then(|t| t.get_name_bytes(entry.name_bytes()));
                if let Some(b) = &before {
                    if b.id() == entry.id() && b.filemode_raw() == entry.filemode_raw() {
                        continue;
                    }
                }
                let path = join(entry.name_bytes());
                let before_tree = match &before {
                    Some(b) => subtree(b)?,
                    None => None,
                };
                match entry.kind() {
                    Some(ObjectType::Tree) => {
                        if let Some(b) = before.as_ref().filter(|_| before_tree.is_none()) {
                            // A file or submodule replaced by a directory.
                            self.push_entry(b, &path, wanted.deleted, wanted, out);
                        }
                        let sub = self.find_tree(entry.id())?;
                        self.tree_diff(before_tree.as_ref(), Some(&sub), &path, wanted, out)?;
                    }
                    _ => {
                        if before_tree.is_some() {
                            // A directory replaced by a file: what was below is gone.
                            self.tree_diff(before_tree.as_ref(), None, &path, wanted, out)?;
                        }
                        self.push_entry(&entry, &path, true, wanted, out);
                    }
                }
            }
        }
        if !wanted.deleted && !wanted.submodules {
            return Ok(());
        }
        if let Some(old) = old {
            for entry in old.iter() {
                if new.is_some_and(|n| n.get_name_bytes(entry.name_bytes()).is_some()) {
                    continue; // handled above
                }
                let path = join(entry.name_bytes());
                match subtree(&entry)? {
                    Some(sub) => self.tree_diff(Some(&sub), None, &path, wanted, out)?,
                    None => self.push_entry(&entry, &path, wanted.deleted, wanted, out),
                }
            }
        }
        Ok(())
    }

    /// Lists a file or submodule entry at `path` when `file` (files) or
    /// `wanted.submodules` (submodules) says so.
    fn push_entry(
        &self,
        entry: &TreeEntry<'_>,
        path: &str,
        file: bool,
        wanted: Changes,
        out: &mut Vec<String>,
    ) {
        let listed = match entry.kind() {
            Some(ObjectType::Blob) => file,
            Some(ObjectType::Commit) => wanted.submodules,
            _ => false,
        };
        if listed {
            out.push(path.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::testing::*;
    use git2::Repository;

    #[test]
    fn changed_paths_descends_only_into_changed_trees() {
        let dir = tempfile::tempdir().unwrap();
        let git = Repository::init(dir.path()).unwrap();
        let blob = |s: &str| git.blob(s.as_bytes()).unwrap();
        let mut b = git2::build::TreeUpdateBuilder::new();
        let empty = git
            .find_tree(git.treebuilder(None).unwrap().write().unwrap())
            .unwrap();
        b.upsert("a/x.md", blob("1"), git2::FileMode::Blob)
            .upsert("a/y.txt", blob("2"), git2::FileMode::Blob)
            .upsert("b/z.txt", blob("3"), git2::FileMode::Blob);
        let t1 = git
            .find_tree(b.create_updated(&git, &empty).unwrap())
            .unwrap();
        let mut b = git2::build::TreeUpdateBuilder::new();
        b.upsert("a/x.md", blob("1b"), git2::FileMode::Blob)
            .upsert("c/new.md", blob("4"), git2::FileMode::Blob)
            .remove("b/z.txt");
        let t2 = git.find_tree(b.create_updated(&git, &t1).unwrap()).unwrap();
        let (t1, t2) = (t1.id(), t2.id());
        let repo = Repo::from_git(Repository::open(dir.path()).unwrap());
        let out = repo
            .changed_paths(Some(t1), Some(t2), Changes::ADDED_OR_CHANGED)
            .unwrap();
        assert_eq!(out, vec!["a/x.md".to_string(), "c/new.md".to_string()]);
        let all = repo
            .changed_paths(None, Some(t1), Changes::ADDED_OR_CHANGED)
            .unwrap();
        assert_eq!(all.len(), 3);
    }

    /// What libgit2's tree diff lists (what changelog and review used before).
    fn diffed(f: &Fixture, id: Oid) -> Vec<String> {
        let commit = f.git.find_commit(id).unwrap();
        let tree = commit.tree().ok();
        let parent = commit.parent(0).ok().and_then(|p| p.tree().ok());
        let diff = f
            .git
            .diff_tree_to_tree(parent.as_ref(), tree.as_ref(), None)
            .unwrap();
        let mut out: Vec<String> = diff
            .deltas()
            .filter_map(|d| {
                d.new_file()
                    .path()
                    .or_else(|| d.old_file().path())
                    .map(|p| p.to_string_lossy().into_owned())
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    fn ours(repo: &Repo, id: Oid, wanted: Changes) -> Vec<String> {
        let mut out = repo.commit_changed_paths(id, wanted).unwrap();
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn changed_paths_are_the_tree_diffs_paths() {
        let mut f = Fixture::new();
        let a = f.commit(
            &[],
            &[
                ("a.md", Some("a")),
                ("d/x.md", Some("x")),
                ("d/e/y.md", Some("y")),
            ],
            "root",
        );
        let b = f.commit(
            &[a],
            &[("d/x.md", Some("x2")), ("a.md", None)],
            "edit, delete",
        );
        // A file replaced by a directory, and a directory by a file.
        let c = f.commit(
            &[b],
            &[
                ("d/x.md", None),
                ("d/x.md/z.md", Some("z")),
                ("d/e/y.md", None),
                ("d/e", Some("e")),
            ],
            "type changes",
        );
        let d = f.commit(&[c], &[("new/deep/n.md", Some("n"))], "add");
        f.head(d);
        let repo = f.repo();
        for id in [a, b, c, d] {
            assert_eq!(ours(&repo, id, Changes::ALL), diffed(&f, id), "{id}");
        }
        // Without deletions: what the commit adds or changes.
        assert_eq!(ours(&repo, b, Changes::ADDED_OR_CHANGED), vec!["d/x.md"]);
        assert_eq!(
            ours(&repo, c, Changes::ADDED_OR_CHANGED),
            vec!["d/e", "d/x.md/z.md"]
        );
        for seed in [5, 6] {
            let mut f = Fixture::new();
            let ids = random_history(&mut f, seed, 60);
            f.head(*ids.last().unwrap());
            let repo = f.repo();
            for id in ids {
                assert_eq!(
                    ours(&repo, id, Changes::ALL),
                    diffed(&f, id),
                    "seed {seed} {id}"
                );
            }
        }
    }
}
