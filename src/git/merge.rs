//! git's three-way line merge of one file's texts (libgit2's `merge_file`, as `git
//! merge-file`): the history's clean-merge check and the merge driver both call
//! [`merge_file`].

/// How conflict markers are written: labelled `[ours, base, theirs]`, `marker_size`
/// wide, with the base's lines between them when `diff3`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MarkerStyle<'a> {
    pub(crate) labels: [&'a str; 3],
    pub(crate) marker_size: u16,
    pub(crate) diff3: bool,
}

/// git's 3-way line merge of three byte strings, with conflict markers as `style` says
/// (`None`: libgit2's defaults, unlabelled and 7 wide): the merged bytes and whether
/// conflicts were left. `None` when libgit2 refuses (binary content, for one); what
/// then is the caller's decision.
pub(crate) fn merge_file(
    base: &[u8],
    ours: &[u8],
    theirs: &[u8],
    style: Option<MarkerStyle<'_>>,
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
    let mut opts = style.map(|s| {
        let mut opts = git2::MergeFileOptions::new();
        opts.our_label(s.labels[0])
            .ancestor_label(s.labels[1])
            .their_label(s.labels[2])
            .marker_size(s.marker_size)
            .style_diff3(s.diff3);
        opts
    });
    git2::merge_file(&b, &o, &t, opts.as_mut())
        .ok()
        .map(|r| (r.content().to_vec(), !r.is_automergeable()))
}
