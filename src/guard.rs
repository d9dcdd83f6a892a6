//! Refusals that keep a document safe to edit: a document git stores through a filter
//! (git-lfs, any `filter=` driver, `ident`) is refused, because its committed blobs are
//! not its text (an LFS pointer, a cleaned form) and a blob dbarch writes would skip the
//! filter. dbarch does not run filters; it refuses such a document with one line and
//! writes nothing. Remove the attribute for the document to manage it.
use std::path::Path;

use git2::{AttrCheckFlags, AttrValue, Repository};

/// The first line of a git-lfs pointer file.
const LFS_POINTER: &[u8] = b"version https://git-lfs.github.com/spec/";

/// Why the document at `rel` (relative to the work tree) cannot be managed: the
/// attribute that puts it through a filter, or an LFS pointer checked out as its text.
/// `None` when nothing stands in the way.
pub fn filter_refusal(repo: &Repository, rel: &str, text: Option<&[u8]>) -> Option<String> {
    let path = Path::new(rel);
    let flags = AttrCheckFlags::FILE_THEN_INDEX;
    let why = |what: &str| {
        format!(
            "refusing document `{rel}`: {what}, so git stores it through a filter dbarch does not run; \
             nothing written (to manage it, add `{rel} -filter -ident` to .gitattributes)"
        )
    };
    if let Ok(v) = repo.get_attr(path, "filter", flags) {
        match AttrValue::from_string(v) {
            AttrValue::String(name) => {
                return Some(why(&format!("its attributes say `filter={name}`")))
            }
            AttrValue::True => return Some(why("its attributes set `filter`")),
            _ => {}
        }
    }
    if let Ok(v) = repo.get_attr(path, "ident", flags) {
        if matches!(
            AttrValue::from_string(v),
            AttrValue::True | AttrValue::String(_)
        ) {
            return Some(why("its attributes set `ident`"));
        }
    }
    if text.is_some_and(|t| t.starts_with(LFS_POINTER)) {
        return Some(why("it is a git-lfs pointer file, not the document"));
    }
    None
}
