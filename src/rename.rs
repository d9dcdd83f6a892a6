//! Following a managed document that was renamed (`git mv`): the hook rewrites its
//! `[[docs]] path` in `dbarch.toml` byte-surgically (`toml_edit` keeps comments, order
//! and layout; only the path string changes), and a command given a configured path that
//! no longer exists names the path git renamed it to instead of failing with an OS error.
use git2::{DiffFindOptions, Oid, Repository, Tree};

/// `(old, new)` paths of files renamed between `old` and `new` (git's rename detection,
/// 50% similarity).
pub fn renames(git: &Repository, old: &Tree<'_>, new: &Tree<'_>) -> Vec<(String, String)> {
    let Ok(mut diff) = git.diff_tree_to_tree(Some(old), Some(new), None) else {
        return Vec::new();
    };
    let mut opts = DiffFindOptions::new();
    opts.renames(true);
    if diff.find_similar(Some(&mut opts)).is_err() {
        return Vec::new();
    }
    diff.deltas()
        .filter(|d| d.status() == git2::Delta::Renamed)
        .filter_map(|d| {
            let o = d.old_file().path()?.to_string_lossy().replace('\\', "/");
            let n = d.new_file().path()?.to_string_lossy().replace('\\', "/");
            Some((o, n))
        })
        .collect()
}

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

/// Where git last moved `rel`: walks first parents from HEAD (at most `limit` commits)
/// to the commit that renamed it, then follows later renames of the new path. Returns
/// the current path and the renaming commit.
pub fn renamed_to(git: &Repository, rel: &str, limit: usize) -> Option<(String, Oid)> {
    let mut path = rel.to_string();
    let mut found = None;
    for _ in 0..8 {
        let head = git.head().ok()?.peel_to_commit().ok()?;
        let mut c = head;
        let mut hit = None;
        for _ in 0..limit {
            let Ok(parent) = c.parent(0) else { break };
            let (Ok(ct), Ok(pt)) = (c.tree(), parent.tree()) else {
                break;
            };
            let here = ct.get_path(std::path::Path::new(&path)).is_ok();
            let before = pt.get_path(std::path::Path::new(&path)).is_ok();
            if !here && before {
                hit = renames(git, &pt, &ct)
                    .into_iter()
                    .find(|(o, _)| *o == path)
                    .map(|(_, n)| (n, c.id()));
                break;
            }
            c = parent;
        }
        let Some((new, id)) = hit else { break };
        path = new;
        found = Some((path.clone(), id));
        let exists = git
            .head()
            .ok()
            .and_then(|h| h.peel_to_tree().ok())
            .is_some_and(|t| t.get_path(std::path::Path::new(&path)).is_ok());
        if exists {
            break;
        }
    }
    found
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
