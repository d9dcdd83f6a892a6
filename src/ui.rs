//! All human output goes through here: colour (only on a terminal, never with
//! `NO_COLOR`), sanitising of text that came from documents or commits (no escape
//! sequence reaches the terminal), errors with their cause chain, and JSON.
use std::io::{IsTerminal, Write};

use crate::cli::ColorChoice;
use crate::doc::table::strip_escapes;

/// Where output goes. Tests render into buffers.
pub struct Ui {
    out: Box<dyn Write>,
    err: Box<dyn Write>,
    color: bool,
    verbose: bool,
}

/// Makes text from a document or a commit safe to print: escape sequences and control
/// characters (except newlines and tabs) become visible `\x1b`-style escapes.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            out.push_str(&c.escape_default().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// Colour for `choice` on a stream that is (or is not) a terminal. `auto` colours a
/// terminal unless `NO_COLOR` is set; an explicit `--color always` or `never` beats the
/// variable (no-color.org: a flag the user typed wins).
fn wants_color(choice: ColorChoice, terminal: bool) -> bool {
    match choice {
        ColorChoice::Never => false,
        ColorChoice::Always => true,
        ColorChoice::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// The width tables must fit: `COLUMNS` when set (a person's or a test's explicit
/// choice), else the terminal's width on a terminal; `None` in a pipe (no limit).
pub fn terminal_width() -> Option<usize> {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
    {
        return Some(n);
    }
    let term = console::Term::stdout();
    if !term.is_term() {
        return None;
    }
    term.size_checked().map(|(_, cols)| usize::from(cols))
}

/// `n` and the noun in the right number: `1 commit`, `4 placeholders`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A spinner on stderr while something long runs (reading a long history, many
/// documents); cleared when dropped. Shown only on a terminal, never in a pipe, in CI
/// (`CI` set) or under GitHub Actions, and never on a `dumb` terminal. It first draws after
/// 100 ms, so quick commands never flicker.
pub struct Progress(Option<indicatif::ProgressBar>);

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            p.finish_and_clear();
        }
    }
}

/// Whether a spinner may be drawn, given whether stderr is a terminal and the
/// environment (`env` looks a variable up).
fn progress_allowed(terminal: bool, env: &dyn Fn(&str) -> Option<String>) -> bool {
    let set = |k: &str| env(k).is_some_and(|v| !v.is_empty() && v != "0" && v != "false");
    terminal && !set("CI") && !set("GITHUB_ACTIONS") && env("TERM").as_deref() != Some("dumb")
}

/// One line of a cell-like value: escapes removed, whitespace collapsed.
pub fn one_line(text: &str) -> String {
    strip_escapes(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A unified diff of a document's change, for `--dry-run` (`sync`, `adopt`).
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

impl Ui {
    pub fn from_env(verbose: bool) -> Ui {
        Ui::new(
            Box::new(std::io::stdout()),
            Box::new(std::io::stderr()),
            ColorChoice::Auto,
            verbose,
        )
    }

    pub fn new(out: Box<dyn Write>, err: Box<dyn Write>, color: ColorChoice, verbose: bool) -> Ui {
        let color = wants_color(color, std::io::stderr().is_terminal());
        Ui {
            out,
            err,
            color,
            verbose,
        }
    }

    /// Sets colour for our output and for the prompts (dialoguer paints through
    /// `console`, whose switch is global), so `--color never` reaches both.
    pub fn set_color(&mut self, choice: ColorChoice) {
        self.color = wants_color(choice, std::io::stdout().is_terminal());
        let prompts = wants_color(choice, std::io::stderr().is_terminal());
        console::set_colors_enabled(self.color);
        console::set_colors_enabled_stderr(prompts);
    }

    pub fn set_verbose(&mut self, verbose: bool) {
        self.verbose = verbose;
    }

    pub fn verbose(&self) -> bool {
        self.verbose
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    pub fn green(&self, text: &str) -> String {
        self.paint("32", text)
    }

    pub fn yellow(&self, text: &str) -> String {
        self.paint("33", text)
    }

    pub fn red(&self, text: &str) -> String {
        self.paint("31", text)
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    /// A spinner with `message` until the returned value is dropped (see [`Progress`]).
    pub fn progress(&self, message: &str) -> Progress {
        let env = |k: &str| std::env::var(k).ok();
        if !progress_allowed(std::io::stderr().is_terminal(), &env) {
            return Progress(None);
        }
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
        let style = indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner());
        bar.set_style(style);
        bar.set_message(sanitize(message));
        bar.enable_steady_tick(std::time::Duration::from_millis(100));
        // Test seam: draw at once, so a pseudo-terminal test does not depend on how long
        // the work takes.
        if std::env::var_os("DBARCH_TEST_PROGRESS_AT_ONCE").is_some() {
            bar.tick();
        }
        Progress(Some(bar))
    }

    /// One warning per commit that git's own reader would show with the epoch as its
    /// date (a timestamp libgit2 refuses), once per command: the rows are dated as git
    /// dates them, which is not what the author meant.
    pub fn lenient_commits(&mut self, repo: Option<&crate::git::Repo>) {
        for id in repo.map(|r| r.lenient_commits()).unwrap_or_default() {
            self.warning(&format!(
                "commit {id} has an author or committer date git cannot read; it is read as \
                 git reads it (1970-01-01), so its row carries that date: fix the date in a \
                 rewritten commit, or edit the row"
            ));
        }
    }

    /// A line of the command's result on stdout. A broken pipe is not an error.
    pub fn line(&mut self, text: &str) {
        let _ = writeln!(self.out, "{text}");
    }

    /// Raw text to stdout (diffs, TOML), as given.
    pub fn print(&mut self, text: &str) {
        let _ = write!(self.out, "{text}");
    }

    /// A progress or status note on stderr.
    pub fn status(&mut self, text: &str) {
        let _ = writeln!(self.err, "{text}");
    }

    /// A note only shown with `--verbose`.
    pub fn detail(&mut self, text: &str) {
        if self.verbose {
            let _ = writeln!(self.err, "{}", self.dim(text));
        }
    }

    pub fn warning(&mut self, text: &str) {
        let head = self.yellow("warning:");
        let _ = writeln!(self.err, "{head} {text}");
    }

    /// Prints an error and its cause chain on stderr.
    pub fn error(&mut self, err: &crate::Error) {
        if matches!(err, crate::Error::Cancelled) {
            // The person asked for it: no "error:" head.
            let _ = writeln!(self.err, "{err}");
            return;
        }
        let head = self.red("error:");
        let _ = writeln!(self.err, "{head} {}", sanitize(&err.to_string()));
        let mut source = std::error::Error::source(err);
        while let Some(s) = source {
            // libgit2's message is already in ours.
            if !err.to_string().contains(&s.to_string()) {
                let _ = writeln!(self.err, "  caused by: {}", sanitize(&s.to_string()));
            }
            source = s.source();
        }
    }

    /// Pretty JSON on stdout.
    pub fn json<T: serde::Serialize>(&mut self, value: &T) {
        match serde_json::to_string_pretty(value) {
            Ok(s) => self.line(&s),
            Err(e) => self.status(&format!("error: cannot render JSON: {e}")),
        }
    }

    pub fn flush(&mut self) {
        let _ = self.out.flush();
        let _ = self.err.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_only_on_a_terminal_outside_ci() {
        let none = |_: &str| None;
        assert!(progress_allowed(true, &none));
        assert!(!progress_allowed(false, &none));
        let ci = |k: &str| (k == "CI").then(|| "true".to_string());
        assert!(!progress_allowed(true, &ci));
        let actions = |k: &str| (k == "GITHUB_ACTIONS").then(|| "true".to_string());
        assert!(!progress_allowed(true, &actions));
        let dumb = |k: &str| (k == "TERM").then(|| "dumb".to_string());
        assert!(!progress_allowed(true, &dumb));
        let ci_off = |k: &str| (k == "CI").then(|| "false".to_string());
        assert!(progress_allowed(true, &ci_off));
    }

    #[test]
    fn count_says_one_and_many() {
        assert_eq!(count(1, "section", "sections"), "1 section");
        assert_eq!(count(0, "commit", "commits"), "0 commits");
        assert_eq!(count(4, "placeholder", "placeholders"), "4 placeholders");
    }

    #[test]
    fn sanitize_makes_escapes_visible() {
        assert_eq!(sanitize("a\u{1b}[31mred\u{7}\n"), "a\\u{1b}[31mred\\u{7}\n");
    }
}
