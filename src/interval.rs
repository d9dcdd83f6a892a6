//! Review intervals: how often a document (or a section) must be reviewed, and how long
//! before or after a date a reminder or a grace period runs.
//!
//! An interval is a whole number of days or of calendar months. Month arithmetic clamps
//! to the end of the month (`Jan 31 + 1mo = Feb 28`, or `Feb 29` in a leap year), which
//! is what a person writing "next review: in a month" means.
use chrono::{Days, Months, NaiveDate};

/// The longest interval accepted, in days (about a century). Longer values are almost
/// certainly typos, and bounding them keeps date arithmetic far from overflow.
const MAX_DAYS: u32 = 36_600;
/// The longest interval accepted, in months (a century).
const MAX_MONTHS: u32 = 1_200;

/// The forms [`Interval::parse`] accepts, for error messages.
pub const ACCEPTED_FORMS: &str = "a positive number and a unit (\"90d\", \"90 days\", \"12w\", \
\"12 weeks\", \"3mo\", \"3 months\", \"1y\", \"1 year\") or one of: daily, weekly, monthly, \
quarterly, semiannually, half-yearly, yearly, annually";

/// A review interval: a whole number of days or of calendar months, never zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Interval {
    Days(u32),
    Months(u32),
}

impl Interval {
    /// Parses an interval as written in `dbarch.toml`, an environment variable or a flag.
    ///
    /// Accepted: `90d`, `90 days`, `1 day`, `12w`, `12 weeks` (stored as days), `3mo`,
    /// `3 months`, `1y`, `2 years` (stored as months), and the words `daily` (1d), `weekly`
    /// (7d), `monthly` (1mo), `quarterly` (3mo), `semiannually`/`half-yearly` (6mo),
    /// `yearly`/`annually` (12mo). Case and surrounding spaces are ignored. A bare `m` is
    /// refused as ambiguous. The error message lists the accepted forms.
    pub fn parse(s: &str) -> Result<Interval, String> {
        let text = s.trim().to_ascii_lowercase();
        let shown = s.trim();
        let bad = |why: &str| {
            if why.is_empty() {
                format!("invalid interval `{shown}`: expected {ACCEPTED_FORMS}")
            } else {
                format!("invalid interval `{shown}`: {why}; expected {ACCEPTED_FORMS}")
            }
        };
        if text.is_empty() {
            return Err(format!("empty interval: expected {ACCEPTED_FORMS}"));
        }
        let named = match text.as_str() {
            "daily" => Some(Interval::Days(1)),
            "weekly" => Some(Interval::Days(7)),
            "monthly" => Some(Interval::Months(1)),
            "quarterly" => Some(Interval::Months(3)),
            "semiannually" | "semi-annually" | "half-yearly" | "biannually" => {
                Some(Interval::Months(6))
            }
            "yearly" | "annually" => Some(Interval::Months(12)),
            _ => None,
        };
        if let Some(iv) = named {
            return Ok(iv);
        }

        let digits_end = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        if digits_end == 0 {
            return Err(if text.starts_with('-') {
                bad("must be positive")
            } else {
                bad("")
            });
        }
        let (number, unit) = text.split_at(digits_end);
        let unit = unit.trim_start();
        let n: u32 = number.parse().map_err(|_| bad("number too large"))?;
        if n == 0 {
            return Err(bad("must be longer than zero"));
        }
        let (mul, months) = match unit {
            "d" | "day" | "days" => (1, false),
            "w" | "wk" | "wks" | "week" | "weeks" => (7, false),
            "mo" | "mos" | "mon" | "month" | "months" => (1, true),
            "y" | "yr" | "yrs" | "year" | "years" => (12, true),
            "m" => return Err(bad("`m` is ambiguous, write `mo` for months")),
            "" => return Err(bad("missing unit")),
            _ => return Err(bad(&format!("unknown unit `{unit}`"))),
        };
        let too_long = || bad("longer than 100 years");
        let total = n.checked_mul(mul).ok_or_else(too_long)?;
        if months {
            if total > MAX_MONTHS {
                return Err(too_long());
            }
            Ok(Interval::Months(total))
        } else {
            if total > MAX_DAYS {
                return Err(too_long());
            }
            Ok(Interval::Days(total))
        }
    }

    /// `d` plus this interval. Month arithmetic clamps to the end of the month. Saturates
    /// at the last representable date instead of panicking.
    pub fn add_to(&self, d: NaiveDate) -> NaiveDate {
        let r = match *self {
            Interval::Days(n) => d.checked_add_days(Days::new(u64::from(n))),
            Interval::Months(n) => d.checked_add_months(Months::new(n)),
        };
        r.unwrap_or(NaiveDate::MAX)
    }

    /// `d` minus this interval. Month arithmetic clamps to the end of the month. Saturates
    /// at the first representable date instead of panicking.
    pub fn sub_from(&self, d: NaiveDate) -> NaiveDate {
        let r = match *self {
            Interval::Days(n) => d.checked_sub_days(Days::new(u64::from(n))),
            Interval::Months(n) => d.checked_sub_months(Months::new(n)),
        };
        r.unwrap_or(NaiveDate::MIN)
    }
}

/// Canonical form: `90d` or `3mo`. Weeks print as days (`12w` prints `84d`).
impl std::fmt::Display for Interval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Interval::Days(n) => write!(f, "{n}d"),
            Interval::Months(n) => write!(f, "{n}mo"),
        }
    }
}

impl std::str::FromStr for Interval {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Interval::parse(s)
    }
}

/// Serialized as its canonical string (`"90d"`, `"3mo"`).
impl serde::Serialize for Interval {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Deserialized from a string through [`Interval::parse`].
impl<'de> serde::Deserialize<'de> for Interval {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Interval;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an interval string such as \"90d\", \"3mo\" or \"quarterly\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Interval, E> {
                Interval::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn add_and_sub_table() {
        let q = Interval::parse("quarterly").unwrap();
        let cases: &[(NaiveDate, Interval, NaiveDate)] = &[
            (d(2025, 1, 31), Interval::Months(1), d(2025, 2, 28)),
            (d(2024, 1, 31), Interval::Months(1), d(2024, 2, 29)),
            (d(2024, 2, 29), Interval::Months(12), d(2025, 2, 28)),
            (d(2024, 2, 29), Interval::Months(48), d(2028, 2, 29)),
            (d(2025, 8, 31), q, d(2025, 11, 30)),
            (d(2025, 12, 15), Interval::Months(1), d(2026, 1, 15)),
            // 90 days across 2024-02-29: Jan has 31, Feb 29, Mar 31 -> Jan 15 + 90d = Apr 14
            (d(2024, 1, 15), Interval::Days(90), d(2024, 4, 14)),
            (d(2025, 1, 15), Interval::Days(90), d(2025, 4, 15)),
            (d(2024, 2, 28), Interval::Days(1), d(2024, 2, 29)),
        ];
        for (start, iv, want) in cases {
            assert_eq!(iv.add_to(*start), *want, "{start} + {iv}");
        }
        let subs: &[(NaiveDate, Interval, NaiveDate)] = &[
            (d(2025, 3, 31), Interval::Months(1), d(2025, 2, 28)),
            (d(2024, 3, 31), Interval::Months(1), d(2024, 2, 29)),
            (d(2025, 1, 31), Interval::Months(2), d(2024, 11, 30)),
            (d(2024, 4, 14), Interval::Days(90), d(2024, 1, 15)),
            (d(2024, 3, 1), Interval::Days(1), d(2024, 2, 29)),
        ];
        for (start, iv, want) in subs {
            assert_eq!(iv.sub_from(*start), *want, "{start} - {iv}");
        }
    }

    #[test]
    fn arithmetic_saturates_instead_of_panicking() {
        assert_eq!(
            Interval::Days(MAX_DAYS).add_to(NaiveDate::MAX),
            NaiveDate::MAX
        );
        assert_eq!(
            Interval::Months(MAX_MONTHS).add_to(NaiveDate::MAX),
            NaiveDate::MAX
        );
        assert_eq!(
            Interval::Days(MAX_DAYS).sub_from(NaiveDate::MIN),
            NaiveDate::MIN
        );
        assert_eq!(
            Interval::Months(MAX_MONTHS).sub_from(NaiveDate::MIN),
            NaiveDate::MIN
        );
    }

    #[test]
    fn accepted_spellings() {
        use Interval::{Days, Months};
        let cases: &[(&str, Interval)] = &[
            ("90d", Days(90)),
            ("90 days", Days(90)),
            ("1 day", Days(1)),
            ("1day", Days(1)),
            ("  90D  ", Days(90)),
            ("12w", Days(84)),
            ("12 weeks", Days(84)),
            ("1 week", Days(7)),
            ("2wk", Days(14)),
            ("3mo", Months(3)),
            ("3 months", Months(3)),
            ("1 month", Months(1)),
            ("3 mon", Months(3)),
            ("1y", Months(12)),
            ("1 year", Months(12)),
            ("2 years", Months(24)),
            ("2yr", Months(24)),
            ("daily", Days(1)),
            ("weekly", Days(7)),
            ("monthly", Months(1)),
            ("quarterly", Months(3)),
            ("Quarterly", Months(3)),
            ("semiannually", Months(6)),
            ("semi-annually", Months(6)),
            ("half-yearly", Months(6)),
            ("yearly", Months(12)),
            ("annually", Months(12)),
            ("100y", Months(1200)),
            ("36600d", Days(36600)),
        ];
        for (text, want) in cases {
            assert_eq!(Interval::parse(text), Ok(*want), "{text:?}");
            assert_eq!(text.parse::<Interval>(), Ok(*want), "{text:?}");
        }
    }

    #[test]
    fn rejected_spellings() {
        for text in [
            "0d",
            "0 months",
            "-3d",
            "fortnightly",
            "",
            "   ",
            "3x",
            "3",
            "3m",
            "d",
            "3.5d",
            "99999999999d",
            "101y",
            "36601d",
            "4294967295w",
            "3 d s",
        ] {
            let err = Interval::parse(text).unwrap_err();
            assert!(err.contains("quarterly"), "{text:?}: {err}");
            assert!(err.contains("\"90d\""), "{text:?}: {err}");
        }
    }

    #[test]
    fn rejection_messages() {
        assert_eq!(
            Interval::parse("0d").unwrap_err(),
            format!("invalid interval `0d`: must be longer than zero; expected {ACCEPTED_FORMS}")
        );
        assert_eq!(
            Interval::parse("-3d").unwrap_err(),
            format!("invalid interval `-3d`: must be positive; expected {ACCEPTED_FORMS}")
        );
        assert_eq!(
            Interval::parse("fortnightly").unwrap_err(),
            format!("invalid interval `fortnightly`: expected {ACCEPTED_FORMS}")
        );
        assert_eq!(
            Interval::parse("").unwrap_err(),
            format!("empty interval: expected {ACCEPTED_FORMS}")
        );
        assert_eq!(
            Interval::parse("3x").unwrap_err(),
            format!("invalid interval `3x`: unknown unit `x`; expected {ACCEPTED_FORMS}")
        );
        assert_eq!(
            Interval::parse("3m").unwrap_err(),
            format!(
                "invalid interval `3m`: `m` is ambiguous, write `mo` for months; \
                 expected {ACCEPTED_FORMS}"
            )
        );
    }

    #[test]
    fn display_is_canonical_and_reparses() {
        for (text, shown) in [
            ("90 days", "90d"),
            ("12w", "84d"),
            ("quarterly", "3mo"),
            ("1y", "12mo"),
        ] {
            let iv = Interval::parse(text).unwrap();
            assert_eq!(iv.to_string(), shown);
            assert_eq!(Interval::parse(shown), Ok(iv));
        }
    }

    #[test]
    fn serde_uses_the_string_form() {
        #[derive(serde::Deserialize, serde::Serialize, PartialEq, Debug)]
        struct T {
            every: Interval,
        }
        let t: T = toml::from_str("every = \"quarterly\"").unwrap();
        assert_eq!(t.every, Interval::Months(3));
        assert_eq!(toml::to_string(&t).unwrap().trim(), "every = \"3mo\"");
        assert_eq!(
            serde_json::to_string(&Interval::Days(90)).unwrap(),
            "\"90d\""
        );
        let err = toml::from_str::<T>("every = 90").unwrap_err();
        assert!(
            err.message().contains("expected an interval string"),
            "{}",
            err.message()
        );
        let err = toml::from_str::<T>("every = \"3x\"").unwrap_err();
        assert!(
            err.message().starts_with("invalid interval `3x`"),
            "{}",
            err.message()
        );
    }
}
