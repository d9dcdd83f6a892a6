//! The commits of a walk from HEAD hiding some commits, in libgit2's revwalk order
//! (`Sort::TOPOLOGICAL | Sort::TIME`), computed by [`GraphWalk`], which reads each
//! commit once — or none: with a commit-graph file (`git commit-graph write`, `git gc`,
//! `git maintenance`) parents, trees and dates come from the graph. (libgit2 1.9
//! cannot read the graphs git writes today, so its own revwalk reads every commit.)
//! Shallow clones use libgit2's revwalk.
use std::collections::{HashMap, HashSet, VecDeque};

use git2::{Commit, ErrorCode, ObjectType, Oid, Repository, Sort};
use smallvec::SmallVec;

use super::{graph, OidHash, Repo};

use crate::{Error, Result};

/// Commits an incremental walk reads before it reads the commit-graph instead.
const SHORT_WALK: usize = 256;

/// One walk's commits, from HEAD hiding some commits (and their ancestors), in
/// libgit2's revwalk order. The caller makes it ([`Repo::walk`]) and passes it to each
/// document history it asks for, so documents walked with the same hidden commits
/// share one walk however they are asked for, and nothing is remembered behind the
/// caller's back.
pub struct Walk {
    /// `None`: an unborn HEAD (nothing to walk).
    head: Option<Oid>,
    hide: Vec<Oid>,
    /// The commits from [`GraphWalk`]; `None` when it cannot (a shallow clone, or it
    /// failed): [`Walk::commits`] then runs libgit2's revwalk.
    listed: Option<Vec<(Oid, Node)>>,
    /// [`Walk::listed`] came from the commit-graph (its filters apply).
    used_graph: bool,
}

/// Walks made for one command, kept while the next document hides the same commits
/// (an incremental sync of several documents from one sync state): the last one only,
/// held by the caller.
#[derive(Default)]
pub struct Walks(Option<std::rc::Rc<Walk>>);

impl Walks {
    /// The walk from HEAD hiding `hide`: the last one when it hid the same, else a new one.
    pub(crate) fn get(&mut self, repo: &Repo, hide: &[Oid]) -> Result<std::rc::Rc<Walk>> {
        let head = repo.head_id()?;
        if let Some(w) = &self.0 {
            if w.head == head && w.hide == hide {
                return Ok(w.clone());
            }
        }
        let walk = std::rc::Rc::new(repo.walk(hide)?);
        self.0 = Some(walk.clone());
        Ok(walk)
    }
}

impl Walk {
    /// The commit the walk starts at; `None` on an unborn branch.
    pub(crate) fn head(&self) -> Option<Oid> {
        self.head
    }

    /// The walked commits in order with what each needs, when [`GraphWalk`] listed them
    /// (merge bases are then found among them).
    pub(crate) fn listed(&self) -> Option<&[(Oid, Node)]> {
        self.listed.as_deref()
    }

    /// The commit-graph whose changed-path filters apply to the listed commits.
    pub(crate) fn graph<'r>(&self, repo: &'r Repo) -> Option<&'r graph::CommitGraph> {
        match self.used_graph {
            true => repo.commit_graph(),
            false => None,
        }
    }

    /// The commits in order, one at a time ([`Commits::next`]).
    pub(crate) fn commits<'w, 'r>(&'w self, repo: &'r Repo) -> Result<Commits<'w, 'r>> {
        let mut revwalk = None;
        if let (Some(head), None) = (self.head, &self.listed) {
            let mut walk = repo
                .repo
                .revwalk()
                .map_err(|e| Error::git("starting the history walk", e))?;
            walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)
                .map_err(|e| Error::git("sorting the history walk", e))?;
            walk.push(head)
                .map_err(|e| Error::git(format!("walking from HEAD ({head})"), e))?;
            for &hidden in &self.hide {
                match walk.hide(hidden) {
                    Ok(()) => {}
                    // A commit that is gone (rewritten history, gc) just means a longer walk.
                    Err(e) if e.code() == ErrorCode::NotFound => {}
                    Err(e) => return Err(Error::git(format!("hiding commit {hidden}"), e)),
                }
            }
            revwalk = Some(walk);
        }
        Ok(Commits {
            repo,
            listed: self.listed.as_deref().unwrap_or_default(),
            next: 0,
            revwalk,
            shallow: repo.shallow_boundaries()?,
            owned: None,
        })
    }
}

/// A walk's commits one at a time: from the list, or from libgit2's revwalk (each
/// commit then read as it comes).
pub struct Commits<'w, 'r> {
    repo: &'r Repo,
    listed: &'w [(Oid, Node)],
    next: usize,
    revwalk: Option<git2::Revwalk<'r>>,
    shallow: HashSet<Oid>,
    owned: Option<Node>,
}

impl Commits<'_, '_> {
    /// The next commit and what the walk needs of it; `None` at the end.
    #[allow(clippy::should_implement_trait)] // lends `&Node`: not an `Iterator`
    pub(crate) fn next(&mut self) -> Option<Result<(Oid, &Node)>> {
        let Some(walk) = self.revwalk.as_mut() else {
            let (id, node) = self.listed.get(self.next)?;
            self.next += 1;
            return Some(Ok((*id, node)));
        };
        loop {
            let id = match walk.next()? {
                Ok(id) => id,
                Err(e) => {
                    if self.repo.repo.is_shallow() && e.code() == ErrorCode::NotFound {
                        // libgit2 walked into a missing parent; the boundary is handled
                        // when its child is processed.
                        continue;
                    }
                    return Some(Err(Error::git("walking the history", e)));
                }
            };
            return Some(match self.repo.node(id, self.shallow.contains(&id)) {
                Ok(node) => Ok((id, self.owned.insert(node))),
                Err(e) => Err(e),
            });
        }
    }
}

/// What the walk needs of one commit: from the commit-graph, or from the commit.
pub struct Node {
    pub(crate) tree: Oid,
    /// `(id, tree)` of each parent; `None` when they are missing (shallow boundary).
    /// Inline for up to two (one allocation less per commit of a long walk).
    pub(crate) parents: Option<SmallVec<[(Oid, Oid); 2]>>,
    /// The commit's position in the commit-graph (for its changed-path filter).
    pub(crate) pos: Option<u32>,
}

/// How [`Repo::walk_with`] finds the commits (all give the same order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Walker {
    /// [`GraphWalk`] on the commit-graph when there is one, else [`Walker::Objects`].
    Best,
    /// [`GraphWalk`] reading every commit object.
    #[cfg_attr(not(test), allow(dead_code))]
    Objects,
    /// libgit2's revwalk (what shallow clones use).
    #[cfg_attr(not(test), allow(dead_code))]
    Libgit2,
}

impl Repo {
    /// The walk from HEAD hiding `hide` (ids not in the object database are ignored:
    /// the walk is then simply longer).
    pub(crate) fn walk(&self, hide: &[Oid]) -> Result<Walk> {
        self.walk_with(hide, Walker::Best)
    }

    /// [`Repo::walk`] with the given walker: on the commit-graph when there is one, and
    /// reading each commit once; in a shallow clone (missing parents), and should
    /// [`GraphWalk`] fail, libgit2's revwalk.
    pub(crate) fn walk_with(&self, hide: &[Oid], walker: Walker) -> Result<Walk> {
        let head = self.head_id()?;
        let mut walk = Walk {
            head,
            hide: hide.to_vec(),
            listed: None,
            used_graph: false,
        };
        if let Some(head) = head {
            if walker != Walker::Libgit2 && !self.repo.is_shallow() {
                if let Some((commits, used_graph)) = self.walk_commits(head, hide, walker) {
                    walk.listed = Some(commits);
                    walk.used_graph = used_graph;
                }
            }
        }
        Ok(walk)
    }

    /// The walk's commits with what the walk needs of each, in libgit2's revwalk order,
    /// from [`GraphWalk`]; `None` when it cannot (the caller then uses libgit2's revwalk).
    ///
    /// A walk that hides commits (an incremental sync, the hook) is usually a few commits
    /// long: it reads them rather than the whole graph file, unless it turns out to need
    /// more than [`SHORT_WALK`] commits. Also says whether the graph was used.
    pub(crate) fn walk_commits(
        &self,
        head: Oid,
        hide: &[Oid],
        walker: Walker,
    ) -> Option<(Vec<(Oid, Node)>, bool)> {
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
        Some((commits, used_graph))
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
    pub(crate) pos: Option<u32>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::testing::*;
    use git2::{Signature, Sort, Time};

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
}
