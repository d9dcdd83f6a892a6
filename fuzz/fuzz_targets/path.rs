//! Resolve arbitrary bytes as a document path in a tree of traps (symlinks into `.git`,
//! out of the tree, loops; a submodule; a bare repository) and check what
//! `dbarch::fsutil::resolve_doc_path` promises. The check is the library's
//! `dbarch::guard::check_path_invariant`, which the test suite also runs as a property
//! test (`tests/safety.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(violation) = dbarch::guard::check_path_invariant(data) {
        panic!("path invariant violated: {violation}");
    }
});
