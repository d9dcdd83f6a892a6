//! Test fixtures over git2 (tests only): a scratch repository built commit by commit
//! with fixed people and times, shallow clones and commit-graphs made with the git CLI,
//! and random histories.
use std::collections::{BTreeMap, HashMap};
use std::process::Command;

use git2::{Commit, IndexEntry, IndexTime, Oid, Repository, Signature, Time};

use super::Repo;

pub(crate) type Files = BTreeMap<String, String>;

pub(crate) const T0: i64 = 1_767_225_600;

/// A scratch repository built commit by commit with fixed people and times.
pub(crate) struct Fixture {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) git: Repository,
    pub(crate) files: HashMap<Oid, Files>,
    pub(crate) tick: i64,
}

impl Fixture {
    pub(crate) fn new() -> Fixture {
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

    pub(crate) fn ana(&mut self) -> Signature<'static> {
        self.tick += 1;
        Signature::new(
            "Ana Lima",
            "ana@example.com",
            &Time::new(T0 + self.tick * 60, 60),
        )
        .unwrap()
    }

    /// A commit whose tree is the first parent's plus `changes` (None deletes).
    pub(crate) fn commit(
        &mut self,
        parents: &[Oid],
        changes: &[(&str, Option<&str>)],
        message: &str,
    ) -> Oid {
        let sig = self.ana();
        self.commit_as(parents, changes, message, &sig, &sig)
    }

    /// [`Fixture::commit`] by `name <email>` (author and committer) at `time` (UTC).
    pub(crate) fn commit_by(
        &mut self,
        parents: &[Oid],
        changes: &[(&str, Option<&str>)],
        message: &str,
        (name, email, time): (&str, &str, i64),
    ) -> Oid {
        let sig = Signature::new(name, email, &Time::new(time, 0)).unwrap();
        self.commit_as(parents, changes, message, &sig, &sig)
    }

    pub(crate) fn commit_as(
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
    pub(crate) fn head(&self, id: Oid) {
        self.git
            .reference("refs/heads/main", id, true, "test")
            .unwrap();
        for (path, content) in &self.files[&id] {
            let file = self.dir.path().join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, content).unwrap();
        }
    }

    pub(crate) fn repo(&self) -> Repo {
        Repo::open(self.dir.path()).unwrap()
    }
}

/// The blob id of `text` (what a change's `before` and `after` hold).
pub(crate) fn blob(text: &str) -> Option<Oid> {
    Some(Oid::hash_object(git2::ObjectType::Blob, text.as_bytes()).unwrap())
}

pub(crate) const DOC: &str = "docs/database-architecture.md";

pub(crate) const V1: &str = "# Database architecture\n\nWe use Postgres 16 for everything.\nReplicas: 2.\nBackups: nightly.\nOwner: platform team.\n";

pub(crate) const V2: &str = "# Database architecture\n\nWe use Postgres 17 for everything.\nReplicas: 2.\nBackups: nightly.\nOwner: platform team.\n";

pub(crate) const V3: &str = "# Database architecture\n\nWe use Postgres 17 for everything.\nReplicas: 3.\nBackups: nightly.\nOwner: platform team.\n";

pub(crate) fn git_cli_available() -> bool {
    Command::new("git")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// `git clone --depth <depth>` of the fixture, isolated from any user or system config.
pub(crate) fn shallow_clone(f: &Fixture, depth: u32) -> tempfile::TempDir {
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

pub(crate) fn write_graph(f: &Fixture) -> bool {
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

/// A small deterministic generator (tests only).
pub(crate) struct Lcg(pub(crate) u64);

impl Lcg {
    pub(crate) fn below(&mut self, n: u64) -> u64 {
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
pub(crate) fn random_history(f: &mut Fixture, seed: u64, n: usize) -> Vec<Oid> {
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

/// `name <email>` at `time` (seconds) with a UTC offset of `offset` minutes.
pub(crate) fn sig(name: &str, email: &str, time: i64, offset: i32) -> Signature<'static> {
    Signature::new(name, email, &Time::new(time, offset)).unwrap()
}

/// A linear history on HEAD, one commit per entry of `commits`, each by `name <email>`
/// at `time(i)` with message `message(i)`: the commit's files are the previous
/// commit's plus its own (`keep`), or exactly its own. The work tree holds HEAD's files.
pub(crate) fn linear(
    commits: &[Vec<(&str, &str)>],
    keep: bool,
    (name, email): (&str, &str),
    time: impl Fn(usize) -> i64,
    message: impl Fn(usize) -> String,
) -> (tempfile::TempDir, Repo) {
    let mut f = Fixture::new();
    let mut parent: Option<Oid> = None;
    for (i, files) in commits.iter().enumerate() {
        let mut changes: Vec<(&str, Option<&str>)> = Vec::new();
        if let (Some(p), false) = (parent, keep) {
            for old in f.files[&p].keys() {
                if !files.iter().any(|(n, _)| n == old) {
                    changes.push((old.as_str(), None));
                }
            }
        }
        changes.extend(files.iter().map(|(n, text)| (*n, Some(*text))));
        let changes: Vec<(String, Option<String>)> = changes
            .into_iter()
            .map(|(n, t)| (n.to_string(), t.map(str::to_string)))
            .collect();
        let changes: Vec<(&str, Option<&str>)> = changes
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_deref()))
            .collect();
        let id = f.commit_by(
            parent.as_slice(),
            &changes,
            &message(i),
            (name, email, time(i)),
        );
        parent = Some(id);
    }
    if let Some(head) = parent {
        f.head(head);
    }
    let repo = f.repo();
    (f.dir, repo)
}
