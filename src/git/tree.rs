//! Trees as the document walk reads them: a [`Tree`] answers "which subtree, which
//! blob has this name" without handing out libgit2's entries, and
//! [`Repo::rename_candidates`] lists what a rename could have come from.
use std::path::Path;

use git2::{ObjectType, Oid};

use super::Repo;
use crate::{Error, Result};

/// A tree read from the repository (cheap to clone: libgit2 shares it).
#[derive(Clone)]
pub struct Tree<'r>(git2::Tree<'r>);

impl Tree<'_> {
    pub fn id(&self) -> Oid {
        self.0.id()
    }

    /// The id of the subtree named `name` here; `None` when there is none (or `name`
    /// is a file).
    #[inline]
    pub fn subtree(&self, name: &str) -> Option<Oid> {
        match self.0.get_name(name) {
            Some(entry) if entry.kind() == Some(ObjectType::Tree) => Some(entry.id()),
            _ => None,
        }
    }

    /// The id of the file (blob) named `name` here; `None` when there is none.
    #[inline]
    pub fn blob(&self, name: &str) -> Option<Oid> {
        self.0
            .get_name(name)
            .filter(|e| e.kind() == Some(ObjectType::Blob))
            .map(|e| e.id())
    }
}

impl Repo {
    /// The root tree of commit `head` (HEAD, as its errors say).
    pub(crate) fn head_tree(&self, head: Oid) -> Result<Tree<'_>> {
        self.repo
            .find_commit(head)
            .map_err(|e| Error::git(format!("reading commit {head}"), e))?
            .tree()
            .map(Tree)
            .map_err(|e| Error::git("reading HEAD's tree", e))
    }

    /// Tree `id`.
    pub fn tree(&self, id: Oid) -> Result<Tree<'_>> {
        self.find_tree(id).map(Tree)
    }

    /// Files (blobs, links, submodules) in `old` and not in `new` at the same path as
    /// the same kind, with their ids: the rename sources a deletion leaves. Only `old`'s
    /// side is walked: subtrees with the same id on both sides are not read, nor are
    /// trees only `new` has (nothing in them can be gone).
    pub fn rename_candidates(&self, old: &Tree<'_>, new: &Tree<'_>) -> Result<Vec<(String, Oid)>> {
        let mut gone = Vec::new();
        gone_files(self, &old.0, Some(&new.0), "", &mut gone)?;
        Ok(gone)
    }
}

impl Tree<'_> {
    /// The tree-entry mode of the file or directory at path `rel`, when it is there.
    pub(crate) fn mode(&self, rel: &str) -> Option<i32> {
        self.0.get_path(Path::new(rel)).ok().map(|e| e.filemode())
    }
}

impl Repo {
    /// The text (lossily decoded) of the file at path `path` in `tree`; empty when there
    /// is none.
    pub(crate) fn blob_text(&self, tree: &Tree<'_>, path: &str) -> String {
        tree.0
            .get_path(Path::new(path))
            .ok()
            .and_then(|e| self.repo.find_blob(e.id()).ok())
            .map(|b| String::from_utf8_lossy(b.content()).into_owned())
            .unwrap_or_default()
    }

    /// The bytes and tree-entry mode of the file at `rel` in `tree` (HEAD's); `None`
    /// when it is a symlink, a directory or a submodule there.
    pub(crate) fn committed_file(
        &self,
        tree: &Tree<'_>,
        rel: &str,
    ) -> Result<Option<(Vec<u8>, i32)>> {
        let entry = tree
            .0
            .get_path(Path::new(rel))
            .map_err(|e| Error::git(format!("looking up {rel} in HEAD"), e))?;
        if entry.kind() != Some(ObjectType::Blob) || entry.filemode() == 0o120000 {
            return Ok(None);
        }
        let bytes = self
            .repo
            .find_blob(entry.id())
            .map_err(|e| Error::git(format!("reading {rel} in HEAD"), e))?
            .content()
            .to_vec();
        Ok(Some((bytes, entry.filemode())))
    }
}

/// [`Repo::rename_candidates`] under `prefix`.
fn gone_files(
    repo: &Repo,
    old: &git2::Tree<'_>,
    new: Option<&git2::Tree<'_>>,
    prefix: &str,
    gone: &mut Vec<(String, Oid)>,
) -> Result<()> {
    let join = |name: &[u8]| {
        let name = String::from_utf8_lossy(name);
        if prefix.is_empty() {
            name.into_owned()
        } else {
            format!("{prefix}/{name}")
        }
    };
    let is_tree = |e: &git2::TreeEntry<'_>| e.kind() == Some(ObjectType::Tree);
    for entry in old.iter() {
        let other = new.and_then(|n| n.get_name_bytes(entry.name_bytes()));
        if other.as_ref().is_some_and(|o| o.id() == entry.id()) {
            continue;
        }
        if is_tree(&entry) {
            let sub = repo.find_tree(entry.id())?;
            // Into a tree with a different id: only what differs below. Into nothing
            // (or a file): everything below is gone.
            let other_tree = match &other {
                Some(o) if is_tree(o) => Some(repo.find_tree(o.id())?),
                _ => None,
            };
            gone_files(
                repo,
                &sub,
                other_tree.as_ref(),
                &join(entry.name_bytes()),
                gone,
            )?;
        } else if other.as_ref().is_none_or(&is_tree) {
            // (A file modified in place is not a rename source.)
            gone.push((join(entry.name_bytes()), entry.id()));
        }
    }
    Ok(())
}
