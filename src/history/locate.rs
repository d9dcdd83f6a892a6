//! Where the document is in each commit: the blob at its path (reading only the trees
//! on the way, and none whose id says the answer is known), and, where the path
//! disappears going to a parent, its rename source — exact renames (case-only ones
//! included) first, then git's similarity score against the deleted files.
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::git::{Oid, Tree};

use super::DocState;
use crate::git::{OidHash, Repo};
use crate::{similarity, Error, Result};

/// The blob at `path` in `root`, and the ids of the trees met on the way. With
/// `known` (a state of the same path), a tree on the way with the id `known` met
/// there gives `known`'s answer without reading further.
pub(crate) fn locate<'r>(
    repo: &'r Repo,
    root: &Tree<'r>,
    path: &Path,
    known: Option<&DocState>,
    subtrees: &mut Vec<(Oid, Tree<'r>)>,
) -> Result<(Option<Oid>, Rc<[Oid]>)> {
    let text = path.to_string_lossy();
    let mut parts: Vec<&str> = text.split('/').collect();
    let Some(name) = parts.pop() else {
        return Ok((None, Rc::from([])));
    };
    let mut trees: Vec<Oid> = Vec::with_capacity(parts.len());
    let mut below: Option<Tree<'r>> = None;
    for (i, dir) in parts.iter().enumerate() {
        let tree = below.as_ref().unwrap_or(root);
        let Some(id) = tree.subtree(dir) else {
            return Ok((None, trees.into()));
        };
        if let Some(k) = known {
            if k.trees.get(i) == Some(&id) {
                return Ok((k.blob, k.trees.clone()));
            }
        }
        trees.push(id);
        below = Some(match subtrees.iter().find(|(t, _)| *t == id) {
            Some((_, tree)) => tree.clone(),
            None => {
                let tree = repo.tree(id)?;
                subtrees.push((id, tree.clone()));
                tree
            }
        });
    }
    let tree = below.as_ref().unwrap_or(root);
    let blob = tree.blob(name);
    Ok((blob, trees.into()))
}

/// Where the document is in a parent with root tree `parent_tree`, given where it is
/// in the child (`state`, root tree `child_tree`).
pub(crate) fn parent_state<'r>(
    repo: &'r Repo,
    (child_tree, child_tree_obj): (Oid, &mut Option<Tree<'r>>),
    state: &DocState,
    (parent_tree, parent_root): (Oid, &mut Option<Tree<'r>>),
    threshold: u16,
    subtrees: &mut Vec<(Oid, Tree<'r>)>,
    renames: &mut Renames,
) -> Result<DocState> {
    if parent_tree == child_tree {
        return Ok(state.clone());
    }
    if parent_root.is_none() {
        *parent_root = Some(repo.tree(parent_tree)?);
    }
    let Some(parent_root) = parent_root.as_ref() else {
        return Err(Error::Internal("parent tree not loaded".into()));
    };
    let (blob, trees) = locate(repo, parent_root, &state.path, Some(state), subtrees)?;
    let Some(child_blob) = state.blob else {
        return Ok(DocState {
            path: state.path.clone(),
            blob,
            trees,
        });
    };
    if blob.is_some() {
        return Ok(DocState {
            path: state.path.clone(),
            blob,
            trees,
        });
    }
    // The path disappears going to the parent: renamed here, or added here.
    if child_tree_obj.is_none() {
        *child_tree_obj = Some(repo.tree(child_tree)?);
    }
    let Some(tree) = child_tree_obj.as_ref() else {
        return Err(Error::Internal("child tree not loaded".into()));
    };
    match rename_source(
        repo,
        parent_root,
        tree,
        &state.path,
        child_blob,
        threshold,
        renames,
    )? {
        Some(old) => {
            let (blob, trees) = locate(repo, parent_root, &old, None, subtrees)?;
            Ok(DocState {
                path: old.into(),
                blob,
                trees,
            })
        }
        None => Ok(DocState {
            path: state.path.clone(),
            blob: None,
            trees,
        }),
    }
}

/// The path in `old` that became `path` in `new` by a rename, if any.
///
/// As git's rename detection for this one destination (`diffcore-rename`), reading
/// only the subtrees that differ: an exact rename (same blob; a deleted file with
/// the same name preferred) first, else git's similarity score of each deleted file
/// against the document's blob (see [`Repo::find_rename_source`]). Found once per
/// (tree pair, blob, path) in a walk. Only the document is scored: a deleted file
/// that git would pair with another added file it resembles more can still be the
/// document's source here (following one document, its best source is what counts).
fn rename_source(
    repo: &Repo,
    old: &Tree<'_>,
    new: &Tree<'_>,
    path: &Path,
    blob: Oid,
    threshold: u16,
    renames: &mut Renames,
) -> Result<Option<PathBuf>> {
    let key = (old.id(), new.id(), blob, PathBuf::from(path));
    if let Some(found) = renames.found.get(&key) {
        return Ok(found.clone());
    }
    let found = find_rename_source(repo, old, new, path, blob, threshold, renames)?;
    renames.found.insert(key, found.clone());
    Ok(found)
}

/// [`Repo::rename_source`] without the cache.
fn find_rename_source(
    repo: &Repo,
    old: &Tree<'_>,
    new: &Tree<'_>,
    path: &Path,
    blob: Oid,
    threshold: u16,
    renames: &mut Renames,
) -> Result<Option<PathBuf>> {
    let gone = repo.rename_candidates(old, new)?;

    // Exact renames (including case-only ones) need no similarity scoring: look for a
    // deleted file with the same blob, preferring one with the same file name.
    let mut exact: Option<PathBuf> = None;
    let file_name = path.file_name().map(|n| n.to_string_lossy().to_lowercase());
    for (old_path, id) in &gone {
        if *id != blob {
            continue;
        }
        let old_path = Path::new(old_path);
        let same_name = old_path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            == file_name;
        if exact.is_none() || same_name {
            exact = Some(old_path.to_path_buf());
            if same_name {
                break;
            }
        }
    }
    if exact.is_some() || gone.is_empty() {
        return Ok(exact);
    }

    // Similarity of the document's blob against the deleted files only (git's
    // diffcore-rename for one destination): files with the same name first, as git's
    // basename step, then the same name with another extension, then every deleted
    // file whose size allows the threshold; the first of these groups with a file at
    // or above the threshold gives the source (its most similar file). Each
    // candidate's signature is computed once per walk (see [`Renames`]).
    let min = similarity::min_score(threshold);
    let Some(doc_sig) = renames.signature(repo, blob) else {
        return Ok(None);
    };
    // How close a deleted file's name is to the document's: 0 the same file name
    // (case aside), 1 the same name but for the extension (`config.txt` ->
    // `config.adoc`, a mass rename's usual shape), 2 any other.
    let stem = |name: &str| match name.rfind('.') {
        Some(dot) if dot > 0 => name[..dot].to_string(),
        _ => name.to_string(),
    };
    let doc_stem = file_name.as_deref().map(stem);
    let kinship = |p: &str| {
        let name = Path::new(p)
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase());
        if name == file_name {
            0
        } else if name.as_deref().map(stem) == doc_stem {
            1
        } else {
            2
        }
    };
    let mut best: Option<(u64, &str)> = None;
    for pass in 0..3 {
        if best.is_some() {
            break;
        }
        for (old_path, id) in gone.iter().filter(|(p, _)| kinship(p) == pass) {
            let Some(score) = renames.score(repo, *id, &doc_sig, min) else {
                continue;
            };
            if score >= min && best.is_none_or(|(b, _)| score > b) {
                best = Some((score, old_path));
            }
        }
    }
    Ok(best.map(|(_, p)| PathBuf::from(p)))
}

/// What rename detection learnt during one walk: the rename source found per (old
/// tree, new tree, document blob, path), and per blob its size and similarity
/// signature. A topic branch forked before a mass rename and merged after it makes
/// every such merge look for the document's source among the same deleted files;
/// each is read and hashed once.
#[derive(Default)]
pub(crate) struct Renames {
    found: HashMap<(Oid, Oid, Oid, PathBuf), Option<PathBuf>>,
    sizes: HashMap<Oid, Option<usize>, OidHash>,
    pub(crate) signatures: HashMap<Oid, Option<Rc<similarity::Signature>>, OidHash>,
}

impl Renames {
    /// A blob's size from its header (`None`: not a readable blob, as a submodule).
    fn size(&mut self, repo: &Repo, id: Oid) -> Option<usize> {
        if let Some(size) = self.sizes.get(&id) {
            return *size;
        }
        let size = repo.blob_size(id);
        self.sizes.insert(id, size);
        size
    }

    /// A blob's similarity signature.
    fn signature(&mut self, repo: &Repo, id: Oid) -> Option<Rc<similarity::Signature>> {
        if let Some(sig) = self.signatures.get(&id) {
            return sig.clone();
        }
        let sig = repo
            .blobs()
            .with(id, |bytes| Rc::new(similarity::Signature::of(bytes)))
            .ok();
        self.signatures.insert(id, sig.clone());
        sig
    }

    /// The score of blob `id` renamed to the document (`doc`), or `None` when its size
    /// alone rules it out below `min` (it is then not read) or it is not a blob.
    fn score(
        &mut self,
        repo: &Repo,
        id: Oid,
        doc: &similarity::Signature,
        min: u64,
    ) -> Option<u64> {
        let size = self.size(repo, id)?;
        if !similarity::sizes_allow(size, doc.size, min) {
            return None;
        }
        let sig = self.signature(repo, id)?;
        Some(similarity::score(&sig, doc))
    }
}
