//! The other walks of the crate, each reading only what its caller needs: commits
//! newest first by commit time (review drift), the first-parent line (the schema
//! review's base), non-merge commits with their trees (which commit made a migration),
//! and the files of one commit.
use chrono::{DateTime, FixedOffset};
use git2::{ObjectType, Oid, Sort};

use super::Repo;
use crate::{Error, Result};

/// One commit of [`Repo::newest_first`].
#[derive(Clone, Copy, Debug)]
pub struct Dated {
    pub id: Oid,
    /// Committer time, seconds since the epoch.
    pub time: i64,
    /// How many parents it has.
    pub parents: usize,
}

impl Repo {
    /// The commits reachable from `head`, newest commit time first (libgit2's revwalk
    /// with `Sort::TIME`), each read as the caller gets to it, so stopping early reads
    /// only recent history; a commit that cannot be read is skipped. `context` names
    /// the walk in an error starting it.
    pub fn newest_first(
        &self,
        head: Oid,
        context: &str,
    ) -> Result<impl Iterator<Item = Dated> + '_> {
        let g = |e| Error::git(context.to_string(), e);
        let mut walk = self.repo.revwalk().map_err(g)?;
        walk.set_sorting(Sort::TIME).map_err(g)?;
        walk.push(head).map_err(g)?;
        Ok(walk.filter_map(move |id| {
            let commit = self.repo.find_commit(id.ok()?).ok()?;
            Some(Dated {
                id: commit.id(),
                time: commit.time().seconds(),
                parents: commit.parent_count(),
            })
        }))
    }
}

/// A tree read from the repository, for looking paths up in it.
pub struct TreeView<'r>(git2::Tree<'r>);

impl TreeView<'_> {
    pub fn id(&self) -> Oid {
        self.0.id()
    }

    /// The id of the entry at `path` (a file or a directory); the tree's own for `""`.
    pub fn entry_id(&self, path: &str) -> Option<Oid> {
        if path.is_empty() {
            Some(self.0.id())
        } else {
            self.0
                .get_path(std::path::Path::new(path))
                .ok()
                .map(|e| e.id())
        }
    }
}

impl Repo {
    /// Each commit of HEAD's history from `head`, hiding `hide` and its ancestors, in
    /// libgit2's revwalk order (`Sort::TOPOLOGICAL | Sort::TIME`), that has at most one
    /// parent: `f(id, its tree, its parent's tree)`. Merges are skipped (their branch
    /// commits carry the change). `context` names the walk in an error.
    pub fn for_each_non_merge(
        &self,
        head: Oid,
        hide: Option<Oid>,
        context: &str,
        f: &mut dyn FnMut(Oid, &TreeView<'_>, Option<&TreeView<'_>>),
    ) -> Result<()> {
        let g = |e| Error::git(context.to_string(), e);
        let mut walk = self.repo.revwalk().map_err(g)?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)
            .map_err(g)?;
        walk.push(head).map_err(g)?;
        if let Some(s) = hide {
            walk.hide(s).map_err(g)?;
        }
        for id in walk {
            let id = id.map_err(g)?;
            let c = self.repo.find_commit(id).map_err(g)?;
            if c.parent_count() > 1 {
                continue;
            }
            let tree = TreeView(c.tree().map_err(g)?);
            let parent = match c.parent(0) {
                Ok(p) => Some(TreeView(p.tree().map_err(g)?)),
                Err(_) => None,
            };
            f(id, &tree, parent.as_ref());
        }
        Ok(())
    }

    /// The commit on HEAD's first-parent line from `head` for which `stop(author date)`
    /// says so (the dates with their own offsets): one read per commit. `None` when no
    /// commit does, or the line ends at a shallow boundary first.
    pub fn first_parent_where(
        &self,
        head: Oid,
        context: &str,
        stop: &dyn Fn(Option<DateTime<FixedOffset>>) -> bool,
    ) -> Result<Option<Oid>> {
        let mut c = self
            .repo
            .find_commit(head)
            .map_err(|e| Error::git(context.to_string(), e))?;
        loop {
            let t = c.author().when();
            let when = DateTime::from_timestamp(t.seconds(), 0)
                .zip(FixedOffset::east_opt(t.offset_minutes() * 60))
                .map(|(d, o)| d.with_timezone(&o));
            if stop(when) {
                return Ok(Some(c.id()));
            }
            match c.parent_id(0) {
                Ok(p) => match self.repo.find_commit(p) {
                    Ok(pc) => c = pc,
                    // A shallow clone's boundary.
                    Err(_) => return Ok(None),
                },
                Err(_) => return Ok(None),
            }
        }
    }

    /// The files (blobs) of `commit`'s tree whose name `keep(name)` accepts, as
    /// `(path, blob)`, descending into every directory but those `skip_dir(name)`
    /// refuses; `context` names the listing in an error.
    pub fn files_at(
        &self,
        commit: Oid,
        skip_dir: &dyn Fn(&str) -> bool,
        keep: &mut dyn FnMut(&str, &str, Oid),
        context: &str,
    ) -> Result<()> {
        let tree = self
            .repo
            .find_commit(commit)
            .and_then(|c| c.tree())
            .map_err(|e| Error::git(format!("reading the tree of commit {commit}"), e))?;
        tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            let Ok(name) = entry.name() else {
                return git2::TreeWalkResult::Skip;
            };
            match entry.kind() {
                Some(ObjectType::Tree) if skip_dir(name) => git2::TreeWalkResult::Skip,
                Some(ObjectType::Blob) => {
                    keep(dir, name, entry.id());
                    git2::TreeWalkResult::Ok
                }
                _ => git2::TreeWalkResult::Ok,
            }
        })
        .map_err(|e| Error::git(context.to_string(), e))
    }
}
