//! `dbarch hook post-commit`: what the git hook script runs (see
//! [`crate::hook::post_commit`]).
//!
//! It never breaks a commit: whatever happens (an error, even a panic) it exits 0. A
//! problem is one line on stderr, `dbarch: hook skipped: <reason>`. After an amend it
//! prints one line naming the documents and the new commit id (the id `git commit`
//! printed is no longer HEAD); in `worktree` mode one line saying where the row went.
//! When there is nothing to do it is silent, unless `-v` or `DBARCH_HOOK_VERBOSE=1`
//! asks why.
use std::panic::AssertUnwindSafe;

use crate::changelog::short;
use crate::cli::{Global, HookArgs, HookEvent};
use crate::hook::{self, Outcome};
use crate::ui::{self, Ui};
use crate::Result;

pub fn run(ui: &mut Ui, global: &Global, args: HookArgs) -> Result<u8> {
    match args.event {
        HookEvent::PostCommit => post_commit(ui, global),
    }
    Ok(crate::exit::OK)
}

fn post_commit(ui: &mut Ui, global: &Global) {
    let env = |k: &str| std::env::var(k).ok();
    let verbose = ui.verbose() || env(hook::ENV_VERBOSE).is_some_and(|v| !v.is_empty());
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| hook::post_commit(global, &env)));
    std::panic::set_hook(previous);
    let line = match result {
        Ok(Ok(Outcome::Nothing(why))) => {
            verbose.then(|| format!("dbarch: hook: nothing to do: {why}"))
        }
        Ok(Ok(Outcome::Amended { docs, old, new, .. })) => Some(format!(
            "dbarch: recorded {} in the Change Log of {}; the commit is now {}",
            short(old),
            docs.join(", "),
            short(new)
        )),
        Ok(Ok(Outcome::Written { docs, commit })) => Some(format!(
            "dbarch: Change Log row for {} written to {} (not committed: [hook] mode is worktree)",
            short(commit),
            docs.join(", ")
        )),
        Ok(Ok(Outcome::Preview(_))) => None,
        Ok(Err(e)) => Some(format!("dbarch: hook skipped: {e}")),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into());
            Some(format!("dbarch: hook skipped: internal error: {what}"))
        }
    };
    if let Some(line) = line {
        ui.status(&ui::one_line(&line));
    }
}
