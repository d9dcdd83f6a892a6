//! What a person meets on the surface: messages, colour flags, help text, `init`'s
//! output, badges. Everything through the real binary.
use crate::common::{TestRepo, DOC};

#[test]
fn color_always_wins_over_no_color_and_never_wins_over_a_terminal() {
    let repo = TestRepo::new();
    repo.dbarch().arg("init").assert().success();
    // The hermetic environment sets NO_COLOR=1: `always` still colours (an explicit flag
    // beats the variable), `auto` and `never` do not.
    let out = repo
        .dbarch()
        .args(["--color", "always", "status"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\u{1b}[32mok"), "{text:?}");
    for choice in ["auto", "never"] {
        let out = repo
            .dbarch()
            .args(["--color", choice, "status"])
            .output()
            .unwrap();
        assert!(!out.stdout.contains(&0x1b), "--color {choice}: {:?}", out.stdout);
    }
}

#[test]
fn a_missing_document_is_named_in_words_without_os_jargon() {
    let repo = TestRepo::new();
    let out = repo.dbarch().args(["status", "docs/nope.md"]).output().unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("docs/nope.md"), "{all}");
    assert!(all.contains("no such file"), "{all}");
    assert!(!all.contains("os error"), "{all}");
    let _ = DOC;
}
