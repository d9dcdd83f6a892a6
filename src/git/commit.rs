//! Commits as the crate reads them: [`CommitInfo`] with its people resolved through
//! `.mailmap` (including the name-only lines libgit2 skips), the subject/body split,
//! git-style trailers, commit-message encodings, and signatures libgit2 refuses (read
//! leniently, as git reads them).
use chrono::{DateTime, FixedOffset};
use git2::{Commit, ObjectType, Oid};

use super::Repo;
use crate::{Error, Result};

/// A name and email, already resolved through `.mailmap`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub email: String,
}

/// What the crate needs to know about one commit.
#[derive(Clone, Debug)]
pub struct CommitInfo {
    pub id: Oid,
    /// Resolved through `.mailmap`.
    pub author: Person,
    /// The author as recorded in the commit (before `.mailmap`), so rows written before a
    /// mailmap entry existed still match.
    pub author_raw: Person,
    /// Resolved through `.mailmap`.
    pub committer: Person,
    /// Author date with the commit's own UTC offset.
    pub author_time: DateTime<FixedOffset>,
    /// The subject: the message's first paragraph (normally its first line), unfolded.
    pub summary: String,
    /// The message after the subject and blank line, trailers included.
    pub body: String,
    /// Git-style trailers from the last paragraph, `(key, value)` in order, keys as written.
    pub trailers: Vec<(String, String)>,
    /// From `Co-authored-by:` trailers: mailmap-resolved, deduplicated, excluding the author.
    pub co_authors: Vec<Person>,
    pub parent_ids: Vec<Oid>,
}

impl Repo {
    /// Reads one commit, resolving people through the mailmap.
    pub fn commit_info(&self, id: Oid) -> Result<CommitInfo> {
        match self.repo.find_commit(id) {
            Ok(commit) => self.info_of(&commit),
            // libgit2 refuses a commit whose author or committer timestamp it cannot
            // parse; git reads it as the epoch (`git log` shows 1970-01-01): so do we.
            Err(e) if e.class() == git2::ErrorClass::Invalid => match self.lenient_info(id) {
                Some(info) => Ok(info),
                None => Err(Error::git(format!("reading commit {id}"), e)),
            },
            Err(e) => Err(Error::git(format!("reading commit {id}"), e)),
        }
    }

    /// Commits read leniently so far (see [`Repo::commit_info`]): their dates are not what
    /// the author meant, and the command says so once.
    pub fn lenient_commits(&self) -> Vec<Oid> {
        self.lenient.borrow().clone()
    }

    /// A commit read from its raw object as git reads it: an unreadable timestamp is 0.
    fn lenient_info(&self, id: Oid) -> Option<CommitInfo> {
        let odb = self.repo.odb().ok()?;
        let object = odb.read(id).ok()?;
        if object.kind() != ObjectType::Commit {
            return None;
        }
        let data = object.data();
        let split = memchr::memmem::find(data, b"\n\n").map_or(data.len(), |i| i + 1);
        let (head, message) = (&data[..split], data.get(split + 1..).unwrap_or_default());
        let mut author = None;
        let mut committer = None;
        let mut parents = Vec::new();
        let mut encoding = None;
        for line in head.split(|&b| b == b'\n') {
            if let Some(p) = line.strip_prefix(b"parent ") {
                parents.push(Oid::from_str(std::str::from_utf8(p).ok()?).ok()?);
            } else if let Some(a) = line.strip_prefix(b"author ") {
                author = Some(lenient_signature(a)?);
            } else if let Some(c) = line.strip_prefix(b"committer ") {
                committer = Some(lenient_signature(c)?);
            } else if let Some(e) = line.strip_prefix(b"encoding ") {
                encoding = std::str::from_utf8(e).ok().map(str::to_string);
            }
        }
        let author = author?;
        let committer = committer.unwrap_or_else(|| author.clone());
        let mut lenient = self.lenient.borrow_mut();
        if !lenient.contains(&id) {
            lenient.push(id);
        }
        drop(lenient);
        self.info_from(
            id,
            &author,
            &committer,
            message,
            encoding.as_deref(),
            parents,
        )
        .ok()
    }

    fn info_of(&self, commit: &Commit<'_>) -> Result<CommitInfo> {
        self.info_from(
            commit.id(),
            &commit.author(),
            &commit.committer(),
            commit.message_bytes(),
            commit.message_encoding().ok().flatten(),
            commit.parent_ids().collect(),
        )
    }

    fn info_from(
        &self,
        id: Oid,
        author_sig: &git2::Signature<'_>,
        committer_sig: &git2::Signature<'_>,
        message_bytes: &[u8],
        encoding: Option<&str>,
        parent_ids: Vec<Oid>,
    ) -> Result<CommitInfo> {
        let author = self.resolve_sig(author_sig);
        let committer = self.resolve_sig(committer_sig);
        let author_time = to_datetime(author_sig.when()).ok_or_else(|| {
            Error::History(format!("commit {id} has an author date out of range"))
        })?;
        // The `encoding` header (i18n.commitEncoding) says how the message is written.
        let message = decode_message(message_bytes, encoding);
        let (summary, body) = split_message(&message);
        let trailers = parse_trailers(&message);
        let mut co_authors: Vec<Person> = Vec::new();
        for (key, value) in &trailers {
            if !key.eq_ignore_ascii_case("co-authored-by") {
                continue;
            }
            let Some(person) = parse_person(value) else {
                continue;
            };
            let person = self.resolve_person(person);
            if same_person(&person, &author) || co_authors.iter().any(|p| same_person(p, &person)) {
                continue;
            }
            co_authors.push(person);
        }
        Ok(CommitInfo {
            id,
            author_raw: person_of(author_sig),
            author,
            committer,
            author_time,
            summary,
            body,
            trailers,
            co_authors,
            parent_ids,
        })
    }

    fn resolve_sig(&self, sig: &git2::Signature<'_>) -> Person {
        if let Some(mailmap) = self.mailmap() {
            if let Ok(resolved) = mailmap.resolve_signature(sig) {
                return person_of(&resolved);
            }
        }
        person_of(sig)
    }

    fn resolve_person(&self, person: Person) -> Person {
        if person.name.is_empty() || person.email.is_empty() {
            // git2 cannot build a signature with an empty part; keep it as written.
            return person;
        }
        match git2::Signature::new(&person.name, &person.email, &git2::Time::new(0, 0)) {
            Ok(sig) => self.resolve_sig(&sig),
            Err(_) => person,
        }
    }
}

/// `.mailmap` lines of the form `Proper Name <proper@email> Commit Name` (a commit name
/// with no email after it): git ignores the trailing name and maps every commit with
/// `proper@email` to `Proper Name` (git.git's `Dana L. How <danahow@gmail.com> Dana
/// How`); libgit2 maps none. Added to `map` the way git reads them.
pub(crate) fn add_name_only_entries(map: &mut git2::Mailmap, text: &str) {
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let (Some(open), Some(close)) = (line.find('<'), line.find('>')) else {
            continue;
        };
        if close < open {
            continue;
        }
        let name = line[..open].trim();
        let email = line[open + 1..close].trim();
        let rest = line[close + 1..].trim();
        let rest = rest.split('#').next().unwrap_or("").trim();
        if name.is_empty() || email.is_empty() || rest.is_empty() || rest.contains('<') {
            continue;
        }
        let _ = map.add_entry(Some(name), None, None, email);
    }
}

/// `Name <email> SECONDS ZONE` as git reads it: seconds it cannot read are 0 (the epoch),
/// a zone it cannot read is UTC.
fn lenient_signature(line: &[u8]) -> Option<git2::Signature<'static>> {
    let open = line.iter().position(|&b| b == b'<')?;
    let close = open + line[open..].iter().position(|&b| b == b'>')?;
    let name = String::from_utf8_lossy(&line[..open]).trim().to_string();
    let email = String::from_utf8_lossy(&line[open + 1..close]).to_string();
    let rest = String::from_utf8_lossy(&line[close + 1..]).to_string();
    let mut parts = rest.split_whitespace();
    let secs = parts
        .next()
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|s| DateTime::from_timestamp(*s, 0).is_some())
        .unwrap_or(0);
    let zone = parts
        .next()
        .and_then(|z| {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let digits = z.trim_start_matches(['+', '-']);
            let n: i32 = digits.parse().ok()?;
            (digits.len() == 4).then_some(sign * (n / 100 * 60 + n % 100))
        })
        .unwrap_or(0);
    git2::Signature::new(&name, &email, &git2::Time::new(secs, zone)).ok()
}

fn person_of(sig: &git2::Signature<'_>) -> Person {
    Person {
        name: String::from_utf8_lossy(sig.name_bytes()).into_owned(),
        email: String::from_utf8_lossy(sig.email_bytes()).into_owned(),
    }
}

/// Same person: same email (case-insensitive), or same name when an email is missing.
fn same_person(a: &Person, b: &Person) -> bool {
    if !a.email.is_empty() && !b.email.is_empty() {
        a.email.eq_ignore_ascii_case(&b.email)
    } else {
        a.name == b.name
    }
}

/// Parses `Name <email>` (or a bare email, or a bare name).
fn parse_person(value: &str) -> Option<Person> {
    let value = value.trim();
    let (name, email) = match (value.rfind('<'), value.ends_with('>')) {
        (Some(lt), true) => (value[..lt].trim(), value[lt + 1..value.len() - 1].trim()),
        _ if value.contains('@') && !value.contains(char::is_whitespace) => ("", value),
        _ => (value, ""),
    };
    if name.is_empty() && email.is_empty() {
        return None;
    }
    Some(Person {
        name: name.to_string(),
        email: email.to_string(),
    })
}

fn to_datetime(time: git2::Time) -> Option<DateTime<FixedOffset>> {
    let offset = FixedOffset::east_opt(time.offset_minutes().checked_mul(60)?)?;
    Some(DateTime::from_timestamp(time.seconds(), 0)?.with_timezone(&offset))
}

/// Splits a message into its subject (first paragraph, lines joined by a space, as git's
/// `%s`) and body (everything after the blank line that ends it, trailing space trimmed).
fn split_message(message: &str) -> (String, String) {
    let mut lines = message.lines().skip_while(|l| l.trim().is_empty());
    let mut subject: Vec<&str> = Vec::new();
    for line in lines.by_ref() {
        if line.trim().is_empty() {
            break;
        }
        subject.push(line.trim());
    }
    let rest: Vec<&str> = lines.skip_while(|l| l.trim().is_empty()).collect();
    let body = rest.join("\n").trim_end().to_string();
    (subject.join(" "), body)
}

/// Git-style trailers from the message's last paragraph: `(key, value)` in order, keys as
/// written. The paragraph counts only if it is not the subject and every line in it is
/// `Key: value` (key: ASCII letters, digits and `-`) or a continuation line starting with
/// whitespace, which is joined to the previous value with one space.
pub fn parse_trailers(message: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = message.lines().collect();
    let mut end = lines.len();
    while end > 0 && lines[end - 1].trim().is_empty() {
        end -= 1;
    }
    let mut start = end;
    while start > 0 && !lines[start - 1].trim().is_empty() {
        start -= 1;
    }
    // The first paragraph is the subject, never trailers.
    if end == 0 || lines[..start].iter().all(|l| l.trim().is_empty()) {
        return Vec::new();
    }
    let mut trailers: Vec<(String, String)> = Vec::new();
    for line in &lines[start..end] {
        if line.starts_with([' ', '\t']) {
            let Some((_, value)) = trailers.last_mut() else {
                return Vec::new();
            };
            let more = line.trim();
            if !more.is_empty() {
                if !value.is_empty() {
                    value.push(' ');
                }
                value.push_str(more);
            }
        } else if let Some((key, value)) = split_trailer(line) {
            trailers.push((key.to_string(), value.to_string()));
        } else {
            return Vec::new();
        }
    }
    trailers
}

fn split_trailer(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(':')?;
    let valid = !key.is_empty()
        && !key.starts_with('-')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    valid.then(|| (key, value.trim()))
}

/// A commit message in the encoding its `encoding` header names (git's
/// `i18n.commitEncoding`): UTF-8 (the default), ISO-8859-1 / Latin-1 and Windows-1252
/// are decoded; any other encoding, or bytes that are not valid in it, fall back to
/// UTF-8 with replacement characters, as before.
pub fn decode_message(bytes: &[u8], encoding: Option<&str>) -> String {
    let enc = encoding.map(|e| e.trim().to_ascii_lowercase().replace('_', "-"));
    match enc.as_deref() {
        Some("iso-8859-1" | "iso8859-1" | "latin1" | "latin-1" | "l1" | "iso-ir-100") => {
            // Valid UTF-8 stays UTF-8 (a header that lies about plain ASCII/UTF-8 text).
            match std::str::from_utf8(bytes) {
                Ok(s) => s.to_string(),
                Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
            }
        }
        Some("windows-1252" | "cp1252") => match std::str::from_utf8(bytes) {
            Ok(s) => s.to_string(),
            Err(_) => bytes.iter().map(|&b| cp1252(b)).collect(),
        },
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[(b - 0x80) as usize],
        _ => char::from(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_parse_trailers() {
        let msg = "Subject line\n\nSome body text.\nMore body.\n\nChangelog: skip\nImpact: High\nSee-also: the first line\n  and its continuation\n\tand another\nCo-authored-by: Bea <bea@example.com>\n\n";
        assert_eq!(
            parse_trailers(msg),
            vec![
                ("Changelog".to_string(), "skip".to_string()),
                ("Impact".to_string(), "High".to_string()),
                (
                    "See-also".to_string(),
                    "the first line and its continuation and another".to_string()
                ),
                (
                    "Co-authored-by".to_string(),
                    "Bea <bea@example.com>".to_string()
                ),
            ]
        );
        // No trailers: the last paragraph is prose.
        assert!(parse_trailers("Subject\n\nJust a body: with a colon in it.\n").is_empty());
        // A subject alone is never a trailer block.
        assert!(parse_trailers("Fix: the thing\n").is_empty());
        assert!(parse_trailers("").is_empty());
        // One non-trailer line spoils the block.
        assert!(parse_trailers("S\n\nImpact: High\nnot a trailer\n").is_empty());
        // Keys as written, values trimmed; a continuation cannot open the block.
        assert_eq!(
            parse_trailers("S\n\nimpact:   low  \r\n"),
            vec![("impact".to_string(), "low".to_string())]
        );
        assert!(parse_trailers("S\n\n  indented: first\nImpact: High\n").is_empty());
        assert!(parse_trailers("S\n\nBad key: x\n").is_empty());
    }

    #[test]
    fn history_split_message_subject_and_body() {
        assert_eq!(
            split_message("Subject\n\nBody line 1\nBody line 2\n\nKey: v\n"),
            (
                "Subject".to_string(),
                "Body line 1\nBody line 2\n\nKey: v".to_string()
            )
        );
        assert_eq!(
            split_message("\nA long\nsubject\n\n\nbody\n"),
            ("A long subject".to_string(), "body".to_string())
        );
    }

    #[test]
    fn messages_are_decoded_by_their_encoding_header() {
        let latin1 = b"Caf\xe9 cr\xe8me";
        assert_eq!(decode_message(latin1, Some("ISO-8859-1")), "Café crème");
        assert_eq!(decode_message(latin1, Some("latin1")), "Café crème");
        assert_eq!(
            decode_message(b"\x93quoted\x94", Some("windows-1252")),
            "“quoted”"
        );
        assert_eq!(
            decode_message("Café".as_bytes(), Some("ISO-8859-1")),
            "Café"
        );
        assert_eq!(decode_message(latin1, None), "Caf\u{fffd} cr\u{fffd}me");
    }
}
