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
//!   changed the document (each blob once), and runs rename detection only where the
//!   document's path disappears between a commit and its parent (reading only the
//!   subtrees that differ). The commits come in libgit2's revwalk order
//!   (`Sort::TOPOLOGICAL | Sort::TIME`), computed by `GraphWalk`, which reads each
//!   commit once — or none: with a commit-graph file (`git commit-graph write`, `git
//!   gc`, `git maintenance`) parents, trees and dates come from the graph. (libgit2 1.9
//!   cannot read the graphs git writes today, so its own revwalk reads every commit.)
//!   Per commit, from cheapest:
//!   - with the graph's changed-path Bloom filters (`--changed-paths`), a filter probe
//!     that says "not changed" for almost every commit: no object is read;
//!   - one tree-id comparison (same root tree as the parent);
//!   - one root-tree read: the ids of the subtrees on the document's path are kept with
//!     its state, so a parent whose `docs/` entry has the same id has the same document.
//!
//!   The graph is not used in a shallow clone, or with replace refs or grafts (neither
//!   does git); a graph file that does not parse is ignored. Shallow clones use libgit2's
//!   revwalk. Measured in `BENCHMARKS.md`.
//! - Reading objects: libgit2's re-hashing of every object read is turned off (as in
//!   git, which checks hashes in `fsck` and when receiving objects, not on every read;
//!   zlib's checksums still apply), and so is its object cache, which a long walk only
//!   churns (each object is read about once; evicting from a full cache cost more than
//!   reading). Both are process-wide settings, made when the first [`Repo`] is opened.
//! - A shallow clone never produces a false "Added": a commit at the shallow boundary
//!   that holds the document is reported with `shallow_boundary: true`, and the history
//!   is marked `truncated`.
//! - Nothing here prints, and nothing here writes to the repository.
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use chrono::{DateTime, FixedOffset};
use git2::{Commit, ErrorCode, ObjectType, Oid, Repository, Sort, Tree};
use smallvec::SmallVec;

use crate::{similarity, Error, Result};

/// Default similarity (percent) for rename detection, as in git.
const DEFAULT_RENAME_THRESHOLD: u16 = 50;

/// Commits an incremental walk reads before it reads the commit-graph instead.
const SHORT_WALK: usize = 256;

/// An open repository plus its mailmap.
pub struct Repo {
    repo: Repository,
    mailmap: Option<git2::Mailmap>,
    /// The commit-graph, read on first use (`None`: absent, unusable or unreadable).
    graph: std::cell::OnceCell<Option<graph::CommitGraph>>,
    /// The last walk's commits (see [`Repo::walk_commits`]).
    walks: std::cell::RefCell<Option<WalkMemo>>,
    /// What [`Repo::head_id`] answers instead of HEAD (`sync --staged`: the commit the
    /// index would make, held in memory only).
    head_override: Option<Oid>,
    /// The shortest abbreviation git would use here (see [`Repo::short_id`]).
    abbrev: std::cell::OnceCell<usize>,
    /// Commits whose author or committer line libgit2 refuses (a timestamp out of range):
    /// read as git reads them, and reported once by the command ([`Repo::lenient_commits`]).
    lenient: std::cell::RefCell<Vec<Oid>>,
}

/// A walk's commits in order, with what the walk needs of each.
type WalkList = std::rc::Rc<Vec<(Oid, Node)>>;

/// A walk's commits, for the next walk from the same HEAD hiding the same commits.
struct WalkMemo {
    head: Oid,
    hide: Vec<Oid>,
    walker: Walker,
    used_graph: bool,
    commits: WalkList,
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

/// Knobs for [`Repo::document_history`].
#[derive(Default, Clone)]
pub struct HistoryOptions {
    /// Commits (and their ancestors) not to walk — for incremental runs. Ids that are not
    /// in the object database are ignored (the walk is then simply longer).
    pub hide: Vec<Oid>,
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
struct DocState {
    /// Shared: a state is copied from child to parent at almost every commit.
    path: Rc<Path>,
    blob: Option<Oid>,
    /// Ids of the trees met looking `path` up, below the root (`docs/` for
    /// `docs/x.md`), in a commit where the lookup gave `blob`: any tree with one of these
    /// ids at that place gives the same answer.
    trees: Rc<[Oid]>,
}

impl PartialEq for DocState {
    fn eq(&self, other: &DocState) -> bool {
        self.path == other.path && self.blob == other.blob
    }
}

impl Eq for DocState {}

/// One document followed by [`Repo::history_walk`].
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

/// What the walk needs of one commit: from the commit-graph, or from the commit.
struct Node {
    tree: Oid,
    /// `(id, tree)` of each parent; `None` when they are missing (shallow boundary).
    /// Inline for up to two (one allocation less per commit of a long walk).
    parents: Option<SmallVec<[(Oid, Oid); 2]>>,
    /// The commit's position in the commit-graph (for its changed-path filter).
    pos: Option<u32>,
}

/// How [`Repo::history_walk`] finds the commits (all give the same order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Walker {
    /// [`GraphWalk`] on the commit-graph when there is one, else [`Walker::Objects`].
    Best,
    /// [`GraphWalk`] reading every commit object.
    #[cfg_attr(not(test), allow(dead_code))]
    Objects,
    /// libgit2's revwalk (what shallow clones use).
    #[cfg_attr(not(test), allow(dead_code))]
    Libgit2,
}

/// Hashing for maps keyed by object id: the id's first bytes, which are uniformly
/// distributed already (SipHash over 20 bytes costs more than the rest of a map access).
#[derive(Clone, Copy, Default)]
struct OidHash;

#[derive(Default)]
struct OidHasher(u64);

impl std::hash::BuildHasher for OidHash {
    type Hasher = OidHasher;
    fn build_hasher(&self) -> OidHasher {
        OidHasher(0)
    }
}

impl std::hash::Hasher for OidHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // `Oid` hashes its 20 bytes (after a length prefix, as a slice): keep the first
        // eight id bytes, mixed with whatever came before.
        let mut word = [0u8; 8];
        let n = bytes.len().min(8);
        word[..n].copy_from_slice(&bytes[..n]);
        self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(word);
    }
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

/// Blob contents by id, for one walk's clean-merge checks (a merge reads both parents'
/// versions and the merge base's; neighbouring merges share some).
#[derive(Default)]
struct Blobs(HashMap<Oid, Vec<u8>>);

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
        tune_libgit2();
        // A broken .mailmap must not stop the tool; names are then shown as written.
        let mut mailmap = repo.mailmap().ok();
        if let (Some(map), Some(dir)) = (mailmap.as_mut(), repo.workdir()) {
            if let Ok(text) = std::fs::read_to_string(dir.join(".mailmap")) {
                add_name_only_entries(map, &text);
            }
        }
        Repo {
            repo,
            mailmap,
            graph: std::cell::OnceCell::new(),
            walks: std::cell::RefCell::new(None),
            head_override: None,
            abbrev: std::cell::OnceCell::new(),
            lenient: std::cell::RefCell::new(Vec::new()),
        }
    }

    /// A `Repo` over an open repository (one whose object database may hold objects in
    /// memory only), whose history walks start at `head` instead of HEAD when given.
    pub fn with_head(repo: Repository, head: Option<Oid>) -> Repo {
        let mut r = Repo::from_git(repo);
        r.head_override = head;
        r
    }

    /// `id` abbreviated as `git rev-parse --short` does: as long as the repository's
    /// size calls for (git's `core.abbrev=auto`: half the bits of the packed-object
    /// count, in hex digits, at least 7), and longer while another object shares the
    /// prefix. 7 characters name two commits in git.git.
    pub fn short_id(&self, id: Oid) -> String {
        let hex = id.to_string();
        let start = *self.abbrev.get_or_init(|| {
            let count = packed_object_count(&self.repo.path().join("objects").join("pack"))
                + packed_object_count(&self.repo.commondir().join("objects").join("pack"))
                    * usize::from(self.repo.commondir() != self.repo.path());
            auto_abbrev(count)
        });
        let Ok(odb) = self.repo.odb() else {
            return hex[..start.min(hex.len())].to_string();
        };
        let mut len = start;
        while len < hex.len() {
            match odb.exists_prefix(id, len) {
                Ok(_) => break,
                Err(e) if e.code() == ErrorCode::Ambiguous => len += 1,
                Err(_) => break,
            }
        }
        hex[..len.min(hex.len())].to_string()
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
        if let Some(id) = self.head_override {
            return Ok(Some(id));
        }
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
        match self.repo.find_commit(id) {
            Ok(commit) => self.info_of(&commit),
            // libgit2 refuses a commit whose author or committer timestamp it cannot
            // parse; git reads it as the epoch (`git log` shows 1970-01-01): so do we.
            Err(e) if e.class() == git2::ErrorClass::Invalid => match self.lenient_info(id) {
                Some(info) => Ok(info),
                None => Err(Error::git(format!("reading commit {id}"), e)),
            },
            Err(e) => Err(Error::git(format!("reading commit {id}"), e)),
        }
    }

    /// Commits read leniently so far (see [`Repo::commit_info`]): their dates are not what
    /// the author meant, and the command says so once.
    pub fn lenient_commits(&self) -> Vec<Oid> {
        self.lenient.borrow().clone()
    }

    /// A commit read from its raw object as git reads it: an unreadable timestamp is 0.
    fn lenient_info(&self, id: Oid) -> Option<CommitInfo> {
        let odb = self.repo.odb().ok()?;
        let object = odb.read(id).ok()?;
        if object.kind() != ObjectType::Commit {
            return None;
        }
        let data = object.data();
        let split = memchr::memmem::find(data, b"\n\n").map_or(data.len(), |i| i + 1);
        let (head, message) = (&data[..split], data.get(split + 1..).unwrap_or_default());
        let mut author = None;
        let mut committer = None;
        let mut parents = Vec::new();
        let mut encoding = None;
        for line in head.split(|&b| b == b'\n') {
            if let Some(p) = line.strip_prefix(b"parent ") {
                parents.push(Oid::from_str(std::str::from_utf8(p).ok()?).ok()?);
            } else if let Some(a) = line.strip_prefix(b"author ") {
                author = Some(lenient_signature(a)?);
            } else if let Some(c) = line.strip_prefix(b"committer ") {
                committer = Some(lenient_signature(c)?);
            } else if let Some(e) = line.strip_prefix(b"encoding ") {
                encoding = std::str::from_utf8(e).ok().map(str::to_string);
            }
        }
        let author = author?;
        let committer = committer.unwrap_or_else(|| author.clone());
        let mut lenient = self.lenient.borrow_mut();
        if !lenient.contains(&id) {
            lenient.push(id);
        }
        drop(lenient);
        self.info_from(
            id,
            &author,
            &committer,
            message,
            encoding.as_deref(),
            parents,
        )
        .ok()
    }

    fn info_of(&self, commit: &Commit<'_>) -> Result<CommitInfo> {
        self.info_from(
            commit.id(),
            &commit.author(),
            &commit.committer(),
            commit.message_bytes(),
            commit.message_encoding().ok().flatten(),
            commit.parent_ids().collect(),
        )
    }

    fn info_from(
        &self,
        id: Oid,
        author_sig: &git2::Signature<'_>,
        committer_sig: &git2::Signature<'_>,
        message_bytes: &[u8],
        encoding: Option<&str>,
        parent_ids: Vec<Oid>,
    ) -> Result<CommitInfo> {
        let author = self.resolve_sig(author_sig);
        let committer = self.resolve_sig(committer_sig);
        let author_time = to_datetime(author_sig.when()).ok_or_else(|| {
            Error::History(format!("commit {id} has an author date out of range"))
        })?;
        // The `encoding` header (i18n.commitEncoding) says how the message is written.
        let message = crate::guard::decode_message(message_bytes, encoding);
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
            author_raw: person_of(author_sig),
            author,
            committer,
            author_time,
            summary,
            body,
            trailers,
            co_authors,
            parent_ids,
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
        let index = match self.repo.index() {
            Ok(index) => index,
            // An index libgit2 cannot read (`core.splitIndex`'s `link` extension, and
            // other newer formats): git itself lists it (see `guard::tracked_by_git`).
            Err(e) => return crate::guard::tracked_by_git(&self.repo, &e),
        };
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
        self.document_history_with(path, opts, &mut |_| {})
    }

    /// [`Repo::document_history`], calling `on_change` with each change as the walk finds
    /// it (newest first), so a caller can work on the changes while the walk goes on.
    pub fn document_history_with(
        &self,
        path: &Path,
        opts: &HistoryOptions,
        on_change: &mut dyn FnMut(&DocChange),
    ) -> Result<DocHistory> {
        let path = self.normalize(path)?;
        let mut out = self.history_walk(&[path], opts, Walker::Best, &mut |_, c| on_change(c))?;
        Ok(out.pop().unwrap_or_default())
    }

    /// The histories of several documents from one walk (`status` over many documents):
    /// each commit and root tree is read once for all of them. `on_change` gets the
    /// document's index in `paths` with each change, newest first.
    pub fn document_histories(
        &self,
        paths: &[&Path],
        opts: &HistoryOptions,
        on_change: &mut dyn FnMut(usize, &DocChange),
    ) -> Result<Vec<DocHistory>> {
        let paths = paths
            .iter()
            .map(|p| self.normalize(p))
            .collect::<Result<Vec<_>>>()?;
        self.history_walk(&paths, opts, Walker::Best, on_change)
    }

    /// The histories of `paths` (normalised), walking with `walker`.
    fn history_walk(
        &self,
        paths: &[PathBuf],
        opts: &HistoryOptions,
        walker: Walker,
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
        let Some(head) = self.head_id()? else {
            return Ok(paths.iter().map(|_| DocHistory::default()).collect());
        };

        // The commits in libgit2's revwalk order, computed by GraphWalk: on the
        // commit-graph when there is one, and reading each commit once. In a shallow clone
        // (missing parents), and should GraphWalk fail, libgit2's revwalk.
        let mut listed: Option<WalkList> = None;
        let mut graph = None;
        if walker != Walker::Libgit2 && !self.repo.is_shallow() {
            if let Some((commits, used_graph)) = self.walk_commits(head, &opts.hide, walker) {
                listed = Some(commits);
                graph = if used_graph {
                    self.commit_graph()
                } else {
                    None
                };
            }
        }
        let mut next_listed = 0;
        let mut revwalk = None;
        if listed.is_none() {
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
            revwalk = Some(walk);
        }

        let shallow = self.shallow_boundaries()?;
        let mut walked = 0;
        let mut blobs = Blobs::default();
        let mut keys = FilterKeys::default();
        let mut renames = Renames::default();
        // The walked commits as a graph for merge bases, built at the first merge that
        // needs one.
        let mut dag: Option<Dag> = None;

        let mut owned: Node;
        // Reused from commit to commit.
        let mut parent_states: Vec<(Oid, DocState)> = Vec::new();
        let mut parent_roots: Vec<Option<Tree<'_>>> = Vec::new();
        loop {
            let (id, node): (Oid, &Node) = if let Some(list) = listed.as_ref() {
                let Some((id, node)) = list.get(next_listed) else {
                    break;
                };
                next_listed += 1;
                (*id, node)
            } else {
                let Some(next) = revwalk.as_mut().and_then(|w| w.next()) else {
                    break;
                };
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
                owned = self.node(id, shallow.contains(&id))?;
                (id, &owned)
            };
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
                            own_tree = Some(self.find_tree(node.tree)?);
                        }
                        let tree = own_tree.as_ref().ok_or_else(|| {
                            Error::Internal("the commit's tree is not loaded".into())
                        })?;
                        let (blob, trees) = self.locate(tree, &doc.path, None, &mut subtrees)?;
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
                            commit: self.info_once(&mut info, id)?,
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
                        self.parent_state(
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
                    let dag = dag
                        .get_or_insert_with(|| Dag::new(listed.as_deref().map(|l| l.as_slice())));
                    !self.is_clean_merge(&state, &parent_states, &mut blobs, dag)
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
                        commit: self.info_once(&mut info, id)?,
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
                                parent_roots[i] = Some(self.find_tree(ptree)?);
                            }
                            let Some(root) = parent_roots[i].as_ref() else {
                                continue;
                            };
                            let (blob, trees) = self.locate(root, &earlier, None, &mut subtrees)?;
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
    fn info_once(&self, info: &mut Option<CommitInfo>, id: Oid) -> Result<CommitInfo> {
        if let Some(info) = info.as_ref() {
            return Ok(info.clone());
        }
        let read = self.commit_info(id)?;
        *info = Some(read.clone());
        Ok(read)
    }

    /// The walk's commits with what the walk needs of each, in libgit2's revwalk order,
    /// from [`GraphWalk`]; `None` when it cannot (the caller then uses libgit2's revwalk).
    /// The last list is kept: `status` and `review` walk once per document.
    ///
    /// A walk that hides commits (an incremental sync, the hook) is usually a few commits
    /// long: it reads them rather than the whole graph file, unless it turns out to need
    /// more than [`SHORT_WALK`] commits. Also says whether the graph was used.
    fn walk_commits(&self, head: Oid, hide: &[Oid], walker: Walker) -> Option<(WalkList, bool)> {
        if let Some(memo) = self.walks.borrow().as_ref() {
            if memo.head == head && memo.hide == hide && memo.walker == walker {
                return Some((memo.commits.clone(), memo.used_graph));
            }
        }
        let mut found = None;
        if walker == Walker::Best && !hide.is_empty() {
            let mut walk = GraphWalk::new(&self.repo, None);
            walk.budget = Some(SHORT_WALK);
            match walk.order(head, hide) {
                Ok(order) => found = Some((walk, order, false)),
                Err(_) if walk.budget == Some(0) => {}
                Err(_) => return None,
            }
        }
        let (mut walk, order, used_graph) = match found {
            Some(found) => found,
            None => {
                let graph = match walker {
                    Walker::Best => self.commit_graph(),
                    Walker::Objects | Walker::Libgit2 => None,
                };
                let mut walk = GraphWalk::new(&self.repo, graph);
                let order = walk.order(head, hide).ok()?;
                (walk, order, graph.is_some())
            }
        };
        let mut commits = Vec::with_capacity(order.len());
        for n in order {
            commits.push(walk.node(n).ok()?);
        }
        let commits = std::rc::Rc::new(commits);
        *self.walks.borrow_mut() = Some(WalkMemo {
            head,
            hide: hide.to_vec(),
            walker,
            used_graph,
            commits: commits.clone(),
        });
        Some((commits, used_graph))
    }

    /// What a long walk is missing to be fast, as advice (`None`: nothing): a
    /// commit-graph with changed-path filters spares reading every commit and most trees
    /// (BENCHMARKS.md: 0.16 s against 0.8 s for a backfill at 80,000 commits).
    pub fn graph_advice(&self) -> Option<&'static str> {
        if self.repo.is_shallow() {
            return None;
        }
        match self.commit_graph() {
            Some(g) if g.has_filters() => None,
            _ => Some(
                "a commit-graph with changed-path filters would make this walk several times faster: \
                 git commit-graph write --reachable --changed-paths",
            ),
        }
    }

    /// The commit-graph, read once; `None` when there is none or it must not be used.
    fn commit_graph(&self) -> Option<&graph::CommitGraph> {
        self.graph
            .get_or_init(|| {
                // git does not use the graph either in these cases: it records the parents
                // written in the commits, which grafts, replacements and a shallow
                // boundary change.
                let common = self.repo.commondir();
                if self.repo.is_shallow()
                    || common.join("info").join("grafts").exists()
                    || self
                        .repo
                        .references_glob("refs/replace/*")
                        .map(|mut r| r.next().is_some())
                        .unwrap_or(true)
                {
                    return None;
                }
                if !self.config_bool("core.commitGraph", true) {
                    return None;
                }
                let g = graph::CommitGraph::open(&common.join("objects"))?;
                Some(
                    match self.config_bool("commitGraph.readChangedPaths", true) {
                        true => g,
                        false => g.without_filters(),
                    },
                )
            })
            .as_ref()
    }

    fn config_bool(&self, key: &str, default: bool) -> bool {
        self.repo
            .config()
            .and_then(|c| c.get_bool(key))
            .unwrap_or(default)
    }

    /// What identifies the commit-graph the walks trust: the newest layer's checksum,
    /// or `none` (no graph, or one that was not used). A result remembered from a walk
    /// that trusted a graph is reused only while that same graph is trusted.
    pub fn graph_id(&self) -> String {
        self.commit_graph()
            .map_or_else(|| "none".to_string(), graph::CommitGraph::id)
    }

    /// A warning when a commit-graph is there but was not trusted (it failed a check
    /// git makes: checksum, chain and base hashes, fan-out, chunk offsets): the walk
    /// reads every commit instead, with the same result.
    pub fn graph_warning(&self) -> Option<String> {
        let info = self.repo.commondir().join("objects").join("info");
        let present = info.join("commit-graph").is_file()
            || info
                .join("commit-graphs")
                .join("commit-graph-chain")
                .is_file();
        if !present
            || self.commit_graph().is_some()
            || self.repo.is_shallow()
            || !self.config_bool("core.commitGraph", true)
        {
            return None;
        }
        Some(format!(
            "the commit-graph in {} failed verification (or is not one dbarch reads); \
             reading commits instead. `git commit-graph verify` says more; \
             `git commit-graph write --reachable --changed-paths` rewrites it",
            info.display()
        ))
    }

    /// Tree and parents of commit `id` (`boundary`: a shallow boundary, whose parents are
    /// missing).
    fn node(&self, id: Oid, boundary: bool) -> Result<Node> {
        let commit = self
            .repo
            .find_commit(id)
            .map_err(|e| Error::git(format!("reading commit {id}"), e))?;
        let parents = if boundary {
            None
        } else {
            self.parents_of(&commit)?
                .map(|ps| ps.iter().map(|p| (p.id(), p.tree_id())).collect())
        };
        Ok(Node {
            tree: commit.tree_id(),
            parents,
            pos: None,
        })
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

    fn find_tree(&self, id: Oid) -> Result<Tree<'_>> {
        self.repo
            .find_tree(id)
            .map_err(|e| Error::git(format!("reading tree {id}"), e))
    }

    /// The blob at `path` in `root`, and the ids of the trees met on the way. With
    /// `known` (a state of the same path), a tree on the way with the id `known` met
    /// there gives `known`'s answer without reading further.
    fn locate<'r>(
        &'r self,
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
            let id = match tree.get_name(dir) {
                Some(entry) if entry.kind() == Some(ObjectType::Tree) => entry.id(),
                _ => return Ok((None, trees.into())),
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
                    let tree = self.find_tree(id)?;
                    subtrees.push((id, tree.clone()));
                    tree
                }
            });
        }
        let tree = below.as_ref().unwrap_or(root);
        let blob = tree
            .get_name(name)
            .filter(|e| e.kind() == Some(ObjectType::Blob))
            .map(|e| e.id());
        Ok((blob, trees.into()))
    }

    /// Where the document is in a parent with root tree `parent_tree`, given where it is
    /// in the child (`state`, root tree `child_tree`).
    fn parent_state<'r>(
        &'r self,
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
            *parent_root = Some(self.find_tree(parent_tree)?);
        }
        let Some(parent_root) = parent_root.as_ref() else {
            return Err(Error::Internal("parent tree not loaded".into()));
        };
        let (blob, trees) = self.locate(parent_root, &state.path, Some(state), subtrees)?;
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
            *child_tree_obj = Some(self.find_tree(child_tree)?);
        }
        let Some(tree) = child_tree_obj.as_ref() else {
            return Err(Error::Internal("child tree not loaded".into()));
        };
        match self.rename_source(
            parent_root,
            tree,
            &state.path,
            child_blob,
            threshold,
            renames,
        )? {
            Some(old) => {
                let (blob, trees) = self.locate(parent_root, &old, None, subtrees)?;
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
        &self,
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
        let found = self.find_rename_source(old, new, path, blob, threshold, renames)?;
        renames.found.insert(key, found.clone());
        Ok(found)
    }

    /// [`Repo::rename_source`] without the cache.
    fn find_rename_source(
        &self,
        old: &Tree<'_>,
        new: &Tree<'_>,
        path: &Path,
        blob: Oid,
        threshold: u16,
        renames: &mut Renames,
    ) -> Result<Option<PathBuf>> {
        let mut gone: Vec<(String, Oid)> = Vec::new();
        let mut added: Vec<String> = Vec::new();
        self.tree_changes(Some(old), Some(new), "", &mut gone, &mut added)?;

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
        let Some(doc_sig) = renames.signature(self, blob) else {
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
                let Some(score) = renames.score(self, *id, &doc_sig, min) else {
                    continue;
                };
                if score >= min && best.is_none_or(|(b, _)| score > b) {
                    best = Some((score, old_path));
                }
            }
        }
        Ok(best.map(|(_, p)| PathBuf::from(p)))
    }

    /// Files (blobs, links, submodules) in `old` and not in `new` at the same path as
    /// the same kind (`gone`, with their ids), and the other way round (`added`), under
    /// `prefix`; subtrees with the same id on both sides are not read.
    fn tree_changes(
        &self,
        old: Option<&Tree<'_>>,
        new: Option<&Tree<'_>>,
        prefix: &str,
        gone: &mut Vec<(String, Oid)>,
        added: &mut Vec<String>,
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
        if let Some(old) = old {
            for entry in old.iter() {
                let other = new.and_then(|n| n.get_name_bytes(entry.name_bytes()));
                if other.as_ref().is_some_and(|o| o.id() == entry.id()) {
                    continue;
                }
                let full = join(entry.name_bytes());
                let other_tree = match &other {
                    Some(o) if is_tree(o) => Some(self.find_tree(o.id())?),
                    _ => None,
                };
                if is_tree(&entry) {
                    let sub = self.find_tree(entry.id())?;
                    // Into a tree with a different id: only what differs below. Into
                    // nothing (or a file): everything below is gone.
                    self.tree_changes(Some(&sub), other_tree.as_ref(), &full, gone, added)?;
                    if other.as_ref().is_some_and(|o| !is_tree(o)) {
                        added.push(full);
                    }
                } else {
                    match &other {
                        // Modified in place: not a rename source.
                        Some(o) if !is_tree(o) => {}
                        Some(_) => {
                            gone.push((full.clone(), entry.id()));
                            self.tree_changes(None, other_tree.as_ref(), &full, gone, added)?;
                        }
                        None => gone.push((full, entry.id())),
                    }
                }
            }
        }
        if let Some(new) = new {
            for entry in new.iter() {
                if old.is_some_and(|o| o.get_name_bytes(entry.name_bytes()).is_some()) {
                    continue; // handled above
                }
                let full = join(entry.name_bytes());
                if is_tree(&entry) {
                    let sub = self.find_tree(entry.id())?;
                    self.tree_changes(None, Some(&sub), &full, gone, added)?;
                } else {
                    added.push(full);
                }
            }
        }
        Ok(())
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

    /// A blob's bytes (a [`DocChange`]'s `before` or `after`).
    pub fn read_blob(&self, id: Oid) -> Result<Vec<u8>> {
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
    /// A merge whose document is exactly what git's automatic merge of the parents'
    /// versions gives: the sides' own commits carry the change, so the merge records
    /// nothing new. One rule for every shape: the parents are merged in order, as git's
    /// octopus does (a two-parent merge is the one-step case), each step a three-way
    /// merge on the merge base — with several merge bases (a criss-cross), on their
    /// merge (git's virtual base), else on any one of them. A conflict resolved by hand
    /// (or an "evil merge") differs from every automatic result and counts.
    fn is_clean_merge(
        &self,
        state: &DocState,
        parents: &[(Oid, DocState)],
        blobs: &mut Blobs,
        dag: &mut Dag,
    ) -> bool {
        if parents.len() < 2 || parents.iter().all(|(_, p)| p.path != state.path) {
            return false; // not a merge, or moved in the merge itself
        }
        let Some(result) = state.blob.and_then(|id| blobs.read(self, id).ok()) else {
            return false;
        };
        let (p1, s1) = &parents[0];
        let Some(mut current) = s1.blob.and_then(|id| blobs.read(self, id).ok()) else {
            return false;
        };
        let last = parents.len() - 1;
        for (step, (pid, ps)) in parents.iter().enumerate().skip(1) {
            let Some(theirs) = ps.blob.and_then(|id| blobs.read(self, id).ok()) else {
                return false;
            };
            let paths = [s1.path.as_ref(), ps.path.as_ref()];
            let bases = self.base_versions(*p1, *pid, &paths, blobs, dag);
            let merged: Vec<Vec<u8>> = bases
                .iter()
                .flat_map(|base| auto_merge(base, &current, &theirs))
                .collect();
            if step == last {
                return merged.contains(&result);
            }
            match merged.into_iter().next() {
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
        &self,
        a: Oid,
        b: Oid,
        paths: &[&Path],
        blobs: &mut Blobs,
        dag: &mut Dag,
    ) -> Vec<Vec<u8>> {
        let version = |blobs: &mut Blobs, commit: Oid| -> Vec<u8> {
            self.repo
                .find_commit(commit)
                .ok()
                .and_then(|c| c.tree().ok())
                .and_then(|t| paths.iter().find_map(|p| blob_id(&t, p).ok().flatten()))
                .and_then(|id| blobs.read(self, id).ok())
                .unwrap_or_default()
        };
        let mut merge_bases = |a: Oid, b: Oid| -> Vec<Oid> {
            dag.merge_bases(a, b)
                .unwrap_or_else(|| match self.repo.merge_bases(a, b) {
                    Ok(list) => list.iter().copied().collect(),
                    Err(_) => Vec::new(),
                })
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
                    virtual_base = merge_text(&below, &virtual_base, &singles[i + 1]).0;
                }
                let mut all = vec![virtual_base];
                all.extend(singles);
                all
            }
        }
    }
}

/// The walked commits as a graph: merge bases without reading a commit (libgit2's
/// `merge_bases` reads every commit it paints, which at each merge of a long history
/// costs more than the whole walk).
struct Dag {
    ids: Vec<Oid>,
    /// Each commit's parents' positions (`u32::MAX`: not in the walk; `None`: missing,
    /// a shallow boundary).
    parents: Vec<Option<SmallVec<[u32; 2]>>>,
    pos: HashMap<Oid, u32, OidHash>,
    /// Paint flags, all zero between calls.
    flags: Vec<u8>,
}

impl Dag {
    fn new(list: Option<&[(Oid, Node)]>) -> Dag {
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
    fn merge_bases(&mut self, a: Oid, b: Oid) -> Option<Vec<Oid>> {
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

/// git's three-way merge of one file's texts: the result, and whether it is clean.
fn merge_text(base: &[u8], ours: &[u8], theirs: &[u8]) -> (Vec<u8>, bool) {
    let mut b = git2::MergeFileInput::new();
    b.content(base);
    let mut o = git2::MergeFileInput::new();
    o.content(ours);
    let mut t = git2::MergeFileInput::new();
    t.content(theirs);
    match git2::merge_file(&b, &o, &t, None) {
        Ok(merged) => (merged.content().to_vec(), merged.is_automergeable()),
        Err(_) => (ours.to_vec(), false),
    }
}

/// The clean merges of the three versions: [`merge_text`] when it is clean, and the merge
/// driver's result when it has no conflict.
fn auto_merge(base: &[u8], ours: &[u8], theirs: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    if let (merged, true) = merge_text(base, ours, theirs) {
        out.push(merged);
    }
    // Or what dbarch's merge driver gives (rows as a union, header dates the newest): a
    // merge the driver made cleanly is a clean merge too.
    let m = crate::hook::merge::merge3(
        base,
        ours,
        theirs,
        &crate::doc::Labels::default(),
        &crate::hook::merge::MarkerStyle::default(),
    );
    if !m.conflicts && !out.contains(&m.bytes) {
        out.push(m.bytes);
    }
    out
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

/// What rename detection learnt during one walk: the rename source found per (old
/// tree, new tree, document blob, path), and per blob its size and similarity
/// signature. A topic branch forked before a mass rename and merged after it makes
/// every such merge look for the document's source among the same deleted files;
/// each is read and hashed once.
#[derive(Default)]
struct Renames {
    found: HashMap<(Oid, Oid, Oid, PathBuf), Option<PathBuf>>,
    sizes: HashMap<Oid, Option<usize>, OidHash>,
    signatures: HashMap<Oid, Option<Rc<similarity::Signature>>, OidHash>,
}

impl Renames {
    /// A blob's size from its header (`None`: not a readable blob, as a submodule).
    fn size(&mut self, repo: &Repo, id: Oid) -> Option<usize> {
        if let Some(size) = self.sizes.get(&id) {
            return *size;
        }
        let size = repo
            .repo
            .odb()
            .ok()
            .and_then(|odb| odb.read_header(id).ok())
            .and_then(|(size, kind)| (kind == ObjectType::Blob).then_some(size));
        self.sizes.insert(id, size);
        size
    }

    /// A blob's similarity signature.
    fn signature(&mut self, repo: &Repo, id: Oid) -> Option<Rc<similarity::Signature>> {
        if let Some(sig) = self.signatures.get(&id) {
            return sig.clone();
        }
        let sig = repo
            .repo
            .find_blob(id)
            .ok()
            .map(|b| Rc::new(similarity::Signature::of(b.content())));
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

/// `.mailmap` lines of the form `Proper Name <proper@email> Commit Name` (a commit name
/// with no email after it): git ignores the trailing name and maps every commit with
/// `proper@email` to `Proper Name` (git.git's `Dana L. How <danahow@gmail.com> Dana
/// How`); libgit2 maps none. Added to `map` the way git reads them.
fn add_name_only_entries(map: &mut git2::Mailmap, text: &str) {
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let (Some(open), Some(close)) = (line.find('<'), line.find('>')) else {
            continue;
        };
        if close < open {
            continue;
        }
        let name = line[..open].trim();
        let email = line[open + 1..close].trim();
        let rest = line[close + 1..].trim();
        let rest = rest.split('#').next().unwrap_or("").trim();
        if name.is_empty() || email.is_empty() || rest.is_empty() || rest.contains('<') {
            continue;
        }
        let _ = map.add_entry(Some(name), None, None, email);
    }
}

/// The objects in the packs under `dir` (each index's last fan-out entry).
fn packed_object_count(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut count = 0usize;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "idx") {
            continue;
        }
        let Ok(mut f) = std::fs::File::open(&path) else {
            continue;
        };
        use std::io::Read;
        let mut head = [0u8; 8 + 256 * 4];
        if f.read_exact(&mut head).is_err() {
            continue;
        }
        // Version 2 starts with a magic and a version; version 1 with the fan-out.
        let at = if head[..4] == [0xff, b't', b'O', b'c'] {
            8 + 255 * 4
        } else {
            255 * 4
        };
        if let Some(b) = head.get(at..at + 4) {
            count += u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
        }
    }
    count
}

/// git's automatic abbreviation length for `count` objects (`find_unique_abbrev_r`).
fn auto_abbrev(count: usize) -> usize {
    if count == 0 {
        return 7;
    }
    let msb = usize::BITS as usize - 1 - count.leading_zeros() as usize;
    (msb + 1).div_ceil(2).max(7)
}

/// Process-wide libgit2 settings for reading history (see the module documentation).
fn tune_libgit2() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        git2::opts::strict_hash_verification(false);
        git2::opts::enable_caching(false);
    });
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

/// `Name <email> SECONDS ZONE` as git reads it: seconds it cannot read are 0 (the epoch),
/// a zone it cannot read is UTC.
fn lenient_signature(line: &[u8]) -> Option<git2::Signature<'static>> {
    let open = line.iter().position(|&b| b == b'<')?;
    let close = open + line[open..].iter().position(|&b| b == b'>')?;
    let name = String::from_utf8_lossy(&line[..open]).trim().to_string();
    let email = String::from_utf8_lossy(&line[open + 1..close]).to_string();
    let rest = String::from_utf8_lossy(&line[close + 1..]).to_string();
    let mut parts = rest.split_whitespace();
    let secs = parts
        .next()
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|s| DateTime::from_timestamp(*s, 0).is_some())
        .unwrap_or(0);
    let zone = parts
        .next()
        .and_then(|z| {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let digits = z.trim_start_matches(['+', '-']);
            let n: i32 = digits.parse().ok()?;
            (digits.len() == 4).then_some(sign * (n / 100 * 60 + n % 100))
        })
        .unwrap_or(0);
    git2::Signature::new(&name, &email, &git2::Time::new(secs, zone)).ok()
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

/// The commits of a walk from HEAD hiding some commits, in the order of libgit2's revwalk
/// with `Sort::TOPOLOGICAL | Sort::TIME`, computed on the commit-graph.
///
/// libgit2 (1.9) does not read the commit-graph files git writes today (it rejects
/// their generation-data chunk), so its revwalk reads and parses every commit object.
/// This is a port of its `prepare_walk`, `limit_list` (with its date-ordered lists and
/// "slop"), `mark_parents_uninteresting` and `sort_in_topological_order` (with its binary
/// heap) over the graph's parents and commit times, so the order is the same, ties
/// included (the tests compare the two on random histories). Commits the graph does not
/// hold (made since it was written) are read with libgit2, as it would.
struct GraphWalk<'r> {
    repo: &'r Repository,
    graph: Option<&'r graph::CommitGraph>,
    nodes: Vec<WalkNode>,
    /// Node of each graph position (`u32::MAX`: none yet).
    by_pos: Vec<u32>,
    /// Nodes of commits the graph does not hold.
    by_id: HashMap<Oid, u32, OidHash>,
    /// How many more commit objects may be read (`None`: no limit); at `Some(0)` the
    /// walk fails.
    budget: Option<usize>,
    /// The object database, for reading commits raw (see [`GraphWalk::read_commit`]).
    odb: Option<git2::Odb<'r>>,
}

#[derive(Default)]
struct WalkNode {
    id: Option<Oid>,
    pos: Option<u32>,
    tree: Option<Oid>,
    time: i64,
    parents: Vec<u32>,
    parsed: bool,
    seen: bool,
    uninteresting: bool,
    added: bool,
    /// libgit2's is 16 bits wide, and wraps.
    in_degree: u16,
}

impl<'r> GraphWalk<'r> {
    fn new(repo: &'r Repository, graph: Option<&'r graph::CommitGraph>) -> GraphWalk<'r> {
        GraphWalk {
            repo,
            graph,
            nodes: Vec::new(),
            by_pos: vec![u32::MAX; graph.map_or(0, |g| g.len() as usize)],
            by_id: HashMap::default(),
            budget: None,
            odb: repo.odb().ok(),
        }
    }

    /// Commit time, root tree and parents of commit `id`, read from its raw object: the
    /// `tree` line, the `parent` lines right after it and the committer's time — what
    /// libgit2's commit parsing gives the revwalk, without parsing signatures and message
    /// (8% of a walk without a commit-graph). `None` for anything unexpected: the caller
    /// then reads the commit with libgit2, which reports what is wrong.
    fn read_commit(&self, id: Oid) -> Option<(i64, Oid, SmallVec<[Oid; 2]>)> {
        fn hex_id(b: &[u8]) -> Option<Oid> {
            let hex = std::str::from_utf8(b).ok()?;
            (hex.len() == 40).then(|| Oid::from_str(hex).ok()).flatten()
        }
        let object = self.odb.as_ref()?.read(id).ok()?;
        if object.kind() != ObjectType::Commit {
            return None;
        }
        let mut lines = object.data().split(|&b| b == b'\n');
        let tree = hex_id(lines.next()?.strip_prefix(b"tree ")?)?;
        let mut parents = SmallVec::new();
        let mut time = None;
        let mut in_parents = true;
        for line in lines {
            if line.is_empty() {
                break; // the message
            }
            if in_parents {
                if let Some(p) = line.strip_prefix(b"parent ") {
                    parents.push(hex_id(p)?);
                    continue;
                }
                in_parents = false;
            }
            if let Some(who) = line.strip_prefix(b"committer ") {
                // `Name <email> SECONDS ZONE`: the seconds follow the last `>`.
                let after = &who[who.iter().rposition(|&b| b == b'>')? + 1..];
                let secs = std::str::from_utf8(after).ok()?.split_whitespace().next()?;
                // As git reads it: a timestamp it cannot read is 0.
                time = Some(secs.parse::<i64>().unwrap_or(0));
                break;
            }
        }
        Some((time?, tree, parents))
    }

    fn lookup_pos(&mut self, pos: u32) -> u32 {
        let slot = self.by_pos[pos as usize];
        if slot != u32::MAX {
            return slot;
        }
        let n = self.nodes.len() as u32;
        self.nodes.push(WalkNode {
            pos: Some(pos),
            ..WalkNode::default()
        });
        self.by_pos[pos as usize] = n;
        n
    }

    fn lookup(&mut self, id: Oid) -> u32 {
        if let Some(pos) = self.graph.and_then(|g| g.find(id)) {
            return self.lookup_pos(pos);
        }
        if let Some(&n) = self.by_id.get(&id) {
            return n;
        }
        let n = self.nodes.len() as u32;
        self.nodes.push(WalkNode {
            id: Some(id),
            ..WalkNode::default()
        });
        self.by_id.insert(id, n);
        n
    }

    /// The commit's id (read from the graph on demand).
    fn id(&self, n: u32) -> Result<Oid> {
        let node = &self.nodes[n as usize];
        node.id
            .or_else(|| node.pos.and_then(|p| self.graph?.oid(p)))
            .ok_or_else(|| Error::History("the commit-graph file is inconsistent".into()))
    }

    /// libgit2's `git_commit_list_parse`: time, tree and parents.
    fn parse(&mut self, n: u32) -> Result<()> {
        if self.nodes[n as usize].parsed {
            return Ok(());
        }
        let (time, tree, parents) = match self.nodes[n as usize].pos {
            Some(pos) => {
                let (time, tree, positions) =
                    self.graph.and_then(|g| g.commit(pos)).ok_or_else(|| {
                        Error::History("the commit-graph file is inconsistent".into())
                    })?;
                let parents = positions.into_iter().map(|p| self.lookup_pos(p)).collect();
                (time, tree, parents)
            }
            None => {
                if let Some(left) = self.budget.as_mut() {
                    if *left == 0 {
                        return Err(Error::Internal("the short walk is longer".into()));
                    }
                    *left -= 1;
                }
                let id = self.id(n)?;
                let (time, tree, ids) = match self.read_commit(id) {
                    Some(read) => read,
                    None => {
                        let commit = self
                            .repo
                            .find_commit(id)
                            .map_err(|e| Error::git(format!("reading commit {id}"), e))?;
                        let read = (
                            commit.committer().when().seconds(),
                            commit.tree_id(),
                            commit.parent_ids().collect(),
                        );
                        read
                    }
                };
                let parents = ids.into_iter().map(|p| self.lookup(p)).collect();
                (time, tree, parents)
            }
        };
        let node = &mut self.nodes[n as usize];
        node.time = time;
        node.tree = Some(tree);
        node.parents = parents;
        node.parsed = true;
        Ok(())
    }

    /// The walk's commits, in order: `push` and then each of `hide`, as the calls on a
    /// libgit2 revwalk would be made (hidden ids that are not objects are skipped).
    fn order(&mut self, push: Oid, hide: &[Oid]) -> Result<Vec<u32>> {
        // git_revwalk__push_commit: each call prepends to the user input.
        let mut input: Vec<u32> = Vec::new();
        let mut add = |walk: &mut GraphWalk<'r>, id: Oid, hidden: bool| -> Result<()> {
            // A commit libgit2 refuses to parse (a timestamp out of range) is still a
            // commit: git reads it, and so does the walk (see `read_commit`).
            let raw_commit = |walk: &GraphWalk<'r>| {
                walk.repo
                    .odb()
                    .and_then(|o| o.read_header(id))
                    .is_ok_and(|(_, kind)| kind == ObjectType::Commit)
            };
            let id = if hidden {
                match walk.repo.find_object(id, None) {
                    Ok(object) => match object.peel_to_commit() {
                        Ok(c) => c.id(),
                        Err(e) => return Err(Error::git(format!("hiding commit {id}"), e)),
                    },
                    Err(e) if e.code() == ErrorCode::NotFound => return Ok(()),
                    Err(e) if e.class() == git2::ErrorClass::Invalid && raw_commit(walk) => id,
                    Err(e) => return Err(Error::git(format!("hiding commit {id}"), e)),
                }
            } else {
                id
            };
            let n = walk.lookup(id);
            if walk.nodes[n as usize].uninteresting {
                return Ok(());
            }
            walk.nodes[n as usize].uninteresting = hidden;
            input.insert(0, n);
            Ok(())
        };
        add(self, push, false)?;
        for &h in hide {
            add(self, h, true)?;
        }

        // prepare_walk
        let mut commits: VecDeque<u32> = VecDeque::new();
        for &n in &input {
            self.parse(n)?;
            if self.nodes[n as usize].uninteresting {
                self.mark_parents_uninteresting(n);
            }
            if !self.nodes[n as usize].seen {
                self.nodes[n as usize].seen = true;
                commits.push_back(n);
            }
        }
        let list = self.limit_list(commits)?;
        let sorted = self.sort_in_topological_order(&list);
        // revwalk_next_toposort: commits can become uninteresting after being listed.
        Ok(sorted
            .into_iter()
            .filter(|&n| !self.nodes[n as usize].uninteresting)
            .collect())
    }

    fn mark_parents_uninteresting(&mut self, n: u32) {
        let mut stack: Vec<u32> = Vec::new();
        // git_commit_list_insert prepends; popping from the end of a Vec pushed in
        // reverse gives the same order.
        for &p in self.nodes[n as usize].parents.iter() {
            stack.push(p);
        }
        while let Some(first) = stack.pop() {
            let mut commit = Some(first);
            while let Some(c) = commit {
                let node = &mut self.nodes[c as usize];
                if node.uninteresting {
                    break;
                }
                node.uninteresting = true;
                if !node.parsed {
                    break;
                }
                stack.extend(node.parents.iter().copied());
                commit = node.parents.first().copied();
            }
        }
    }

    /// libgit2's `git_commit_list_insert_by_date`: before the first strictly older one.
    fn insert_by_date(&self, list: &mut VecDeque<u32>, n: u32) {
        let time = self.nodes[n as usize].time;
        let at = list
            .iter()
            .position(|&m| self.nodes[m as usize].time < time)
            .unwrap_or(list.len());
        list.insert(at, n);
    }

    fn add_parents_to_list(&mut self, n: u32, list: &mut VecDeque<u32>) -> Result<()> {
        if self.nodes[n as usize].added {
            return Ok(());
        }
        self.nodes[n as usize].added = true;
        let parents = self.nodes[n as usize].parents.clone();
        if self.nodes[n as usize].uninteresting {
            for p in parents {
                self.nodes[p as usize].uninteresting = true;
                self.parse(p)?;
                self.mark_parents_uninteresting(p);
                self.nodes[p as usize].seen = true;
                self.insert_by_date(list, p);
            }
            return Ok(());
        }
        for p in parents {
            self.parse(p)?;
            if !self.nodes[p as usize].seen {
                self.nodes[p as usize].seen = true;
                self.insert_by_date(list, p);
            }
        }
        Ok(())
    }

    fn limit_list(&mut self, mut list: VecDeque<u32>) -> Result<Vec<u32>> {
        const SLOP: u32 = 5;
        let mut slop = SLOP;
        let mut time = i64::MAX;
        let mut out: Vec<u32> = Vec::new();
        while let Some(n) = list.pop_front() {
            self.add_parents_to_list(n, &mut list)?;
            if self.nodes[n as usize].uninteresting {
                self.mark_parents_uninteresting(n);
                slop = self.still_interesting(&list, time, slop);
                if slop > 0 {
                    continue;
                }
                break;
            }
            time = self.nodes[n as usize].time;
            out.push(n);
        }
        Ok(out)
    }

    fn still_interesting(&self, list: &VecDeque<u32>, time: i64, slop: u32) -> u32 {
        const SLOP: u32 = 5;
        let Some(&first) = list.front() else {
            return 0;
        };
        if time <= self.nodes[first as usize].time {
            return SLOP;
        }
        if list.iter().any(|&m| {
            let node = &self.nodes[m as usize];
            !node.uninteresting || node.time > time
        }) {
            return SLOP;
        }
        slop - 1
    }

    fn sort_in_topological_order(&mut self, list: &[u32]) -> Vec<u32> {
        for &n in list {
            self.nodes[n as usize].in_degree = 1;
        }
        for &n in list {
            for i in 0..self.nodes[n as usize].parents.len() {
                let p = self.nodes[n as usize].parents[i] as usize;
                if self.nodes[p].in_degree != 0 {
                    self.nodes[p].in_degree = self.nodes[p].in_degree.wrapping_add(1);
                }
            }
        }
        let mut heap: Vec<u32> = Vec::new();
        for &n in list {
            if self.nodes[n as usize].in_degree == 1 {
                self.heap_insert(&mut heap, n);
            }
        }
        let mut out: Vec<u32> = Vec::with_capacity(list.len());
        while let Some(next) = self.heap_pop(&mut heap) {
            for i in 0..self.nodes[next as usize].parents.len() {
                let p = self.nodes[next as usize].parents[i];
                let node = &mut self.nodes[p as usize];
                if node.in_degree == 0 {
                    continue;
                }
                node.in_degree = node.in_degree.wrapping_sub(1);
                if node.in_degree == 1 {
                    self.heap_insert(&mut heap, p);
                }
            }
            self.nodes[next as usize].in_degree = 0;
            out.push(next);
        }
        out
    }

    /// `git_commit_list_time_cmp`: newer first.
    fn cmp(&self, a: u32, b: u32) -> std::cmp::Ordering {
        self.nodes[b as usize]
            .time
            .cmp(&self.nodes[a as usize].time)
    }

    /// libgit2's `git_pqueue_insert` (`pqueue_up`).
    fn heap_insert(&self, heap: &mut Vec<u32>, item: u32) {
        heap.push(item);
        let mut el = heap.len() - 1;
        while el > 0 {
            let parent_el = (el - 1) >> 1;
            let parent = heap[parent_el];
            if self.cmp(parent, item) != std::cmp::Ordering::Greater {
                break;
            }
            heap[el] = parent;
            el = parent_el;
        }
        heap[el] = item;
    }

    /// libgit2's `git_pqueue_pop` (`pqueue_down`).
    fn heap_pop(&self, heap: &mut Vec<u32>) -> Option<u32> {
        let top = *heap.first()?;
        let last = heap.pop()?;
        if heap.is_empty() {
            return Some(top);
        }
        let mut el = 0;
        loop {
            let mut kid_el = 2 * el + 1;
            let Some(&first_kid) = heap.get(kid_el) else {
                break;
            };
            let mut kid = first_kid;
            if let Some(&rkid) = heap.get(kid_el + 1) {
                if self.cmp(kid, rkid) == std::cmp::Ordering::Greater {
                    kid = rkid;
                    kid_el += 1;
                }
            }
            if self.cmp(last, kid) != std::cmp::Ordering::Greater {
                break;
            }
            heap[el] = kid;
            el = kid_el;
        }
        heap[el] = last;
        Some(top)
    }

    /// What the history walk needs of node `n` (parsed, as every walked commit and its
    /// parents are).
    fn node(&mut self, n: u32) -> Result<(Oid, Node)> {
        let inconsistent = || Error::History("the commit-graph file is inconsistent".into());
        let mut parents = SmallVec::with_capacity(self.nodes[n as usize].parents.len());
        for i in 0..self.nodes[n as usize].parents.len() {
            let p = self.nodes[n as usize].parents[i];
            let tree = self.nodes[p as usize].tree.ok_or_else(inconsistent)?;
            parents.push((self.id_once(p)?, tree));
        }
        let node = &self.nodes[n as usize];
        let (tree, pos) = (node.tree.ok_or_else(inconsistent)?, node.pos);
        Ok((
            self.id_once(n)?,
            Node {
                tree,
                parents: Some(parents),
                pos,
            },
        ))
    }

    /// [`GraphWalk::id`], kept: a commit's id is asked for as a commit and as a parent.
    fn id_once(&mut self, n: u32) -> Result<Oid> {
        let id = self.id(n)?;
        self.nodes[n as usize].id = Some(id);
        Ok(id)
    }
}

/// A reader for git's commit-graph (`objects/info/commit-graph`, or the chain of layers
/// in `objects/info/commit-graphs/`; git's `gitformat-commit-graph(5)`): each commit's
/// root tree and parents, and the changed-path Bloom filters of `git commit-graph write
/// --changed-paths` (git's `bloom.c`). Only what git itself reads is trusted: anything
/// unexpected makes [`CommitGraph::open`] return `None` (the walk then reads commits),
/// and a filter is only ever used to skip a tree lookup whose answer it proves.
mod graph {
    use std::path::{Path, PathBuf};

    use git2::Oid;

    const SIGNATURE: &[u8] = b"CGPH";
    /// SHA-1 ids (hash version 1); other repositories are not read.
    const HASH_LEN: usize = 20;
    const CDAT_LEN: usize = HASH_LEN + 16;
    const PARENT_NONE: u32 = 0x7000_0000;
    const EXTRA_EDGES: u32 = 0x8000_0000;
    const LAST_EDGE: u32 = 0x8000_0000;
    const OIDF: u32 = u32::from_be_bytes(*b"OIDF");
    const OIDL: u32 = u32::from_be_bytes(*b"OIDL");
    const CDAT: u32 = u32::from_be_bytes(*b"CDAT");
    const EDGE: u32 = u32::from_be_bytes(*b"EDGE");
    const BIDX: u32 = u32::from_be_bytes(*b"BIDX");
    const BDAT: u32 = u32::from_be_bytes(*b"BDAT");
    const BASE: u32 = u32::from_be_bytes(*b"BASE");

    pub struct CommitGraph {
        /// Base layer first; positions count across layers.
        layers: Vec<Layer>,
        total: u32,
    }

    struct Layer {
        data: Vec<u8>,
        /// The trailing SHA-1 of the file (verified).
        checksum: [u8; HASH_LEN],
        /// The BASE chunk: checksums of the layers below, base first.
        base_hashes: Vec<[u8; HASH_LEN]>,
        /// Commits in the layers below.
        base: u32,
        count: u32,
        fanout: usize,
        oids: usize,
        cdat: usize,
        /// Offset and number of entries of the extra-edge list (octopus merges).
        edges: (usize, usize),
        bloom: Option<Bloom>,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    struct BloomSettings {
        version: u32,
        hashes: u32,
    }

    struct Bloom {
        index: usize,
        data: usize,
        len: usize,
        settings: BloomSettings,
    }

    /// The filter keys of one path and of each of its leading directories.
    pub struct BloomKeys {
        settings: BloomSettings,
        keys: Vec<Vec<u32>>,
    }

    fn be32(d: &[u8], at: usize) -> Option<u32> {
        let b: [u8; 4] = d.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(u32::from_be_bytes(b))
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    fn be64(d: &[u8], at: usize) -> Option<u64> {
        let b: [u8; 8] = d.get(at..at.checked_add(8)?)?.try_into().ok()?;
        Some(u64::from_be_bytes(b))
    }

    impl CommitGraph {
        /// Reads the graph of the object directory `objects`: the single file when there
        /// is one (as git), else the chain.
        pub fn open(objects: &Path) -> Option<CommitGraph> {
            let info = objects.join("info");
            let single = info.join("commit-graph");
            // (file, the checksum the chain names it by)
            let files: Vec<(PathBuf, Option<String>)> = if single.is_file() {
                vec![(single, None)]
            } else {
                let dir = info.join("commit-graphs");
                let chain = std::fs::read_to_string(dir.join("commit-graph-chain")).ok()?;
                let mut files = Vec::new();
                for h in chain.lines().map(str::trim).filter(|l| !l.is_empty()) {
                    if h.len() != 2 * HASH_LEN || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return None;
                    }
                    files.push((dir.join(format!("graph-{h}.graph")), Some(h.to_string())));
                }
                files
            };
            let mut layers: Vec<Layer> = Vec::with_capacity(files.len());
            let mut total: u32 = 0;
            let mut below: Vec<[u8; HASH_LEN]> = Vec::new();
            for (i, (file, named)) in files.iter().enumerate() {
                let layer = Layer::parse(std::fs::read(file).ok()?, total, i)?;
                // A layer is the file its chain names (its checksum is its name), and it
                // sits on exactly the layers below it (its BASE chunk), as git checks.
                if named.as_deref().is_some_and(|h| *h != hex(&layer.checksum)) {
                    return None;
                }
                if layer.base_hashes != below {
                    return None;
                }
                below.push(layer.checksum);
                total = total.checked_add(layer.count)?;
                layers.push(layer);
            }
            (!layers.is_empty()).then_some(CommitGraph { layers, total })
        }

        /// The newest layer's checksum in hex: names this graph (a chain's newest layer
        /// names every layer below it through its BASE chunk).
        pub fn id(&self) -> String {
            self.layers
                .last()
                .map(|l| hex(&l.checksum))
                .unwrap_or_default()
        }

        /// Drops the changed-path filters (`commitGraph.readChangedPaths=false`).
        pub fn without_filters(mut self) -> CommitGraph {
            for l in &mut self.layers {
                l.bloom = None;
            }
            self
        }

        /// The position of commit `id`, if the graph holds it.
        pub fn find(&self, id: Oid) -> Option<u32> {
            let key = id.as_bytes();
            self.layers
                .iter()
                .rev()
                .find_map(|l| l.find(key).map(|i| l.base + i))
        }

        fn layer_of(&self, pos: u32) -> Option<(&Layer, usize)> {
            let layer = self
                .layers
                .iter()
                .find(|l| pos >= l.base && pos - l.base < l.count)?;
            Some((layer, (pos - layer.base) as usize))
        }

        /// Commits in the graph (positions are below this).
        pub fn len(&self) -> u32 {
            self.total
        }

        /// Whether the newest layer has changed-path filters.
        pub fn has_filters(&self) -> bool {
            self.layers.last().is_some_and(|l| l.bloom.is_some())
        }

        pub fn oid(&self, pos: u32) -> Option<Oid> {
            let (l, i) = self.layer_of(pos)?;
            let at = l.oids + i * HASH_LEN;
            Oid::from_bytes(l.data.get(at..at + HASH_LEN)?).ok()
        }

        /// Commit time, tree and parent positions of the commit at `pos`.
        pub fn commit(&self, pos: u32) -> Option<(i64, Oid, Vec<u32>)> {
            let (l, i) = self.layer_of(pos)?;
            let at = l.cdat + i * CDAT_LEN;
            let tree = Oid::from_bytes(l.data.get(at..at + HASH_LEN)?).ok()?;
            // 30 bits of generation, then 34 bits of commit time.
            let high = u64::from(be32(&l.data, at + HASH_LEN + 8)? & 3);
            let low = u64::from(be32(&l.data, at + HASH_LEN + 12)?);
            let time = i64::try_from((high << 32) | low).ok()?;
            let (p1, p2) = (
                be32(&l.data, at + HASH_LEN)?,
                be32(&l.data, at + HASH_LEN + 4)?,
            );
            let mut positions: Vec<u32> = Vec::with_capacity(2);
            if p1 != PARENT_NONE {
                positions.push(p1);
                if p2 & EXTRA_EDGES != 0 {
                    let mut e = (p2 & !EXTRA_EDGES) as usize;
                    loop {
                        if e >= l.edges.1 {
                            return None;
                        }
                        let v = be32(&l.data, l.edges.0 + 4 * e)?;
                        positions.push(v & !LAST_EDGE);
                        if v & LAST_EDGE != 0 {
                            break;
                        }
                        e += 1;
                    }
                } else if p2 != PARENT_NONE {
                    positions.push(p2);
                }
            }
            if positions.iter().any(|&p| p >= self.total) {
                return None;
            }
            Some((time, tree, positions))
        }

        /// The filter keys for `path` (`/`-separated), or `None` when the graph has no
        /// filters, or they cannot answer for this path (version 1 filters hash bytes
        /// over 0x7f differently: git does not use them for such paths either).
        pub fn keys(&self, path: &Path) -> Option<BloomKeys> {
            let settings = self
                .layers
                .iter()
                .rev()
                .find_map(|l| l.bloom.as_ref())?
                .settings;
            let text = path.to_string_lossy();
            let bytes = text.as_bytes();
            if settings.version != 2 && !bytes.is_ascii() {
                return None;
            }
            let mut keys = vec![key(bytes, settings)];
            for (i, b) in bytes.iter().enumerate().rev() {
                if *b == b'/' && i > 0 {
                    keys.push(key(&bytes[..i], settings));
                }
            }
            Some(BloomKeys { settings, keys })
        }

        /// Whether the changed-path filter of the commit at `pos` proves that the path
        /// of `keys` is the same in the commit and in its first parent.
        #[cfg(test)]
        pub fn not_changed(&self, pos: u32, keys: &BloomKeys) -> bool {
            self.filter(pos).is_some_and(|f| f.not_changed(keys))
        }

        /// The changed-path filter of the commit at `pos` (`None`: none, or empty).
        pub fn filter(&self, pos: u32) -> Option<Filter<'_>> {
            let (l, i) = self.layer_of(pos)?;
            let bloom = l.bloom.as_ref()?;
            let end = be32(&l.data, bloom.index + 4 * i)? as usize;
            let start = match i {
                0 => 0,
                _ => be32(&l.data, bloom.index + 4 * (i - 1))? as usize,
            };
            if start >= end || end > bloom.len {
                return None; // an empty filter says nothing
            }
            Some(Filter {
                bits: &l.data[bloom.data + start..bloom.data + end],
                settings: bloom.settings,
            })
        }
    }

    /// One commit's changed-path filter.
    pub struct Filter<'g> {
        bits: &'g [u8],
        settings: BloomSettings,
    }

    impl Filter<'_> {
        /// Whether the filter proves that the path of `keys` did not change.
        pub fn not_changed(&self, keys: &BloomKeys) -> bool {
            if keys.settings != self.settings {
                return false;
            }
            let bits = self.bits.len() as u64 * 8;
            // A path that changed put itself and each leading directory in the filter:
            // one key missing proves it did not change.
            keys.keys.iter().any(|hashes| {
                hashes.iter().any(|&h| {
                    let bit = u64::from(h) % bits;
                    self.bits[(bit / 8) as usize] & (1 << (bit % 8)) == 0
                })
            })
        }
    }

    impl Layer {
        /// One graph file; `base`: commits in the layers below, `index`: its place in the
        /// chain (its header says how many layers it sits on).
        fn parse(data: Vec<u8>, base: u32, index: usize) -> Option<Layer> {
            if data.len() < 8 || &data[..4] != SIGNATURE || data[4] != 1 || data[5] != 1 {
                return None;
            }
            if data[7] as usize != index {
                return None;
            }
            // The trailing checksum: a SHA-1 of everything before it.
            let body_len = data.len().checked_sub(HASH_LEN)?;
            let checksum: [u8; HASH_LEN] = data[body_len..].try_into().ok()?;
            {
                use sha1::Digest;
                let mut h = sha1::Sha1::new();
                h.update(&data[..body_len]);
                if h.finalize()[..] != checksum[..] {
                    return None;
                }
            }
            let chunks = data[6] as usize;
            // The table of contents: `chunks` entries and a terminating one; offsets
            // increase, start after the table and end before the checksum.
            let table_end = 8 + 12 * (chunks + 1);
            if be32(&data, table_end - 12)? != 0 {
                return None;
            }
            let mut found: Vec<(u32, usize, usize)> = Vec::with_capacity(chunks);
            for c in 0..chunks {
                let at = 8 + 12 * c;
                let id = be32(&data, at)?;
                let start = usize::try_from(be64(&data, at + 4)?).ok()?;
                let end = usize::try_from(be64(&data, at + 16)?).ok()?;
                if id == 0 || start < table_end || start > end || end > body_len {
                    return None;
                }
                if found.iter().any(|f| f.0 == id) {
                    return None;
                }
                found.push((id, start, end - start));
            }
            let chunk = |id: u32| found.iter().find(|c| c.0 == id).map(|c| (c.1, c.2));
            let (fanout, fanout_len) = chunk(OIDF)?;
            if fanout_len != 256 * 4 {
                return None;
            }
            let count = be32(&data, fanout + 255 * 4)?;
            let mut last = 0;
            for b in 0..256 {
                let v = be32(&data, fanout + 4 * b)?;
                if v < last {
                    return None;
                }
                last = v;
            }
            let n = count as usize;
            let (oids, oids_len) = chunk(OIDL)?;
            let (cdat, cdat_len) = chunk(CDAT)?;
            if oids_len != n.checked_mul(HASH_LEN)? || cdat_len != n.checked_mul(CDAT_LEN)? {
                return None;
            }
            // The ids are sorted, and the fan-out counts them by first byte.
            let mut prev: Option<&[u8]> = None;
            let mut seen = [0u32; 256];
            for i in 0..n {
                let id = &data[oids + i * HASH_LEN..oids + (i + 1) * HASH_LEN];
                if prev.is_some_and(|p| p >= id) {
                    return None;
                }
                seen[id[0] as usize] += 1;
                prev = Some(id);
            }
            let mut sum = 0u32;
            for (b, c) in seen.iter().enumerate() {
                sum += c;
                if be32(&data, fanout + 4 * b)? != sum {
                    return None;
                }
            }
            // The layers below, by checksum.
            let base_hashes: Vec<[u8; HASH_LEN]> = match chunk(BASE) {
                Some((at, len)) if len == index * HASH_LEN => data[at..at + len]
                    .chunks(HASH_LEN)
                    .map(|c| c.try_into().ok())
                    .collect::<Option<_>>()?,
                Some(_) => return None,
                None if index == 0 => Vec::new(),
                None => return None,
            };
            let edges = match chunk(EDGE) {
                Some((at, len)) if len % 4 == 0 => (at, len / 4),
                Some(_) => return None,
                None => (0, 0),
            };
            let bloom = match (chunk(BIDX), chunk(BDAT)) {
                (Some((index, index_len)), Some((bdat, bdat_len)))
                    if index_len == n.checked_mul(4)? && bdat_len >= 12 =>
                {
                    let settings = BloomSettings {
                        version: be32(&data, bdat)?,
                        hashes: be32(&data, bdat + 4)?,
                    };
                    // Every filter's end offset: non-decreasing and inside BDAT (git
                    // stops using the filters when they are not).
                    let mut last = 0u32;
                    let mut monotonic = true;
                    for i in 0..n {
                        let end = be32(&data, index + 4 * i)?;
                        if end < last || end as usize > bdat_len - 12 {
                            monotonic = false;
                            break;
                        }
                        last = end;
                    }
                    (monotonic
                        && (1..=2).contains(&settings.version)
                        && (1..=32).contains(&settings.hashes))
                    .then_some(Bloom {
                        index,
                        data: bdat + 12,
                        len: bdat_len - 12,
                        settings,
                    })
                }
                _ => None,
            };
            Some(Layer {
                data,
                checksum,
                base_hashes,
                base,
                count,
                fanout,
                oids,
                cdat,
                edges,
                bloom,
            })
        }

        fn find(&self, key: &[u8]) -> Option<u32> {
            let first = *key.first()? as usize;
            let lo = match first {
                0 => 0,
                _ => be32(&self.data, self.fanout + 4 * (first - 1))?,
            } as usize;
            let hi = be32(&self.data, self.fanout + 4 * first)? as usize;
            let ids = self
                .data
                .get(self.oids + lo * HASH_LEN..self.oids + hi * HASH_LEN)?;
            let (mut a, mut b) = (0, hi.checked_sub(lo)?);
            while a < b {
                let mid = (a + b) / 2;
                match ids[mid * HASH_LEN..(mid + 1) * HASH_LEN].cmp(key) {
                    std::cmp::Ordering::Less => a = mid + 1,
                    std::cmp::Ordering::Greater => b = mid,
                    std::cmp::Ordering::Equal => return u32::try_from(lo + mid).ok(),
                }
            }
            None
        }
    }

    /// git's `fill_bloom_key`: `hashes` values from two seeded murmur3 hashes.
    fn key(bytes: &[u8], s: BloomSettings) -> Vec<u32> {
        let h0 = murmur3(0x293a_e76f, bytes);
        let h1 = murmur3(0x7e64_6e2c, bytes);
        (0..s.hashes)
            .map(|i| h0.wrapping_add(i.wrapping_mul(h1)))
            .collect()
    }

    /// MurmurHash3 (x86, 32 bits), bytes unsigned: git's `murmur3_seeded_v2`, and its
    /// version 1 for ASCII input.
    pub(super) fn murmur3(seed: u32, data: &[u8]) -> u32 {
        const C1: u32 = 0xcc9e_2d51;
        const C2: u32 = 0x1b87_3593;
        let mut h = seed;
        let mut chunks = data.chunks_exact(4);
        for c in chunks.by_ref() {
            let k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            h ^= k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
            h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
        }
        let tail = chunks.remainder();
        if !tail.is_empty() {
            let mut k: u32 = 0;
            for (i, b) in tail.iter().enumerate() {
                k ^= u32::from(*b) << (8 * i);
            }
            h ^= k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        }
        h ^= data.len() as u32;
        h ^= h >> 16;
        h = h.wrapping_mul(0x85eb_ca6b);
        h ^= h >> 13;
        h = h.wrapping_mul(0xc2b2_ae35);
        h ^= h >> 16;
        h
    }

    #[cfg(test)]
    pub(super) fn key_for_test(bytes: &[u8], hashes: u32) -> Vec<u32> {
        key(bytes, BloomSettings { version: 2, hashes })
    }
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

    /// The blob id of `text` (what a change's `before` and `after` hold).
    fn blob(text: &str) -> Option<Oid> {
        Some(Oid::hash_object(git2::ObjectType::Blob, text.as_bytes()).unwrap())
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
        assert_eq!(first.after, blob(V1));
        assert!(!first.shallow_boundary);
        let last = &h.changes[2];
        assert_eq!(last.before, blob(V2));
        assert_eq!(last.after, blob(V3));
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
        assert_eq!(moved.before, blob(V2));
        assert_eq!(moved.after, blob(V2));
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
        assert_eq!(moved.before, blob(V1));
        assert_eq!(moved.after, blob(V3));
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

    /// A delete and a later add at the same path are two files (git's rule): the
    /// history starts at the add, unless `previous-paths` stitches the lives.
    fn two_lives(f: &mut Fixture) {
        let a = f.commit(&[], &[(DOC, Some(V1))], "First life");
        let b = f.commit(&[a], &[(DOC, Some(V2))], "Edit first life");
        let c = f.commit(&[b], &[(DOC, None)], "Delete doc");
        let d = f.commit(&[c], &[("other.txt", Some("x"))], "Unrelated");
        let e = f.commit(&[d], &[(DOC, Some("# Brand new\n"))], "Second life");
        f.head(e);
    }

    #[test]
    fn history_a_delete_and_a_later_add_are_two_lives() {
        let mut f = Fixture::new();
        two_lives(&mut f);
        let h = f.history(DOC);
        assert_eq!(listed(&h), vec![row("Second life", Added, DOC)]);
    }

    #[test]
    fn history_previous_paths_stitch_the_earlier_life() {
        let mut f = Fixture::new();
        two_lives(&mut f);
        let opts = HistoryOptions {
            previous_paths: vec![(PathBuf::from(DOC), vec![PathBuf::from(DOC)])],
            ..HistoryOptions::default()
        };
        let h = f.repo().document_history(Path::new(DOC), &opts).unwrap();
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
        assert_eq!(deleted.before, blob(V2));
        assert_eq!(deleted.after, None);

        // A move made as a delete and a later add elsewhere (not one commit: no rename).
        let mut f = Fixture::new();
        let a = f.commit(&[], &[("spec/old.md", Some(V1))], "Old spec");
        let b = f.commit(&[a], &[("spec/old.md", None)], "Drop the old spec");
        let c = f.commit(&[b], &[(DOC, Some("# Rewritten\n"))], "New spec");
        f.head(c);
        assert_eq!(listed(&f.history(DOC)), vec![row("New spec", Added, DOC)]);
        let opts = HistoryOptions {
            previous_paths: vec![(PathBuf::from(DOC), vec![PathBuf::from("spec/old.md")])],
            ..HistoryOptions::default()
        };
        let h = f.repo().document_history(Path::new(DOC), &opts).unwrap();
        assert_eq!(
            listed(&h),
            vec![
                row("Old spec", Added, "spec/old.md"),
                row("Drop the old spec", Deleted, "spec/old.md"),
                row("New spec", Added, DOC),
            ]
        );
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
        assert_eq!(merge.before, blob(V2), "first parent's version");
        assert_eq!(merge.after, blob(V3));
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

    /// git.git's shape: many files renamed in one commit, topic branches forked before it
    /// and merged after. Each merge looks for the document's source among the same
    /// deleted files; each is read once in the walk.
    #[test]
    fn history_mass_rename_with_old_topics_reads_each_candidate_once() {
        const FILES: usize = 120;
        const TOPICS: usize = 8;
        let file = |i: usize, ext: &str| format!("Documentation/f{i:03}.{ext}");
        let body = |i: usize, r: usize| {
            let mut t = format!("File {i}\n");
            for l in 0..12 {
                t += &format!("Line {l} of file {i} explains option {i}.{l} in detail.\n");
            }
            t + &format!("Revision {r}.\n")
        };
        let doc = |rev: &[usize]| {
            let mut t = String::from("# Architecture\n\n");
            for (l, r) in rev.iter().enumerate() {
                t += &format!("- Item {l}: the storage policy, as revised in change {r}.\n");
            }
            t
        };
        let mut f = Fixture::new();
        let mut rev = vec![0; 40];
        let mut init: Vec<(String, String)> =
            (0..FILES).map(|i| (file(i, "txt"), body(i, 0))).collect();
        init.push(("Documentation/arch.txt".into(), doc(&rev)));
        let changes: Vec<(&str, Option<&str>)> = init
            .iter()
            .map(|(p, c)| (p.as_str(), Some(c.as_str())))
            .collect();
        let mut tip = f.commit(&[], &changes, "Initial import");
        let mut topics = Vec::new();
        for t in 0..TOPICS {
            rev[t] = t + 1;
            let text = doc(&rev);
            tip = f.commit(
                &[tip],
                &[("Documentation/arch.txt", Some(&text))],
                &format!("Edit {t}"),
            );
            let (p, c) = (file(t * 7, "txt"), body(t * 7, t + 1));
            topics.push(f.commit(&[tip], &[(&p, Some(&c))], &format!("Topic {t}")));
        }
        rev[39] = 99;
        let renamed: Vec<(String, Option<String>)> = (0..FILES)
            .flat_map(|i| [(file(i, "txt"), None), (file(i, "adoc"), Some(body(i, 0)))])
            .chain([
                ("Documentation/arch.txt".to_string(), None),
                ("Documentation/arch.adoc".to_string(), Some(doc(&rev))),
            ])
            .collect();
        let changes: Vec<(&str, Option<&str>)> = renamed
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_deref()))
            .collect();
        tip = f.commit(&[tip], &changes, "Rename *.txt to *.adoc");
        for (t, &topic) in topics.iter().enumerate() {
            let (p, c) = (file(t * 7, "adoc"), body(t * 7, t + 1));
            tip = f.commit(
                &[tip, topic],
                &[(&p, Some(&c))],
                &format!("Merge topic {t}"),
            );
        }
        f.head(tip);
        let h = f.history("Documentation/arch.adoc");
        let mut expected = vec![row("Initial import", Added, "Documentation/arch.txt")];
        for t in 0..TOPICS {
            expected.push(row(
                &format!("Edit {t}"),
                Modified,
                "Documentation/arch.txt",
            ));
        }
        expected.push(row(
            "Rename *.txt to *.adoc",
            Renamed,
            "Documentation/arch.adoc",
        ));
        assert_eq!(listed(&h), expected);
        // Each merge scores the document against the FILES + 1 deleted files; no file is
        // read twice (before: libgit2's full similarity matrix at every merge).
        assert!(
            h.rename_reads <= FILES + TOPICS + 2,
            "{} reads for {FILES} files",
            h.rename_reads
        );
        assert!(h.rename_reads > 0);
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
        assert_eq!(merge.before, blob(V1));
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

    /// `Proper Name <proper@email> Commit Name`: git maps every commit with that email
    /// to the proper name (the trailing name is ignored), as git.git's `.mailmap` has it.
    #[test]
    fn history_mailmap_line_with_a_trailing_name_maps_by_email_as_git_does() {
        let mut f = Fixture::new();
        std::fs::write(
            f.dir.path().join(".mailmap"),
            "# people\nDana L. How <dana@example.com> Dana How\n",
        )
        .unwrap();
        let dana = Signature::new("Dana How", "dana@example.com", &Time::new(T0, 0)).unwrap();
        let a = f.commit_as(&[], &[(DOC, Some(V1))], "Add doc", &dana, &dana);
        f.head(a);
        let h = f.history(DOC);
        assert_eq!(h.changes[0].commit.author.name, "Dana L. How");
        assert_eq!(h.changes[0].commit.author.email, "dana@example.com");
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
    fn short_ids_are_as_long_as_git_makes_them() {
        assert_eq!(auto_abbrev(0), 7);
        assert_eq!(auto_abbrev(5_000), 7);
        // git.git: about 400,000 objects -> 10 digits.
        assert_eq!(auto_abbrev(400_000), 10);
        assert_eq!(auto_abbrev(1 << 24), 13);
        let mut f = Fixture::new();
        let a = f.commit(&[], &[(DOC, Some(V1))], "Add doc");
        f.head(a);
        let repo = f.repo();
        let short = repo.short_id(a);
        assert_eq!(short.len(), 7);
        assert!(a.to_string().starts_with(&short));
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
        assert_eq!(h.changes[0].after, blob(V2));
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

    // ---- the commit-graph (see `graph` and `GraphWalk`) ----------------------------------

    #[test]
    fn history_graph_murmur3_and_keys_match_git() {
        // git's t0095-bloom.sh.
        assert_eq!(graph::murmur3(0, b""), 0);
        assert_eq!(graph::murmur3(0, b"Hello world!"), 0x627b_0c2c);
        assert_eq!(
            graph::murmur3(0, b"The quick brown fox jumps over the lazy dog"),
            0x2e4f_f723
        );
        assert_eq!(
            graph::key_for_test(b"Hello world!", 7),
            vec![
                0xb270_de9b,
                0x1bb6_f26e,
                0x84fd_0641,
                0xee43_1a14,
                0x5789_2de7,
                0xc0cf_41ba,
                0x2a15_558d
            ]
        );
        assert_eq!(
            graph::key_for_test(b"file.txt", 7),
            vec![
                0x20ab_385b,
                0xf523_7fe2,
                0xc99b_c769,
                0x9e14_0ef0,
                0x728c_5677,
                0x4704_9dfe,
                0x1b7c_e585
            ]
        );
    }

    /// `git commit-graph write --reachable --changed-paths` in the fixture; false (and the
    /// test is skipped) when the git CLI cannot.
    #[test]
    fn raw_commit_reading_agrees_with_libgit2() {
        let mut f = Fixture::new();
        let a = f.commit(&[], &[(DOC, Some(V1))], "Add doc");
        let b = f.commit(&[a], &[(DOC, Some(V2))], "Edit");
        let tree = f.git.find_commit(b).unwrap().tree_id();
        // Headers after the committer (a signature whose continuation lines look like
        // headers), an encoding, and a merge with two parents.
        let raw = format!(
            "tree {tree}\nparent {a}\nparent {b}\nauthor Ana <ana@example.com> 1767225600 +0100\n\
             committer Bo <bo@example.com> 1767229200 -0500\nencoding ISO-8859-1\n\
             gpgsig -----BEGIN SSH SIGNATURE-----\n parent {a}\n committer X <x> 1 +0000\n \
             -----END SSH SIGNATURE-----\n\nMerge\n\ncommitter Z <z> 2 +0000\n"
        );
        let id = f
            .git
            .odb()
            .unwrap()
            .write(ObjectType::Commit, raw.as_bytes())
            .unwrap();
        let walk = GraphWalk::new(&f.git, None);
        for c in [a, b, id] {
            let commit = f.git.find_commit(c).unwrap();
            let want = (
                commit.committer().when().seconds(),
                commit.tree_id(),
                commit.parent_ids().collect::<Vec<_>>(),
            );
            let (time, tree, parents) = walk.read_commit(c).expect("a plain commit reads");
            assert_eq!((time, tree, parents.to_vec()), want, "{c}");
        }
        // Not a commit, or no committer: left to libgit2.
        let blob = f.git.blob(b"x").unwrap();
        assert!(walk.read_commit(blob).is_none());
        let bad = f
            .git
            .odb()
            .unwrap()
            .write(
                ObjectType::Commit,
                format!("tree {tree}\n\nno headers\n").as_bytes(),
            )
            .unwrap();
        assert!(walk.read_commit(bad).is_none());
    }

    #[test]
    fn graph_advice_until_a_graph_with_filters_is_written() {
        let mut f = Fixture::new();
        let a = f.commit(&[], &[(DOC, Some(V1))], "Add doc");
        let b = f.commit(&[a], &[(DOC, Some(V2))], "Edit");
        f.head(b);
        let advice = f.repo().graph_advice().expect("no graph: advice");
        assert!(advice.contains("git commit-graph write --reachable --changed-paths"));
        if write_graph(&f) {
            assert_eq!(f.repo().graph_advice(), None);
        }
    }

    fn write_graph(f: &Fixture) -> bool {
        if !git_cli_available() {
            eprintln!("skipping: the git CLI is not available");
            return false;
        }
        let out = Command::new("git")
            .args(["commit-graph", "write", "--reachable", "--changed-paths"])
            .current_dir(f.dir.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .output()
            .unwrap();
        if !out.status.success() {
            eprintln!(
                "skipping: git commit-graph write failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            return false;
        }
        true
    }

    /// Everything a history says, for comparing two walks.
    fn everything(h: &DocHistory) -> Vec<String> {
        let mut out = vec![format!("walked {} truncated {}", h.walked, h.truncated)];
        for c in &h.changes {
            out.push(format!(
                "{} {:?} {} {:?} {:?} {:?}",
                c.commit.id,
                c.kind,
                c.path.display(),
                c.old_path,
                c.before,
                c.after
            ));
        }
        out
    }

    /// A small deterministic generator (tests only).
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % n
        }
    }

    /// A history of `n` commits on random parents (one or two), with commit times that
    /// tie and go backwards, renaming and editing the document now and then. Returns
    /// the commits, oldest first; HEAD is the last.
    fn random_history(f: &mut Fixture, seed: u64, n: usize) -> Vec<Oid> {
        let mut rng = Lcg(seed);
        let paths = ["db.md", "docs/db.md", DOC];
        let mut ids: Vec<Oid> = Vec::new();
        for i in 0..n {
            let time = T0 + 60 * (i as i64 / 3) + rng.below(3) as i64 * 60 - 60;
            let sig = Signature::new("Ana Lima", "ana@example.com", &Time::new(time, 0)).unwrap();
            let mut parents: Vec<Oid> = Vec::new();
            if !ids.is_empty() {
                let recent = ids.len().min(6) as u64;
                parents.push(ids[ids.len() - 1 - rng.below(recent) as usize]);
                if ids.len() > 2 && rng.below(4) == 0 {
                    let other = ids[ids.len() - 1 - rng.below(ids.len().min(12) as u64) as usize];
                    if other != parents[0] {
                        parents.push(other);
                    }
                }
            }
            let files = parents
                .first()
                .map(|p| f.files[p].clone())
                .unwrap_or_default();
            let at = paths.iter().find(|p| files.contains_key(**p)).copied();
            let mut changes: Vec<(String, Option<String>)> =
                vec![(format!("src/f{}.c", rng.below(8)), Some(format!("{i}")))];
            match (at, rng.below(10)) {
                (None, _) => changes.push((DOC.to_string(), Some(format!("{V1}{i}\n")))),
                (Some(p), 0) => {
                    let to = paths[rng.below(3) as usize];
                    if to != p {
                        changes.push((p.to_string(), None));
                        changes.push((to.to_string(), Some(files[p].clone())));
                    }
                }
                (Some(p), 1..=3) => changes.push((p.to_string(), Some(format!("{V2}{i}\n")))),
                _ => {}
            }
            let changes: Vec<(&str, Option<&str>)> = changes
                .iter()
                .map(|(p, c)| (p.as_str(), c.as_deref()))
                .collect();
            ids.push(f.commit_as(&parents, &changes, &format!("Commit {i}"), &sig, &sig));
        }
        ids
    }

    /// The walk's own merge bases are libgit2's (all of them, criss-crosses included).
    #[test]
    fn history_dag_merge_bases_are_libgit2s() {
        for seed in [3, 11, 42] {
            let mut f = Fixture::new();
            let ids = random_history(&mut f, seed, 120);
            // A head that reaches every commit: an octopus of the last few and the tip.
            let head = *ids.last().unwrap();
            f.head(head);
            let repo = f.repo();
            let (list, _) = repo.walk_commits(head, &[], Walker::Objects).unwrap();
            let mut dag = Dag::new(Some(list.as_slice()));
            let mut checked = 0;
            let mut rng = Lcg(seed);
            for _ in 0..200 {
                let a = list[rng.below(list.len() as u64) as usize].0;
                let b = list[rng.below(list.len() as u64) as usize].0;
                let mut ours = dag.merge_bases(a, b).unwrap();
                let mut theirs: Vec<Oid> = match repo.git().merge_bases(a, b) {
                    Ok(l) => l.iter().copied().collect(),
                    Err(_) => Vec::new(),
                };
                ours.sort();
                theirs.sort();
                assert_eq!(ours, theirs, "seed {seed}: {a} {b}");
                checked += 1;
            }
            assert_eq!(checked, 200);
        }
    }

    #[test]
    fn history_graph_walk_order_is_libgit2s() {
        for seed in [1, 2, 3, 4] {
            let mut f = Fixture::new();
            let ids = random_history(&mut f, seed, 160);
            f.head(ids[119]);
            if !write_graph(&f) {
                return;
            }
            // 40 more commits the graph does not hold.
            let mut rng = Lcg(seed + 100);
            let mut tip = ids[119];
            for i in 0..40 {
                let mut parents = vec![tip];
                if i % 7 == 3 {
                    parents.push(ids[100 + rng.below(20) as usize]);
                }
                let time = T0 + 60 * rng.below(60) as i64;
                let sig =
                    Signature::new("Ana Lima", "ana@example.com", &Time::new(time, 0)).unwrap();
                let file = format!("src/late{i}.c");
                tip = f.commit_as(&parents, &[(&file, Some("x"))], "Late", &sig, &sig);
            }
            f.head(tip);
            let repo = f.repo();
            let graph = repo.commit_graph().expect("the commit-graph is read");
            let missing = Oid::from_str("0123456789abcdef0123456789abcdef01234567").unwrap();
            let hides: Vec<Vec<Oid>> = vec![
                vec![],
                vec![ids[60]],
                vec![ids[10], ids[90]],
                vec![missing, ids[130]],
                vec![tip],
                vec![ids[159]],
            ];
            for hide in hides {
                let mut walk = GraphWalk::new(&repo.repo, Some(graph));
                let order: Vec<Oid> = walk
                    .order(tip, &hide)
                    .unwrap()
                    .into_iter()
                    .map(|n| walk.id(n).unwrap())
                    .collect();
                let mut rw = repo.repo.revwalk().unwrap();
                rw.set_sorting(Sort::TOPOLOGICAL | Sort::TIME).unwrap();
                rw.push(tip).unwrap();
                for h in &hide {
                    let _ = rw.hide(*h);
                }
                let expected: Vec<Oid> = rw.map(|r| r.unwrap()).collect();
                assert_eq!(order, expected, "seed {seed}, hiding {hide:?}");
                // A walk over its budget of commit reads fails, and says so.
                let mut walk = GraphWalk::new(&repo.repo, None);
                walk.budget = Some(3);
                if walk.order(tip, &hide).is_err() {
                    assert_eq!(walk.budget, Some(0));
                } else {
                    assert!(expected.len() <= 3, "seed {seed}, hiding {hide:?}");
                }
                // And reading the commits instead of the graph.
                let mut walk = GraphWalk::new(&repo.repo, None);
                let order: Vec<Oid> = walk
                    .order(tip, &hide)
                    .unwrap()
                    .into_iter()
                    .map(|n| walk.id(n).unwrap())
                    .collect();
                assert_eq!(order, expected, "seed {seed}, hiding {hide:?}, no graph");
            }
        }
    }

    #[test]
    fn history_with_the_graph_is_the_history_without() {
        // 400 commits: hiding the 20th is a walk longer than SHORT_WALK (the graph is
        // read), hiding the 300th a short one (it is not).
        for (seed, n) in [(7, 400), (8, 150), (9, 150)] {
            let mut f = Fixture::new();
            let ids = random_history(&mut f, seed, n);
            f.head(ids[n - 1]);
            if !write_graph(&f) {
                return;
            }
            let repo = f.repo();
            assert!(repo.commit_graph().is_some());
            let paths: Vec<PathBuf> = [DOC, "db.md", "docs/db.md"]
                .iter()
                .map(PathBuf::from)
                .collect();
            for hide in [vec![], vec![ids[20]], vec![ids[n * 3 / 4]]] {
                let opts = HistoryOptions {
                    hide,
                    ..HistoryOptions::default()
                };
                let walk = |paths: &[PathBuf], walker: Walker| -> Vec<Vec<String>> {
                    let all = repo.history_walk(paths, &opts, walker, &mut |_, _| {});
                    all.unwrap().iter().map(everything).collect()
                };
                // All three documents in one walk, with each walker ...
                let with = walk(&paths, Walker::Best);
                assert_eq!(with, walk(&paths, Walker::Objects), "seed {seed}");
                assert_eq!(with, walk(&paths, Walker::Libgit2), "seed {seed}");
                // ... is each document walked alone.
                for (i, path) in paths.iter().enumerate() {
                    let alone = walk(std::slice::from_ref(path), Walker::Best);
                    assert_eq!(with[i], alone[0], "seed {seed} {}", path.display());
                }
            }
        }
    }

    #[test]
    fn history_graph_filters_never_hide_a_change() {
        let mut f = Fixture::new();
        let ids = random_history(&mut f, 11, 120);
        f.head(ids[119]);
        if !write_graph(&f) {
            return;
        }
        let repo = f.repo();
        let g = repo.commit_graph().expect("the commit-graph is read");
        let candidates = [
            "src/f1.c",
            "src/f7.c",
            "src",
            DOC,
            "docs/db.md",
            "db.md",
            "nope.md",
        ];
        let (mut proved, mut changed, mut same) = (0, 0, 0);
        for id in &ids {
            let commit = repo.repo.find_commit(*id).unwrap();
            let Ok(parent) = commit.parent(0) else {
                continue;
            };
            // Commits on abandoned branches are not reachable, so not in the graph.
            let Some(pos) = g.find(*id) else { continue };
            for path in candidates {
                let keys = g.keys(Path::new(path)).expect("filters");
                let a = commit
                    .tree()
                    .unwrap()
                    .get_path(Path::new(path))
                    .ok()
                    .map(|e| e.id());
                let b = parent
                    .tree()
                    .unwrap()
                    .get_path(Path::new(path))
                    .ok()
                    .map(|e| e.id());
                if a != b {
                    changed += 1;
                    assert!(!g.not_changed(pos, &keys), "{id}: {path} changed");
                } else {
                    same += 1;
                    if g.not_changed(pos, &keys) {
                        proved += 1;
                    }
                }
            }
        }
        assert!(changed > 50, "the fixture changes paths ({changed})");
        assert!(
            proved * 4 >= same * 3,
            "the filters prove most unchanged paths ({proved} of {same})"
        );
    }

    #[test]
    fn history_a_broken_graph_is_ignored() {
        let mut f = Fixture::new();
        let a = f.commit(&[], &[(DOC, Some(V1))], "Add doc");
        let b = f.commit(&[a], &[(DOC, Some(V2))], "Edit");
        f.head(b);
        let file = f.dir.path().join(".git/objects/info/commit-graph");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        for bytes in [
            &b""[..],
            b"CGPH\x01\x01\x03\x00",
            b"CGPH\x01\x01\x01\x00OIDF\x00\x00\x00\x00\x00\x00\x00\x14\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff",
        ] {
            std::fs::write(&file, bytes).unwrap();
            let repo = f.repo();
            assert!(repo.commit_graph().is_none());
            assert_eq!(
                listed(&f.history(DOC)),
                vec![row("Add doc", Added, DOC), row("Edit", Modified, DOC)]
            );
        }
    }
}
