//! How similar two files are, as git's rename detection scores it
//! (`diffcore-delta.c`, `estimate_similarity` in `diffcore-rename.c`).
//!
//! A file is cut into spans (a line, or 64 bytes of a longer line; a CR before an LF
//! ignored in text); each span is hashed, and a file's signature counts the bytes per
//! hash. The bytes of the destination that the source already had ("copied"), over the
//! larger file's size, is the score. A signature is computed once per blob and kept by
//! the caller ([`crate::history`]'s rename cache), so that scoring one document against
//! a thousand deleted files at each of a hundred merges reads and hashes each file once.

/// The score of identical files, as in git.
pub const MAX_SCORE: u64 = 60_000;

const HASHBASE: u32 = 107_927;

/// A file's spans: (hash, bytes) sorted by hash, one entry per hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    spans: Vec<(u32, u32)>,
    /// The file's size in bytes (as stored).
    pub size: usize,
}

/// Whether git would call `bytes` binary: a NUL in the first 8000 bytes.
fn is_binary(bytes: &[u8]) -> bool {
    bytes.iter().take(8000).any(|&b| b == 0)
}

impl Signature {
    /// The signature of a file's bytes.
    pub fn of(bytes: &[u8]) -> Signature {
        let text = !is_binary(bytes);
        let mut spans: Vec<(u32, u32)> = Vec::with_capacity(bytes.len() / 24 + 1);
        let (mut accum1, mut accum2): (u32, u32) = (0, 0);
        let mut n: u32 = 0;
        let mut i = 0;
        while i < bytes.len() {
            let c = bytes[i];
            i += 1;
            if text && c == b'\r' && bytes.get(i) == Some(&b'\n') {
                continue;
            }
            let old1 = accum1;
            accum1 = (accum1 << 7) ^ (accum2 >> 25);
            accum2 = (accum2 << 7) ^ (old1 >> 25);
            accum1 = accum1.wrapping_add(u32::from(c));
            n += 1;
            if n < 64 && c != b'\n' {
                continue;
            }
            spans.push((accum1.wrapping_add(accum2.wrapping_mul(0x61)) % HASHBASE, n));
            n = 0;
            accum1 = 0;
            accum2 = 0;
        }
        if n > 0 {
            spans.push((accum1.wrapping_add(accum2.wrapping_mul(0x61)) % HASHBASE, n));
        }
        spans.sort_unstable_by_key(|s| s.0);
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(spans.len());
        for (h, c) in spans {
            match merged.last_mut() {
                Some(last) if last.0 == h => last.1 += c,
                _ => merged.push((h, c)),
            }
        }
        merged.shrink_to_fit();
        Signature {
            spans: merged,
            size: bytes.len(),
        }
    }

    /// The bytes of `dst` that `self` (the source) already had.
    fn copied_into(&self, dst: &Signature) -> u64 {
        let (mut s, mut d) = (self.spans.iter().peekable(), dst.spans.iter().peekable());
        let mut copied = 0u64;
        while let (Some(&&(sh, sc)), Some(&&(dh, dc))) = (s.peek(), d.peek()) {
            match sh.cmp(&dh) {
                std::cmp::Ordering::Less => {
                    s.next();
                }
                std::cmp::Ordering::Greater => {
                    d.next();
                }
                std::cmp::Ordering::Equal => {
                    copied += u64::from(sc.min(dc));
                    s.next();
                    d.next();
                }
            }
        }
        copied
    }
}

/// Whether files of these sizes could score `min_score` at all (git's early rejection:
/// the size difference alone rules most candidates out without reading them).
pub fn sizes_allow(src: usize, dst: usize, min_score: u64) -> bool {
    let (max, base) = (src.max(dst) as u64, src.min(dst) as u64);
    max * (MAX_SCORE - min_score.min(MAX_SCORE)) >= (max - base) * MAX_SCORE
}

/// git's similarity score of `src` renamed to `dst`, 0 ..= [`MAX_SCORE`].
pub fn score(src: &Signature, dst: &Signature) -> u64 {
    let max = src.size.max(dst.size) as u64;
    if dst.size == 0 || max == 0 {
        return 0;
    }
    src.copied_into(dst) * MAX_SCORE / max
}

/// A percentage threshold (`rename-threshold`) as a score.
pub fn min_score(percent: u16) -> u64 {
    u64::from(percent.min(100)) * MAX_SCORE / 100
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_files_score_the_maximum() {
        let a = Signature::of(b"one\ntwo\nthree\n");
        assert_eq!(score(&a, &a), MAX_SCORE);
    }

    #[test]
    fn one_line_of_three_changed_keeps_the_rest() {
        let a = Signature::of(b"aaaa\nbbbb\ncccc\n");
        let b = Signature::of(b"aaaa\nbbbb\nzzzz\n");
        assert_eq!(score(&a, &b), MAX_SCORE * 10 / 15);
    }

    #[test]
    fn crlf_scores_as_lf_in_text() {
        let lf = Signature::of(b"one\ntwo\n");
        let crlf = Signature::of(b"one\r\ntwo\r\n");
        assert_eq!(lf.spans, crlf.spans);
    }

    #[test]
    fn unrelated_files_score_nothing_and_sizes_rule_out_early() {
        let a = Signature::of(b"alpha\nbeta\n");
        let b = Signature::of(b"gamma\ndelta\n");
        assert_eq!(score(&a, &b), 0);
        assert!(!sizes_allow(100, 1000, min_score(50)));
        assert!(sizes_allow(100, 200, min_score(50)));
        assert!(!sizes_allow(100, 201, min_score(50)));
    }
}
