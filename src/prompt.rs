//! Questions to a person, behind a trait: dialoguer on a real terminal, a script in
//! tests. Ctrl-C during a prompt cancels cleanly: the cursor is shown again and nothing
//! has been written (commands write only after the last answer).
use std::io::IsTerminal;

use crate::{Error, Result};

pub trait Prompter {
    fn input(&mut self, prompt: &str, default: Option<&str>) -> Result<String>;
    /// Asks until `check` accepts the answer. On a terminal a refused answer is shown as
    /// an error under the prompt and asked again, never echoed as accepted (✔) first.
    fn input_checked(
        &mut self,
        prompt: &str,
        default: Option<&str>,
        check: &dyn Fn(&str) -> std::result::Result<(), String>,
    ) -> Result<String>;
    fn select(&mut self, prompt: &str, items: &[String]) -> Result<usize>;
    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool>;
}

/// Whether a person can be asked: stdin and stderr are terminals.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Prompts on the terminal (stderr), with dialoguer.
pub struct TerminalPrompter {
    theme: dialoguer::theme::ColorfulTheme,
}

impl TerminalPrompter {
    pub fn new() -> TerminalPrompter {
        // SIGINT outside a prompt (say, during a history walk): restore the cursor and
        // leave; nothing is half-written because writes are atomic and come last.
        let _ = ctrlc::set_handler(|| {
            let _ = console::Term::stderr().show_cursor();
            eprintln!("\ncancelled; nothing was written");
            std::process::exit(i32::from(crate::exit::CANCELLED));
        });
        TerminalPrompter {
            theme: dialoguer::theme::ColorfulTheme::default(),
        }
    }
}

impl Default for TerminalPrompter {
    fn default() -> Self {
        TerminalPrompter::new()
    }
}

fn cancelled(e: dialoguer::Error) -> Error {
    let _ = console::Term::stderr().show_cursor();
    match e {
        dialoguer::Error::IO(io) if io.kind() == std::io::ErrorKind::Interrupted => {
            // The cursor is still on the prompt's line: the message starts on a new one.
            let _ = console::Term::stderr().write_line("");
            Error::Cancelled
        }
        dialoguer::Error::IO(io) => Error::Usage(format!("cannot ask on the terminal: {io}")),
    }
}

impl Prompter for TerminalPrompter {
    fn input(&mut self, prompt: &str, default: Option<&str>) -> Result<String> {
        self.input_checked(prompt, default, &|_| Ok(()))
    }

    fn input_checked(
        &mut self,
        prompt: &str,
        default: Option<&str>,
        check: &dyn Fn(&str) -> std::result::Result<(), String>,
    ) -> Result<String> {
        let mut q = dialoguer::Input::<String>::with_theme(&self.theme)
            .with_prompt(prompt)
            .validate_with(|answer: &String| check(answer));
        if let Some(d) = default {
            q = q.default(d.to_string());
        }
        q.interact_text().map_err(cancelled)
    }

    fn select(&mut self, prompt: &str, items: &[String]) -> Result<usize> {
        dialoguer::Select::with_theme(&self.theme)
            .with_prompt(prompt)
            .items(items)
            .default(0)
            .interact()
            .map_err(cancelled)
    }

    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool> {
        dialoguer::Confirm::with_theme(&self.theme)
            .with_prompt(prompt)
            .default(default)
            .interact()
            .map_err(cancelled)
    }
}

/// Answers from a script, for tests.
#[derive(Default)]
pub struct Scripted {
    pub answers: std::collections::VecDeque<String>,
    pub asked: Vec<String>,
}

impl Scripted {
    pub fn new(answers: &[&str]) -> Scripted {
        Scripted {
            answers: answers.iter().map(|s| s.to_string()).collect(),
            asked: Vec::new(),
        }
    }

    fn next(&mut self, prompt: &str) -> Result<String> {
        self.asked.push(prompt.to_string());
        self.answers
            .pop_front()
            .ok_or_else(|| Error::Usage(format!("no scripted answer for {prompt:?}")))
    }
}

impl Prompter for Scripted {
    fn input(&mut self, prompt: &str, default: Option<&str>) -> Result<String> {
        let a = self.next(prompt)?;
        Ok(if a.is_empty() {
            default.unwrap_or("").to_string()
        } else {
            a
        })
    }

    fn input_checked(
        &mut self,
        prompt: &str,
        default: Option<&str>,
        check: &dyn Fn(&str) -> std::result::Result<(), String>,
    ) -> Result<String> {
        loop {
            let a = self.input(prompt, default)?;
            if check(&a).is_ok() {
                return Ok(a);
            }
        }
    }

    fn select(&mut self, prompt: &str, items: &[String]) -> Result<usize> {
        let a = self.next(prompt)?;
        items
            .iter()
            .position(|i| i.starts_with(&a))
            .ok_or_else(|| Error::Usage(format!("no item starts with {a:?}")))
    }

    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool> {
        let a = self.next(prompt)?;
        Ok(match a.as_str() {
            "" => default,
            a => a.starts_with('y'),
        })
    }
}
