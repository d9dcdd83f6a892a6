//! `dbarch review` on a real (pseudo-)terminal: the dialoguer prompts driven key by key
//! through `rexpect`: typing the reviewer, the review date, picking a document with the
//! arrow keys, confirming, declining, and Ctrl-C (nothing written, exit non-zero, the
//! cursor shown again).
//!
//! Robust to dialoguer's redraws: the tests wait for substrings of the prompts
//! (`Who reviewed it?`, `Review date`, `Which document did you review?`, `Write it?`)
//! and every wait times out after [`TIMEOUT_MS`], so a hang fails instead of blocking CI.
#![cfg(unix)]

use std::process::Command;

use rexpect::process::WaitStatus;
use rexpect::reader::Options;
use rexpect::session::PtySession;

use crate::common::{hermetic_env, TestRepo, DOC};
use crate::review::reviewed;
use crate::status::{doc_due, repo_with};

/// Every expectation gives up after this long.
const TIMEOUT_MS: u64 = 10_000;

const DOWN: &str = "\x1b[B";
const UP: &str = "\x1b[A";
const ENTER: &str = "\r";
/// What `console` prints to show the cursor again.
const SHOW_CURSOR: &str = "\x1b[?25h";

/// `dbarch review ARGS` in `repo`, on a new pseudo-terminal, with the hermetic
/// environment of the other tests and a known terminal type.
fn spawn_review(repo: &TestRepo, args: &[&str]) -> PtySession {
    spawn_review_with(repo, &[], args)
}

/// As [`spawn_review`], with global flags (`--color never`) before `review`, and
/// `NO_COLOR` removed so that only the flag decides.
fn spawn_review_with(repo: &TestRepo, global: &[&str], args: &[&str]) -> PtySession {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("dbarch"));
    for (k, v) in hermetic_env() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    if !global.is_empty() {
        cmd.env_remove("NO_COLOR");
    }
    cmd.env("TERM", "xterm-256color")
        .current_dir(repo.path())
        .args(global)
        .arg("review")
        .args(args);
    rexpect::session::spawn_with_options(
        cmd,
        Options::new()
            .timeout_ms(Some(TIMEOUT_MS))
            .strip_ansi_escape_codes(false),
    )
    .expect("spawn dbarch on a pseudo-terminal")
}

/// Waits for `needle`; returns what came before it. Panics with a readable message on a
/// timeout or an early exit.
fn expect(s: &mut PtySession, needle: &str) -> String {
    s.exp_string(needle)
        .unwrap_or_else(|e| panic!("waiting for {needle:?}: {e}"))
}

/// Waits for the end of the output and the process; returns the rest of the output and
/// the exit code.
fn finish(s: &mut PtySession) -> (String, i32) {
    let rest = s
        .exp_eof()
        .unwrap_or_else(|e| panic!("waiting for dbarch to exit: {e}"));
    let code = match s.process().wait().expect("wait for dbarch") {
        WaitStatus::Exited(_, code) => code,
        WaitStatus::Signaled(_, sig, _) => 128 + sig as i32,
        other => panic!("unexpected wait status {other:?}"),
    };
    (rest, code)
}

/// `text` without ANSI escape sequences (CSI `ESC [ ... letter`) and carriage returns
/// that only redraw the line.
fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    // What a line shows after its last carriage return.
    out.rsplit('\r')
        .find(|s| !s.is_empty())
        .unwrap_or("")
        .to_string()
}

fn send(s: &mut PtySession, keys: &str) {
    s.send(keys).expect("write to the terminal");
    s.flush().expect("flush the terminal");
}

/// What the one-document scenarios start from: due on 2026-11-20.
fn one_due() -> TestRepo {
    repo_with(&[(DOC, &doc_due("2026-11-20"))])
}

#[test]
fn typing_the_reviewer_and_confirming_records_the_review() {
    let repo = one_due();
    let mut s = spawn_review(&repo, &[]);
    let before = expect(&mut s, "Who reviewed it?");
    // What changed is shown first.
    assert!(before.contains("Changes since the "), "{before}");
    send(&mut s, "Ana Lima");
    expect(&mut s, "Ana Lima"); // echoed by the prompt
    send(&mut s, ENTER);
    expect(&mut s, "Review date");
    send(&mut s, ENTER); // today (the default)
    let shown = expect(&mut s, "Write it?");
    assert!(
        shown.contains("Record the review: Reviewed By Ana Lima, Last Updated 2026-11-26, Next Review 2027-02-24"),
        "{shown}"
    );
    send(&mut s, "y");
    expect(&mut s, "review recorded; next review 2027-02-24");
    let (_, code) = finish(&mut s);
    assert_eq!(code, 0);
    assert_eq!(
        repo.read(DOC),
        reviewed("Ana Lima", "2026-11-26", "2027-02-24")
    );
}

#[test]
fn the_defaults_are_the_git_user_and_today_and_a_typed_date_is_used() {
    let repo = one_due();
    let mut s = spawn_review(&repo, &[]);
    // The default reviewer is offered: the repository's git user.
    expect(&mut s, "Who reviewed it?");
    expect(&mut s, "Test User");
    send(&mut s, ENTER);
    expect(&mut s, "Review date");
    expect(&mut s, "2026-11-26");
    send(&mut s, "2026-11-24");
    send(&mut s, ENTER);
    expect(&mut s, "Write it?");
    send(&mut s, "y");
    let (_, code) = finish(&mut s);
    assert_eq!(code, 0);
    assert_eq!(
        repo.read(DOC),
        reviewed("Test User", "2026-11-24", "2027-02-22")
    );
}

#[test]
fn flags_skip_their_prompts() {
    let repo = one_due();
    let mut s = spawn_review(&repo, &["--reviewer", "Bo Chen", "--date", "2026-11-25"]);
    let before = expect(&mut s, "Write it?");
    assert!(!before.contains("Who reviewed it?"), "{before}");
    assert!(!before.contains("Review date"), "{before}");
    send(&mut s, "y");
    let (_, code) = finish(&mut s);
    assert_eq!(code, 0);
    assert_eq!(
        repo.read(DOC),
        reviewed("Bo Chen", "2026-11-25", "2027-02-23")
    );
}

#[test]
fn declining_writes_nothing() {
    let repo = one_due();
    let original = repo.read_bytes(DOC);
    let mut s = spawn_review(&repo, &["--reviewer", "Ana Lima"]);
    expect(&mut s, "Review date");
    send(&mut s, ENTER);
    expect(&mut s, "Write it?");
    send(&mut s, "n");
    expect(&mut s, "Nothing written.");
    let (_, code) = finish(&mut s);
    assert_eq!(code, 0);
    assert_eq!(repo.read_bytes(DOC), original);
}

#[test]
fn choosing_a_document_from_the_pick_list_with_the_arrow_keys() {
    let a = doc_due("2026-11-20");
    let b = doc_due("2026-10-01");
    let repo = repo_with(&[
        ("docs/a.md", &a),
        ("docs/b.md", &b),
        ("docs/c.md", &doc_due("2027-02-18")),
    ]);
    let mut s = spawn_review(&repo, &[]);
    expect(&mut s, "Which document did you review?");
    // Both due documents are offered with their state; the ok one is not.
    let listed = expect(&mut s, "docs/b.md");
    assert!(listed.contains("docs/a.md"), "{listed}");
    send(&mut s, DOWN);
    send(&mut s, ENTER);
    // The chosen document's changes are shown, then the questions.
    expect(&mut s, "docs/b.md");
    expect(&mut s, "Who reviewed it?");
    send(&mut s, "Ana Lima");
    send(&mut s, ENTER);
    expect(&mut s, "Review date");
    send(&mut s, ENTER);
    expect(&mut s, "Write it?");
    send(&mut s, "y");
    expect(&mut s, "docs/b.md: review recorded");
    let (_, code) = finish(&mut s);
    assert_eq!(code, 0);
    assert_eq!(repo.read("docs/a.md"), a);
    assert_eq!(
        repo.read("docs/b.md"),
        reviewed("Ana Lima", "2026-11-26", "2027-02-24")
    );
    assert_eq!(repo.git(&["status", "--porcelain"]), " M docs/b.md\n");
}

/// The pick list is in path order: Enter alone takes the first; Up from the first wraps
/// to the last.
#[test]
fn in_the_pick_list_enter_takes_the_first_and_up_wraps_to_the_last() {
    let texts = [
        doc_due("2026-11-20"),
        doc_due("2026-10-01"),
        doc_due("2026-12-01"),
    ];
    for (keys, chosen) in [(ENTER.to_string(), 0), (format!("{UP}{ENTER}"), 2)] {
        let repo = repo_with(&[
            ("docs/a.md", &texts[0]),
            ("docs/b.md", &texts[1]),
            ("docs/c.md", &texts[2]),
        ]);
        let mut s = spawn_review(&repo, &["--reviewer", "Ana Lima", "--date", "2026-11-26"]);
        expect(&mut s, "Which document did you review?");
        let listed = expect(&mut s, "docs/c.md");
        // The due-soon document is offered too, with its state.
        assert!(listed.contains("docs/b.md"), "{listed:?}");
        expect(&mut s, "due-soon");
        send(&mut s, &keys);
        expect(&mut s, "Write it?");
        send(&mut s, "y");
        let name = ["docs/a.md", "docs/b.md", "docs/c.md"][chosen];
        expect(&mut s, &format!("{name}: review recorded"));
        let (_, code) = finish(&mut s);
        assert_eq!(code, 0);
        assert_eq!(
            repo.git(&["status", "--porcelain"]),
            format!(" M {name}\n"),
            "keys {keys:?}"
        );
    }
}

/// A mistyped date at the prompt is refused there and asked again; the answers given so
/// far are kept (the review is not thrown away with an error about a flag).
#[test]
fn a_mistyped_date_is_asked_again() {
    let repo = one_due();
    let mut s = spawn_review(&repo, &["--reviewer", "Ana Lima"]);
    expect(&mut s, "Review date");
    send(&mut s, "2026-13-45");
    send(&mut s, ENTER);
    // The refusal is shown under the prompt, and the bad answer never as accepted.
    let shown = expect(&mut s, "is not a date such as");
    assert!(
        !shown.contains("✔"),
        "the mistyped date was echoed as accepted: {shown:?}"
    );
    send(&mut s, "2026-11-25");
    send(&mut s, ENTER);
    let shown = expect(&mut s, "Write it?");
    assert!(!shown.contains("2026-13-45"), "{shown:?}");
    send(&mut s, "y");
    let (_, code) = finish(&mut s);
    assert_eq!(code, 0);
    assert_eq!(
        repo.read(DOC),
        reviewed("Ana Lima", "2026-11-25", "2027-02-23")
    );
}

/// Ctrl-C at `prompt` (after answering what comes before it with `answers`): exit 130
/// (the shell's code for SIGINT), the message on a line of its own, the document byte for
/// byte as it was, and the cursor shown again.
fn ctrl_c_at(repo: &TestRepo, args: &[&str], prompt: &str, docs: &[&str]) {
    let before: Vec<Vec<u8>> = docs.iter().map(|d| repo.read_bytes(d)).collect();
    let mut s = spawn_review(repo, args);
    expect(&mut s, prompt);
    send(&mut s, "partial");
    s.send_control('c').expect("send Ctrl-C");
    let (rest, code) = finish(&mut s);
    assert_eq!(
        code, 130,
        "Ctrl-C at {prompt:?} exited {code}; output after it:\n{rest:?}"
    );
    let line = rest
        .split('\n')
        .find(|l| l.contains("cancelled"))
        .map(|l| strip_ansi(l).trim_matches('\r').to_string())
        .unwrap_or_default();
    assert_eq!(
        line, "cancelled; nothing was written",
        "Ctrl-C at {prompt:?}: the message is not on a line of its own:\n{rest:?}"
    );
    assert!(
        rest.contains(SHOW_CURSOR),
        "Ctrl-C at {prompt:?}: the cursor was not shown again; output after it:\n{rest:?}"
    );
    assert!(rest.contains("cancelled"), "{rest:?}");
    for (d, b) in docs.iter().zip(&before) {
        assert_eq!(
            &repo.read_bytes(d),
            b,
            "{d} changed after Ctrl-C at {prompt:?}"
        );
    }
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
}

#[test]
fn ctrl_c_at_the_reviewer_prompt_writes_nothing() {
    let repo = one_due();
    ctrl_c_at(&repo, &[], "Who reviewed it?", &[DOC]);
}

#[test]
fn ctrl_c_at_the_date_prompt_writes_nothing() {
    let repo = one_due();
    ctrl_c_at(&repo, &["--reviewer", "Ana Lima"], "Review date", &[DOC]);
}

#[test]
fn ctrl_c_at_the_confirmation_writes_nothing() {
    let repo = one_due();
    ctrl_c_at(
        &repo,
        &["--reviewer", "Ana Lima", "--date", "2026-11-26"],
        "Write it?",
        &[DOC],
    );
}

#[test]
fn ctrl_c_at_the_pick_list_writes_nothing() {
    let repo = repo_with(&[
        ("docs/a.md", &doc_due("2026-11-20")),
        ("docs/b.md", &doc_due("2026-10-01")),
    ]);
    ctrl_c_at(
        &repo,
        &[],
        "Which document did you review?",
        &["docs/a.md", "docs/b.md"],
    );
}

/// Whether `text` holds an SGR (colour or style) escape: `ESC [ digits ; ... m`.
fn has_sgr(text: &str) -> bool {
    text.split('\x1b').skip(1).any(|rest| {
        rest.strip_prefix('[').is_some_and(|r| {
            let end = r.find(|c: char| !(c.is_ascii_digit() || c == ';'));
            end.is_some_and(|i| i > 0 && r[i..].starts_with('m'))
        })
    })
}

#[test]
fn color_never_also_turns_colour_off_in_the_prompts() {
    let repo = one_due();
    let mut s = spawn_review_with(&repo, &["--color", "never"], &[]);
    let before = expect(&mut s, "Who reviewed it?");
    send(&mut s, "Ana Lima");
    send(&mut s, ENTER);
    let shown = expect(&mut s, "Review date");
    assert!(
        !has_sgr(&before) && !has_sgr(&shown),
        "--color never still coloured the prompt: {before:?} {shown:?}"
    );
    s.send_control('c').expect("send Ctrl-C");
    let _ = finish(&mut s);

    // The same prompt with `--color always` is coloured: the check above can fail.
    let mut s = spawn_review_with(&repo, &["--color", "always"], &[]);
    expect(&mut s, "Who reviewed it?");
    send(&mut s, "Ana Lima");
    send(&mut s, ENTER);
    let shown = expect(&mut s, "Review date");
    assert!(has_sgr(&shown), "--color always: no colour in {shown:?}");
    s.send_control('c').expect("send Ctrl-C");
    let _ = finish(&mut s);
}

/// A repository whose document has a history of 300 commits (every third one editing the
/// document), made with `git fast-import`.
fn long_history() -> TestRepo {
    let repo = TestRepo::new();
    let doc = crate::common::filled_doc();
    let mut stream = String::new();
    for i in 1..=300u32 {
        let (path, content) = if i % 3 == 1 {
            (DOC.to_string(), format!("{doc}\nEdit {i}.\n"))
        } else {
            (format!("src/f{i}.txt"), format!("{i}\n"))
        };
        let msg = format!("Change {i}\n");
        stream.push_str(&format!(
            "commit refs/heads/main\nauthor Alice Example <alice@example.com> {t} +0000\n\
             committer Alice Example <alice@example.com> {t} +0000\ndata {}\n{msg}\
             M 100644 inline {path}\ndata {}\n{content}\n",
            msg.len(),
            content.len(),
            t = 1_760_000_000 + u64::from(i) * 60,
        ));
    }
    let mut child = crate::common::git_command(repo.path())
        .args(["fast-import", "--quiet"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("git fast-import");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stream.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    repo.git(&["checkout", "-q", "-f", "main"]);
    repo
}

#[test]
fn reading_history_shows_a_spinner_on_a_terminal_and_nothing_in_a_pipe() {
    let repo = long_history();
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("dbarch"));
    for (k, v) in hermetic_env() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    // The seam draws the spinner at once (no test depends on how long a walk takes).
    cmd.env("TERM", "xterm-256color")
        .env("DBARCH_TEST_PROGRESS_AT_ONCE", "1")
        .env_remove("CI")
        .current_dir(repo.path())
        .args(["sync", "--dry-run"]);
    let mut s = rexpect::session::spawn_with_options(
        cmd,
        Options::new()
            .timeout_ms(Some(60_000))
            .strip_ansi_escape_codes(false),
    )
    .expect("spawn dbarch on a pseudo-terminal");
    expect(&mut s, "reading the history");
    let (_, code) = finish(&mut s);
    assert_eq!(code, 0);
    // The same command in a pipe (what CI logs see): no spinner, stderr empty.
    let out = repo
        .dbarch()
        .env("DBARCH_TEST_PROGRESS_AT_ONCE", "1")
        .env_remove("CI")
        .args(["sync", "--dry-run"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
