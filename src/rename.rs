//! Following a managed document that was renamed (`git mv`): the hook rewrites its
//! `[[docs]] path` in `dbarch.toml` byte-surgically (`toml_edit` keeps comments, order
//! and layout; only the path string changes), and a command given a configured path that
//! no longer exists names the path git renamed it to instead of failing with an OS error
//! (git's side of both: [`crate::git::rename`]).
/// `text` (a dbarch.toml) with every `[[docs]]` entry whose `path` is `old` set to
/// `new`; `None` when no entry names `old` or the text does not parse.
pub fn rewrite_docs_path(text: &str, old: &str, new: &str) -> Option<String> {
    let mut doc: toml_edit::DocumentMut = text.parse().ok()?;
    let docs = doc.get_mut("docs")?.as_array_of_tables_mut()?;
    let mut changed = false;
    for t in docs.iter_mut() {
        let Some(item) = t.get_mut("path") else {
            continue;
        };
        let Some(v) = item.as_value_mut() else {
            continue;
        };
        if v.as_str() == Some(old) {
            let decor = v.decor().clone();
            let mut nv = toml_edit::Value::from(new);
            *nv.decor_mut() = decor;
            *v = nv;
            changed = true;
        }
    }
    changed.then(|| doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrite_keeps_everything_but_the_path() {
        let text = "# ours\n[[docs]]\npath = \"docs/a.md\"   # the main one\nreview-every = \"90d\"\n\n[[docs]]\npath = 'other.md'\n";
        let out = rewrite_docs_path(text, "docs/a.md", "docs/b.md").unwrap();
        assert_eq!(
            out,
            "# ours\n[[docs]]\npath = \"docs/b.md\"   # the main one\nreview-every = \"90d\"\n\n[[docs]]\npath = 'other.md'\n"
        );
        assert!(rewrite_docs_path(text, "nope.md", "x.md").is_none());
    }
}
