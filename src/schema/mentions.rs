//! Whether the document mentions a schema object, and where.
//!
//! A name counts where it stands as a whole identifier (case-insensitive; not part of a
//! longer word), in prose, tables, code spans or SQL fences alike — except in the Change
//! Log, which records history rather than describing the schema (`orders` counts in
//! `orders.id`, not in `archive.orders`). A column counts as
//! `table.column`, or as the bare column name in a block (the text between two headings
//! of any level) that also names its table; a foreign key by its name, or by its two
//! tables named in one block.
use std::ops::Range;

use memchr::memmem;
use serde::Serialize;

use super::inventory::Kind;
use crate::doc::Document;

/// Where the document mentions an object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Mention {
    /// The `##` section (`-` before the first one).
    pub section: String,
    /// The section path (`Database Design > Table Structure`).
    pub path: String,
    /// 1-based line.
    pub line: usize,
}

/// The document, prepared for many look-ups.
pub struct DocIndex<'a> {
    doc: &'a Document,
    lower: String,
    skip: Vec<Range<usize>>,
    /// Start offsets of the blocks (heading starts), sorted.
    blocks: Vec<usize>,
    /// Every identifier-like word (lowercase) and where it starts, outside the skipped
    /// ranges: one pass over the text, then a look-up per name.
    words: std::collections::HashMap<String, Vec<usize>>,
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

impl<'a> DocIndex<'a> {
    pub fn new(doc: &'a Document) -> DocIndex<'a> {
        let src = doc.src();
        let skip: Vec<Range<usize>> = doc
            .changelog
            .as_ref()
            .and_then(|c| doc.outline.sections.get(c.section))
            .map(|s| s.range.clone())
            .into_iter()
            .collect();
        let mut blocks: Vec<usize> = vec![0];
        blocks.extend(doc.outline.headings.iter().map(|h| h.range.start));
        blocks.sort_unstable();
        let lower = src.to_ascii_lowercase();
        let mut words: std::collections::HashMap<String, Vec<usize>> =
            std::collections::HashMap::new();
        let b = lower.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if is_ident(b[i]) {
                let start = i;
                while i < b.len() && is_ident(b[i]) {
                    i += 1;
                }
                if !skip.iter().any(|r: &Range<usize>| r.contains(&start)) {
                    words
                        .entry(lower[start..i].to_string())
                        .or_default()
                        .push(start);
                }
            } else {
                i += 1;
            }
        }
        DocIndex {
            doc,
            lower,
            skip,
            blocks,
            words,
        }
    }

    /// Offsets where `word` (one identifier or a dotted name) stands whole.
    fn find(&self, word: &str) -> Vec<usize> {
        let w = word.to_ascii_lowercase();
        if w.is_empty() {
            return Vec::new();
        }
        let hay = self.lower.as_bytes();
        if w.bytes().all(is_ident) {
            // A plain identifier: the word index has every whole occurrence; one right
            // after a `.` is another object's part (`x.orders`), not this name.
            return self
                .words
                .get(&w)
                .map(|v| {
                    v.iter()
                        .copied()
                        .filter(|&i| i == 0 || hay[i - 1] != b'.')
                        .collect()
                })
                .unwrap_or_default();
        }
        memmem::find_iter(hay, w.as_bytes())
            .filter(|&i| {
                let before = i.checked_sub(1).map(|j| hay[j]);
                let after = hay.get(i + w.len()).copied();
                !before.is_some_and(|c| is_ident(c) || c == b'.')
                    && !after.is_some_and(is_ident)
                    && !self.skip.iter().any(|r| r.contains(&i))
            })
            .collect()
    }

    fn block(&self, off: usize) -> usize {
        self.blocks.partition_point(|&b| b <= off)
    }

    fn mention(&self, off: usize) -> Mention {
        let o = &self.doc.outline;
        let (section, path) = match o.section_at(off) {
            Some(i) => {
                let mut top = i;
                while let Some(p) = o.sections[top].parent {
                    top = p;
                }
                (o.sections[top].title.clone(), o.section_path(i))
            }
            None => ("-".into(), "-".into()),
        };
        Mention {
            section,
            path,
            line: self.doc.text.line_of(off) + 1,
        }
    }

    /// `name`, or its last dotted part (`billing.invoices` is also `invoices`).
    fn find_name(&self, name: &str) -> Vec<usize> {
        let mut v = self.find(name);
        if let Some((_, last)) = name.rsplit_once('.') {
            v.extend(self.find(last));
            v.sort_unstable();
            v.dedup();
        }
        v
    }

    /// Offsets of `a` that share a block with some offset of `b`.
    fn together(&self, a: &[usize], b: &[usize]) -> Vec<usize> {
        a.iter()
            .copied()
            .filter(|&x| b.iter().any(|&y| self.block(y) == self.block(x)))
            .collect()
    }

    /// Every mention of an object (first per block).
    pub fn mentions(
        &self,
        kind: Kind,
        name: &str,
        table: Option<&str>,
        references: Option<&str>,
    ) -> Vec<Mention> {
        let offs = match kind {
            Kind::Column => {
                let (t, c) = match (table, name.rsplit_once('.')) {
                    (Some(t), Some((_, c))) => (t, c),
                    _ => ("", name),
                };
                let t_last = t.rsplit('.').next().unwrap_or(t);
                let mut v = self.find(&format!("{t_last}.{c}"));
                v.extend(self.together(&self.find(c), &self.find_name(t)));
                v
            }
            Kind::ForeignKey => {
                let mut v = self.find(name);
                if let (Some(t), Some(r)) = (table, references) {
                    v.extend(self.together(&self.find_name(r), &self.find_name(t)));
                }
                v
            }
            _ => self.find_name(name),
        };
        let mut offs = offs;
        offs.sort_unstable();
        let mut seen = std::collections::HashSet::new();
        offs.into_iter()
            .filter(|&o| seen.insert(self.block(o)))
            .map(|o| self.mention(o))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::Labels;

    #[test]
    fn names_count_whole_outside_the_change_log() {
        let src = "# DB\n\n## Database Design\n\n### Table Structure\n\n#### orders\n| Column | Type |\n|-|-|\n| legacy_id | int |\n\n#### customers\nThe `customers` table; see customers_archive too.\n\n## Indexing Strategy\n\n```sql\nCREATE INDEX idx_orders_customer ON orders (customer_id);\n```\n\n## Change Log\n| Date | Change | Author | Impact |\n|-|-|-|-|\n| 2026-01-01 | add invoices | Ana | Low |\n";
        let doc = Document::parse_str(src, &Labels::default()).unwrap();
        let ix = DocIndex::new(&doc);
        let m = ix.mentions(Kind::Table, "customers", None, None);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].section, "Database Design");
        assert_eq!(m[0].path, "Database Design > Table Structure");
        assert!(ix.mentions(Kind::Table, "invoices", None, None).is_empty());
        assert!(ix.mentions(Kind::Table, "archive", None, None).is_empty());
        let i = ix.mentions(Kind::Index, "idx_orders_customer", Some("orders"), None);
        assert_eq!(i[0].section, "Indexing Strategy");
        assert_eq!(i[0].line, 18);
        assert_eq!(
            ix.mentions(Kind::Column, "orders.legacy_id", Some("orders"), None)
                .len(),
            1
        );
        assert!(ix
            .mentions(Kind::Column, "customers.legacy_id", Some("customers"), None)
            .is_empty());
        assert_eq!(
            ix.mentions(Kind::Table, "public.customers", None, None)
                .len(),
            1
        );
    }
}
