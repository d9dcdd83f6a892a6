//! The raw text of a document and its line index. Every other part of [`crate::doc`]
//! refers to byte offsets into [`Text::src`], which is the file exactly as read (BOM
//! included), so edits can splice without disturbing anything else.
use std::ops::Range;

/// One line: `start..end` is its content without the line ending; `next` is where the
/// following line starts (equal to `end` on a last line without a final newline).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line {
    pub start: usize,
    pub end: usize,
    pub next: usize,
}

impl Line {
    pub fn ending<'a>(&self, src: &'a str) -> &'a str {
        &src[self.end..self.next]
    }
}

/// A document's bytes as UTF-8 with a line index.
#[derive(Clone, Debug)]
pub struct Text {
    pub src: String,
    /// 3 when the file starts with a UTF-8 BOM, else 0.
    pub body_start: usize,
    pub lines: Vec<Line>,
}

/// Where the bytes are not UTF-8 (1-based line and column).
#[derive(Debug, PartialEq, Eq)]
pub struct NotUtf8 {
    pub line: usize,
    pub col: usize,
}

impl Text {
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Text, NotUtf8> {
        match String::from_utf8(bytes) {
            Ok(src) => Ok(Text::new(src)),
            Err(e) => {
                let bytes = e.as_bytes();
                let bad = e.utf8_error().valid_up_to();
                let before = String::from_utf8_lossy(&bytes[..bad]);
                let line = before.matches('\n').count() + 1;
                let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                Err(NotUtf8 { line, col })
            }
        }
    }

    pub fn new(src: String) -> Text {
        let body_start = if src.starts_with('\u{feff}') { 3 } else { 0 };
        let mut lines = Vec::new();
        let mut start = body_start;
        let bytes = src.as_bytes();
        while start < src.len() {
            let nl = memchr::memchr(b'\n', &bytes[start..]).map(|i| start + i);
            let (end, next) = match nl {
                Some(i) if i > start && bytes[i - 1] == b'\r' => (i - 1, i + 1),
                Some(i) => (i, i + 1),
                None => (src.len(), src.len()),
            };
            lines.push(Line { start, end, next });
            start = next;
        }
        Text {
            src,
            body_start,
            lines,
        }
    }

    pub fn line_text(&self, i: usize) -> &str {
        let l = self.lines[i];
        &self.src[l.start..l.end]
    }

    /// The index of the line holding byte `offset` (the last line for `offset == len`).
    pub fn line_of(&self, offset: usize) -> usize {
        match self.lines.binary_search_by(|l| l.start.cmp(&offset)) {
            Ok(i) => i,
            Err(0) => 0,
            Err(i) => i - 1,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        if self.lines.is_empty() {
            return (1, 1);
        }
        let i = self.line_of(offset);
        let start = self.lines[i].start;
        let col = self.src[start..offset.min(self.src.len()).max(start)]
            .chars()
            .count();
        (i + 1, col + 1)
    }

    /// The line ending to use for new lines: the most common one in the document, LF when
    /// there is none (CRLF wins a tie, as a CRLF document with one stray LF is still CRLF).
    pub fn newline(&self) -> &'static str {
        let crlf = self.lines.iter().filter(|l| l.next - l.end == 2).count();
        let lf = self.lines.iter().filter(|l| l.next - l.end == 1).count();
        if crlf >= lf && crlf > 0 {
            "\r\n"
        } else {
            "\n"
        }
    }

    /// Whether the text ends with a line ending (an empty body counts as ending cleanly).
    pub fn ends_with_newline(&self) -> bool {
        self.lines.last().is_none_or(|l| l.next > l.end)
    }

    pub fn slice(&self, r: Range<usize>) -> &str {
        &self.src[r]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_their_endings() {
        let t = Text::new("a\r\nb\nc".to_string());
        let texts: Vec<_> = (0..t.lines.len()).map(|i| t.line_text(i)).collect();
        assert_eq!(texts, ["a", "b", "c"]);
        assert_eq!(t.lines[0].ending(&t.src), "\r\n");
        assert_eq!(t.lines[1].ending(&t.src), "\n");
        assert_eq!(t.lines[2].ending(&t.src), "");
        assert!(!t.ends_with_newline());
    }

    #[test]
    fn bom_is_outside_the_first_line() {
        let t = Text::new("\u{feff}# T\n".to_string());
        assert_eq!(t.body_start, 3);
        assert_eq!(t.line_text(0), "# T");
        assert_eq!(t.line_col(3), (1, 1));
    }

    #[test]
    fn invalid_utf8_reports_line_and_column() {
        let err = Text::from_bytes(b"ok\nab\xffc\n".to_vec()).unwrap_err();
        assert_eq!(err, NotUtf8 { line: 2, col: 3 });
    }

    #[test]
    fn newline_follows_the_majority() {
        assert_eq!(Text::new("a\r\nb\r\nc\n".into()).newline(), "\r\n");
        assert_eq!(Text::new("a\nb\nc\r\n".into()).newline(), "\n");
        assert_eq!(Text::new("a".into()).newline(), "\n");
    }
}
