//! The review cycle: when a document (or one of its sections) is next due, its state,
//! the code paths that drifted since the last review, and the edits that record a
//! review. Nothing here prints or writes.
//!
//! States, with `next` the Next Review date and `today` from the clock seam:
//! `overdue` when `today > next + grace`; `due` when `today >= next`; `due-soon` when
//! `today >= next - remind-before`; else `ok`. A section with its own interval is due
//! `interval` after the last review; the document takes the earliest of its own and its
//! sections' dates. A missing or placeholder Next Review is derived from the last review
//! row, else from the document's first commit, plus the interval — and the status says so.
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;

use crate::changelog::{self, short};
use crate::compare::ComparedHistory;
use crate::config::{DocConfig, Glob};
use crate::doc::{Document, FieldKind, NewRow};
use crate::git::changes::Changes;
use crate::git::{CommitInfo, Repo};
use crate::Result;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    Ok,
    DueSoon,
    Due,
    Overdue,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::DueSoon => "due-soon",
            State::Due => "due",
            State::Overdue => "overdue",
        }
    }

    /// Due-soon, due or overdue: something to remind about.
    pub fn needs_attention(self) -> bool {
        self != State::Ok
    }
}

/// Where the Next Review date came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "from")]
pub enum NextFrom {
    /// The document's field.
    Field,
    /// Derived: the last review row + interval (the field is missing or a placeholder).
    LastReview { review: NaiveDate },
    /// Derived: the document's first commit + interval.
    FirstCommit { commit: NaiveDate },
    /// Nothing to go on: due now.
    Nothing,
}

/// A section reviewed on its own interval.
#[derive(Clone, Debug, Serialize)]
pub struct SectionDue {
    pub section: String,
    pub interval: String,
    pub next_review: NaiveDate,
    pub state: State,
}

/// The schedule of one document on a given day.
#[derive(Clone, Debug, Serialize)]
pub struct Schedule {
    pub next_review: Option<NaiveDate>,
    pub next_from: NextFrom,
    /// Negative when past.
    pub days_left: Option<i64>,
    pub state: State,
    /// The last review: the newest `Review` row, else the Last Updated date.
    pub last_review: Option<NaiveDate>,
    pub sections: Vec<SectionDue>,
}

pub fn classify(next: NaiveDate, today: NaiveDate, s: &DocConfig) -> State {
    if today > s.grace.add_to(next) {
        State::Overdue
    } else if today >= next {
        State::Due
    } else if today >= s.remind_before.sub_from(next) {
        State::DueSoon
    } else {
        State::Ok
    }
}

/// The document's schedule. `first_commit` is the date the document first appeared (for
/// deriving a missing Next Review); pass `None` when unknown.
pub fn schedule(
    doc: &Document,
    s: &DocConfig,
    today: NaiveDate,
    first_commit: Option<NaiveDate>,
) -> Schedule {
    let review_row = changelog::last_review(doc);
    let last_review = review_row.or_else(|| doc.date(FieldKind::LastUpdated).map(|d| d.date));
    let (next, from) = match doc.date(FieldKind::NextReview) {
        Some(d) => (Some(d.date), NextFrom::Field),
        None => match (review_row, first_commit) {
            (Some(r), _) => (
                Some(s.review_every.add_to(r)),
                NextFrom::LastReview { review: r },
            ),
            (None, Some(c)) => (
                Some(s.review_every.add_to(c)),
                NextFrom::FirstCommit { commit: c },
            ),
            (None, None) => (None, NextFrom::Nothing),
        },
    };
    let mut sections = Vec::new();
    if let Some(base) = last_review.or(first_commit) {
        for (name, every) in own_intervals(doc, s) {
            let due = every.add_to(base);
            sections.push(SectionDue {
                section: name.clone(),
                interval: every.to_string(),
                next_review: due,
                state: classify(due, today, s),
            });
        }
    }
    let effective = next
        .into_iter()
        .chain(sections.iter().map(|x| x.next_review))
        .min();
    let (state, days_left) = match effective {
        Some(n) => (classify(n, today, s), Some((n - today).num_days())),
        None => (State::Due, None),
    };
    Schedule {
        next_review: next,
        next_from: from,
        days_left,
        state,
        last_review,
        sections,
    }
}

/// A commit as reports show it.
#[derive(Clone, Debug, Serialize)]
pub struct CommitRef {
    pub commit: String,
    pub date: DateTime<FixedOffset>,
    pub author: String,
    pub subject: String,
}

impl CommitRef {
    pub fn of(c: &CommitInfo) -> CommitRef {
        CommitRef {
            commit: short(c.id),
            date: c.author_time,
            author: c.author.name.clone(),
            subject: c.summary.clone(),
        }
    }
}

/// Commits that changed the document since the review of `since`, oldest first, each
/// with the sections it touched (from the history `status` compared).
///
/// The review is an event, not a day: the boundary is the review's commit — the oldest
/// bookkeeping change on the review day that adds a row (a review writes only the header
/// and its Review row) — so commits later that same day count. Without such a commit
/// (the review is not committed yet), commits after the review day count. Bookkeeping
/// commits (only header values and rows changed: reviews, `sync` commits) are never
/// listed. `None` (never reviewed): everything since the document's first commit.
pub fn changes_since(
    compared: &ComparedHistory,
    since: Option<NaiveDate>,
) -> Vec<(CommitRef, Vec<String>)> {
    let changes: Vec<_> = compared
        .history
        .changes
        .iter()
        .zip(&compared.compared)
        .collect();
    let boundary = review_commit(compared, since);
    changes
        .iter()
        .enumerate()
        .filter(|(i, (c, _))| match (boundary, since) {
            (Some(b), _) => *i > b,
            (None, s) => s.is_none_or(|s| c.commit.author_time.date_naive() > s),
        })
        .filter(|(_, (_, cmp))| !cmp.bookkeeping)
        // A shallow clone's boundary commit is not known to have changed the document.
        .filter(|(_, (c, _))| !c.shallow_boundary)
        .map(|(_, (c, cmp))| (CommitRef::of(&c.commit), cmp.sections.clone()))
        .collect()
}

/// The index (in `compared`'s changes) of the review's commit for a review on `since`:
/// the oldest bookkeeping change on that day that adds a row.
fn review_commit(compared: &ComparedHistory, since: Option<NaiveDate>) -> Option<usize> {
    let s = since?;
    compared
        .history
        .changes
        .iter()
        .zip(&compared.compared)
        .position(|(c, cmp)| {
            cmp.bookkeeping && cmp.adds_rows && c.commit.author_time.date_naive() == s
        })
}

/// The author time of the review's commit (see [`changes_since`]), for [`drift`].
pub fn review_time(
    compared: &ComparedHistory,
    since: Option<NaiveDate>,
) -> Option<DateTime<FixedOffset>> {
    review_commit(compared, since).map(|i| compared.history.changes[i].commit.author_time)
}

/// A section whose related code paths changed after the last review.
#[derive(Clone, Debug, Serialize)]
pub struct Drift {
    pub section: String,
    pub paths: Vec<String>,
    pub commits: Vec<CommitRef>,
}

/// Commits of HEAD after `since` (by author date, exclusive of that day) that changed a
/// file matching a section's `paths` globs. The walk stops at the first commit older
/// than `since` by commit time, so it reads only recent history.
///
/// `after`: the review's commit time when known ([`review_time`]); commits after it count,
/// those of the review day included.
pub fn drift(
    repo: &Repo,
    s: &DocConfig,
    since: Option<NaiveDate>,
    after: Option<DateTime<FixedOffset>>,
) -> Result<Vec<Drift>> {
    let watched: Vec<(&String, &[Glob])> = s
        .sections
        .iter()
        .filter(|(_, sec)| !sec.paths.is_empty())
        .map(|(name, sec)| (name, sec.paths.as_slice()))
        .collect();
    if watched.is_empty() {
        return Ok(Vec::new());
    }
    let Some(head) = repo.head_id()? else {
        return Ok(Vec::new());
    };
    let walk = repo.newest_first(head, "walking history for drift")?;
    let mut out: Vec<Drift> = watched
        .iter()
        .map(|(n, p)| Drift {
            section: (*n).clone(),
            paths: p.iter().map(Glob::to_string).collect(),
            commits: Vec::new(),
        })
        .collect();
    for commit in walk {
        let id = commit.id;
        let info = repo.commit_info(id)?;
        if let Some(since) = since {
            let committed = DateTime::from_timestamp(commit.time, 0).map(|t| t.date_naive());
            if committed.is_some_and(|d| d < since - chrono::Days::new(1)) {
                break;
            }
            let before = match after {
                Some(t) => info.author_time <= t,
                None => info.author_time.date_naive() <= since,
            };
            if before {
                continue;
            }
        }
        if commit.parents > 1 {
            continue; // the branch commits carry the change
        }
        let Ok(files) = repo.commit_changed_paths(id, Changes::ALL) else {
            continue;
        };
        for (i, (_, globs)) in watched.iter().enumerate() {
            if files.iter().any(|f| globs.iter().any(|g| g.is_match(f))) {
                out[i].commits.push(CommitRef::of(&info));
            }
        }
    }
    out.retain(|d| !d.commits.is_empty());
    for d in &mut out {
        d.commits.reverse(); // oldest first
    }
    Ok(out)
}

/// The edits that record a review on `date` by `reviewer`: Reviewed By, Next Review =
/// the earliest due date ([`next_due`]), Last Updated = date (each in its field's own style), and a Change Log
/// row with Impact `Review`.
/// The Next Review a review on `date` sets: the earliest due date of the document
/// (`review-every`) and of its sections with their own interval (present in the
/// document), with the section's name when one sets it — the date `status` enforces.
pub fn next_due(doc: &Document, s: &DocConfig, date: NaiveDate) -> (NaiveDate, Option<String>) {
    let mut best = (s.review_every.add_to(date), None);
    for (name, every) in own_intervals(doc, s) {
        let due = every.add_to(date);
        if due < best.0 {
            best = (due, Some(name.clone()));
        }
    }
    best
}

/// The sections with their own `review-every` that the document has (by title, any
/// case), with that interval.
fn own_intervals<'a>(
    doc: &'a Document,
    s: &'a DocConfig,
) -> impl Iterator<Item = (&'a String, crate::interval::Interval)> + 'a {
    s.sections.iter().filter_map(move |(name, sec)| {
        let every = sec.review_every?;
        doc.outline
            .sections
            .iter()
            .any(|x| x.title.eq_ignore_ascii_case(name))
            .then_some((name, every))
    })
}

pub fn record(
    doc: &Document,
    s: &DocConfig,
    reviewer: &str,
    date: NaiveDate,
    max_cell: usize,
) -> std::result::Result<String, crate::doc::DocError> {
    let next = next_due(doc, s, date).0;
    // Last Updated is the later of the review and the newest change: a backdated review
    // does not move it back.
    let updated = doc
        .date(FieldKind::LastUpdated)
        .map_or(date, |d| d.date.max(date));
    let mut edits = doc.set_fields(&[
        (
            FieldKind::LastUpdated,
            doc.format_date(FieldKind::LastUpdated, updated, None),
        ),
        (FieldKind::ReviewedBy, reviewer.to_string()),
        (
            FieldKind::NextReview,
            doc.format_date(FieldKind::NextReview, next, None),
        ),
    ]);
    let style = doc
        .table()
        .and_then(|t| {
            t.real_rows()
                .filter_map(|r| t.cell(r, crate::doc::Column::Date))
                .filter_map(crate::doc::date::parse)
                .last()
        })
        .map(|d| d.style);
    edits.extend(doc.add_rows(
        &[NewRow {
            date: crate::doc::date::format(date, style.unwrap_or(crate::doc::DateStyle::Iso)),
            change: format!(
                "Architecture review (next review {})",
                next.format("%Y-%m-%d")
            ),
            author: reviewer.to_string(),
            impact: "Review".into(),
            commit: None,
        }],
        max_cell,
    )?);
    Ok(doc.apply(&edits)?.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::Labels;
    use crate::interval::Interval;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn settings() -> DocConfig {
        DocConfig::default()
    }

    #[test]
    fn states_around_the_boundaries() {
        let s = settings(); // remind 14d, grace 14d
        let next = d("2026-12-31");
        for (today, want) in [
            ("2026-12-16", State::Ok),
            ("2026-12-17", State::DueSoon),
            ("2026-12-30", State::DueSoon),
            ("2026-12-31", State::Due),
            ("2027-01-14", State::Due),
            ("2027-01-15", State::Overdue),
        ] {
            assert_eq!(classify(next, d(today), &s), want, "{today}");
        }
    }

    fn doc(src: &str) -> Document {
        Document::parse_str(src, &Labels::default()).unwrap()
    }

    #[test]
    fn month_only_next_review_means_the_first() {
        let x = doc("**Last Updated:** November 2026\n**Next Review:** February 2027\n");
        let sch = schedule(&x, &settings(), d("2027-01-20"), None);
        assert_eq!(sch.next_review, Some(d("2027-02-01")));
        assert_eq!(sch.state, State::DueSoon);
        assert_eq!(sch.days_left, Some(12));
    }

    #[test]
    fn missing_next_review_is_derived_and_says_so() {
        let x = doc("**Next Review:** [DATE]\n\n## Change Log\n| Date | Change | Author | Impact |\n|-|-|-|-|\n| 2026-09-01 | Architecture review | Ana | Review |\n");
        let sch = schedule(&x, &settings(), d("2026-11-26"), Some(d("2025-01-01")));
        assert_eq!(sch.next_review, Some(d("2026-11-30")));
        assert_eq!(
            sch.next_from,
            NextFrom::LastReview {
                review: d("2026-09-01")
            }
        );
        let none = doc("# T\n");
        let sch = schedule(&none, &settings(), d("2026-11-26"), Some(d("2026-10-01")));
        assert_eq!(
            sch.next_from,
            NextFrom::FirstCommit {
                commit: d("2026-10-01")
            }
        );
        assert_eq!(sch.next_review, Some(d("2026-12-30")));
        let sch = schedule(&none, &settings(), d("2026-11-26"), None);
        assert_eq!((sch.state, sch.next_from), (State::Due, NextFrom::Nothing));
    }

    #[test]
    fn a_section_with_a_shorter_interval_makes_the_document_due() {
        let mut s = settings();
        s.sections.insert(
            "Security Architecture".into(),
            crate::config::SectionConfig {
                review_every: Some(Interval::Months(3)),
                ..Default::default()
            },
        );
        let x = doc("**Last Updated:** 2026-08-31\n**Next Review:** 2027-08-31\n\n## Security Architecture\ntext\n");
        let sch = schedule(&x, &s, d("2026-11-30"), None);
        assert_eq!(sch.sections[0].next_review, d("2026-11-30"));
        assert_eq!(sch.state, State::Due);
    }

    #[test]
    fn recording_a_review_keeps_styles_and_adds_a_row() {
        let src = "**Last Updated:** November 2026  \n**Reviewed By:** [TEAM]  \n**Next Review:** Feb 1, 2027  \n\n## Change Log\n| Date | Change | Author | Impact |\n|-|-|-|-|\n| 2026-10-02 | x | Bo | Low |\n";
        let out = record(&doc(src), &settings(), "Ana Lima", d("2026-11-26"), 120).unwrap();
        assert_eq!(
            out,
            "**Last Updated:** November 2026  \n**Reviewed By:** Ana Lima  \n**Next Review:** Feb 24, 2027  \n\n## Change Log\n| Date | Change | Author | Impact |\n|-|-|-|-|\n| 2026-10-02 | x | Bo | Low |\n| 2026-11-26 | Architecture review (next review 2027-02-24) | Ana Lima | Review |\n"
        );
    }
}
