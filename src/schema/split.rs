//! Splitting a migration file into statements, before any parsing, so one statement the
//! parser cannot read never loses the others.
//!
//! A statement ends at `;` outside quotes (`'…'`, `"…"`, `` `…` ``, `[…]`), comments
//! (`-- …`, `# …` at a line start, `/* … */`) and PostgreSQL dollar quotes (`$tag$…$tag$`).
//! Bodies of `CREATE TRIGGER/PROCEDURE/FUNCTION … BEGIN … END` keep their inner `;`
//! (BEGIN/CASE … END nesting), a MySQL `DELIMITER xx` line changes the terminator, and a
//! dbmate file stops at its `-- migrate:down` marker. A line that holds only `GO`
//! (MS SQL batches) ends a statement too.

/// One statement: its text and the 1-based line where it starts in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece<'a> {
    pub sql: &'a str,
    pub line: usize,
}

/// The statements of `src`, in order (empty ones left out).
pub fn split(src: &str) -> Vec<Piece<'_>> {
    let src = cut_dbmate_down(src);
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut delim: String = ";".into();
    let mut line = 1usize;
    let mut start_line: Option<usize> = None; // first line with content
    let mut i = 0usize;
    let mut at_line_start = true;
    // BEGIN … END nesting inside a routine body.
    let mut routine = false;
    let mut depth = 0usize;
    let mut word_start: Option<usize> = None;
    let mut words_seen = 0usize;
    // The statement runs from its first character that is neither space nor comment.
    let mut content: Option<usize> = None;
    fn flush<'s>(
        out: &mut Vec<Piece<'s>>,
        src: &'s str,
        from: Option<usize>,
        to: usize,
        l: Option<usize>,
    ) {
        if let Some(from) = from {
            let t = src[from..to].trim_end();
            if !t.is_empty() {
                out.push(Piece {
                    sql: t,
                    line: l.unwrap_or(1),
                });
            }
        }
    }
    while i < b.len() {
        let c = b[i];
        // Line-level directives, at the start of a line.
        if at_line_start {
            let rest = &src[i..];
            let line_end = rest.find('\n').map_or(rest.len(), |n| n);
            let l = rest[..line_end].trim();
            if l.len() > 10 && l[..10].eq_ignore_ascii_case("delimiter ") {
                flush(&mut out, src, content.take(), i, start_line);
                delim = l[10..].trim().to_string();
                if delim.is_empty() {
                    delim = ";".into();
                }
                i += line_end;
                start_line = None;
                routine = false;
                depth = 0;
                words_seen = 0;
                continue;
            }
            if l.eq_ignore_ascii_case("go") {
                flush(&mut out, src, content.take(), i, start_line);
                i += line_end;
                start_line = None;
                routine = false;
                depth = 0;
                words_seen = 0;
                continue;
            }
        }
        // Words, for the routine-body nesting.
        let is_word = c.is_ascii_alphanumeric() || c == b'_';
        if is_word {
            if word_start.is_none() {
                word_start = Some(i);
            }
        } else if let Some(ws) = word_start.take() {
            word(&src[ws..i], &mut routine, &mut depth, &mut words_seen);
        }
        if !c.is_ascii_whitespace() && start_line.is_none() && !starts_comment(b, i) {
            start_line = Some(line);
            content = Some(i);
        }
        // The terminator, wherever a token may start (quotes and comments are skipped
        // whole below, so this never looks inside them).
        if b[i..].starts_with(delim.as_bytes()) && !(routine && depth >= 2) {
            flush(&mut out, src, content.take(), i, start_line);
            i += delim.len();
            start_line = None;
            routine = false;
            depth = 0;
            words_seen = 0;
            at_line_start = false;
            continue;
        }
        match c {
            b'\n' => {
                line += 1;
                at_line_start = true;
                i += 1;
                continue;
            }
            b'\'' | b'"' | b'`' => {
                let (ni, nl) = skip_quoted(b, i, c);
                line += nl;
                i = ni;
            }
            b'[' if start_line.is_some() && looks_bracket_ident(b, i) => {
                let (ni, nl) = skip_until(b, i + 1, b"]");
                line += nl;
                i = ni;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                i = b[i..]
                    .iter()
                    .position(|&x| x == b'\n')
                    .map_or(b.len(), |n| i + n);
            }
            b'#' if at_line_start_ignoring_space(b, i) => {
                i = b[i..]
                    .iter()
                    .position(|&x| x == b'\n')
                    .map_or(b.len(), |n| i + n);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let (ni, nl) = skip_until(b, i + 2, b"*/");
                line += nl;
                i = ni;
            }
            b'$' => {
                if let Some(tag_end) = dollar_tag(b, i) {
                    let tag = &b[i..tag_end];
                    let (ni, nl) = skip_until(b, tag_end, tag);
                    line += nl;
                    i = ni;
                } else {
                    i += 1;
                }
            }
            _ => i += 1,
        }
        at_line_start = false;
    }
    if let Some(ws) = word_start.take() {
        word(&src[ws..], &mut routine, &mut depth, &mut words_seen);
    }
    flush(&mut out, src, content.take(), b.len(), start_line);
    out
}

fn word(w: &str, routine: &mut bool, depth: &mut usize, seen: &mut usize) {
    *seen += 1;
    if *seen <= 6
        && ["TRIGGER", "PROCEDURE", "FUNCTION"]
            .iter()
            .any(|k| w.eq_ignore_ascii_case(k))
    {
        *routine = true;
    }
    if !*routine {
        return;
    }
    // `depth` counts BEGIN/CASE openers twice over (x2) so the low bit can remember
    // "the previous word was END": `END IF` / `END LOOP` closed no BEGIN, `END CASE`
    // closed its CASE.
    let after_end = *depth & 1 == 1;
    *depth &= !1;
    let is = |k: &str| w.eq_ignore_ascii_case(k);
    if after_end && (is("IF") || is("LOOP") || is("WHILE") || is("REPEAT")) {
        *depth += 2; // that END closed no BEGIN
    } else if after_end && is("CASE") {
        // END CASE: the END already closed the CASE.
    } else if is("BEGIN") || is("CASE") {
        *depth += 2;
    } else if is("END") {
        *depth = depth.saturating_sub(2) | 1;
    }
}

fn starts_comment(b: &[u8], i: usize) -> bool {
    (b[i] == b'-' && b.get(i + 1) == Some(&b'-'))
        || (b[i] == b'/' && b.get(i + 1) == Some(&b'*'))
        || (b[i] == b'#' && at_line_start_ignoring_space(b, i))
}

fn at_line_start_ignoring_space(b: &[u8], i: usize) -> bool {
    b[..i]
        .iter()
        .rev()
        .take_while(|&&x| x != b'\n')
        .all(|x| x.is_ascii_whitespace())
}

/// `[name]` (MS SQL) — not `ARRAY[1]` or `x[1]`: the previous non-space is not a word
/// character or `]`.
fn looks_bracket_ident(b: &[u8], i: usize) -> bool {
    let prev = b[..i].iter().rev().find(|x| !x.is_ascii_whitespace());
    !matches!(prev, Some(p) if p.is_ascii_alphanumeric() || *p == b']' || *p == b'_' || *p == b')')
}

/// Past the closing quote (a doubled quote and a backslash escape stay inside).
fn skip_quoted(b: &[u8], i: usize, q: u8) -> (usize, usize) {
    let mut j = i + 1;
    let mut lines = 0;
    while j < b.len() {
        match b[j] {
            b'\n' => lines += 1,
            b'\\' if q == b'\'' => {
                if b.get(j + 1) == Some(&b'\n') {
                    lines += 1;
                }
                j += 1;
            }
            x if x == q => {
                if b.get(j + 1) == Some(&q) {
                    j += 1;
                } else {
                    return (j + 1, lines);
                }
            }
            _ => {}
        }
        j += 1;
    }
    (b.len(), lines)
}

/// Past the first `end` at or after `from` (the end of input when there is none).
fn skip_until(b: &[u8], from: usize, end: &[u8]) -> (usize, usize) {
    let mut j = from;
    let mut lines = 0;
    while j < b.len() {
        if b[j..].starts_with(end) {
            return (j + end.len(), lines);
        }
        if b[j] == b'\n' {
            lines += 1;
        }
        j += 1;
    }
    (b.len(), lines)
}

/// The end of a `$tag$` opening at `i` (not `$1`, a positional parameter).
fn dollar_tag(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    if b.get(j).is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
        j += 1;
    }
    (b.get(j) == Some(&b'$')).then_some(j + 1)
}

/// dbmate keeps up and down in one file: only what comes before `-- migrate:down`.
fn cut_dbmate_down(src: &str) -> &str {
    let mut off = 0;
    for l in src.split_inclusive('\n') {
        let t = l.trim();
        if t.starts_with("--") && t[2..].trim().eq_ignore_ascii_case("migrate:down") {
            return &src[..off];
        }
        off += l.len();
    }
    src
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqls(s: &str) -> Vec<(String, usize)> {
        split(s)
            .into_iter()
            .map(|p| (p.sql.to_string(), p.line))
            .collect()
    }

    #[test]
    fn quotes_comments_and_dollar_bodies_keep_their_semicolons() {
        let src = "-- header; not a statement\nCREATE TABLE a (x text DEFAULT 'a;b');\n\n/* c; */ CREATE TABLE \"b;\" (y int);\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nSELECT $1;";
        let got = sqls(src);
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(got[0], ("CREATE TABLE a (x text DEFAULT 'a;b')".into(), 2));
        assert_eq!(got[1].1, 4);
        assert!(got[1].0.ends_with("CREATE TABLE \"b;\" (y int)"));
        assert!(got[2].0.contains("SELECT 1; $$"));
        assert_eq!(got[3], ("SELECT $1".into(), 6));
    }

    #[test]
    fn trigger_bodies_delimiters_go_and_dbmate_down() {
        let src = "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET n = n + 1; END;\nCREATE TABLE c (id int);";
        let got = sqls(src);
        assert_eq!(got.len(), 2, "{got:?}");
        let nested = "CREATE PROCEDURE q() BEGIN IF 1 THEN SELECT 1; END IF; CASE 1 WHEN 1 THEN SELECT 2; END CASE; END;\nCREATE TABLE c (id int);";
        let got = sqls(nested);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].0.ends_with("END"));
        let my = "DELIMITER $$\nCREATE PROCEDURE p() BEGIN IF 1 THEN SELECT 1; END IF; END$$\nDELIMITER ;\nCREATE TABLE d (id int);\n";
        let got = sqls(my);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[1], ("CREATE TABLE d (id int)".into(), 4));
        let ms = "CREATE TABLE e (id int)\nGO\nCREATE INDEX i ON e (id)\nGO\n";
        assert_eq!(sqls(ms).len(), 2);
        let dbmate = "-- migrate:up\nCREATE TABLE f (id int);\n\n-- migrate:down\nDROP TABLE f;\n";
        assert_eq!(sqls(dbmate), vec![("CREATE TABLE f (id int)".into(), 2)]);
    }

    #[test]
    fn unterminated_input_is_one_last_statement() {
        assert_eq!(sqls("CREATE TABLE g (x text DEFAULT 'oops)").len(), 1);
        assert!(sqls("  \n-- only a comment\n").is_empty());
    }
}
