//! Comparing the versions of a document along its history: what each change did to the
//! sections, the header and the Change Log.
//!
//! Parsing a document's versions is most of what a backfill costs (BENCHMARKS.md), so it
//! is done once per distinct version, and on a second thread while the history walk goes
//! on: [`compared_history`] hands each change to a worker with its own handle on the
//! repository as the walk finds it, and the walk and the comparisons overlap. With one
//! CPU (or when the worker cannot open the repository) the same comparisons run on the
//! calling thread after the walk; the results are identical either way.
use std::collections::VecDeque;
use std::path::Path;
use std::rc::Rc;
use std::sync::{Condvar, Mutex};

use crate::git::{BlobReader, Blobs, Oid};

use crate::doc::{Document, Labels};
use crate::git::walk::Walk;
use crate::git::Repo;
use crate::history::{self, ChangeKind, DocChange, DocHistory, HistoryOptions};
use crate::{Error, Result};

/// What one change did to the document, from its two versions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Compared {
    /// `Parent > Child` paths of the sections whose own text differs, the Change Log's
    /// included (empty when either version is missing or cannot be parsed).
    pub sections: Vec<String>,
    /// A modification that, with the header values and the Change Log rows masked out,
    /// changed nothing (rule 3 of the Change Log).
    pub bookkeeping: bool,
    /// The commit's Change Log has a real row its parent's lacks (rule 2).
    pub adds_rows: bool,
    /// Both versions exist and differ only in whitespace (worked out only when asked).
    pub whitespace_only: bool,
}

/// A document's history with each change compared; `compared[i]` is about
/// `history.changes[i]`.
#[derive(Debug, Default)]
pub struct ComparedHistory {
    pub history: DocHistory,
    pub compared: Vec<Compared>,
}

/// What to work out besides sections, bookkeeping and rows.
#[derive(Clone, Copy, Debug, Default)]
pub struct CompareOptions {
    /// Compare the versions with whitespace removed (`skip_whitespace_only`).
    pub whitespace: bool,
}

/// One change, as the worker needs it.
#[derive(Clone, Copy, Debug)]
struct Job {
    /// The document's index, and the change's among its changes (newest first).
    doc: usize,
    seq: usize,
    kind: ChangeKind,
    before: Option<Oid>,
    after: Option<Oid>,
}

impl Job {
    fn of(doc: usize, seq: usize, change: &DocChange) -> Job {
        Job {
            doc,
            seq,
            kind: change.kind,
            before: change.before,
            after: change.after,
        }
    }
}

/// The document's history at `path` along `walk` (see [`history::document_history`]) with every change
/// compared, the comparisons running beside the walk.
pub fn compared_history(
    repo: &Repo,
    walk: &Walk,
    path: &Path,
    history: &HistoryOptions,
    labels: &Labels,
    options: CompareOptions,
) -> Result<ComparedHistory> {
    let mut all = compared_histories(repo, walk, &[path], history, labels, &[options])?;
    Ok(all.pop().unwrap_or_default())
}

/// How many changes the walk finds before a worker thread starts comparing them.
const WORKER_AFTER: usize = 4;

/// [`compared_history`] of several documents from one walk
/// ([`history::document_histories`]); `options[i]` is for `paths[i]`.
///
/// The walk hands each change over as it finds it (newest first) to a worker, which
/// compares from the newest change down; when the walk is done the calling thread
/// compares from the oldest change up, until the two meet. Each side parses a version
/// once while it is in use, so the split costs at most one extra parse per document.
pub fn compared_histories(
    repo: &Repo,
    walk: &Walk,
    paths: &[&Path],
    history: &HistoryOptions,
    labels: &Labels,
    options: &[CompareOptions],
) -> Result<Vec<ComparedHistory>> {
    // A partial clone: the documents' old versions are fetched first (or refused).
    crate::git::partial::prefetch(repo, paths)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 {
        let histories = history::document_histories(repo, walk, paths, history, &mut |_, _| {})?;
        return compare_all(repo.blobs(), histories, labels, options);
    }
    let gitdir = repo.git_dir().to_path_buf();
    let queue = Queue::default();
    // `None` when the worker could not do its part: the repository did not open on its
    // thread, or reading a version failed there. The calling thread then compares
    // everything after the walk, and reports an error if it has one too.
    let work = || -> Option<Vec<Done>> {
        let git = BlobReader::open(&gitdir);
        let Ok(git) = git else {
            queue.close();
            return None;
        };
        let mut comparers = Comparers::new(git.blobs(), labels, options);
        let mut out = Vec::new();
        while let Some(job) = queue.pop_front() {
            match comparers.compare(job) {
                Ok(done) => out.push(done),
                Err(_) => {
                    queue.close();
                    return None;
                }
            }
        }
        Some(out)
    };
    std::thread::scope(|scope| {
        // The worker starts with the walk's WORKER_AFTER-th change: a short walk (an
        // incremental sync reads one commit) is over before a thread would pay off.
        let mut worker = None;
        let mut sent = vec![0; paths.len()];
        let mut total = 0;
        let walked = history::document_histories(repo, walk, paths, history, &mut |doc, change| {
            queue.push(Job::of(doc, sent[doc], change));
            sent[doc] += 1;
            total += 1;
            if total == WORKER_AFTER {
                worker = Some(scope.spawn(work));
            }
        });
        queue.finish();
        // The oldest changes, while the worker is still busy with the newer ones.
        let mut mine = Vec::new();
        if walked.is_ok() {
            let mut comparers = Comparers::new(repo.blobs(), labels, options);
            while let Some(job) = queue.pop_back() {
                mine.push(comparers.compare(job)?);
            }
        }
        let theirs = match worker {
            Some(w) => w
                .join()
                .map_err(|_| Error::Internal("comparing document versions failed".into()))?,
            None => Some(Vec::new()),
        };
        let histories = walked?;
        let Some(theirs) = theirs else {
            return compare_all(repo.blobs(), histories, labels, options);
        };
        let mut compared: Vec<Vec<Compared>> =
            sent.iter().map(|&n| vec![Compared::default(); n]).collect();
        for done in theirs.into_iter().chain(mine) {
            compared[done.doc][done.seq] = done.compared;
        }
        Ok(histories
            .into_iter()
            .zip(compared)
            .map(|(history, mut compared)| {
                compared.reverse(); // the walk goes newest first
                ComparedHistory { history, compared }
            })
            .collect())
    })
}

/// Each document's changes compared on the calling thread, after the walk.
fn compare_all(
    git: Blobs<'_>,
    histories: Vec<DocHistory>,
    labels: &Labels,
    options: &[CompareOptions],
) -> Result<Vec<ComparedHistory>> {
    let mut out = Vec::with_capacity(histories.len());
    for (doc, history) in histories.into_iter().enumerate() {
        let options = options.get(doc).copied().unwrap_or_default();
        let mut comparer = Comparer::new(git, labels, options);
        // Newest first, as the walk hands them over: consecutive changes share a version.
        let mut compared = history
            .changes
            .iter()
            .rev()
            .map(|c| comparer.compare_change(c))
            .collect::<Result<Vec<_>>>()?;
        compared.reverse();
        out.push(ComparedHistory { history, compared });
    }
    Ok(out)
}

/// A [`Comparer`] per document, made when its first change comes.
struct Comparers<'a> {
    git: Blobs<'a>,
    labels: &'a Labels,
    options: &'a [CompareOptions],
    by_doc: Vec<Option<Comparer<'a>>>,
}

/// A compared change: which document, which of its changes (newest first).
struct Done {
    doc: usize,
    seq: usize,
    compared: Compared,
}

impl<'a> Comparers<'a> {
    fn new(git: Blobs<'a>, labels: &'a Labels, options: &'a [CompareOptions]) -> Self {
        Comparers {
            git,
            labels,
            options,
            by_doc: Vec::new(),
        }
    }

    fn compare(&mut self, job: Job) -> Result<Done> {
        if self.by_doc.len() <= job.doc {
            self.by_doc.resize_with(job.doc + 1, || None);
        }
        let (git, labels) = (self.git, self.labels);
        let options = self.options.get(job.doc).copied().unwrap_or_default();
        let comparer =
            self.by_doc[job.doc].get_or_insert_with(|| Comparer::new(git, labels, options));
        Ok(Done {
            doc: job.doc,
            seq: job.seq,
            compared: comparer.compare(job)?,
        })
    }
}

/// Changes waiting to be compared, in the walk's order (newest first).
#[derive(Default)]
struct Queue {
    state: Mutex<QueueState>,
    ready: Condvar,
}

#[derive(Default)]
struct QueueState {
    jobs: VecDeque<Job>,
    /// No more jobs will come.
    finished: bool,
    /// Nobody takes jobs from the front any more.
    closed: bool,
}

impl Queue {
    fn lock(&self) -> std::sync::MutexGuard<'_, QueueState> {
        // A poisoned lock means the other side panicked; its state is still consistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn push(&self, job: Job) {
        let mut s = self.lock();
        if !s.closed {
            s.jobs.push_back(job);
            self.ready.notify_one();
        }
    }

    fn finish(&self) {
        self.lock().finished = true;
        self.ready.notify_all();
    }

    fn close(&self) {
        let mut s = self.lock();
        s.closed = true;
        s.jobs.clear();
    }

    /// The newest job left; waits while the walk may still send one.
    fn pop_front(&self) -> Option<Job> {
        let mut s = self.lock();
        loop {
            if let Some(job) = s.jobs.pop_front() {
                return Some(job);
            }
            if s.finished || s.closed {
                return None;
            }
            s = self.ready.wait(s).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// The oldest job left (after the walk).
    fn pop_back(&self) -> Option<Job> {
        self.lock().jobs.pop_back()
    }
}

/// Compares the versions of changes, parsing each version once while it is in use.
pub struct Comparer<'a> {
    git: Blobs<'a>,
    labels: &'a Labels,
    options: CompareOptions,
    /// The last versions parsed, newest last. In a linear history one change's `after`
    /// is the next (older) one's `before`; merges and renames need a few more.
    recent: Vec<(Oid, Rc<Version>)>,
}

/// One parsed version of the document.
struct Version {
    /// `None` when the version is not a document dbarch can parse.
    doc: Option<Document>,
    /// Its bytes without whitespace, when asked for.
    squeezed: Option<Vec<u8>>,
}

impl<'a> Comparer<'a> {
    /// Versions kept parsed.
    const KEEP: usize = 4;

    pub fn new(git: Blobs<'a>, labels: &'a Labels, options: CompareOptions) -> Self {
        Comparer {
            git,
            labels,
            options,
            recent: Vec::with_capacity(Self::KEEP),
        }
    }

    /// What `change` did to the document.
    pub fn compare_change(&mut self, change: &DocChange) -> Result<Compared> {
        self.compare(Job::of(0, 0, change))
    }

    fn compare(&mut self, job: Job) -> Result<Compared> {
        let before = job.before.map(|id| self.version(id)).transpose()?;
        let after = job.after.map(|id| self.version(id)).transpose()?;
        let (b, a) = (
            before.as_ref().and_then(|v| v.doc.as_ref()),
            after.as_ref().and_then(|v| v.doc.as_ref()),
        );
        let sections = match (b, a) {
            (Some(b), Some(a)) => b.sections_changed(a),
            _ => Vec::new(),
        };
        let bookkeeping = job.kind == ChangeKind::Modified
            && matches!((b, a), (Some(b), Some(a)) if masked(b) == masked(a));
        let whitespace_only = match (&before, &after) {
            (Some(b), Some(a)) => b.squeezed.is_some() && b.squeezed == a.squeezed,
            _ => false,
        };
        Ok(Compared {
            sections,
            bookkeeping,
            adds_rows: adds_rows(b, a),
            whitespace_only,
        })
    }

    fn version(&mut self, id: Oid) -> Result<Rc<Version>> {
        if let Some((_, v)) = self.recent.iter().find(|(k, _)| *k == id) {
            return Ok(v.clone());
        }
        let whitespace = self.options.whitespace;
        let (doc, squeezed) = self.git.with(id, |bytes| {
            let squeezed = whitespace.then(|| {
                bytes
                    .iter()
                    .copied()
                    .filter(|b| !b.is_ascii_whitespace())
                    .collect()
            });
            (bytes.to_vec(), squeezed)
        })?;
        let doc = Document::parse(doc, self.labels).ok();
        let v = Rc::new(Version { doc, squeezed });
        if self.recent.len() == Self::KEEP {
            self.recent.remove(0);
        }
        self.recent.push((id, v.clone()));
        Ok(v)
    }
}

/// The document with the managed spans removed: header values, and the whole lines of the
/// managed parts — the header fields, the Change Log heading and its table — with the
/// blank lines before them, so a commit that only adds them (`adopt` and its commit) is
/// bookkeeping too, like one that only changes their values. Everything else counts as
/// it is: trailing spaces, blank lines at the end and line endings are changes of their
/// own (`skip-whitespace-only` is how to skip them).
fn masked(d: &Document) -> String {
    let t = &d.text;
    let blank = |i: usize| t.line_text(i).trim().is_empty();
    // Lines `first..=last` and the blank lines before them (what an inserted part brings
    // with it; blank lines after stay, so blank lines added at the end still count).
    let lines = |first: usize, last: usize| {
        let mut from = first;
        while from > 0 && blank(from - 1) {
            from -= 1;
        }
        t.lines[from].start..t.lines[last].next
    };
    let mut cut: Vec<std::ops::Range<usize>> = d
        .fields
        .iter()
        .map(|f| match f.form {
            crate::doc::FieldForm::Bold => lines(f.line, f.line),
            crate::doc::FieldForm::FrontMatter => f.value.clone(),
        })
        .collect();
    if let Some(cl) = &d.changelog {
        if let Some(sec) = d.outline.sections.get(cl.section) {
            cut.push(lines(sec.line, sec.line));
        }
    }
    if let Some(table) = d.table() {
        cut.push(lines(table.header_line, table.last_line));
    }
    cut.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(t.src.len());
    let mut pos = 0;
    for r in cut {
        if r.end <= pos {
            continue;
        }
        out.push_str(&t.src[pos..r.start.max(pos)]);
        pos = r.end;
    }
    out.push_str(&t.src[pos..]);
    out
}

/// Rule 2: the commit's version of the table has a real row the parent's lacks.
fn adds_rows(before: Option<&Document>, after: Option<&Document>) -> bool {
    let Some(new) = after.and_then(|d| d.table()) else {
        return false;
    };
    let old: std::collections::HashSet<&Vec<String>> = before
        .and_then(|d| d.table())
        .map(|t| t.real_rows().map(|r| &r.cells).collect())
        .unwrap_or_default();
    new.real_rows().any(|r| !old.contains(&r.cells))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Document {
        Document::parse_str(s, &Labels::default()).unwrap()
    }

    const DOC: &str = "# DB\n\n**Last Updated:** 2026-01-01\n\n## Storage\n\nPostgres.\n\n## Change Log\n\n| Date | Change | Author | Impact |\n|---|---|---|---|\n| 2026-01-01 | Start | Ana | Low |\n";

    #[test]
    fn masked_ignores_header_values_and_rows_only() {
        let a = parse(DOC);
        let b = parse(
            &DOC.replace("2026-01-01 | Start", "2026-02-02 | Other")
                .replace("** 2026-01-01", "** 2026-03-03"),
        );
        assert_eq!(masked(&a), masked(&b));
        let c = parse(&DOC.replace("Postgres.", "MySQL."));
        assert_ne!(masked(&a), masked(&c));
        // Whitespace is a change (a row unless `skip-whitespace-only`).
        for changed in [
            DOC.replace('\n', "\r\n"),
            format!("{DOC}\n\n"),
            DOC.replace("Postgres.", "Postgres.  "),
        ] {
            assert_ne!(masked(&a), masked(&parse(&changed)), "{changed:?}");
        }
    }

    #[test]
    fn adds_rows_sees_a_new_row_only() {
        let a = parse(DOC);
        let more = DOC.to_string() + "| 2026-02-01 | More | Bo | Low |\n";
        let b = parse(&more);
        assert!(adds_rows(Some(&a), Some(&b)));
        assert!(!adds_rows(Some(&b), Some(&a)));
        assert!(!adds_rows(Some(&a), Some(&a)));
        assert!(adds_rows(None, Some(&a)));
        assert!(!adds_rows(Some(&a), None));
    }

    /// A linear history of `doc.md` through `versions`, one commit each.
    fn repo_with(versions: &[&str]) -> (tempfile::TempDir, Repo) {
        let commits: Vec<Vec<(&str, &str)>> =
            versions.iter().map(|v| vec![("doc.md", *v)]).collect();
        repo_of(&commits)
    }

    /// A linear history, one commit per entry: the files it holds.
    fn repo_of(commits: &[Vec<(&str, &str)>]) -> (tempfile::TempDir, Repo) {
        crate::git::testing::linear(
            commits,
            false,
            ("Ana", "ana@example.com"),
            |i| 1_767_225_600 + i as i64 * 60,
            |i| format!("v{i}"),
        )
    }

    #[test]
    fn beside_the_walk_and_after_it_agree() {
        let more = DOC.to_string() + "| 2026-02-01 | More | Bo | Low |\n";
        let versions = [
            DOC.to_string(),
            DOC.replace("Postgres.", "Postgres 17."),
            DOC.replace("Postgres.", "Postgres 17.")
                .replace("** 2026-01-01", "** 2026-05-05"),
            more.replace("Postgres.", "Postgres 17."),
            "binary\0".to_string(),
            DOC.replace("Postgres.", "Postgres  17.  "),
            DOC.replace("Postgres.", "Postgres  17.  \n"),
        ];
        let versions: Vec<&str> = versions.iter().map(|s| s.as_str()).collect();
        let (_dir, repo) = repo_with(&versions);
        let labels = Labels::default();
        let options = CompareOptions { whitespace: true };
        let opts = HistoryOptions::default();
        let walk = repo.walk(&[]).unwrap();
        let beside =
            compared_history(&repo, &walk, Path::new("doc.md"), &opts, &labels, options).unwrap();
        let histories = history::document_histories(
            &repo,
            &walk,
            &[Path::new("doc.md")],
            &opts,
            &mut |_, _| {},
        )
        .unwrap();
        let after = compare_all(repo.blobs(), histories, &labels, &[options])
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(beside.compared, after.compared);
        assert_eq!(beside.history.changes.len(), 7);
        let c = &beside.compared;
        assert_eq!(
            c[0].sections,
            Vec::<String>::new(),
            "added: nothing to compare"
        );
        assert!(c[0].adds_rows, "the first version's row is new");
        assert_eq!(c[1].sections, vec!["Storage".to_string()]);
        assert!(!c[1].bookkeeping && !c[1].adds_rows);
        assert!(c[2].bookkeeping, "only Last Updated changed");
        assert!(c[3].adds_rows && c[3].bookkeeping);
        assert_eq!(c[4], Compared::default(), "an unparsable version");
        assert!(
            !c[5].whitespace_only,
            "compared with the unparsable version"
        );
        assert!(c[6].whitespace_only);
    }

    #[test]
    fn many_documents_in_one_walk_are_each_document_alone() {
        let a1 = DOC.to_string();
        let a2 = DOC.replace("Postgres.", "Postgres 17.");
        let b1 = DOC.replace("# DB", "# Cache");
        let b2 = b1.replace("** 2026-01-01", "** 2026-02-02");
        let b3 = b2.clone() + "| 2026-02-01 | More | Bo | Low |\n";
        let commits = vec![
            vec![("a.md", a1.as_str())],
            vec![("a.md", a1.as_str()), ("b.md", b1.as_str())],
            vec![("a.md", a2.as_str()), ("b.md", b1.as_str())],
            vec![("a.md", a2.as_str()), ("b.md", b2.as_str())],
            vec![("a.md", a2.as_str()), ("b.md", b3.as_str())],
            vec![("b.md", b3.as_str())],
        ];
        let (_dir, repo) = repo_of(&commits);
        let labels = Labels::default();
        let opts = HistoryOptions::default();
        let options = [CompareOptions::default(); 3];
        let paths = [Path::new("a.md"), Path::new("b.md"), Path::new("c.md")];
        let walk = repo.walk(&[]).unwrap();
        let all = compared_histories(&repo, &walk, &paths, &opts, &labels, &options).unwrap();
        assert_eq!(all.len(), 3);
        for (i, path) in paths.iter().enumerate() {
            let alone = compared_history(&repo, &walk, path, &opts, &labels, options[i]).unwrap();
            assert_eq!(all[i].compared, alone.compared, "{}", path.display());
            let ids = |h: &ComparedHistory| -> Vec<Oid> {
                h.history.changes.iter().map(|c| c.commit.id).collect()
            };
            assert_eq!(ids(&all[i]), ids(&alone), "{}", path.display());
        }
        assert_eq!(all[0].history.changes.len(), 3, "added, edited, deleted");
        assert_eq!(all[1].history.changes.len(), 3, "added, bookkeeping, a row");
        assert!(all[1].compared[1].bookkeeping && all[1].compared[2].adds_rows);
        assert!(all[2].history.changes.is_empty());
    }
}
