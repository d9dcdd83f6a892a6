//! Finding the migration files in a commit, putting them in migration order, finding
//! the commit a review saw, and the commits that made each file.
use std::cmp::Ordering;
use std::collections::HashMap;

use crate::git::log::TreeView;
use crate::git::Oid;
use chrono::NaiveDate;

use crate::config::{Glob, SchemaConfig};
use crate::git::Repo;
use crate::{Error, Result};

/// A migration file at one commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationFile {
    pub path: String,
    pub blob: Oid,
}

/// Compiled `[schema]` globs.
pub struct Matcher {
    include: globset::GlobSet,
    exclude: globset::GlobSet,
    dumps: globset::GlobSet,
}

/// The set of globs the configuration compiled (each once, when it was read).
fn set(globs: &[Glob]) -> Result<globset::GlobSet> {
    let mut b = globset::GlobSetBuilder::new();
    for g in globs {
        b.add(g.glob().clone());
    }
    b.build()
        .map_err(|e| Error::Config(format!("[schema] globs: {e}")))
}

/// The globs of schema dumps (`schema.sql`, `structure.sql`), which count only when no
/// other migration file matches.
fn dump_globs() -> Result<Vec<Glob>> {
    ["**/schema.sql", "**/structure.sql"]
        .iter()
        .map(|g| Glob::new(g).map_err(|e| Error::Config(format!("[schema] glob `{g}`: {e}"))))
        .collect()
}

impl Matcher {
    pub fn new(cfg: &SchemaConfig) -> Result<Matcher> {
        Ok(Matcher {
            include: set(&cfg.migrations)?,
            exclude: set(&cfg.exclude)?,
            dumps: set(&dump_globs()?)?,
        })
    }

    fn matches(&self, path: &str) -> bool {
        self.include.is_match(path) && !self.exclude.is_match(path)
    }
}

/// Directories never searched (vendored or generated trees).
const SKIP_DIRS: &[&str] = &["node_modules", "vendor", "target", ".git"];

/// The migration files of `commit`, in migration order (see [`order`]). `schema.sql` /
/// `structure.sql` dumps are kept only when nothing else matched: a dump restates what
/// the migrations already say.
pub fn files_at(repo: &Repo, commit: Oid, m: &Matcher) -> Result<Vec<MigrationFile>> {
    let mut out = Vec::new();
    let skip_dir = |name: &str| SKIP_DIRS.contains(&name);
    let mut keep = |dir: &str, name: &str, blob: Oid| {
        if name.len() > 4 && name[name.len() - 4..].eq_ignore_ascii_case(".sql") {
            let path = format!("{dir}{name}");
            if m.matches(&path) {
                out.push(MigrationFile { path, blob });
            }
        }
    };
    repo.files_at(commit, &skip_dir, &mut keep, "listing migration files")?;
    if out.iter().any(|f| !m.is_dump(&f.path)) {
        out.retain(|f| !m.is_dump(&f.path));
    }
    out.sort_by(|a, b| order(&a.path, &b.path));
    Ok(out)
}

impl Matcher {
    /// A `schema.sql` / `structure.sql` outside any `migrations/` or `migrate/`
    /// directory.
    fn is_dump(&self, path: &str) -> bool {
        let in_migrations = path
            .split('/')
            .any(|c| c.eq_ignore_ascii_case("migrations") || c.eq_ignore_ascii_case("migrate"));
        self.dumps.is_match(path) && !in_migrations
    }
}

/// The name that carries a migration's version: the file name, or the directory's for
/// Prisma's and Diesel's `<version>_<name>/migration.sql` / `up.sql`.
fn version_name(path: &str) -> &str {
    let mut parts = path.rsplit('/');
    let file = parts.next().unwrap_or(path);
    let generic = ["migration.sql", "up.sql", "schema.sql", "structure.sql"];
    if generic.iter().any(|g| file.eq_ignore_ascii_case(g)) {
        if let Some(dir) = parts.next() {
            return dir;
        }
    }
    file
}

/// Rank of a file's kind: Flyway repeatable (`R__`) migrations run after the versioned
/// ones; dumps last.
fn rank(name: &str) -> u8 {
    if name.starts_with("R__") {
        1
    } else if name.eq_ignore_ascii_case("schema.sql") || name.eq_ignore_ascii_case("structure.sql")
    {
        2
    } else {
        0
    }
}

/// A leading version: `V1_2__x` and `1.2-x` are `[1, 2]`, `20240102_x` is
/// `[20240102]`; the rest of the name follows.
fn version(name: &str) -> (Vec<u128>, &str) {
    let s = name
        .strip_prefix(['V', 'v'])
        .filter(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or(name);
    let b = s.as_bytes();
    let mut v = Vec::new();
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        let n = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        let num = s[i..i + n].bytes().fold(0u128, |a, d| {
            a.saturating_mul(10).saturating_add(u128::from(d - b'0'))
        });
        v.push(num);
        i += n;
        // One `.` or `_` continues the version when a digit follows; `__` ends it.
        if i + 1 < b.len() && (b[i] == b'.' || b[i] == b'_') && b[i + 1].is_ascii_digit() {
            i += 1;
        } else {
            break;
        }
    }
    if v.is_empty() {
        (v, name)
    } else {
        (v, &s[i..])
    }
}

/// Migration order: by version (numbers compared as numbers: `V2` before `V10`, `1.10`
/// after `1.9`; versioned before unversioned), then the rest of the name (digits as
/// numbers), then the path.
pub fn order(a: &str, b: &str) -> Ordering {
    let (na, nb) = (version_name(a), version_name(b));
    let (va, ra) = version(na);
    let (vb, rb) = version(nb);
    rank(na)
        .cmp(&rank(nb))
        .then_with(|| va.is_empty().cmp(&vb.is_empty()))
        .then_with(|| va.cmp(&vb))
        .then_with(|| natural(ra, rb))
        .then_with(|| a.cmp(b))
}

fn natural(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return Ordering::Equal,
            (None, _) => return Ordering::Less,
            (_, None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let lx = x.iter().take_while(|c| c.is_ascii_digit()).count();
                let ly = y.iter().take_while(|c| c.is_ascii_digit()).count();
                let (dx, dy) = (&x[..lx], &y[..ly]);
                let tx = trim_zeros(dx);
                let ty = trim_zeros(dy);
                let o = tx.len().cmp(&ty.len()).then_with(|| tx.cmp(ty));
                if o != Ordering::Equal {
                    return o;
                }
                x = &x[lx..];
                y = &y[ly..];
            }
            (Some(c), Some(d)) => {
                // `_` and `.` both separate version parts (Flyway allows either).
                let norm = |c: u8| match c {
                    b'.' => b'_',
                    c => c.to_ascii_lowercase(),
                };
                let o = norm(*c).cmp(&norm(*d));
                if o != Ordering::Equal {
                    return o;
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

fn trim_zeros(d: &[u8]) -> &[u8] {
    let n = d.iter().take_while(|&&c| c == b'0').count();
    if n == d.len() {
        &d[d.len().saturating_sub(1)..]
    } else {
        &d[n..]
    }
}

/// The commit a review on `since` saw: the newest commit on HEAD's first-parent line
/// authored on or before that day. `None` when every commit is newer (the review saw no
/// migrations).
pub fn base_commit(repo: &Repo, head: Oid, since: NaiveDate) -> Result<Option<Oid>> {
    // The first-parent line by hand: one read per commit (a revwalk would parse each
    // commit once more).
    let on_or_before = |when: Option<chrono::DateTime<chrono::FixedOffset>>| {
        when.is_some_and(|d| d.date_naive() <= since)
    };
    repo.first_parent_where(head, "walking history for the schema", &on_or_before)
}

/// For each of `paths` (files at HEAD), the oldest commit after `stop` (exclusive; the
/// whole history when `None`) that changed it to what it is now or created it: the
/// commit that made the migration. Walks HEAD's history newest first, skipping merge
/// commits (their branch commits carry the change) and commits that left every
/// migration directory as it was (one tree-id comparison per directory).
pub fn made_by(
    repo: &Repo,
    head: Oid,
    paths: &[String],
    stop: Option<Oid>,
) -> Result<HashMap<String, Oid>> {
    let mut out = HashMap::new();
    if paths.is_empty() {
        return Ok(out);
    }
    // The directories to compare, few enough to compare per commit.
    let mut dirs: Vec<String> = paths
        .iter()
        .map(|p| {
            p.rsplit_once('/')
                .map_or(String::new(), |(d, _)| d.to_string())
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    while dirs.len() > 16 {
        let before = dirs.len();
        dirs = dirs
            .iter()
            .map(|d| {
                d.rsplit_once('/')
                    .map_or(String::new(), |(p, _)| p.to_string())
            })
            .collect();
        dirs.sort();
        dirs.dedup();
        if dirs.len() == before {
            break;
        }
    }
    let by_dir: Vec<(String, Vec<&String>)> = dirs
        .iter()
        .map(|d| {
            let inside: Vec<&String> = paths
                .iter()
                .filter(|p| d.is_empty() || p.starts_with(&format!("{d}/")))
                .collect();
            (d.clone(), inside)
        })
        .collect();
    let mut each = |id: Oid, tree: &TreeView<'_>, parent: Option<&TreeView<'_>>| {
        for (dir, inside) in &by_dir {
            let now = tree.entry_id(dir);
            let before = parent.and_then(|t| t.entry_id(dir));
            if now == before {
                continue;
            }
            for p in inside {
                let a = tree.entry_id(p);
                let b = parent.and_then(|t| t.entry_id(p));
                if a.is_some() && a != b {
                    out.insert((*p).clone(), id);
                }
            }
        }
    };
    repo.for_each_non_merge(head, stop, "walking history for the schema", &mut each)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_as_numbers() {
        let mut v = vec![
            "db/migration/V10__c.sql",
            "db/migration/R__views.sql",
            "db/migration/V2__b.sql",
            "db/migration/V1_1__a2.sql",
            "db/migration/V1__a.sql",
            "db/migration/V1.10__z.sql",
            "db/migration/V1.9__y.sql",
        ];
        v.sort_by(|a, b| order(a, b));
        assert_eq!(
            v,
            [
                "db/migration/V1__a.sql",
                "db/migration/V1_1__a2.sql",
                "db/migration/V1.9__y.sql",
                "db/migration/V1.10__z.sql",
                "db/migration/V2__b.sql",
                "db/migration/V10__c.sql",
                "db/migration/R__views.sql",
            ]
        );
        let mut p = [
            "prisma/migrations/20240102000000_b/migration.sql",
            "prisma/migrations/20231231000000_a/migration.sql",
        ];
        p.sort_by(|a, b| order(a, b));
        assert!(p[0].contains("20231231"));
    }
}
