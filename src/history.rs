//! git2 behind one small wrapper: the only module that talks to git.
//!
//! It owns opening the repository, reading commits (with `.mailmap` applied to every
//! person), parsing commit-message trailers, and the core question the rest of the crate
//! asks: *which commits changed this document, and how?* ([`Repo::document_history`]).
//!
//! Invariants:
//! - Every [`Person`] handed out has been resolved through the repository's mailmap,
//!   which is loaded once when the [`Repo`] is opened.
//! - Paths handed out are relative to the work tree and `/`-separated, as git stores them.
//! - [`Repo::document_history`] tracks the document's path *per commit* (a rename on one
//!   branch does not leak into another), reads blob contents only for commits that
//!   changed the document, and runs rename detection only where the document's path
//!   disappears between a commit and its parent. Every other commit costs one tree-id
//!   comparison or one `Tree::get_path` lookup.
//! - A shallow clone never produces a false "Added": a commit at the shallow boundary
//!   that holds the document is reported with `shallow_boundary: true`, and the history
//!   is marked `truncated`.
//! - Nothing here prints, and nothing here writes to the repository.
use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use git2::{Commit, ErrorCode, ObjectType, Oid, Repository, Sort, Tree};

use crate::{Error, Result};

/// Default similarity (percent) for rename detection, as in git.
const DEFAULT_RENAME_THRESHOLD: u16 = 50;

/// An open repository plus its mailmap.
pub struct Repo {
    repo: Repository,
    mailmap: Option<git2::Mailmap>,
}

/// A name and email, already resolved through `.mailmap`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub email: String,
}

/// What the crate needs to know about one commit.
#[derive(Clone, Debug)]
pub struct CommitInfo {
    pub id: Oid,
    /// Resolved through `.mailmap`.
    pub author: Person,
    /// The author as recorded in the commit (before `.mailmap`), so rows written before a
    /// mailmap entry existed still match.
    pub author_raw: Person,
    /// Resolved through `.mailmap`.
    pub committer: Person,
    /// Author date with the commit's own UTC offset.
    pub author_time: DateTime<FixedOffset>,
    /// The subject: the message's first paragraph (normally its first line), unfolded.
    pub summary: String,
    /// The message after the subject and blank line, trailers included.
    pub body: String,
    /// Git-style trailers from the last paragraph, `(key, value)` in order, keys as written.
    pub trailers: Vec<(String, String)>,
    /// From `Co-authored-by:` trailers: mailmap-resolved, deduplicated, excluding the author.
    pub co_authors: Vec<Person>,
    pub parent_ids: Vec<Oid>,
}

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
    /// Document bytes in the (first relevant) parent; `None` when `Added`.
    pub before: Option<Vec<u8>>,
    /// Document bytes in this commit; `None` when `Deleted`.
    pub after: Option<Vec<u8>>,
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
}

/// Knobs for [`Repo::document_history`].
#[derive(Default, Clone)]
pub struct HistoryOptions {
    /// Commits (and their ancestors) not to walk — for incremental runs. Ids that are not
    /// in the object database are ignored (the walk is then simply longer).
    pub hide: Vec<Oid>,
    /// Similarity percent for rename detection; default 50.
    pub rename_threshold: Option<u16>,
}

/// Where the document is in one commit: its path and the blob id there (`None`: absent).
#[derive(Clone, Debug, PartialEq, Eq)]
struct DocState {
    path: PathBuf,
    blob: Option<Oid>,
}

impl Repo {
    /// Finds the repository containing `start` (walking up parent directories).
    pub fn discover(start: &Path) -> Result<Repo> {
        match Repository::discover(start) {
            Ok(repo) => Ok(Repo::from_git(repo)),
            Err(e) if e.code() == ErrorCode::NotFound => Err(Error::Usage(format!(
                "not a git repository (or any of the parent directories): {}",
                start.display()
            ))),
            Err(e) => Err(Error::git(
                format!("opening the repository at {}", start.display()),
                e,
            )),
        }
    }

    /// Opens the repository at exactly `path` (a work tree or a git dir).
    pub fn open(path: &Path) -> Result<Repo> {
        match Repository::open(path) {
            Ok(repo) => Ok(Repo::from_git(repo)),
            Err(e) if e.code() == ErrorCode::NotFound => Err(Error::Usage(format!(
                "not a git repository: {}",
                path.display()
            ))),
            Err(e) => Err(Error::git(
                format!("opening the repository at {}", path.display()),
                e,
            )),
        }
    }

    fn from_git(repo: Repository) -> Repo {
        // A broken .mailmap must not stop the tool; names are then shown as written.
        let mailmap = repo.mailmap().ok();
        Repo { repo, mailmap }
    }

    /// The underlying git2 repository.
    pub fn git(&self) -> &Repository {
        &self.repo
    }

    /// The work tree; a bare repository is a usage error.
    pub fn workdir(&self) -> Result<&Path> {
        self.repo.workdir().ok_or_else(|| {
            Error::Usage(format!(
                "{} is a bare repository; dbarch needs a working tree",
                self.repo.path().display()
            ))
        })
    }

    /// Whether this is a shallow clone.
    pub fn is_shallow(&self) -> bool {
        self.repo.is_shallow()
    }

    /// The commit HEAD points at; `None` on an unborn branch.
    pub fn head_id(&self) -> Result<Option<Oid>> {
        match self.repo.head() {
            Ok(head) => match head.target() {
                Some(id) => Ok(Some(id)),
                None => head
                    .peel_to_commit()
                    .map(|c| Some(c.id()))
                    .map_err(|e| Error::git("resolving HEAD", e)),
            },
            Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => Ok(None),
            Err(e) => Err(Error::git("reading HEAD", e)),
        }
    }

    /// Reads one commit, resolving people through the mailmap.
    pub fn commit_info(&self, id: Oid) -> Result<CommitInfo> {
        let commit = self
            .repo
            .find_commit(id)
            .map_err(|e| Error::git(format!("reading commit {id}"), e))?;
        self.info_of(&commit)
    }

    fn info_of(&self, commit: &Commit<'_>) -> Result<CommitInfo> {
        let id = commit.id();
        let author_sig = commit.author();
        let author = self.resolve_sig(&author_sig);
        let committer = self.resolve_sig(&commit.committer());
        let author_time = to_datetime(author_sig.when()).ok_or_else(|| {
            Error::History(format!("commit {id} has an author date out of range"))
        })?;
        let message = String::from_utf8_lossy(commit.message_bytes());
        let (summary, body) = split_message(&message);
        let trailers = parse_trailers(&message);
        let mut co_authors: Vec<Person> = Vec::new();
        for (key, value) in &trailers {
            if !key.eq_ignore_ascii_case("co-authored-by") {
                continue;
            }
            let Some(person) = parse_person(value) else {
                continue;
            };
            let person = self.resolve_person(person);
            if same_person(&person, &author) || co_authors.iter().any(|p| same_person(p, &person)) {
                continue;
            }
            co_authors.push(person);
        }
        Ok(CommitInfo {
            id,
            author_raw: person_of(&author_sig),
            author,
            committer,
            author_time,
            summary,
            body,
            trailers,
            co_authors,
            parent_ids: commit.parent_ids().collect(),
        })
    }

    fn resolve_sig(&self, sig: &git2::Signature<'_>) -> Person {
        if let Some(mailmap) = &self.mailmap {
            if let Ok(resolved) = mailmap.resolve_signature(sig) {
                return person_of(&resolved);
            }
        }
        person_of(sig)
    }

    fn resolve_person(&self, person: Person) -> Person {
        if person.name.is_empty() || person.email.is_empty() {
            // git2 cannot build a signature with an empty part; keep it as written.
            return person;
        }
        match git2::Signature::new(&person.name, &person.email, &git2::Time::new(0, 0)) {
            Ok(sig) => self.resolve_sig(&sig),
            Err(_) => person,
        }
    }

    /// The bytes of the file at `path` in `commit`; `None` when there is no file there.
    pub fn blob_at(&self, commit: Oid, path: &Path) -> Result<Option<Vec<u8>>> {
        let path = self.normalize(path)?;
        let tree = self
            .repo
            .find_commit(commit)
            .and_then(|c| c.tree())
            .map_err(|e| Error::git(format!("reading the tree of commit {commit}"), e))?;
        match blob_id(&tree, &path)? {
            Some(id) => Ok(Some(self.read_blob(id)?)),
            None => Ok(None),
        }
    }

    /// Paths in the index (relative, `/`-separated), each once, in index order.
    pub fn tracked_files(&self) -> Result<Vec<PathBuf>> {
        let index = self
            .repo
            .index()
            .map_err(|e| Error::git("reading the index", e))?;
        let mut out: Vec<PathBuf> = Vec::with_capacity(index.len());
        for entry in index.iter() {
            let path = PathBuf::from(String::from_utf8_lossy(&entry.path).into_owned());
            // Conflicted paths appear once per stage, next to each other.
            if out.last() != Some(&path) {
                out.push(path);
            }
        }
        Ok(out)
    }

    /// `user.name` / `user.email` from git config; `None` when neither is set.
    pub fn user(&self) -> Option<Person> {
        let config = self.repo.config().ok()?;
        let name = config.get_string("user.name").unwrap_or_default();
        let email = config.get_string("user.email").unwrap_or_default();
        if name.trim().is_empty() && email.trim().is_empty() {
            return None;
        }
        Some(Person {
            name: name.trim().to_string(),
            email: email.trim().to_string(),
        })
    }

    /// Commits reachable from HEAD that changed the document now at `path` (relative to the
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
    pub fn document_history(&self, path: &Path, opts: &HistoryOptions) -> Result<DocHistory> {
        let path = self.normalize(path)?;
        let threshold = opts.rename_threshold.unwrap_or(DEFAULT_RENAME_THRESHOLD);
        let mut history = DocHistory::default();
        let Some(head) = self.head_id()? else {
            return Ok(history);
        };

        let mut walk = self
            .repo
            .revwalk()
            .map_err(|e| Error::git("starting the history walk", e))?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)
            .map_err(|e| Error::git("sorting the history walk", e))?;
        walk.push(head)
            .map_err(|e| Error::git(format!("walking from HEAD ({head})"), e))?;
        for &hidden in &opts.hide {
            match walk.hide(hidden) {
                Ok(()) => {}
                // A commit that is gone (rewritten history, gc) just means a longer walk.
                Err(e) if e.code() == ErrorCode::NotFound => {}
                Err(e) => return Err(Error::git(format!("hiding commit {hidden}"), e)),
            }
        }

        let shallow = self.shallow_boundaries()?;
        // The document's state in commits seen as a parent but not yet walked.
        let mut pending: HashMap<Oid, DocState> = HashMap::new();
        let mut newest_first: Vec<DocChange> = Vec::new();

        for next in walk {
            let id = match next {
                Ok(id) => id,
                Err(e) => {
                    if self.repo.is_shallow() && e.code() == ErrorCode::NotFound {
                        // libgit2 walked into a missing parent; the boundary is handled
                        // when its child is processed.
                        continue;
                    }
                    return Err(Error::git("walking the history", e));
                }
            };
            history.walked += 1;
            let commit = self
                .repo
                .find_commit(id)
                .map_err(|e| Error::git(format!("reading commit {id}"), e))?;
            let state = match pending.remove(&id) {
                Some(state) => state,
                // Only HEAD gets here: every other walked commit has a walked child.
                None => {
                    let tree = tree_of(&commit)?;
                    DocState {
                        blob: blob_id(&tree, &path)?,
                        path: path.clone(),
                    }
                }
            };

            // Parents, or None when this commit sits on the shallow boundary.
            let parents = if shallow.contains(&id) {
                None
            } else {
                self.parents_of(&commit)?
            };
            let Some(parents) = parents else {
                if let Some(blob) = state.blob {
                    history.truncated = true;
                    newest_first.push(DocChange {
                        commit: self.info_of(&commit)?,
                        kind: ChangeKind::Added,
                        path: state.path.clone(),
                        old_path: None,
                        before: None,
                        after: Some(self.read_blob(blob)?),
                        shallow_boundary: true,
                    });
                }
                continue;
            };

            let mut parent_states: Vec<(Oid, DocState)> = Vec::with_capacity(parents.len());
            let mut own_tree: Option<Tree<'_>> = None;
            for parent in &parents {
                let ps = self.parent_state(&commit, &mut own_tree, &state, parent, threshold)?;
                parent_states.push((parent.id(), ps));
            }

            let change = classify(&state, &parent_states)
                .filter(|_| !self.is_clean_merge(&state, &parent_states));
            if let Some(change) = change {
                let before = match parent_states.first() {
                    Some((_, ps)) => ps.blob,
                    None => None,
                };
                let old_path = match (change, parent_states.first()) {
                    (ChangeKind::Renamed, Some((_, ps))) => Some(ps.path.clone()),
                    _ => None,
                };
                newest_first.push(DocChange {
                    commit: self.info_of(&commit)?,
                    kind: change,
                    path: state.path.clone(),
                    old_path,
                    before: match (change, before) {
                        (ChangeKind::Added, _) | (_, None) => None,
                        (_, Some(b)) => Some(self.read_blob(b)?),
                    },
                    after: match state.blob {
                        Some(b) => Some(self.read_blob(b)?),
                        None => None,
                    },
                    shallow_boundary: false,
                });
            }

            for (pid, ps) in parent_states {
                match pending.get(&pid) {
                    // Two children disagree on the parent's path: prefer the one where the
                    // document exists, otherwise the first child's (newest) view.
                    Some(existing) if existing.blob.is_some() || ps.blob.is_none() => {}
                    _ => {
                        pending.insert(pid, ps);
                    }
                }
            }
        }

        newest_first.reverse();
        history.changes = newest_first;
        Ok(history)
    }

    /// The parents of `commit`, or `None` if they are missing from a shallow clone.
    fn parents_of<'r>(&'r self, commit: &Commit<'r>) -> Result<Option<Vec<Commit<'r>>>> {
        let mut parents = Vec::with_capacity(commit.parent_count());
        for pid in commit.parent_ids() {
            match self.repo.find_commit(pid) {
                Ok(p) => parents.push(p),
                Err(e) if e.code() == ErrorCode::NotFound && self.repo.is_shallow() => {
                    return Ok(None);
                }
                Err(e) => {
                    return Err(Error::git(
                        format!("reading commit {pid} (parent of {})", commit.id()),
                        e,
                    ))
                }
            }
        }
        Ok(Some(parents))
    }

    /// Where the document is in `parent`, given where it is in `child` (`state`).
    fn parent_state<'r>(
        &'r self,
        child: &Commit<'r>,
        child_tree: &mut Option<Tree<'r>>,
        state: &DocState,
        parent: &Commit<'r>,
        threshold: u16,
    ) -> Result<DocState> {
        if parent.tree_id() == child.tree_id() {
            return Ok(state.clone());
        }
        let parent_tree = tree_of(parent)?;
        let blob = blob_id(&parent_tree, &state.path)?;
        let Some(child_blob) = state.blob else {
            return Ok(DocState {
                path: state.path.clone(),
                blob,
            });
        };
        if blob.is_some() {
            return Ok(DocState {
                path: state.path.clone(),
                blob,
            });
        }
        // The path disappears going to the parent: renamed here, or added here.
        if child_tree.is_none() {
            *child_tree = Some(tree_of(child)?);
        }
        let Some(tree) = child_tree.as_ref() else {
            return Err(Error::Internal("child tree not loaded".into()));
        };
        match self.rename_source(&parent_tree, tree, &state.path, child_blob, threshold)? {
            Some(old) => {
                let blob = blob_id(&parent_tree, &old)?;
                Ok(DocState { path: old, blob })
            }
            None => Ok(DocState {
                path: state.path.clone(),
                blob: None,
            }),
        }
    }

    /// The path in `old` that became `path` in `new` by a rename, if any.
    fn rename_source(
        &self,
        old: &Tree<'_>,
        new: &Tree<'_>,
        path: &Path,
        blob: Oid,
        threshold: u16,
    ) -> Result<Option<PathBuf>> {
        let mut diff = self
            .repo
            .diff_tree_to_tree(Some(old), Some(new), None)
            .map_err(|e| Error::git("diffing trees for rename detection", e))?;

        // Exact renames (including case-only ones) need no similarity scoring: look for a
        // deleted file with the same blob, preferring one with the same file name.
        let mut exact: Option<PathBuf> = None;
        let file_name = path.file_name().map(|n| n.to_string_lossy().to_lowercase());
        for delta in diff.deltas() {
            if delta.status() != git2::Delta::Deleted || delta.old_file().id() != blob {
                continue;
            }
            let Some(old_path) = delta.old_file().path() else {
                continue;
            };
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
        if exact.is_some() {
            return Ok(exact);
        }

        let mut find = git2::DiffFindOptions::new();
        find.renames(true).rename_threshold(threshold);
        diff.find_similar(Some(&mut find))
            .map_err(|e| Error::git("detecting renames", e))?;
        for delta in diff.deltas() {
            if delta.status() == git2::Delta::Renamed && delta.new_file().path() == Some(path) {
                return Ok(delta.old_file().path().map(Path::to_path_buf));
            }
        }
        Ok(None)
    }

    /// Commits listed in the `shallow` file: their parents are not in this clone.
    fn shallow_boundaries(&self) -> Result<HashSet<Oid>> {
        if !self.repo.is_shallow() {
            return Ok(HashSet::new());
        }
        let file = self.repo.commondir().join("shallow");
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashSet::new()),
            Err(e) => return Err(Error::io(file, e)),
        };
        Ok(text
            .lines()
            .filter_map(|line| Oid::from_str(line.trim()).ok())
            .collect())
    }

    fn read_blob(&self, id: Oid) -> Result<Vec<u8>> {
        self.repo
            .find_blob(id)
            .map(|b| b.content().to_vec())
            .map_err(|e| Error::git(format!("reading blob {id}"), e))
    }

    /// Makes `path` relative to the work tree and `/`-separated.
    fn normalize(&self, path: &Path) -> Result<PathBuf> {
        let mut rel = path;
        let canonical;
        if path.is_absolute() {
            let workdir = self.workdir()?;
            rel = match path.strip_prefix(workdir) {
                Ok(r) => r,
                Err(_) => {
                    canonical = std::fs::canonicalize(path).map_err(|e| Error::io(path, e))?;
                    let wd = std::fs::canonicalize(workdir).map_err(|e| Error::io(workdir, e))?;
                    canonical.strip_prefix(&wd).map_err(|_| {
                        Error::Usage(format!(
                            "{} is outside the repository at {}",
                            path.display(),
                            workdir.display()
                        ))
                    })?
                }
            };
        }
        let mut parts: Vec<String> = Vec::new();
        for component in rel.components() {
            match component {
                Component::CurDir => {}
                Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
                _ => {
                    return Err(Error::Usage(format!(
                        "{} must be a path inside the repository",
                        path.display()
                    )))
                }
            }
        }
        if parts.is_empty() {
            return Err(Error::Usage(format!(
                "{} does not name a file",
                path.display()
            )));
        }
        Ok(PathBuf::from(parts.join("/")))
    }
}

impl Repo {
    /// A two-parent merge whose document is exactly what git's automatic three-way merge
    /// of the parents' versions gives: both sides' own commits carry the change, so the
    /// merge records nothing new. A conflict resolved by hand (or an "evil merge") differs
    /// from the automatic result and counts.
    fn is_clean_merge(&self, state: &DocState, parents: &[(Oid, DocState)]) -> bool {
        let [(p1, s1), (p2, s2)] = parents else {
            return false;
        };
        let (Some(ours), Some(theirs), Some(result)) = (s1.blob, s2.blob, state.blob) else {
            return false;
        };
        if s1.path != state.path && s2.path != state.path {
            return false; // moved in the merge itself
        }
        let base_blob = self
            .repo
            .merge_base(*p1, *p2)
            .ok()
            .and_then(|b| self.repo.find_commit(b).ok())
            .and_then(|c| c.tree().ok())
            .and_then(|t| {
                blob_id(&t, &s1.path)
                    .ok()
                    .flatten()
                    .or_else(|| blob_id(&t, &s2.path).ok().flatten())
            });
        let read = |id: Oid| self.repo.find_blob(id).map(|b| b.content().to_vec()).ok();
        let (Some(ours), Some(theirs), Some(result)) = (read(ours), read(theirs), read(result))
        else {
            return false;
        };
        let base = base_blob.and_then(read).unwrap_or_default();
        let mut b = git2::MergeFileInput::new();
        b.content(&base);
        let mut o = git2::MergeFileInput::new();
        o.content(&ours);
        let mut t = git2::MergeFileInput::new();
        t.content(&theirs);
        match git2::merge_file(&b, &o, &t, None) {
            Ok(merged) => merged.is_automergeable() && merged.content() == result.as_slice(),
            Err(_) => false,
        }
    }
}

/// Decides whether a commit in state `state` with parents in `parents` changed the
/// document, and how (relative to the first parent).
fn classify(state: &DocState, parents: &[(Oid, DocState)]) -> Option<ChangeKind> {
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

fn tree_of<'r>(commit: &Commit<'r>) -> Result<Tree<'r>> {
    commit
        .tree()
        .map_err(|e| Error::git(format!("reading the tree of commit {}", commit.id()), e))
}

/// The blob id at `path` in `tree`; `None` when absent or not a file.
fn blob_id(tree: &Tree<'_>, path: &Path) -> Result<Option<Oid>> {
    match tree.get_path(path) {
        Ok(entry) if entry.kind() == Some(ObjectType::Blob) => Ok(Some(entry.id())),
        Ok(_) => Ok(None),
        Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(Error::git(format!("looking up {}", path.display()), e)),
    }
}

fn person_of(sig: &git2::Signature<'_>) -> Person {
    Person {
        name: String::from_utf8_lossy(sig.name_bytes()).into_owned(),
        email: String::from_utf8_lossy(sig.email_bytes()).into_owned(),
    }
}

/// Same person: same email (case-insensitive), or same name when an email is missing.
fn same_person(a: &Person, b: &Person) -> bool {
    if !a.email.is_empty() && !b.email.is_empty() {
        a.email.eq_ignore_ascii_case(&b.email)
    } else {
        a.name == b.name
    }
}

/// Parses `Name <email>` (or a bare email, or a bare name).
fn parse_person(value: &str) -> Option<Person> {
    let value = value.trim();
    let (name, email) = match (value.rfind('<'), value.ends_with('>')) {
        (Some(lt), true) => (value[..lt].trim(), value[lt + 1..value.len() - 1].trim()),
        _ if value.contains('@') && !value.contains(char::is_whitespace) => ("", value),
        _ => (value, ""),
    };
    if name.is_empty() && email.is_empty() {
        return None;
    }
    Some(Person {
        name: name.to_string(),
        email: email.to_string(),
    })
}

fn to_datetime(time: git2::Time) -> Option<DateTime<FixedOffset>> {
    let offset = FixedOffset::east_opt(time.offset_minutes().checked_mul(60)?)?;
    Some(DateTime::from_timestamp(time.seconds(), 0)?.with_timezone(&offset))
}

/// Splits a message into its subject (first paragraph, lines joined by a space, as git's
/// `%s`) and body (everything after the blank line that ends it, trailing space trimmed).
fn split_message(message: &str) -> (String, String) {
    let mut lines = message.lines().skip_while(|l| l.trim().is_empty());
    let mut subject: Vec<&str> = Vec::new();
    for line in lines.by_ref() {
        if line.trim().is_empty() {
            break;
        }
        subject.push(line.trim());
    }
    let rest: Vec<&str> = lines.skip_while(|l| l.trim().is_empty()).collect();
    let body = rest.join("\n").trim_end().to_string();
    (subject.join(" "), body)
}

/// Git-style trailers from the message's last paragraph: `(key, value)` in order, keys as
/// written. The paragraph counts only if it is not the subject and every line in it is
/// `Key: value` (key: ASCII letters, digits and `-`) or a continuation line starting with
/// whitespace, which is joined to the previous value with one space.
pub fn parse_trailers(message: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = message.lines().collect();
    let mut end = lines.len();
    while end > 0 && lines[end - 1].trim().is_empty() {
        end -= 1;
    }
    let mut start = end;
    while start > 0 && !lines[start - 1].trim().is_empty() {
        start -= 1;
    }
    // The first paragraph is the subject, never trailers.
    if end == 0 || lines[..start].iter().all(|l| l.trim().is_empty()) {
        return Vec::new();
    }
    let mut trailers: Vec<(String, String)> = Vec::new();
    for line in &lines[start..end] {
        if line.starts_with([' ', '\t']) {
            let Some((_, value)) = trailers.last_mut() else {
                return Vec::new();
            };
            let more = line.trim();
            if !more.is_empty() {
                if !value.is_empty() {
                    value.push(' ');
                }
                value.push_str(more);
            }
        } else if let Some((key, value)) = split_trailer(line) {
            trailers.push((key.to_string(), value.to_string()));
        } else {
            return Vec::new();
        }
    }
    trailers
}

fn split_trailer(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(':')?;
    let valid = !key.is_empty()
        && !key.starts_with('-')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    valid.then(|| (key, value.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::process::Command;

    use git2::{IndexEntry, IndexTime, Signature, Time};

    type Files = BTreeMap<String, String>;

    const T0: i64 = 1_767_225_600;

    /// A scratch repository built commit by commit with fixed people and times.
    struct Fixture {
        dir: tempfile::TempDir,
        git: Repository,
        files: HashMap<Oid, Files>,
        tick: i64,
    }

    impl Fixture {
        fn new() -> Fixture {
            let dir = tempfile::tempdir().unwrap();
            let git = Repository::init(dir.path()).unwrap();
            git.set_head("refs/heads/main").unwrap();
            Fixture {
                dir,
                git,
                files: HashMap::new(),
                tick: 0,
            }
        }

        fn ana(&mut self) -> Signature<'static> {
            self.tick += 1;
            Signature::new(
                "Ana Lima",
                "ana@example.com",
                &Time::new(T0 + self.tick * 60, 60),
            )
            .unwrap()
        }

        /// A commit whose tree is the first parent's plus `changes` (None deletes).
        fn commit(
            &mut self,
            parents: &[Oid],
            changes: &[(&str, Option<&str>)],
            message: &str,
        ) -> Oid {
            let sig = self.ana();
            self.commit_as(parents, changes, message, &sig, &sig)
        }

        fn commit_as(
            &mut self,
            parents: &[Oid],
            changes: &[(&str, Option<&str>)],
            message: &str,
            author: &Signature<'_>,
            committer: &Signature<'_>,
        ) -> Oid {
            let mut files = parents
                .first()
                .map(|p| self.files[p].clone())
                .unwrap_or_default();
            for (path, content) in changes {
                match content {
                    Some(c) => files.insert(path.to_string(), c.to_string()),
                    None => files.remove(*path),
                };
            }
            let mut index = git2::Index::new().unwrap();
            for (path, content) in &files {
                let id = self.git.blob(content.as_bytes()).unwrap();
                index
                    .add(&IndexEntry {
                        ctime: IndexTime::new(0, 0),
                        mtime: IndexTime::new(0, 0),
                        dev: 0,
                        ino: 0,
                        mode: 0o100644,
                        uid: 0,
                        gid: 0,
                        file_size: content.len() as u32,
                        id,
                        flags: path.len().min(0xfff) as u16,
                        flags_extended: 0,
                        path: path.as_bytes().to_vec(),
                    })
                    .unwrap();
            }
            let tree_id = index.write_tree_to(&self.git).unwrap();
            let tree = self.git.find_tree(tree_id).unwrap();
            let parent_commits: Vec<Commit<'_>> = parents
                .iter()
                .map(|p| self.git.find_commit(*p).unwrap())
                .collect();
            let refs: Vec<&Commit<'_>> = parent_commits.iter().collect();
            let id = self
                .git
                .commit(None, author, committer, message, &tree, &refs)
                .unwrap();
            self.files.insert(id, files);
            id
        }

        /// Points `main` (and so HEAD) at `id`, and checks its files out (for the git CLI).
        fn head(&self, id: Oid) {
            self.git
                .reference("refs/heads/main", id, true, "test")
                .unwrap();
            for (path, content) in &self.files[&id] {
                let file = self.dir.path().join(path);
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::write(file, content).unwrap();
            }
        }

        fn repo(&self) -> Repo {
            Repo::open(self.dir.path()).unwrap()
        }

        fn history(&self, path: &str) -> DocHistory {
            self.repo()
                .document_history(Path::new(path), &HistoryOptions::default())
                .unwrap()
        }
    }

    /// (summary, kind, path) for each change, oldest first.
    fn listed(history: &DocHistory) -> Vec<(String, ChangeKind, String)> {
        history
            .changes
            .iter()
            .map(|c| {
                (
                    c.commit.summary.clone(),
                    c.kind,
                    c.path.to_string_lossy().into_owned(),
                )
            })
            .collect()
    }

    fn row(summary: &str, kind: ChangeKind, path: &str) -> (String, ChangeKind, String) {
        (summary.to_string(), kind, path.to_string())
    }

    use ChangeKind::{Added, Deleted, Modified, Renamed};

    const DOC: &str = "docs/database-architecture.md";
    const V1: &str = "# Database architecture\n\nWe use Postgres 16 for everything.\nReplicas: 2.\nBackups: nightly.\nOwner: platform team.\n";
    const V2: &str = "# Database architecture\n\nWe use Postgres 17 for everything.\nReplicas: 2.\nBackups: nightly.\nOwner: platform team.\n";
    const V3: &str = "# Database architecture\n\nWe use Postgres 17 for everything.\nReplicas: 3.\nBackups: nightly.\nOwner: platform team.\n";

    #[test]
    fn history_linear_edits_skip_unrelated_commits() {
        let mut f = Fixture::new();
        let a = f.commit(
            &[],
            &[(DOC, Some(V1)), ("README.md", Some("hi"))],
            "Add doc",
        );
        let b = f.commit(&[a], &[("src/main.rs", Some("fn main() {}"))], "Unrelated");
        let c = f.commit(&[b], &[(DOC, Some(V2))], "Upgrade Postgres");
        let d = f.commit(&[c], &[(DOC, Some(V3))], "More replicas");
        f.head(d);
        let h = f.history(DOC);
        assert_eq!(
            listed(&h),
            vec![
                row("Add doc", Added, DOC),
                row("Upgrade Postgres", Modified, DOC),
                row("More replicas", Modified, DOC),
            ]
        );
        assert!(!h.truncated);
        let first = &h.changes[0];
        assert_eq!(first.before, None);
        assert_eq!(first.after.as_deref(), Some(V1.as_bytes()));
        assert!(!first.shallow_boundary);
        let last = &h.changes[2];
        assert_eq!(last.before.as_deref(), Some(V2.as_bytes()));
        assert_eq!(last.after.as_deref(), Some(V3.as_bytes()));
        assert_eq!(last.old_path, None);
        assert_eq!(last.commit.id, d);
        assert_eq!(last.commit.parent_ids, vec![c]);
    }

    #[test]
    fn history_follows_a_rename() {
        let mut f = Fixture::new();
        let a = f.commit(&[], &[("db.md", Some(V1))], "Add doc");
        let b = f.commit(&[a], &[("db.md", Some(V2))], "Edit doc");
        let c = f.commit(&[b], &[("db.md", None), (DOC, Some(V2))], "Move doc");
        let d = f.commit(&[c], &[(DOC, Some(V3))], "Edit moved doc");
        f.head(d);
        let h = f.history(DOC);
        assert_eq!(
            listed(&h),
            vec![
                row("Add doc", Added, "db.md"),
                row("Edit doc", Modified, "db.md"),
                row("Move doc", Renamed, DOC),
                row("Edit moved doc", Modified, DOC),
            ]
        );
        let moved = &h.changes[2];
        assert_eq!(moved.old_path.as_deref(), Some(Path::new("db.md")));
        assert_eq!(moved.before.as_deref(), Some(V2.as_bytes()));
        assert_eq!(moved.after.as_deref(), Some(V2.as_bytes()));
    }

    #[test]
    fn history_follows_a_case_only_rename() {
        let mut f = Fixture::new();
        let a = f.commit(&[], &[("Doc.md", Some(V1))], "Add Doc");
        let b = f.commit(&[a], &[("Doc.md", None), ("doc.md", Some(V1))], "Lowercase");
        f.head(b);
        let h = f.history("doc.md");
        assert_eq!(
            listed(&h),
            vec![
                row("Add Doc", Added, "Doc.md"),
                row("Lowercase", Renamed, "doc.md")
            ]
        );
        assert_eq!(h.changes[1].old_path.as_deref(), Some(Path::new("Doc.md")));
    }

    #[test]
    fn history_follows_a_rename_with_an_edit() {
        let mut f = Fixture::new();
        let a = f.commit(&[], &[("arch/db.md", Some(V1))], "Add doc");
        let b = f.commit(
            &[a],
            &[("arch/db.md", None), (DOC, Some(V3))],
            "Move and edit",
        );
        f.head(b);
        let h = f.history(DOC);
        assert_eq!(
            listed(&h),
            vec![
                row("Add doc", Added, "arch/db.md"),
                row("Move and edit", Renamed, DOC)
            ]
        );
        let moved = &h.changes[1];
        assert_eq!(moved.old_path.as_deref(), Some(Path::new("arch/db.md")));
        assert_eq!(moved.before.as_deref(), Some(V1.as_bytes()));
        assert_eq!(moved.after.as_deref(), Some(V3.as_bytes()));
    }

    #[test]
    fn history_follows_a_rename_to_a_misspelt_name() {
        let mut f = Fixture::new();
        let typo = "docs/database-architecure.md";
        let a = f.commit(&[], &[(DOC, Some(V1))], "Add doc");
        let b = f.commit(&[a], &[(DOC, None), (typo, Some(V1))], "Rename (oops)");
        let c = f.commit(&[b], &[(typo, Some(V2))], "Edit");
        f.head(c);
        let h = f.history(typo);
        assert_eq!(
            listed(&h),
            vec![
                row("Add doc", Added, DOC),
                row("Rename (oops)", Renamed, typo),
                row("Edit", Modified, typo),
            ]
        );
    }

    #[test]
    fn history_finds_the_earlier_life_after_delete_and_re_add() {
        let mut f = Fixture::new();
        let a = f.commit(&[], &[(DOC, Some(V1))], "First life");
        let b = f.commit(&[a], &[(DOC, Some(V2))], "Edit first life");
        let c = f.commit(&[b], &[(DOC, None)], "Delete doc");
        let d = f.commit(&[c], &[("other.txt", Some("x"))], "Unrelated");
        let e = f.commit(&[d], &[(DOC, Some("# Brand new\n"))], "Second life");
        f.head(e);
        let h = f.history(DOC);
        assert_eq!(
            listed(&h),
            vec![
                row("First life", Added, DOC),
                row("Edit first life", Modified, DOC),
                row("Delete doc", Deleted, DOC),
                row("Second life", Added, DOC),
            ]
        );
        let deleted = &h.changes[2];
        assert_eq!(deleted.before.as_deref(), Some(V2.as_bytes()));
        assert_eq!(deleted.after, None);
    }

    #[test]
    fn history_clean_merge_lists_branch_commits_not_the_merge() {
        let mut f = Fixture::new();
        let a = f.commit(&[], &[(DOC, Some(V1))], "Add doc");
        let main1 = f.commit(&[a], &[("src/lib.rs", Some("// lib"))], "Main work");
        let topic1 = f.commit(&[a], &[(DOC, Some(V2))], "Topic edits doc");
        let topic2 = f.commit(&[topic1], &[("t.txt", Some("t"))], "Topic unrelated");
        let topic3 = f.commit(&[topic2], &[(DOC, Some(V3))], "Topic edits doc again");
        // The merge result takes the topic's document.
        let m = f.commit(
            &[main1, topic3],
            &[(DOC, Some(V3)), ("t.txt", Some("t"))],
            "Merge topic",
        );
        f.head(m);
        let h = f.history(DOC);
        assert_eq!(
            listed(&h),
            vec![
                row("Add doc", Added, DOC),
                row("Topic edits doc", Modified, DOC),
                row("Topic edits doc again", Modified, DOC),
            ]
        );
    }

    #[test]
    fn history_merge_resolving_the_document_is_listed() {
        let mut f = Fixture::new();
        let a = f.commit(&[], &[(DOC, Some(V1))], "Add doc");
        let left = f.commit(&[a], &[(DOC, Some(V2))], "Left edit");
        let right = f.commit(
            &[a],
            &[(DOC, Some("# Database architecture\n\nRight.\n"))],
            "Right edit",
        );
        let m = f.commit(&[left, right], &[(DOC, Some(V3))], "Merge right");
        f.head(m);
        let h = f.history(DOC);
        // The two branch commits are ordered by commit time (left is older).
        assert_eq!(
            listed(&h),
            vec![
                row("Add doc", Added, DOC),
                row("Left edit", Modified, DOC),
                row("Right edit", Modified, DOC),
                row("Merge right", Modified, DOC),
            ]
        );
        let merge = &h.changes[3];
        assert_eq!(
            merge.before.as_deref(),
            Some(V2.as_bytes()),
            "first parent's version"
        );
        assert_eq!(merge.after.as_deref(), Some(V3.as_bytes()));
    }

    #[test]
    fn history_rename_on_a_branch_is_tracked_per_commit() {
        let mut f = Fixture::new();
        let a = f.commit(&[], &[("db.md", Some(V1))], "Add doc");
        let main1 = f.commit(&[a], &[("db.md", Some(V2))], "Edit on main");
        let topic = f.commit(&[a], &[("db.md", None), (DOC, Some(V1))], "Move on topic");
        let m = f.commit(
            &[main1, topic],
            &[("db.md", None), (DOC, Some(V2))],
            "Merge topic",
        );
        f.head(m);
        let h = f.history(DOC);
        // Main's side has the old path and topic's the old text: the merge only combines
        // them (main's content, topic's path), so it is not a change of its own.
        assert_eq!(
            listed(&h),
            vec![
                row("Add doc", Added, "db.md"),
                row("Edit on main", Modified, "db.md"),
                row("Move on topic", Renamed, DOC),
            ]
        );
    }

    #[test]
    fn history_merge_that_moves_the_document_is_listed() {
        let mut f = Fixture::new();
        let a = f.commit(&[], &[("db.md", Some(V1))], "Add doc");
        let left = f.commit(&[a], &[("l.txt", Some("l"))], "Left");
        let right = f.commit(&[a], &[("r.txt", Some("r"))], "Right");
        let m = f.commit(
            &[left, right],
            &[("db.md", None), (DOC, Some(V1)), ("r.txt", Some("r"))],
            "Merge and move",
        );
        f.head(m);
        let h = f.history(DOC);
        assert_eq!(
            listed(&h),
            vec![
                row("Add doc", Added, "db.md"),
                row("Merge and move", Renamed, DOC),
            ]
        );
        let merge = &h.changes[1];
        assert_eq!(merge.old_path.as_deref(), Some(Path::new("db.md")));
        assert_eq!(merge.before.as_deref(), Some(V1.as_bytes()));
    }

    #[test]
    fn history_hide_limits_the_walk() {
        let mut f = Fixture::new();
        let a = f.commit(&[], &[(DOC, Some(V1))], "Add doc");
        let b = f.commit(&[a], &[(DOC, Some(V2))], "Edit 1");
        let c = f.commit(&[b], &[(DOC, Some(V3))], "Edit 2");
        f.head(c);
        let opts = HistoryOptions {
            hide: vec![a],
            ..HistoryOptions::default()
        };
        let h = f.repo().document_history(Path::new(DOC), &opts).unwrap();
        assert_eq!(
            listed(&h),
            vec![row("Edit 1", Modified, DOC), row("Edit 2", Modified, DOC)]
        );
        let opts = HistoryOptions {
            hide: vec![c],
            ..HistoryOptions::default()
        };
        let h = f.repo().document_history(Path::new(DOC), &opts).unwrap();
        assert!(h.changes.is_empty());
        // An id that is not in the repository is ignored.
        let opts = HistoryOptions {
            hide: vec![Oid::from_str("0123456789abcdef0123456789abcdef01234567").unwrap()],
            ..HistoryOptions::default()
        };
        let h = f.repo().document_history(Path::new(DOC), &opts).unwrap();
        assert_eq!(h.changes.len(), 3);
    }

    #[test]
    fn history_of_unborn_head_is_empty() {
        let f = Fixture::new();
        let repo = f.repo();
        assert_eq!(repo.head_id().unwrap(), None);
        let h = repo
            .document_history(Path::new(DOC), &HistoryOptions::default())
            .unwrap();
        assert!(h.changes.is_empty() && !h.truncated);
    }

    #[test]
    fn history_accepts_dot_and_absolute_paths() {
        let mut f = Fixture::new();
        let a = f.commit(&[], &[(DOC, Some(V1))], "Add doc");
        f.head(a);
        let repo = f.repo();
        let dotted = repo
            .document_history(
                Path::new("./docs/database-architecture.md"),
                &HistoryOptions::default(),
            )
            .unwrap();
        assert_eq!(listed(&dotted), vec![row("Add doc", Added, DOC)]);
        let absolute = repo
            .document_history(&f.dir.path().join(DOC), &HistoryOptions::default())
            .unwrap();
        assert_eq!(listed(&absolute), vec![row("Add doc", Added, DOC)]);
        assert!(repo
            .document_history(Path::new("../elsewhere.md"), &HistoryOptions::default())
            .is_err());
    }

    #[test]
    fn history_mailmap_resolves_the_author() {
        let mut f = Fixture::new();
        std::fs::write(
            f.dir.path().join(".mailmap"),
            "Ana Lima <ana@example.com> <ana.old@example.org>\n",
        )
        .unwrap();
        let old = Signature::new("ana", "ana.old@example.org", &Time::new(T0, 0)).unwrap();
        let a = f.commit_as(&[], &[(DOC, Some(V1))], "Add doc", &old, &old);
        f.head(a);
        let h = f.history(DOC);
        let info = &h.changes[0].commit;
        let ana = Person {
            name: "Ana Lima".into(),
            email: "ana@example.com".into(),
        };
        assert_eq!(info.author, ana);
        assert_eq!(info.committer, ana);
    }

    #[test]
    fn history_two_co_authors_deduplicated_and_mailmapped() {
        let mut f = Fixture::new();
        std::fs::write(
            f.dir.path().join(".mailmap"),
            "Bea Souza <bea@example.com> <bea@old.example.com>\n",
        )
        .unwrap();
        let message = "Write the doc\n\nTogether.\n\nCo-authored-by: Bea S <bea@old.example.com>\nco-authored-by: Caio Reis <caio@example.com>\nCo-Authored-By: Bea Souza <BEA@example.com>\nCo-authored-by: Ana Lima <ana@example.com>\n";
        let a = f.commit(&[], &[(DOC, Some(V1))], message);
        f.head(a);
        let info = f.repo().commit_info(a).unwrap();
        assert_eq!(
            info.co_authors,
            vec![
                Person {
                    name: "Bea Souza".into(),
                    email: "bea@example.com".into()
                },
                Person {
                    name: "Caio Reis".into(),
                    email: "caio@example.com".into()
                },
            ]
        );
        assert_eq!(info.trailers.len(), 4);
        assert_eq!(info.summary, "Write the doc");
        assert!(info.body.starts_with("Together.\n\nCo-authored-by:"));
    }

    #[test]
    fn history_author_differs_from_committer() {
        let mut f = Fixture::new();
        let author = Signature::new("Ana Lima", "ana@example.com", &Time::new(T0, 60)).unwrap();
        let committer =
            Signature::new("Bot", "bot@example.com", &Time::new(T0 + 3600, -300)).unwrap();
        let a = f.commit_as(&[], &[(DOC, Some(V1))], "Add doc\n", &author, &committer);
        f.head(a);
        let info = f.repo().commit_info(a).unwrap();
        assert_eq!(info.author.name, "Ana Lima");
        assert_eq!(info.committer.name, "Bot");
        assert_eq!(info.author_time.to_rfc3339(), "2026-01-01T01:00:00+01:00");
        assert_eq!(info.author_time.timestamp(), T0);
        assert_eq!(info.body, "");
        assert!(info.trailers.is_empty() && info.co_authors.is_empty());
        assert!(info.parent_ids.is_empty());
    }

    #[test]
    fn history_parse_trailers() {
        let msg = "Subject line\n\nSome body text.\nMore body.\n\nChangelog: skip\nImpact: High\nSee-also: the first line\n  and its continuation\n\tand another\nCo-authored-by: Bea <bea@example.com>\n\n";
        assert_eq!(
            parse_trailers(msg),
            vec![
                ("Changelog".to_string(), "skip".to_string()),
                ("Impact".to_string(), "High".to_string()),
                (
                    "See-also".to_string(),
                    "the first line and its continuation and another".to_string()
                ),
                (
                    "Co-authored-by".to_string(),
                    "Bea <bea@example.com>".to_string()
                ),
            ]
        );
        // No trailers: the last paragraph is prose.
        assert!(parse_trailers("Subject\n\nJust a body: with a colon in it.\n").is_empty());
        // A subject alone is never a trailer block.
        assert!(parse_trailers("Fix: the thing\n").is_empty());
        assert!(parse_trailers("").is_empty());
        // One non-trailer line spoils the block.
        assert!(parse_trailers("S\n\nImpact: High\nnot a trailer\n").is_empty());
        // Keys as written, values trimmed; a continuation cannot open the block.
        assert_eq!(
            parse_trailers("S\n\nimpact:   low  \r\n"),
            vec![("impact".to_string(), "low".to_string())]
        );
        assert!(parse_trailers("S\n\n  indented: first\nImpact: High\n").is_empty());
        assert!(parse_trailers("S\n\nBad key: x\n").is_empty());
    }

    #[test]
    fn history_split_message_subject_and_body() {
        assert_eq!(
            split_message("Subject\n\nBody line 1\nBody line 2\n\nKey: v\n"),
            (
                "Subject".to_string(),
                "Body line 1\nBody line 2\n\nKey: v".to_string()
            )
        );
        assert_eq!(
            split_message("\nA long\nsubject\n\n\nbody\n"),
            ("A long subject".to_string(), "body".to_string())
        );
    }

    #[test]
    fn history_repo_helpers() {
        let mut f = Fixture::new();
        let a = f.commit(
            &[],
            &[(DOC, Some(V1)), ("README.md", Some("hi"))],
            "Add doc",
        );
        f.head(a);
        let mut config = f.git.config().unwrap();
        config.set_str("user.name", "Dana Test").unwrap();
        config.set_str("user.email", "dana@example.com").unwrap();
        let mut index = f.git.index().unwrap();
        index.add_path(Path::new("README.md")).unwrap();
        index.add_path(Path::new(DOC)).unwrap();
        index.write().unwrap();

        let repo = f.repo();
        assert_eq!(repo.head_id().unwrap(), Some(a));
        assert!(!repo.is_shallow());
        assert_eq!(
            repo.workdir().unwrap().canonicalize().unwrap(),
            f.dir.path().canonicalize().unwrap()
        );
        assert_eq!(
            repo.blob_at(a, Path::new(DOC)).unwrap().as_deref(),
            Some(V1.as_bytes())
        );
        assert_eq!(repo.blob_at(a, Path::new("missing.md")).unwrap(), None);
        assert_eq!(repo.blob_at(a, Path::new("docs")).unwrap(), None);
        assert_eq!(
            repo.tracked_files().unwrap(),
            vec![PathBuf::from("README.md"), PathBuf::from(DOC)]
        );
        assert_eq!(
            repo.user(),
            Some(Person {
                name: "Dana Test".into(),
                email: "dana@example.com".into()
            })
        );

        let nested = f.dir.path().join("docs");
        let found = Repo::discover(&nested).unwrap();
        assert_eq!(found.head_id().unwrap(), Some(a));

        let elsewhere = tempfile::tempdir().unwrap();
        let err = Repo::open(elsewhere.path()).err().unwrap().to_string();
        assert!(err.contains("not a git repository"), "{err}");

        let bare_dir = tempfile::tempdir().unwrap();
        Repository::init_bare(bare_dir.path()).unwrap();
        let bare = Repo::open(bare_dir.path()).unwrap();
        assert!(matches!(bare.workdir(), Err(Error::Usage(_))));
    }

    fn git_cli_available() -> bool {
        Command::new("git")
            .arg("--version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }

    /// `git clone --depth <depth>` of the fixture, isolated from any user or system config.
    fn shallow_clone(f: &Fixture, depth: u32) -> tempfile::TempDir {
        let dest = tempfile::tempdir().unwrap();
        let url = format!("file://{}", f.dir.path().display());
        let out = Command::new("git")
            .args(["clone", "--quiet", "--depth", &depth.to_string(), &url])
            .arg(dest.path().join("clone"))
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git clone failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        dest
    }

    #[test]
    fn history_shallow_boundary_with_the_document_is_truncated() {
        if !git_cli_available() {
            eprintln!("skipping: the git CLI is not available");
            return;
        }
        let mut f = Fixture::new();
        let a = f.commit(&[], &[(DOC, Some(V1))], "Add doc");
        let b = f.commit(&[a], &[(DOC, Some(V2))], "Edit 1");
        let c = f.commit(&[b], &[("other.txt", Some("x"))], "Unrelated");
        let d = f.commit(&[c], &[(DOC, Some(V3))], "Edit 2");
        f.head(d);
        let clone = shallow_clone(&f, 2);
        let repo = Repo::open(&clone.path().join("clone")).unwrap();
        assert!(repo.is_shallow());
        let h = repo
            .document_history(Path::new(DOC), &HistoryOptions::default())
            .unwrap();
        assert_eq!(
            listed(&h),
            vec![row("Unrelated", Added, DOC), row("Edit 2", Modified, DOC)]
        );
        assert!(h.truncated);
        assert!(h.changes[0].shallow_boundary);
        assert_eq!(h.changes[0].commit.id, c);
        assert_eq!(h.changes[0].after.as_deref(), Some(V2.as_bytes()));
        assert!(!h.changes[1].shallow_boundary);
        // libgit2 applies the shallow grafts: the boundary commit reads as parentless.
        assert!(h.changes[0].commit.parent_ids.is_empty());
    }

    #[test]
    fn history_shallow_clone_with_the_document_added_inside_is_complete() {
        if !git_cli_available() {
            eprintln!("skipping: the git CLI is not available");
            return;
        }
        let mut f = Fixture::new();
        let a = f.commit(&[], &[("README.md", Some("hi"))], "Start");
        let b = f.commit(&[a], &[("other.txt", Some("x"))], "Unrelated");
        let c = f.commit(&[b], &[(DOC, Some(V1))], "Add doc");
        let d = f.commit(&[c], &[(DOC, Some(V2))], "Edit doc");
        f.head(d);
        let clone = shallow_clone(&f, 3);
        let repo = Repo::open(&clone.path().join("clone")).unwrap();
        assert!(repo.is_shallow());
        let h = repo
            .document_history(Path::new(DOC), &HistoryOptions::default())
            .unwrap();
        assert_eq!(
            listed(&h),
            vec![row("Add doc", Added, DOC), row("Edit doc", Modified, DOC)]
        );
        assert!(!h.truncated);
        assert!(h.changes.iter().all(|c| !c.shallow_boundary));
    }
}
