//! Schema drift: what the migrations made the database, what changed since the last
//! review, and whether the document says so.
//!
//! - [`discover`] finds the migration files of a commit (`[schema] migrations` globs) and
//!   puts them in migration order;
//! - [`split`] cuts a file into statements and [`inventory`] parses each with `sqlparser`
//!   and replays the DDL into an [`Inventory`] (a statement it cannot read is skipped and
//!   reported with file:line);
//! - [`analyze`] compares the inventory at HEAD with the one at the commit the last
//!   review saw (the newest first-parent commit authored on or before the review day),
//!   and [`mentions`] looks every changed object up in the document.
//!
//! Each migration blob is parsed once per process ([`parsed`]): HEAD and the review's
//! commit share almost every blob, and so do several documents.
//!
//! Findings: an object created, altered or renamed since the review that the document
//! does not mention (it lands in the template section for its kind: tables, columns,
//! constraints, foreign keys, views → "Database Design"; indexes → "Indexing Strategy";
//! extensions → "Technology Stack"); and an object the migrations dropped or renamed
//! away, at any time, that the document still describes (it lands where it is
//! described). Columns, indexes and constraints created or dropped with their table are
//! folded into the table's own entry.
pub mod discover;
pub mod inventory;
pub mod mentions;
pub mod report;
pub mod split;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use crate::git::Oid;
use chrono::NaiveDate;
use serde::Serialize;

use crate::changelog::short;
use crate::config::{SchemaConfig, SqlDialect};
use crate::doc::Document;
use crate::git::Repo;
use crate::review::CommitRef;
use crate::Result;

pub use inventory::{Dropped, Inventory, Kind, Object, Origin, Skipped};
pub use mentions::{DocIndex, Mention};

type Parsed = Rc<Vec<inventory::ParsedStatement>>;

type Built = Rc<(Vec<discover::MigrationFile>, Inventory)>;
type DiffKey = (Oid, Option<Oid>, SchemaConfig);

thread_local! {
    static CACHE: RefCell<HashMap<(Oid, SqlDialect), Parsed>> = RefCell::new(HashMap::new());
    /// Inventories by (commit, settings): several documents share them.
    static BUILT: RefCell<HashMap<(Oid, SchemaConfig), Built>> = RefCell::new(HashMap::new());
    /// The review's commit by (HEAD, review day).
    static BASES: RefCell<HashMap<(Oid, NaiveDate), Option<Oid>>> = RefCell::new(HashMap::new());
    /// The changes between the review's commit and HEAD, by (HEAD, base, settings).
    static DIFFS: RefCell<HashMap<DiffKey, Rc<Vec<Change>>>> = RefCell::new(HashMap::new());
    static PARSES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// A blob's statements, parsed on first use and kept for the process.
pub fn parsed(repo: &Repo, blob: Oid, dialect: SqlDialect) -> Result<Parsed> {
    if let Some(p) = CACHE.with(|c| c.borrow().get(&(blob, dialect)).cloned()) {
        return Ok(p);
    }
    let bytes = repo.read_blob(blob)?;
    let text = String::from_utf8_lossy(&bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let p: Parsed = Rc::new(inventory::parse_file(text, dialect));
    PARSES.with(|n| n.set(n.get() + 1));
    CACHE.with(|c| c.borrow_mut().insert((blob, dialect), p.clone()));
    Ok(p)
}

/// How many blobs this process has parsed (for tests of the cache).
pub fn parse_count() -> usize {
    PARSES.with(|n| n.get())
}

/// The inventory the migration files of `commit` build, with the files (built once per
/// commit and settings in a process).
pub fn inventory_at(repo: &Repo, commit: Oid, cfg: &SchemaConfig) -> Result<Built> {
    let k = (commit, cfg.clone());
    if let Some(b) = BUILT.with(|c| c.borrow().get(&k).cloned()) {
        return Ok(b);
    }
    let m = discover::Matcher::new(cfg)?;
    let files = discover::files_at(repo, commit, &m)?;
    let mut inv = Inventory::default();
    for f in &files {
        let p = parsed(repo, f.blob, cfg.dialect)?;
        inv.apply_file(&f.path, &p);
    }
    let b: Built = Rc::new((files, inv));
    BUILT.with(|c| c.borrow_mut().insert(k, b.clone()));
    Ok(b)
}

fn base_commit(repo: &Repo, head: Oid, since: NaiveDate) -> Result<Option<Oid>> {
    if let Some(b) = BASES.with(|c| c.borrow().get(&(head, since)).copied()) {
        return Ok(b);
    }
    let b = discover::base_commit(repo, head, since)?;
    BASES.with(|c| c.borrow_mut().insert((head, since), b));
    Ok(b)
}

/// What happened to an object since the review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    Created,
    Altered,
    Dropped,
    Renamed,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Created => "created",
            ChangeKind::Altered => "altered",
            ChangeKind::Dropped => "dropped",
            ChangeKind::Renamed => "renamed",
        }
    }
}

/// An object the migrations changed after the review.
#[derive(Clone, Debug, Serialize)]
pub struct Change {
    pub change: ChangeKind,
    pub kind: Kind,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_to: Option<String>,
    /// The statement that did it (`None`: its migration file was removed).
    pub at: Option<Origin>,
    /// The commit that made that migration (when asked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<CommitRef>,
    /// Where the document mentions the object (its new name, when renamed).
    pub mentions: Vec<Mention>,
}

/// What is wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Problem {
    /// Created, altered or renamed since the review; the document does not mention it.
    NotDescribed,
    /// Dropped or renamed away; the document still describes it.
    StillDescribed,
}

/// One finding, in the section a reviewer would edit.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub section: String,
    pub problem: Problem,
    pub kind: Kind,
    pub name: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Origin>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

/// An object of the inventory as `dbarch schema` lists it.
#[derive(Clone, Debug, Serialize)]
pub struct Listed {
    #[serde(flatten)]
    pub object: Object,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<CommitRef>,
    pub mentions: Vec<Mention>,
}

/// What [`analyze`] finds for one document.
#[derive(Clone, Debug, Serialize)]
pub struct SchemaReport {
    pub migrations: usize,
    pub statements: usize,
    /// The last review's day (`None`: never reviewed — everything counts as new).
    pub since: Option<NaiveDate>,
    /// The commit that review saw.
    pub base: Option<String>,
    pub changes: Vec<Change>,
    pub findings: Vec<Finding>,
    pub skipped: Vec<Skipped>,
    /// The whole inventory (only when asked for).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<Listed>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<Dropped>,
}

impl SchemaReport {
    /// The findings grouped by section, in the document's section order where it has
    /// them.
    pub fn by_section(&self) -> Vec<(String, Vec<&Finding>)> {
        let mut out: Vec<(String, Vec<&Finding>)> = Vec::new();
        for f in &self.findings {
            match out.iter_mut().find(|(s, _)| *s == f.section) {
                Some((_, v)) => v.push(f),
                None => out.push((f.section.clone(), vec![f])),
            }
        }
        out
    }
}

/// How much [`analyze`] should do.
#[derive(Clone, Copy, Debug, Default)]
pub struct Detail {
    /// Find the commit behind each change (a walk of the commits since the review).
    pub commits: bool,
    /// List the whole inventory with the commit that made each object (a walk of the
    /// whole history).
    pub objects: bool,
}

/// The schema report of `doc` (last reviewed on `since`); `None` when HEAD has no
/// migration files (or no commit).
pub fn analyze(
    repo: &Repo,
    cfg: &SchemaConfig,
    doc: &Document,
    since: Option<NaiveDate>,
    detail: Detail,
) -> Result<Option<SchemaReport>> {
    if cfg.migrations.is_empty() {
        return Ok(None);
    }
    let Some(head) = repo.head_id()? else {
        return Ok(None);
    };
    let built = inventory_at(repo, head, cfg)?;
    let (files, now) = (&built.0, &built.1);
    if files.is_empty() {
        return Ok(None);
    }
    let base = match since {
        Some(d) => base_commit(repo, head, d)?,
        None => None,
    };
    let empty = Rc::new((Vec::new(), Inventory::default()));
    let before = match base {
        Some(b) => inventory_at(repo, b, cfg)?,
        None => empty,
    };
    let before = &before.1;
    let ix = DocIndex::new(doc);
    let dk = (head, base, cfg.clone());
    let cached = DIFFS.with(|c| c.borrow().get(&dk).cloned());
    let shared = match cached {
        Some(d) => d,
        None => {
            let d = Rc::new(diff(before, now));
            DIFFS.with(|c| c.borrow_mut().insert(dk, d.clone()));
            d
        }
    };
    let mut changes: Vec<Change> = shared.as_ref().clone();
    let find = |kind: Kind, name: &str, table: Option<&str>, refs: Option<&str>| {
        ix.mentions(kind, name, table, refs)
    };
    for c in &mut changes {
        let (name, table, refs) = match c.change {
            ChangeKind::Renamed => {
                let n = c.renamed_to.clone().unwrap_or_default();
                let o = now.objects.get(&inventory::key(c.kind, &n));
                (
                    n,
                    o.and_then(|o| o.table.clone()),
                    o.and_then(|o| o.references.clone()),
                )
            }
            ChangeKind::Dropped => (c.name.clone(), None, None),
            _ => {
                let o = now.objects.get(&inventory::key(c.kind, &c.name));
                (
                    c.name.clone(),
                    o.and_then(|o| o.table.clone()),
                    o.and_then(|o| o.references.clone()),
                )
            }
        };
        if c.change != ChangeKind::Dropped {
            c.mentions = find(c.kind, &name, table.as_deref(), refs.as_deref());
        }
    }
    // Commits behind the changes (and behind every object when listing them all).
    let mut made: HashMap<String, Oid> = HashMap::new();
    if detail.objects {
        let paths: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
        made = discover::made_by(repo, head, &paths, None)?;
    } else if detail.commits {
        let mut paths: Vec<String> = changes
            .iter()
            .filter_map(|c| c.at.as_ref().map(|a| a.file.clone()))
            .collect();
        paths.sort();
        paths.dedup();
        made = discover::made_by(repo, head, &paths, base)?;
    }
    let mut refs: HashMap<Oid, CommitRef> = HashMap::new();
    let mut commit_of = |file: &str| -> Result<Option<CommitRef>> {
        let Some(id) = made.get(file).copied() else {
            return Ok(None);
        };
        if let Some(r) = refs.get(&id) {
            return Ok(Some(r.clone()));
        }
        let r = CommitRef::of(&repo.commit_info(id)?);
        refs.insert(id, r.clone());
        Ok(Some(r))
    };
    for c in &mut changes {
        if let Some(a) = &c.at {
            c.commit = commit_of(&a.file)?;
        }
    }
    // Findings.
    let mut findings = Vec::new();
    for c in &changes {
        if c.change == ChangeKind::Dropped || !c.mentions.is_empty() {
            continue;
        }
        let shown = c.renamed_to.as_deref().unwrap_or(&c.name);
        let what = match c.change {
            ChangeKind::Renamed => format!(
                "{} `{}` (renamed from `{}`)",
                c.kind.as_str(),
                shown,
                c.name
            ),
            _ => format!("{} `{}` ({})", c.kind.as_str(), shown, c.change.as_str()),
        };
        findings.push(Finding {
            section: c.kind.section().to_string(),
            problem: Problem::NotDescribed,
            kind: c.kind,
            name: shown.to_string(),
            message: format!(
                "{what}{} is not mentioned",
                by(c.at.as_ref(), c.commit.as_ref())
            ),
            at: c.at.clone(),
            commit: c.commit.as_ref().map(|r| r.commit.clone()),
        });
    }
    for d in now.dropped.values() {
        if d.with_table || now.objects.contains_key(&inventory::key(d.kind, &d.name)) {
            continue;
        }
        let table_gone = d
            .table
            .as_deref()
            .is_some_and(|t| !now.objects.contains_key(&inventory::key(Kind::Table, t)));
        let m = ix.mentions(d.kind, &d.name, d.table.as_deref(), None);
        let Some(first) = m.first() else { continue };
        if table_gone && d.kind == Kind::Column {
            continue;
        }
        let gone = match &d.renamed_to {
            Some(n) => format!("was renamed to `{n}`"),
            None => "was dropped".to_string(),
        };
        let commit = commit_of(&d.dropped.file)?;
        findings.push(Finding {
            section: first.section.clone(),
            problem: Problem::StillDescribed,
            kind: d.kind,
            name: d.name.clone(),
            message: format!(
                "{} `{}` {gone}{} but the document still describes it (line {})",
                d.kind.as_str(),
                d.name,
                by(Some(&d.dropped), commit.as_ref()),
                first.line
            ),
            at: Some(d.dropped.clone()),
            commit: commit.map(|r| r.commit),
        });
    }
    // Document order of sections, then the template's.
    let order: Vec<String> = doc
        .outline
        .sections
        .iter()
        .filter(|s| s.parent.is_none())
        .map(|s| s.title.to_ascii_lowercase())
        .collect();
    let pos = |s: &str| {
        order
            .iter()
            .position(|t| *t == s.to_ascii_lowercase())
            .unwrap_or(usize::MAX)
    };
    findings.sort_by(|a, b| {
        pos(&a.section)
            .cmp(&pos(&b.section))
            .then_with(|| a.section.cmp(&b.section))
    });
    let mut objects = Vec::new();
    let mut dropped = Vec::new();
    if detail.objects {
        for o in now.objects.values() {
            let commit = commit_of(&o.created.file)?;
            objects.push(Listed {
                mentions: ix.mentions(o.kind, &o.name, o.table.as_deref(), o.references.as_deref()),
                object: o.clone(),
                commit,
            });
        }
        dropped = now.dropped.values().cloned().collect();
    }
    Ok(Some(SchemaReport {
        migrations: files.len(),
        statements: now.statements,
        since,
        base: base.map(short),
        changes,
        findings,
        skipped: now.skipped.clone(),
        objects,
        dropped,
    }))
}

fn by(at: Option<&Origin>, commit: Option<&CommitRef>) -> String {
    match (at, commit) {
        (Some(a), Some(c)) => format!(" by {a} ({})", c.commit),
        (Some(a), None) => format!(" by {a}"),
        _ => String::new(),
    }
}

/// The changes between two inventories, folded: columns and constraints created with
/// their table, and whatever was dropped with its table, are the table's entry; a rename
/// is one entry. Indexes and foreign keys stay their own (they have their own sections).
pub fn diff(before: &Inventory, now: &Inventory) -> Vec<Change> {
    use inventory::key;
    let mut out = Vec::new();
    // Renames first: a new name whose old name the review saw.
    let mut renamed_new: BTreeMap<inventory::Key, ()> = BTreeMap::new();
    let mut renamed_old: BTreeMap<inventory::Key, ()> = BTreeMap::new();
    for (k, d) in &now.dropped {
        let Some(to) = &d.renamed_to else { continue };
        if before.objects.contains_key(k) && now.objects.contains_key(&key(d.kind, to)) {
            renamed_new.insert(key(d.kind, to), ());
            renamed_old.insert(k.clone(), ());
            out.push(Change {
                change: ChangeKind::Renamed,
                kind: d.kind,
                name: d.name.clone(),
                renamed_to: Some(to.clone()),
                at: Some(d.dropped.clone()),
                commit: None,
                mentions: Vec::new(),
            });
        }
    }
    let table_new = |t: &Option<String>| {
        t.as_deref().is_some_and(|t| {
            let k = key(Kind::Table, t);
            !before.objects.contains_key(&k)
        })
    };
    for (k, o) in &now.objects {
        if renamed_new.contains_key(k) {
            continue;
        }
        match before.objects.get(k) {
            None => {
                if matches!(o.kind, Kind::Column | Kind::Constraint) && table_new(&o.table) {
                    continue; // created with its table
                }
                out.push(Change {
                    change: ChangeKind::Created,
                    kind: o.kind,
                    name: o.name.clone(),
                    renamed_to: None,
                    at: Some(o.created.clone()),
                    commit: None,
                    mentions: Vec::new(),
                });
            }
            Some(b) if b.definition != o.definition => out.push(Change {
                change: ChangeKind::Altered,
                kind: o.kind,
                name: o.name.clone(),
                renamed_to: None,
                at: o.altered.clone().or(Some(o.created.clone())),
                commit: None,
                mentions: Vec::new(),
            }),
            Some(_) => {}
        }
    }
    for (k, b) in &before.objects {
        if now.objects.contains_key(k) || renamed_old.contains_key(k) {
            continue;
        }
        let d = now.dropped.get(k);
        if d.is_some_and(|d| d.with_table) {
            continue;
        }
        if b.table.as_deref().is_some_and(|t| {
            let tk = key(Kind::Table, t);
            !now.objects.contains_key(&tk) && before.objects.contains_key(&tk)
        }) {
            continue; // went with its table (renamed or dropped)
        }
        out.push(Change {
            change: d
                .and_then(|d| d.renamed_to.as_ref())
                .map_or(ChangeKind::Dropped, |_| ChangeKind::Renamed),
            kind: b.kind,
            name: b.name.clone(),
            renamed_to: d.and_then(|d| d.renamed_to.clone()),
            at: d.map(|d| d.dropped.clone()),
            commit: None,
            mentions: Vec::new(),
        });
    }
    out.sort_by(|a, b| {
        let o = |c: &Change| c.at.as_ref().map(|a| (a.file.clone(), a.line));
        discover::order(
            &o(a).map(|x| x.0).unwrap_or_default(),
            &o(b).map(|x| x.0).unwrap_or_default(),
        )
        .then_with(|| o(a).cmp(&o(b)))
        .then_with(|| a.name.cmp(&b.name))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::Labels;

    /// A repository whose commits each add one file (`(path, text)` per commit).
    fn repo(commits: &[&[(&str, &str)]]) -> (tempfile::TempDir, Repo) {
        let commits: Vec<Vec<(&str, &str)>> = commits.iter().map(|c| c.to_vec()).collect();
        crate::git::testing::linear(
            &commits,
            true,
            ("T", "t@example.com"),
            |_| 1_700_000_000,
            |_| "c".to_string(),
        )
    }

    #[test]
    fn each_migration_blob_is_parsed_once() {
        let (_dir, r) = repo(&[
            &[("migrations/001_a.sql", "CREATE TABLE a (id int);")],
            &[("migrations/002_b.sql", "CREATE TABLE b (id int);")],
            &[("migrations/003_c.sql", "CREATE TABLE a (id int);")], // same blob as 001
        ]);
        let doc = Document::parse_str(
            "# D\n\n## Database Design\nTable `a`.\n",
            &Labels::default(),
        )
        .unwrap();
        let cfg = SchemaConfig::default();
        let before = parse_count();
        // Never reviewed: everything is new; then reviewed at the first commit's day.
        let r1 = analyze(&r, &cfg, &doc, None, Detail::default())
            .unwrap()
            .unwrap();
        assert_eq!(r1.migrations, 3);
        assert_eq!(parse_count() - before, 2, "two distinct blobs");
        let day = chrono::DateTime::from_timestamp(1_700_000_000, 0)
            .unwrap()
            .date_naive();
        let r2 = analyze(
            &r,
            &cfg,
            &doc,
            Some(day),
            Detail {
                commits: true,
                objects: true,
            },
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            parse_count() - before,
            2,
            "HEAD and the review's commit share blobs"
        );
        // Every commit is on the review day: the review saw HEAD, nothing is new.
        assert!(r2.base.is_some());
        assert!(r2.changes.is_empty(), "{:?}", r2.changes);
        assert_eq!(r2.objects.len(), 4, "two tables, two columns");
        let names: Vec<&str> = r1.findings.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["b"], "`a` is described");
    }

    #[test]
    fn ten_thousand_statements_build_one_inventory() {
        // 100 files of 100 statements: tables, columns, indexes, renames and drops.
        let mut inv = Inventory::default();
        let start = std::time::Instant::now();
        for f in 0..100 {
            let mut sql = String::new();
            for s in 0..25 {
                let t = format!("t_{f}_{s}");
                sql.push_str(&format!(
                    "CREATE TABLE {t} (id bigint PRIMARY KEY, name text NOT NULL, parent_id bigint REFERENCES {t}(id));\n\
                     CREATE INDEX idx_{t}_name ON {t} (name);\n\
                     ALTER TABLE {t} ADD COLUMN created_at timestamptz DEFAULT now();\n\
                     ALTER TABLE {t} RENAME COLUMN name TO title;\n"
                ));
            }
            inv.apply_file(
                &format!("V{f}__x.sql"),
                &inventory::parse_file(&sql, SqlDialect::Auto),
            );
        }
        let took = start.elapsed();
        assert_eq!(inv.statements, 10_000);
        assert!(inv.skipped.is_empty(), "{:?}", inv.skipped.first());
        // Per table: the table, 4 columns, a foreign key, an index.
        assert_eq!(inv.objects.len(), 2500 * 7);
        assert_eq!(inv.dropped.len(), 2500, "the renamed-away columns");
        // Reported, never asserted (`cargo test --release -- --nocapture` to see it).
        eprintln!("10,000 statements: {took:?}");
    }

    #[test]
    fn schema_settings_layer_and_round_trip() {
        use crate::config::Config;
        let c = Config::parse_str(
            "[schema]\ndialect = \"mysql\"\nrequire-mentions = true\n\n[[docs]]\npath = \"a.md\"\n\n[[docs]]\npath = \"b.md\"\n[docs.schema]\nmigrations = [\"db/*.sql\"]\n",
            "dbarch.toml",
        )
        .unwrap();
        let a = c.schema_for(&c.doc_settings("a.md"));
        assert_eq!((a.dialect, a.require_mentions), (SqlDialect::Mysql, true));
        assert_eq!(a.migrations, SchemaConfig::default().migrations);
        let b = c.schema_for(&c.doc_settings("b.md"));
        assert_eq!(b.migrations, ["db/*.sql"]);
        assert_eq!(
            (b.dialect, b.require_mentions),
            (SqlDialect::Mysql, true),
            "over [schema]"
        );
        let again = Config::parse_str(&c.to_toml(), "again").unwrap();
        assert_eq!(again.schema, c.schema);
        assert_eq!(again.docs[1].schema, c.docs[1].schema);
        // The defaults print nothing: `dbarch config` is unchanged without [schema].
        assert!(!Config::defaults().to_toml().contains("[schema]"));
        let bad = Config::parse_str("[schema]\nmigratons = []\n", "dbarch.toml").unwrap_err();
        assert!(bad.to_string().contains("migratons"), "{bad}");
    }
}
