//! Rule 1 of the recorded-ness rules (see the module doc of `changelog`): which existing
//! and newly planned Change Log rows refer to a commit — by its Commit cell, else by
//! author date, author and Change text, with the tolerances [`RowMatcher::refers`] lists.
use std::collections::HashSet;

use chrono::NaiveDate;

use super::{author_cell, clean_subject, short};
use crate::doc::table::escape_cell;
use crate::doc::{date, Column, DateStyle, Table};
use crate::git::CommitInfo;

/// Rule 1: which existing (and newly planned) rows refer to a commit.
///
/// A row bound to a commit of the walked history by its Commit cell (and every row
/// planned in this run) refers to that commit only. Any other row may stand for one
/// commit found by author date + author + Change text — the commit it was written for
/// was rebased, amended or cherry-picked, so its id changed — and is used up by the
/// first (oldest) such commit: two same-day commits with the same subject get two rows.
pub(super) struct RowMatcher {
    rows: Vec<RowKey>,
    /// The first seven digits of every bound row's commit (most commits have no row:
    /// this keeps the check linear in the history, not quadratic).
    bound_short: HashSet<String>,
    /// The date style of the table's newest dated row (new rows copy it).
    pub(super) style: Option<DateStyle>,
    /// Whether the walk saw the whole history (tier 3 of [`RowMatcher::refers`]).
    pub(super) tolerant: bool,
}

struct RowKey {
    /// Full or short id; `bound` when it names a commit of the walked history.
    commit: Option<String>,
    bound: bool,
    used: bool,
    /// Claimed by a walked commit's subject (see [`RowMatcher::reserve`]).
    reserved: bool,
    /// A `Review` row (Impact = Review): a review, not a commit.
    review: bool,
    date: Option<(NaiveDate, DateStyle)>,
    author: String,
    change: String,
}

fn norm(s: &str) -> String {
    s.replace("\\|", "|")
        .replace("\\[", "[")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .trim()
        .trim_end_matches('…')
        .trim()
        .to_lowercase()
}

impl RowMatcher {
    pub(super) fn new(table: Option<&Table>, walked: &[String]) -> RowMatcher {
        let mut m = RowMatcher {
            rows: Vec::new(),
            bound_short: HashSet::new(),
            style: None,
            tolerant: false,
        };
        let Some(t) = table else { return m };
        let mut walked: Vec<&str> = walked.iter().map(|w| w.as_str()).collect();
        walked.sort_unstable();
        let names_walked = |c: &str| {
            let i = walked.partition_point(|w| *w < c);
            walked.get(i).is_some_and(|w| w.starts_with(c))
        };
        for r in t.real_rows() {
            let date = t.cell(r, Column::Date).and_then(date::parse);
            if let Some(d) = date {
                m.style = Some(d.style);
            }
            let commit = t
                .cell(r, Column::Commit)
                .map(|c| c.trim().trim_matches('`').to_lowercase())
                .filter(|c| c.len() >= 7 && c.chars().all(|ch| ch.is_ascii_hexdigit()));
            let bound = commit.as_deref().is_some_and(names_walked);
            if let Some(c) = commit.as_ref().filter(|_| bound) {
                m.bound_short.insert(c[..7].to_string());
            }
            m.rows.push(RowKey {
                commit,
                bound,
                used: false,
                reserved: false,
                review: t
                    .cell(r, Column::Impact)
                    .is_some_and(|i| i.trim().eq_ignore_ascii_case("review")),
                date: date.map(|d| (d.date, d.style)),
                author: norm(t.cell(r, Column::Author).unwrap_or("")),
                change: norm(t.cell(r, Column::Change).unwrap_or("")),
            });
        }
        m
    }

    /// A row planned in this run: bound to its commit.
    pub(super) fn add(&mut self, c: &CommitInfo, change: &str, date: NaiveDate) {
        self.bound_short.insert(short(c.id));
        self.rows.push(RowKey {
            commit: Some(c.id.to_string()),
            bound: true,
            used: true,
            reserved: false,
            review: false,
            date: Some((date, DateStyle::Iso)),
            author: norm(&author_cell(c)),
            change: norm(&escape_cell(change, 0)),
        });
    }

    /// Marks the rows that some walked commit claims by date + author + subject (or
    /// another time zone's date), so the tolerant match of [`RowMatcher::refers`] cannot
    /// hand them to another commit.
    pub(super) fn reserve<'c>(
        &mut self,
        commits: impl Iterator<Item = (&'c CommitInfo, NaiveDate)>,
    ) {
        for (c, date) in commits {
            let subject = norm(&clean_subject(&c.summary));
            let names = author_names(c);
            for r in self.rows.iter_mut().filter(|r| !r.bound && !r.reserved) {
                if near_day(r.date, date, 1) && r.change == subject && r.by(&names) {
                    r.reserved = true;
                }
            }
        }
    }

    /// Whether a row refers to `c`; a fuzzy match uses the row up.
    ///
    /// Tolerant, in this order (the first hit wins), so rows survive what people do to
    /// them on a fresh clone (no `.git/dbarch`):
    /// 1. same day, same Change text, same author (what dbarch wrote);
    /// 2. a day apart, same text and author: written in another time zone (`[changelog]
    ///    timezone` or `--timezone` changed since);
    /// 3. a day apart, same author, any text: someone edited the Change cell, or the
    ///    commit was reworded (`git commit --amend -m`). Only rows no walked commit
    ///    claims by its subject (see [`RowMatcher::reserve`]), never a Review row, and
    ///    only when the walk saw the whole history.
    pub(super) fn refers(&mut self, c: &CommitInfo, change: &str, date: NaiveDate) -> bool {
        let id = c.id.to_string();
        if self.bound_short.contains(&id[..7])
            && self
                .rows
                .iter()
                .any(|r| r.bound && r.commit.as_deref().is_some_and(|rc| id.starts_with(rc)))
        {
            return true;
        }
        let subject = norm(&clean_subject(&c.summary));
        let rendered = norm(&escape_cell(change, 0));
        let names = author_names(c);
        let same_text = |r: &RowKey| {
            !r.change.is_empty()
                && (r.change == rendered
                    || r.change == subject
                    || (rendered.starts_with(&r.change) && r.change.len() >= 20))
        };
        let free = |r: &RowKey| !r.bound && !r.used && r.by(&names);
        let tolerant = self.tolerant;
        let tiers: [&dyn Fn(&RowKey) -> bool; 3] = [
            &|r| free(r) && near_day(r.date, date, 0) && same_text(r),
            &|r| free(r) && near_day(r.date, date, 1) && same_text(r),
            &|r| tolerant && free(r) && !r.reserved && !r.review && near_day(r.date, date, 1),
        ];
        for tier in tiers {
            if let Some(i) = self.rows.iter().position(tier) {
                self.rows[i].used = true;
                return true;
            }
        }
        false
    }
}

impl RowKey {
    fn by(&self, names: &[String; 2]) -> bool {
        names
            .iter()
            .any(|n| !n.is_empty() && self.author.contains(n.as_str()))
    }
}

fn author_names(c: &CommitInfo) -> [String; 2] {
    [
        c.author.name.to_lowercase(),
        c.author_raw.name.to_lowercase(),
    ]
}

/// Whether a row's date is within `days` of `date` (a month-only date: the same month).
fn near_day(row: Option<(NaiveDate, DateStyle)>, date: NaiveDate, days: i64) -> bool {
    match row {
        Some((d, DateStyle::MonthYear { .. })) => {
            d.format("%Y-%m").to_string() == date.format("%Y-%m").to_string()
        }
        Some((d, _)) => (d - date).num_days().abs() <= days,
        None => false,
    }
}
