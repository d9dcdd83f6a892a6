//! Dates as found in real documents, and the style each was written in so a rewrite
//! keeps it. A month-only date (`November 2026`) means the first of the month for
//! arithmetic; writing a date in that style drops the day, which is what such a
//! document wants.
use chrono::{Datelike, NaiveDate};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// How a date was written. `full` is a spelled-out month name (`November`), else the
/// three-letter abbreviation (`Nov`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateStyle {
    /// `2026-11-26`
    Iso,
    /// `2026/11/26`
    Slash,
    /// `26 Nov 2026`, `26 November 2026`
    DayMonthYear { full: bool },
    /// `Nov 26, 2026`, `November 26, 2026`
    MonthDayYear { full: bool },
    /// `Nov 2026`, `November 2026` (the first of the month for arithmetic)
    MonthYear { full: bool },
}

/// A parsed date and the style it was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DocDate {
    pub date: NaiveDate,
    pub style: DateStyle,
}

/// Parses the date forms `dbarch` accepts. Returns `None` for anything else (a
/// placeholder, free text): callers report it, they never guess.
pub fn parse(text: &str) -> Option<DocDate> {
    let s = text.trim();
    if let Some(d) = parse_numeric(s, '-') {
        return Some(DocDate {
            date: d,
            style: DateStyle::Iso,
        });
    }
    if let Some(d) = parse_numeric(s, '/') {
        return Some(DocDate {
            date: d,
            style: DateStyle::Slash,
        });
    }
    let words: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    match words.as_slice() {
        [a, b, c] => {
            if let (Some(day), Some((m, full)), Some(y)) = (number(a), month(b), year(c)) {
                return dmy(y, m, day).map(|date| DocDate {
                    date,
                    style: DateStyle::DayMonthYear { full },
                });
            }
            if let (Some((m, full)), Some(day), Some(y)) = (month(a), number(b), year(c)) {
                // `Nov 26, 2026` wants the comma; accept its absence too.
                return dmy(y, m, day).map(|date| DocDate {
                    date,
                    style: DateStyle::MonthDayYear { full },
                });
            }
            None
        }
        [a, b] => {
            let (m, full) = month(a)?;
            let y = year(b)?;
            dmy(y, m, 1).map(|date| DocDate {
                date,
                style: DateStyle::MonthYear { full },
            })
        }
        _ => None,
    }
}

/// Writes `date` in `style`.
pub fn format(date: NaiveDate, style: DateStyle) -> String {
    let name = |full: bool| {
        let n = MONTHS[date.month0() as usize];
        if full {
            n.to_string()
        } else {
            n[..3].to_string()
        }
    };
    match style {
        DateStyle::Iso => date.format("%Y-%m-%d").to_string(),
        DateStyle::Slash => date.format("%Y/%m/%d").to_string(),
        DateStyle::DayMonthYear { full } => {
            format!("{} {} {}", date.day(), name(full), date.year())
        }
        DateStyle::MonthDayYear { full } => {
            format!("{} {}, {}", name(full), date.day(), date.year())
        }
        DateStyle::MonthYear { full } => format!("{} {}", name(full), date.year()),
    }
}

fn parse_numeric(s: &str, sep: char) -> Option<NaiveDate> {
    let mut parts = s.split(sep);
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.is_empty() || m.len() > 2 || d.len() > 2 {
        return None;
    }
    dmy(year(y)?, number(m)?, number(d)?)
}

fn dmy(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn number(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn year(s: &str) -> Option<i32> {
    if s.len() != 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A month name, full or abbreviated (`Sept` too), case-insensitive, optional final dot.
fn month(s: &str) -> Option<(u32, bool)> {
    let s = s.strip_suffix('.').unwrap_or(s);
    if s.len() < 3 {
        return None;
    }
    for (i, name) in MONTHS.iter().enumerate() {
        if name.eq_ignore_ascii_case(s) {
            return Some((i as u32 + 1, true));
        }
        if name[..3].eq_ignore_ascii_case(s) || (i == 8 && s.eq_ignore_ascii_case("sept")) {
            return Some((i as u32 + 1, false));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn every_documented_form_parses_with_its_style() {
        let cases = [
            ("2026-11-26", d(2026, 11, 26), DateStyle::Iso),
            ("2026/11/26", d(2026, 11, 26), DateStyle::Slash),
            (
                "26 Nov 2026",
                d(2026, 11, 26),
                DateStyle::DayMonthYear { full: false },
            ),
            (
                "26 November 2026",
                d(2026, 11, 26),
                DateStyle::DayMonthYear { full: true },
            ),
            (
                "Nov 26, 2026",
                d(2026, 11, 26),
                DateStyle::MonthDayYear { full: false },
            ),
            (
                "November 26, 2026",
                d(2026, 11, 26),
                DateStyle::MonthDayYear { full: true },
            ),
            (
                "November 2026",
                d(2026, 11, 1),
                DateStyle::MonthYear { full: true },
            ),
            (
                "January 2025",
                d(2025, 1, 1),
                DateStyle::MonthYear { full: true },
            ),
            (
                "Jan 2025",
                d(2025, 1, 1),
                DateStyle::MonthYear { full: false },
            ),
            ("  2026-02-03 ", d(2026, 2, 3), DateStyle::Iso),
            ("2026-2-3", d(2026, 2, 3), DateStyle::Iso),
            (
                "sept 5, 2026",
                d(2026, 9, 5),
                DateStyle::MonthDayYear { full: false },
            ),
        ];
        for (text, date, style) in cases {
            assert_eq!(parse(text), Some(DocDate { date, style }), "{text}");
        }
    }

    #[test]
    fn placeholders_and_nonsense_are_not_dates() {
        for text in [
            "[DATE]",
            "",
            "TBD",
            "2026-13-01",
            "2026-02-30",
            "26/11/2026",
            "11/26/2026",
            "Smarch 2026",
            "2026",
            "26 Nov",
            "Nov 26",
            "2026-11-26T10:00",
            "20261-1-1",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn format_round_trips_each_style() {
        for text in [
            "2026-11-26",
            "2026/11/26",
            "26 Nov 2026",
            "26 November 2026",
            "Nov 26, 2026",
            "November 26, 2026",
            "November 2026",
            "Jan 2025",
        ] {
            let p = parse(text).unwrap();
            assert_eq!(format(p.date, p.style), text);
        }
    }

    #[test]
    fn month_year_style_drops_the_day_when_writing() {
        let style = DateStyle::MonthYear { full: true };
        assert_eq!(format(d(2027, 2, 24), style), "February 2027");
    }
}
