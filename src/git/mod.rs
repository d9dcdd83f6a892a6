//! git, behind one small wrapper: `src/git/` is the only tree of the crate that names
//! git2, and no raw handle is handed out.
//! [`Repo`] is a private handle that answers domain questions: opening, HEAD,
//! identity, tracked files, blobs, short ids, shallow clones, the commit-graph,
//! remotes, attributes. Beside it:
//! - [`commit`]: commits as the crate reads them (people through `.mailmap`, subject and
//!   body, trailers, encodings, lenient signatures);
//! - [`walk`]: one walk's commits in libgit2's revwalk order, which the caller holds;
//!   [`log`]: the other, shorter walks;
//! - [`graph`]: the commit-graph and its changed-path Bloom filters;
//! - [`tree`]: trees as the document walk reads them, and rename candidates;
//!   [`rename`]: git's rename detection between two trees;
//! - [`changes`]: the one "paths a commit changed";
//! - [`write`](mod@write): blobs, trees, commits, the index, HEAD, and `git commit` when signing;
//! - [`checks`]: filter attributes, and the git CLI where libgit2 falls short (a split
//!   index, config the environment redirects); [`partial`]: partial clones;
//! - [`GitError`]: git's errors, so `crate::Error` does not name git2;
//! - [`merge`]: git's three-way line merge of one file's texts (the history's clean-merge
//!   check and the merge driver);
//! - [`state`]: opening from the hook's environment, HEAD's commit and branch, the
//!   operation under way, the amend reflog, the hooks directory.
//!
//! Invariants:
//! - Every [`Person`] handed out has been resolved through the repository's mailmap,
//!   which is loaded once, when a commit is first read (opening a [`Repo`] reads
//!   nothing but what libgit2 reads to open the repository: the post-commit hook opens
//!   one on every commit).
//! - Paths handed out are relative to the work tree and `/`-separated, as git stores them.
//! - Reading objects: libgit2's re-hashing of every object read is turned off (as in
//!   git, which checks hashes in `fsck` and when receiving objects, not on every read;
//!   zlib's checksums still apply), and so is its object cache, which a long walk only
//!   churns (each object is read about once; evicting from a full cache cost more than
//!   reading). Both are process-wide settings, made when the first [`Repo`] is opened.
//! - The commit-graph is not used in a shallow clone, or with replace refs or grafts
//!   (neither does git); a graph file that does not parse is ignored.
//! - Nothing here prints. Only [`write`](mod@write) writes to the repository (and
//!   [`Repo::staged_commit`] only to an in-memory object database).
use std::path::{Component, Path, PathBuf};

use git2::{ErrorCode, ObjectType, Repository};

use crate::{Error, Result};
use commit::add_name_only_entries;

pub mod changes;
pub mod checks;
pub(crate) mod commit;
mod error;
pub(crate) mod graph;
pub mod log;
pub(crate) mod merge;
pub mod partial;
pub mod rename;
pub(crate) mod state;
#[cfg(test)]
pub(crate) mod testing;
pub mod tree;
pub mod walk;
pub mod write;

pub use commit::{parse_trailers, CommitInfo, Person};
pub use error::GitError;
pub use git2::Oid;
pub use tree::Tree;

/// An open repository, plus what is read from it once: mailmap, commit-graph,
/// abbreviation length.
pub struct Repo {
    repo: Repository,
    /// The mailmap, read on first use (`None`: none, or one libgit2 cannot read).
    mailmap: std::cell::OnceCell<Option<git2::Mailmap>>,
    /// The commit-graph, read on first use (`None`: absent, unusable or unreadable).
    pub(crate) graph: std::cell::OnceCell<Option<graph::CommitGraph>>,
    /// What [`Repo::head_id`] answers instead of HEAD (`sync --staged`: the commit the
    /// index would make, held in memory only).
    pub(crate) head_override: Option<Oid>,
    /// The shortest abbreviation git would use here (see [`Repo::short_id`]).
    abbrev: std::cell::OnceCell<usize>,
    /// Commits whose author or committer line libgit2 refuses (a timestamp out of range):
    /// read as git reads them, and reported once by the command ([`Repo::lenient_commits`]).
    pub(crate) lenient: std::cell::RefCell<Vec<Oid>>,
}

/// Hashing for maps keyed by object id: the id's first bytes, which are uniformly
/// distributed already (SipHash over 20 bytes costs more than the rest of a map access).
#[derive(Clone, Copy, Default)]
pub(crate) struct OidHash;

#[derive(Default)]
pub(crate) struct OidHasher(u64);

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

/// The libgit2 this binary runs (for `dbarch doctor`).
#[derive(Clone, Copy, Debug)]
pub struct Libgit2 {
    pub version: (u32, u32, u32),
    pub vendored: bool,
    pub threads: bool,
    pub https: bool,
    pub ssh: bool,
}

/// The libgit2 this binary runs.
pub fn libgit2() -> Libgit2 {
    let v = git2::Version::get();
    Libgit2 {
        version: v.libgit2_version(),
        vendored: v.vendored(),
        threads: v.threads(),
        https: v.https(),
        ssh: v.ssh(),
    }
}

/// Reads blobs through one handle on the repository: the [`Repo`]'s own
/// ([`Repo::blobs`]) or a [`BlobReader`]'s, opened on another thread.
#[derive(Clone, Copy)]
pub struct Blobs<'r>(&'r Repository);

impl Blobs<'_> {
    /// `f` of the bytes of blob `id` (read without copying them).
    pub fn with<T>(&self, id: Oid, f: impl FnOnce(&[u8]) -> T) -> Result<T> {
        let blob = self
            .0
            .find_blob(id)
            .map_err(|e| Error::git(format!("reading blob {id}"), e))?;
        Ok(f(blob.content()))
    }
}

/// A second handle on a repository, for reading blobs on another thread (a [`Repo`]'s
/// caches belong to its thread). Opened from [`Repo::git_dir`].
pub struct BlobReader(Repository);

impl BlobReader {
    pub fn open(git_dir: &Path) -> Result<BlobReader> {
        Repository::open(git_dir).map(BlobReader).map_err(|e| {
            Error::git(
                format!("opening the repository at {}", git_dir.display()),
                e,
            )
        })
    }

    pub fn blobs(&self) -> Blobs<'_> {
        Blobs(&self.0)
    }
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
        tune_libgit2();
        Repo {
            repo,
            mailmap: std::cell::OnceCell::new(),
            graph: std::cell::OnceCell::new(),
            head_override: None,
            abbrev: std::cell::OnceCell::new(),
            lenient: std::cell::RefCell::new(Vec::new()),
        }
    }

    /// This repository (whose object database may hold objects in memory only, as
    /// [`Repo::staged_commit`] leaves it), with history walks starting at `head` instead
    /// of HEAD when given.
    pub fn with_head(mut self, head: Option<Oid>) -> Repo {
        self.head_override = head;
        self
    }

    /// The repository's mailmap, read once, on first use: a broken `.mailmap` must not
    /// stop the tool (names are then shown as written).
    pub(crate) fn mailmap(&self) -> Option<&git2::Mailmap> {
        self.mailmap
            .get_or_init(|| {
                let mut mailmap = self.repo.mailmap().ok();
                if let (Some(map), Some(dir)) = (mailmap.as_mut(), self.repo.workdir()) {
                    if let Ok(text) = std::fs::read_to_string(dir.join(".mailmap")) {
                        add_name_only_entries(map, &text);
                    }
                }
                mailmap
            })
            .as_ref()
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

    /// Reads blobs through this repository's handle.
    pub fn blobs(&self) -> Blobs<'_> {
        Blobs(&self.repo)
    }

    /// The git directory (`.git`, or a linked work tree's own directory under it).
    pub fn git_dir(&self) -> &Path {
        self.repo.path()
    }

    /// The object directory shared by all work trees (`<common dir>/objects`).
    pub fn objects_dir(&self) -> PathBuf {
        self.repo.commondir().join("objects")
    }

    /// The URL of remote `name`; `None` when there is no such remote (or no URL).
    pub fn remote_url(&self, name: &str) -> Option<String> {
        let remote = self.repo.find_remote(name).ok()?;
        remote.url().ok().map(str::to_string)
    }

    /// A string from the repository's git configuration; `None` when unset.
    pub fn config_string(&self, key: &str) -> Option<String> {
        self.repo.config().ok()?.get_string(key).ok()
    }

    /// Whether `commit` is a strict descendant of `ancestor`; `false` when either is
    /// not there.
    pub fn is_descendant_of(&self, commit: Oid, ancestor: Oid) -> bool {
        self.repo
            .graph_descendant_of(commit, ancestor)
            .unwrap_or(false)
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
            // other newer formats): git itself lists it (see `checks::tracked_by_git`).
            Err(e) => return checks::tracked_by_git(&self.repo, &e),
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
    pub(crate) fn commit_graph(&self) -> Option<&graph::CommitGraph> {
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

    pub(crate) fn find_tree(&self, id: Oid) -> Result<git2::Tree<'_>> {
        self.repo
            .find_tree(id)
            .map_err(|e| Error::git(format!("reading tree {id}"), e))
    }

    /// The size of blob `id` from its header; `None` when it is not a readable blob
    /// (a submodule's commit, say).
    pub fn blob_size(&self, id: Oid) -> Option<usize> {
        let odb = self.repo.odb().ok()?;
        let (size, kind) = odb.read_header(id).ok()?;
        (kind == ObjectType::Blob).then_some(size)
    }

    /// The blob at the first of `paths` that commit `commit` has; `None` when it has
    /// none of them (or cannot be read).
    pub fn blob_in_commit(&self, commit: Oid, paths: &[&Path]) -> Option<Oid> {
        let tree = self.repo.find_commit(commit).ok()?.tree().ok()?;
        paths.iter().find_map(|p| blob_id(&tree, p).ok().flatten())
    }

    /// The merge bases of `a` and `b` as libgit2 finds them (none when it cannot).
    pub fn merge_bases(&self, a: Oid, b: Oid) -> Vec<Oid> {
        match self.repo.merge_bases(a, b) {
            Ok(list) => list.iter().copied().collect(),
            Err(_) => Vec::new(),
        }
    }

    /// A blob's bytes (a document history change's `before` or `after`).
    pub fn read_blob(&self, id: Oid) -> Result<Vec<u8>> {
        self.repo
            .find_blob(id)
            .map(|b| b.content().to_vec())
            .map_err(|e| Error::git(format!("reading blob {id}"), e))
    }

    /// Makes `path` relative to the work tree and `/`-separated.
    pub(crate) fn normalize(&self, path: &Path) -> Result<PathBuf> {
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
fn blob_id(tree: &git2::Tree<'_>, path: &Path) -> Result<Option<Oid>> {
    match tree.get_path(path) {
        Ok(entry) if entry.kind() == Some(ObjectType::Blob) => Ok(Some(entry.id())),
        Ok(_) => Ok(None),
        Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(Error::git(format!("looking up {}", path.display()), e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::testing::*;

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
}
