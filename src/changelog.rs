//! History + document → the Change Log rows to add and the true "Last Updated".
//!
//! The recorded-ness rules of the SPEC (§2) live here, once. A commit that changed the
//! document gets no new row when:
//! 1. a row already refers to it — by commit id when the table has a Commit column, else
//!    by author date, author and Change text, so rebased, amended and cherry-picked
//!    commits are not doubled;
//! 2. the commit itself adds Change Log rows (its author documented it; this covers a
//!    squash merge of a branch whose hook already wrote rows);
//! 3. it only touched managed parts (header values, Change Log rows): bookkeeping;
//! 4. a rule skips it: `[skip changelog]`/`[dbarch skip]` in the message, a
//!    `Changelog: skip` trailer, the ignore-revs file, a skipped author (`[bot]`), or,
//!    when configured, a whitespace-only change.
//!
//! "Last Updated" is the newest substantive change (rules 1–2 and rows added; not
//! bookkeeping, not skipped commits) or the last review row, whichever is later.
//! Nothing here writes or prints.
use std::collections::HashSet;
use std::path::Path;

use crate::git::Oid;
use chrono::NaiveDate;

use crate::compare::{compared_history, CompareOptions, Compared, ComparedHistory};
use crate::config::{ChangelogConfig, DocConfig, Timezone};
use crate::doc::{date, Column, DateStyle, Document, Labels, NewRow};
use crate::git::changes::Changes;
use crate::git::walk::Walks;
use crate::git::{CommitInfo, Repo};
use crate::history::{DocChange, HistoryOptions};
use crate::{Error, Result};

/// Why a commit gets no row.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "reason", content = "detail")]
pub enum Recorded {
    /// Rule 1: a row refers to it.
    RowRefers,
    /// Rule 2: the commit adds Change Log rows itself.
    AddsRows,
    /// Rule 3: only header values or Change Log rows changed.
    Bookkeeping,
    /// Rule 4: skipped by a rule (which one).
    Skipped(String),
    /// A shallow clone's boundary commit: what it changed is not known.
    ShallowBoundary,
}

/// A row to add, with the commit it records.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PlannedRow {
    #[serde(serialize_with = "ser_oid")]
    pub commit: Oid,
    #[serde(skip)]
    pub date: NaiveDate,
    #[serde(flatten)]
    pub row: NewRow,
}

fn ser_oid<S: serde::Serializer>(id: &Oid, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&id.to_string())
}

/// What `sync` would do for one document.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Oldest first.
    pub rows: Vec<PlannedRow>,
    /// The date "Last Updated" should show (None: no history and no review row).
    pub last_updated: Option<NaiveDate>,
    /// Commits that changed the document and got no row, and why.
    pub recorded: Vec<(Oid, Recorded)>,
    /// The history was cut off by a shallow clone, but the recorded part was reached.
    pub truncated: bool,
    /// The newest substantive change (what Last Updated shows unless a review is later).
    pub last_substantive: Option<NaiveDate>,
    /// Commits the history walk read.
    pub walked: usize,
    /// Where the walked history starts, when it reaches the document's start: the add
    /// (git's rule: a delete and a later add are two lives; `previous-paths` stitches
    /// them) or a shallow clone's cut.
    pub start: Option<HistoryStart>,
}

/// [`Plan::start`].
#[derive(Clone, Debug, serde::Serialize)]
pub struct HistoryStart {
    /// As in rows (long enough to be unique).
    pub commit: String,
    pub date: NaiveDate,
    /// The document's path there.
    pub path: String,
    /// The history is cut off here (a shallow clone), not started.
    pub cut_off: bool,
}

impl std::fmt::Display for HistoryStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.cut_off {
            write!(
                f,
                "cut off at {} ({}, shallow clone)",
                self.commit, self.date
            )
        } else {
            write!(f, "{} added in {} on {}", self.path, self.commit, self.date)
        }
    }
}

/// Where `history` starts (see [`Plan::start`]).
pub fn history_start(repo: &Repo, history: &crate::history::DocHistory) -> Option<HistoryStart> {
    let first = history.changes.first()?;
    if first.kind != crate::history::ChangeKind::Added {
        return None;
    }
    Some(HistoryStart {
        commit: repo.short_id(first.commit.id),
        date: first.commit.author_time.date_naive(),
        path: first.path.to_string_lossy().replace('\\', "/"),
        cut_off: first.shallow_boundary,
    })
}

/// Where an incremental run starts: every change reachable from `head` is recorded, and
/// the newest substantive one was on `last_substantive`.
#[derive(Clone, Copy, Debug)]
pub struct Since {
    pub head: Oid,
    pub last_substantive: Option<NaiveDate>,
}

/// Everything the planner needs besides the history.
pub struct Settings<'a> {
    pub changelog: &'a ChangelogConfig,
    pub doc: &'a DocConfig,
    pub labels: &'a Labels,
    /// Commits from the ignore-revs file.
    pub ignore_revs: HashSet<Oid>,
}

impl<'a> Settings<'a> {
    pub fn new(
        root: &Path,
        changelog: &'a ChangelogConfig,
        doc: &'a DocConfig,
        labels: &'a Labels,
    ) -> Settings<'a> {
        Settings {
            changelog,
            doc,
            labels,
            ignore_revs: read_ignore_revs(root, &changelog.ignore_revs_file),
        }
    }

    /// The fingerprint the sync state keeps: a state written under other settings is not
    /// used.
    pub fn fingerprint(&self) -> u64 {
        let mut ignored: Vec<String> = self.ignore_revs.iter().map(|o| o.to_string()).collect();
        ignored.sort();
        crate::syncstate::fingerprint(&(self.changelog, self.doc, self.labels, &ignored))
    }

    /// What the comparison of versions must work out for these settings.
    pub fn compare_options(&self) -> CompareOptions {
        CompareOptions {
            whitespace: self.changelog.skip_whitespace_only,
        }
    }
}

/// `.git-blame-ignore-revs` format: one full commit id per line, `#` comments.
fn read_ignore_revs(root: &Path, file: &str) -> HashSet<Oid> {
    if file.is_empty() {
        return HashSet::new();
    }
    let Ok(text) = std::fs::read_to_string(root.join(file)) else {
        return HashSet::new();
    };
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter_map(|l| Oid::from_str(l).ok().filter(|_| l.len() == 40))
        .collect()
}

/// Plans the rows for the document now at `rel` (as parsed in `doc`, the working copy).
/// With `since`, only commits not reachable from `since.head` are read.
pub fn plan(
    repo: &Repo,
    rel: &str,
    doc: &Document,
    s: &Settings,
    since: Option<Since>,
) -> Result<Plan> {
    plan_with(&mut Walks::default(), repo, rel, doc, s, since)
}

/// [`plan`], walking with `walks`: documents planned with the same `since` share one
/// walk (an incremental sync of several documents).
pub fn plan_with(
    walks: &mut Walks,
    repo: &Repo,
    rel: &str,
    doc: &Document,
    s: &Settings,
    since: Option<Since>,
) -> Result<Plan> {
    let hide = since.map(|x| vec![x.head]).unwrap_or_default();
    let walk = walks.get(repo, &hide)?;
    let opts = HistoryOptions {
        previous_paths: s.doc.history_previous_paths(rel),
        ..HistoryOptions::default()
    };
    let history = compared_history(
        repo,
        &walk,
        Path::new(rel),
        &opts,
        s.labels,
        s.compare_options(),
    )?;
    let mut plan = plan_from_history(repo, rel, doc, &history, s)?;
    if let Some(since) = since {
        plan.last_substantive = plan.last_substantive.max(since.last_substantive);
        plan.last_updated = plan
            .last_substantive
            .max(last_review(doc))
            .or(plan.last_substantive);
    }
    Ok(plan)
}

/// Plans the rows from a history already walked and compared (see [`plan`]).
pub fn plan_from_history(
    repo: &Repo,
    rel: &str,
    doc: &Document,
    compared: &ComparedHistory,
    s: &Settings,
) -> Result<Plan> {
    let history = &compared.history;
    let walked: Vec<String> = history
        .changes
        .iter()
        .map(|c| c.commit.id.to_string())
        .collect();
    let mut matcher = RowMatcher::new(doc.table(), &walked);
    // The tolerant match needs the whole history (an incremental or shallow walk does
    // not see the commits older rows belong to).
    matcher.tolerant = !history.truncated
        && history
            .changes
            .first()
            .is_some_and(|c| c.kind == crate::history::ChangeKind::Added);
    matcher.reserve(
        history
            .changes
            .iter()
            .map(|ch| (&ch.commit, local_date(&ch.commit, &s.changelog.timezone))),
    );
    let row_style = matcher.style;
    // Commits a later commit reverts: the revert took their rows out with the change, so
    // rule 2 (a commit that adds rows records itself) cannot vouch for them any more;
    // their row must be in the table (or is written again). The log lists both.
    let reverted: HashSet<Oid> = history
        .changes
        .iter()
        .filter_map(|ch| reverted_commit(&ch.commit.body))
        .collect();
    let mut plan = Plan::default();
    let mut newest: Option<NaiveDate> = None;
    let mut reached_recorded = false;
    for (change, cmp) in history.changes.iter().zip(&compared.compared) {
        let c = &change.commit;
        let date = local_date(c, &s.changelog.timezone);
        if change.shallow_boundary {
            let text = change_text(change, &Sections::default(), s, &repo.short_id(c.id));
            if matcher.refers(c, &text, date) {
                reached_recorded = true;
            }
            plan.recorded.push((c.id, Recorded::ShallowBoundary));
            continue;
        }
        let sections = Sections::of(cmp);
        if let Some(reason) = skip_rule(change, cmp, s) {
            plan.recorded.push((c.id, Recorded::Skipped(reason)));
            continue;
        }
        if cmp.bookkeeping {
            plan.recorded.push((c.id, Recorded::Bookkeeping));
            continue;
        }
        newest = newest.max(Some(date));
        if cmp.adds_rows && !reverted.contains(&c.id) {
            reached_recorded = true;
            plan.recorded.push((c.id, Recorded::AddsRows));
            continue;
        }
        let sha = repo.short_id(c.id);
        let text = change_text(change, &sections, s, &sha);
        if matcher.refers(c, &text, date) {
            reached_recorded = true;
            plan.recorded.push((c.id, Recorded::RowRefers));
            continue;
        }
        let row = NewRow {
            date: format_row_date(date, row_style, &s.changelog.date_format),
            change: text.clone(),
            author: author_cell(c),
            impact: impact(repo, change, &sections, s),
            commit: doc
                .table()
                .and_then(|t| t.index_of(Column::Commit))
                .map(|_| sha.clone()),
        };
        matcher.add(c, &text, date);
        plan.rows.push(PlannedRow {
            commit: c.id,
            date,
            row,
        });
    }
    if history.truncated {
        if !reached_recorded {
            let boundary = history
                .changes
                .iter()
                .find(|c| c.shallow_boundary)
                .map(|c| short(c.commit.id))
                .unwrap_or_default();
            return Err(Error::History(format!(
                "{rel}: this is a shallow clone and the document's history is cut off at commit {boundary}, \
                 before anything the Change Log records; fetch the full history (`fetch-depth: 0` in \
                 actions/checkout, or `git fetch --unshallow`) and run again"
            )));
        }
        // Rows for commits older than the last recorded one would need the missing
        // history to be trusted; incremental sync needs only the newer ones.
        let last_recorded = history
            .changes
            .iter()
            .rposition(|ch| {
                plan.recorded.iter().any(|(id, r)| {
                    *id == ch.commit.id && matches!(r, Recorded::RowRefers | Recorded::AddsRows)
                })
            })
            .map(|i| i + 1)
            .unwrap_or(0);
        let keep: HashSet<Oid> = history.changes[last_recorded..]
            .iter()
            .map(|c| c.commit.id)
            .collect();
        plan.rows.retain(|r| keep.contains(&r.commit));
        plan.truncated = true;
    }
    // Rows in date order (the table is date-ordered): the walk's topological order puts
    // a commit with an older author date (a rebased or cherry-picked one, a long topic
    // branch) after newer ones. Stable: the same day keeps the walk's order.
    plan.rows.sort_by_key(|r| r.date);
    let review = last_review(doc);
    plan.last_substantive = newest;
    plan.last_updated = newest.max(review).or(newest);
    plan.walked = history.walked;
    plan.start = history_start(repo, history);
    Ok(plan)
}

/// The document with the plan applied: rows added where the table's order says (or the
/// configured order), and Last Updated set in the field's own date style. `None` when
/// nothing changes.
pub fn apply_plan(
    doc: &Document,
    plan: &Plan,
    s: &Settings,
) -> std::result::Result<Option<String>, crate::doc::DocError> {
    Ok(apply_plan_parsed(doc, plan, s)?.map(|(text, _)| text))
}

/// [`apply_plan`], with the new text parsed (the editor parses its result anyway).
pub fn apply_plan_parsed(
    doc: &Document,
    plan: &Plan,
    s: &Settings,
) -> std::result::Result<Option<(String, Document)>, crate::doc::DocError> {
    let mut doc = doc.clone();
    if let Some(t) = doc.changelog.as_mut().and_then(|c| c.table.as_mut()) {
        match s.changelog.order {
            crate::config::Order::OldestFirst => t.order = crate::doc::Order::OldestFirst,
            crate::config::Order::NewestFirst => t.order = crate::doc::Order::NewestFirst,
            crate::config::Order::Auto => {}
        }
    }
    let rows: Vec<NewRow> = plan.rows.iter().map(|r| r.row.clone()).collect();
    let mut edits = doc.add_rows(&rows, s.changelog.max_cell_width)?;
    if let (Some(d), Some(field)) = (
        plan.last_updated,
        doc.field(crate::doc::FieldKind::LastUpdated),
    ) {
        let text = match field.date {
            Some(old) => date::format(d, old.style),
            None => format_row_date(d, None, &s.changelog.date_format),
        };
        // A month-only field already showing the right month stays as it is.
        if field.raw != text {
            edits.extend(doc.set_field(crate::doc::FieldKind::LastUpdated, &text));
        }
    }
    if edits.is_empty() {
        return Ok(None);
    }
    let (new, parsed) = doc.apply(&edits)?;
    Ok((new != doc.text.src).then_some((new, parsed)))
}

/// The date of the newest row whose Impact is `Review`.
pub fn last_review(doc: &Document) -> Option<NaiveDate> {
    let t = doc.table()?;
    t.real_rows()
        .filter(|r| {
            t.cell(r, Column::Impact)
                .is_some_and(|i| i.trim().eq_ignore_ascii_case("review"))
        })
        .filter_map(|r| t.cell(r, Column::Date).and_then(date::parse))
        .map(|d| d.date)
        .max()
}

fn local_date(c: &CommitInfo, tz: &Timezone) -> NaiveDate {
    match tz {
        Timezone::Commit => c.author_time.date_naive(),
        Timezone::Named(z) => c.author_time.with_timezone(z).date_naive(),
    }
}

fn format_row_date(d: NaiveDate, style: Option<DateStyle>, configured: &str) -> String {
    if !configured.is_empty() {
        return d.format(configured).to_string();
    }
    date::format(d, style.unwrap_or(DateStyle::Iso))
}

/// The commit a `git revert` message names ("This reverts commit <id>.").
fn reverted_commit(body: &str) -> Option<Oid> {
    let rest = body.split("This reverts commit ").nth(1)?;
    let hex: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
    (hex.len() == 40)
        .then(|| Oid::from_str(&hex).ok())
        .flatten()
}

pub fn short(id: Oid) -> String {
    id.to_string()[..7].to_string()
}

fn skip_rule(change: &DocChange, cmp: &Compared, s: &Settings) -> Option<String> {
    let c = &change.commit;
    let message = format!("{}\n{}", c.summary, c.body).to_ascii_lowercase();
    for marker in ["[skip changelog]", "[dbarch skip]", "[changelog skip]"] {
        if message.contains(marker) {
            return Some(format!("message contains {marker}"));
        }
    }
    if c.trailers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("changelog") && v.trim().eq_ignore_ascii_case("skip"))
    {
        return Some("Changelog: skip trailer".into());
    }
    if s.ignore_revs.contains(&c.id) {
        return Some("listed in the ignore-revs file".into());
    }
    let who = format!("{} {}", c.author.name, c.author.email).to_lowercase();
    if let Some(p) = s
        .changelog
        .skip_authors
        .iter()
        .find(|p| who.contains(&p.to_lowercase()))
    {
        return Some(format!("author matches {p:?}"));
    }
    if s.changelog.skip_whitespace_only && cmp.whitespace_only {
        return Some("whitespace-only change".into());
    }
    None
}

/// Sections a commit touched, by name.
#[derive(Default)]
struct Sections {
    /// `Parent > Child` paths.
    paths: Vec<String>,
}

impl Sections {
    fn of(cmp: &Compared) -> Sections {
        // The Change Log itself is bookkeeping, never a "section touched".
        let paths = cmp
            .sections
            .iter()
            .filter(|p| !crate::doc::table::is_changelog_title(p.rsplit(" > ").next().unwrap_or(p)))
            .cloned()
            .collect();
        Sections { paths }
    }

    /// Innermost titles, for `{sections}`.
    fn titles(&self) -> Vec<&str> {
        self.paths
            .iter()
            .map(|p| p.rsplit(" > ").next().unwrap_or(p))
            .collect()
    }

    fn touches(&self, name: &str) -> bool {
        self.paths.iter().any(|p| {
            p.split(" > ")
                .any(|part| part.eq_ignore_ascii_case(name.trim()))
        })
    }
}

/// The Change cell: the template with `{subject}` (without a conventional-commit
/// prefix, capitalised), `{sections}`, `{sha}` and `{body}`.
fn change_text(change: &DocChange, sections: &Sections, s: &Settings, sha: &str) -> String {
    let c = &change.commit;
    let subject = clean_subject(&c.summary);
    let titles = sections.titles().join(", ");
    let body: String = c
        .body
        .lines()
        .filter(|l| {
            !c.trailers
                .iter()
                .any(|(k, _)| l.starts_with(&format!("{k}:")))
        })
        .collect::<Vec<_>>()
        .join(" ");
    // A placeholder with nothing to say takes its brackets with it (`{subject}
    // ({sections})` with no sections is the subject alone); brackets that come from the
    // commit (`Add foo() function`) are the commit's.
    let mut template = s.changelog.change_template.clone();
    for (name, value) in [("{sections}", titles.as_str()), ("{body}", body.trim())] {
        if value.is_empty() {
            for (open, close) in [("(", ")"), ("[", "]")] {
                template = template
                    .replace(&format!("{open}{name}{close}"), "")
                    .replace(&format!("{open} {name} {close}"), "");
            }
        }
    }
    let text = template
        .replace("{subject}", &subject)
        .replace("{sections}", &titles)
        .replace("{sha}", sha)
        .replace("{body}", body.trim());
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = text.trim();
    if text.is_empty() {
        return if titles.is_empty() {
            "Update document".into()
        } else {
            format!("Update {titles}")
        };
    }
    text.to_string()
}

/// `feat(db)!: add replicas` → `Add replicas`. Only the conventional-commit *types*
/// ([`CONVENTIONAL_TYPES`]) are stripped: any other `word:` prefix is the area the
/// commit is about (git.git's `receive-pack: use strict mode`) and stays. The first
/// letter is capitalised only when the first word is a plain lowercase word, never an
/// identifier or an area (`gc.*`, `lock_packed_refs()`, `` `code` ``, `git-config`,
/// `config:`).
pub fn clean_subject(summary: &str) -> String {
    let s = summary.trim();
    let rest = conventional(s).map_or(s, |(_, _, rest)| rest).trim();
    let first = rest.split_whitespace().next().unwrap_or("");
    // `area:` names a part of the project (a command, a file): kept as written.
    let word = first.trim_end_matches([',', ';', '.', '!', '?']);
    let plain = !word.is_empty() && word.chars().all(|c| c.is_alphabetic() && c.is_lowercase());
    let mut chars = rest.chars();
    match chars.next() {
        Some(f) if plain => f.to_uppercase().chain(chars).collect(),
        _ => rest.to_string(),
    }
}

/// The Conventional Commits types (and Angular's) that [`clean_subject`] strips.
pub const CONVENTIONAL_TYPES: &[&str] = &[
    "feat", "fix", "docs", "chore", "refactor", "perf", "test", "build", "ci", "style", "revert",
];

/// `type(scope)!: rest` → (type, breaking, rest), for the types in
/// [`CONVENTIONAL_TYPES`] only.
fn conventional(s: &str) -> Option<(&str, bool, &str)> {
    let colon = s.find(": ")?;
    let head = &s[..colon];
    let (head, bang) = match head.strip_suffix('!') {
        Some(h) => (h, true),
        None => (head, false),
    };
    let ty = match head.find('(') {
        Some(i) if head.ends_with(')') => &head[..i],
        Some(_) => return None,
        None => head,
    };
    // Types are lowercase by convention; `Update: x` is a plain subject.
    if !CONVENTIONAL_TYPES.contains(&ty) {
        return None;
    }
    Some((ty, bang, &s[colon + 2..]))
}

fn author_cell(c: &CommitInfo) -> String {
    let mut names = vec![c.author.name.clone()];
    for p in &c.co_authors {
        if !names.contains(&p.name) {
            names.push(p.name.clone());
        }
    }
    names.join(", ")
}

/// `Impact:` trailer > configured rules (section or path) > conventional commit type >
/// the default.
fn impact(repo: &Repo, change: &DocChange, sections: &Sections, s: &Settings) -> String {
    let c = &change.commit;
    if let Some((_, v)) = c
        .trailers
        .iter()
        .rev()
        .find(|(k, _)| k.eq_ignore_ascii_case("impact"))
    {
        return v.trim().to_string();
    }
    let mut files: Option<Vec<String>> = None;
    for rule in &s.changelog.impact_rules {
        if let Some(section) = &rule.section {
            if sections.touches(section) {
                return rule.impact.clone();
            }
        }
        if let Some(glob) = &rule.path {
            let files = files.get_or_insert_with(|| changed_files(repo, c));
            if files.iter().any(|f| glob.is_match(f)) {
                return rule.impact.clone();
            }
        }
    }
    for (name, sec) in &s.doc.sections {
        if let Some(i) = &sec.impact {
            if sections.touches(name) {
                return i.clone();
            }
        }
    }
    let breaking = c.body.contains("BREAKING CHANGE") || c.body.contains("BREAKING-CHANGE");
    match conventional(c.summary.trim()) {
        Some((_, bang, _)) if bang || breaking => "High".into(),
        Some((ty, _, _)) if ty.eq_ignore_ascii_case("feat") => "Medium".into(),
        Some(_) => "Low".into(),
        None if breaking => "High".into(),
        None => s.changelog.default_impact.clone(),
    }
}

/// Every path the commit changed against its first parent (all files for a root);
/// none when a tree cannot be read.
fn changed_files(repo: &Repo, c: &CommitInfo) -> Vec<String> {
    repo.commit_changed_paths(c.id, Changes::ALL)
        .unwrap_or_default()
}

mod matcher;
use matcher::RowMatcher;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_lose_their_conventional_prefix() {
        assert_eq!(
            clean_subject("feat(db)!: add read replicas"),
            "Add read replicas"
        );
        assert_eq!(clean_subject("docs: fix typo"), "Fix typo");
        assert_eq!(clean_subject("Update: the doc"), "Update: the doc");
        assert_eq!(clean_subject("add x: y z"), "Add x: y z");
        assert_eq!(clean_subject("été"), "Été");
        // Other `word:` prefixes are the area and stay (git.git's style).
        assert_eq!(
            clean_subject("receive-pack: use strict mode"),
            "receive-pack: use strict mode"
        );
        assert_eq!(clean_subject("config: add x"), "config: add x");
        assert_eq!(clean_subject("revert: undo y"), "Undo y");
        assert_eq!(clean_subject("perf(walk)!: faster"), "Faster");
        // Identifiers are never capitalised.
        assert_eq!(clean_subject("gc.* configuration"), "gc.* configuration");
        assert_eq!(
            clean_subject("docs: lock_packed_refs() is gone"),
            "lock_packed_refs() is gone"
        );
        assert_eq!(clean_subject("`git gc` runs"), "`git gc` runs");
        assert_eq!(clean_subject("git-config: x"), "git-config: x");
        assert_eq!(clean_subject("add foo() function"), "Add foo() function");
    }

    #[test]
    fn conventional_types() {
        assert_eq!(conventional("feat: x"), Some(("feat", false, "x")));
        assert_eq!(conventional("fix(api)!: x"), Some(("fix", true, "x")));
        assert_eq!(conventional("no colon here"), None);
        assert_eq!(conventional("two words: x"), None);
        assert_eq!(conventional("area: x"), None);
        assert_eq!(conventional("ci(deps): x"), Some(("ci", false, "x")));
    }
}
