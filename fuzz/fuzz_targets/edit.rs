//! Parse, apply a random edit (set header fields, add Change Log rows), re-parse, and
//! check the byte-preservation invariant. The check lives in the library
//! (`dbarch::doc::check_edit_invariant`) so the normal test suite replays this target's
//! corpus and crash inputs through the very same code (`tests/hardening.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(violation) = dbarch::doc::check_edit_invariant(data) {
        panic!("edit invariant violated: {violation}");
    }
});
