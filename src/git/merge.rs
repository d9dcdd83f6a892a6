//! git's three-way line merge of one file's texts (libgit2's `merge_file`).

/// git's 3-way line merge (libgit2's `merge_file`, as `git merge-file`) of three byte
/// strings, with conflict markers labelled `[ours, base, theirs]` and `marker_size` wide:
/// the merged bytes and whether conflicts were left. `None` when libgit2 refuses (binary
/// content, for one).
pub(crate) fn merge_file(
    base: &[u8],
    ours: &[u8],
    theirs: &[u8],
    labels: [&str; 3],
    marker_size: u16,
    diff3: bool,
) -> Option<(Vec<u8>, bool)> {
    // `git2::merge_file` does not initialise libgit2 itself (its first call fails when
    // nothing else has); `Buf::new` does.
    drop(git2::Buf::new());
    let mut b = git2::MergeFileInput::new();
    b.content(base);
    let mut o = git2::MergeFileInput::new();
    o.content(ours);
    let mut t = git2::MergeFileInput::new();
    t.content(theirs);
    let mut opts = git2::MergeFileOptions::new();
    opts.our_label(labels[0])
        .ancestor_label(labels[1])
        .their_label(labels[2])
        .marker_size(marker_size)
        .style_diff3(diff3);
    git2::merge_file(&b, &o, &t, Some(&mut opts))
        .ok()
        .map(|r| (r.content().to_vec(), !r.is_automergeable()))
}

/// git's three-way merge of one file's texts: the result, and whether it is clean.
pub(crate) fn merge_text(base: &[u8], ours: &[u8], theirs: &[u8]) -> (Vec<u8>, bool) {
    let mut b = git2::MergeFileInput::new();
    b.content(base);
    let mut o = git2::MergeFileInput::new();
    o.content(ours);
    let mut t = git2::MergeFileInput::new();
    t.content(theirs);
    match git2::merge_file(&b, &o, &t, None) {
        Ok(merged) => (merged.content().to_vec(), merged.is_automergeable()),
        Err(_) => (ours.to_vec(), false),
    }
}
