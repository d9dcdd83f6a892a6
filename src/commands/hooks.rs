//! `dbarch hooks install | uninstall | status`: what dbarch installs into git — the
//! post-commit hook and the merge driver, each a [`crate::hook::HookKind`] (see
//! [`crate::hook::install`] for where each goes and how a hook chains with an existing
//! one, and [`crate::hook`] for what they do). `install` and `uninstall` go over every
//! kind, in [`HookKind::ALL`]'s order; this file only prints.
//!
//! `install` records the absolute path of the running binary in the script, so the hook
//! works even when `dbarch` is not on the `PATH` git hooks see; the script falls back to
//! `dbarch` on `PATH` when that file is gone. `status` reports the hook scripts and exits
//! 1 when one is not installed, so scripts can check it.
use std::path::Path;

use crate::cli::{Global, HooksAction, HooksArgs};
use crate::config::{Config, Overrides};
use crate::git::Repo;
use crate::hook::install::{self, Line, Removed, Status, Uninstalled};
use crate::hook::{HookKind, Wiring};
use crate::ui::{self, Ui};
use crate::Result;

pub fn run(ui: &mut Ui, global: &Global, args: HooksArgs) -> Result<u8> {
    let repo = Repo::discover(&global.repo)?;
    match args.action {
        HooksAction::Install => {
            let bin = install::this_binary();
            let docs = install::documents(global, &[]);
            for kind in HookKind::ALL {
                let r = install::install(kind, &repo, bin.as_deref(), &docs)?;
                for line in r.lines(repo.workdir().ok()) {
                    match line {
                        Line::Say(s) => ui.line(&ui::sanitize(&s)),
                        Line::Detail(s) => ui.detail(&ui::sanitize(&s)),
                    }
                }
            }
            Ok(crate::exit::OK)
        }
        HooksAction::Uninstall => {
            for kind in HookKind::ALL {
                uninstall(ui, &repo, install::uninstall(kind, &repo)?);
            }
            Ok(crate::exit::OK)
        }
        HooksAction::Status => status(ui, global, &repo),
    }
}

fn uninstall(ui: &mut Ui, repo: &Repo, done: Uninstalled) {
    let (kind, r) = match done {
        Uninstalled::Script(kind, r) => (kind, r),
        Uninstalled::Driver { removed } => {
            if removed {
                ui.line("removed the merge driver (merge.dbarch.* and the merge=dbarch lines of .gitattributes)");
            }
            return;
        }
    };
    let name = kind.name();
    let hook_path = shown(repo, &r.hook);
    match r.action {
        Removed::Removed => ui.line(&format!("removed the {name}: {hook_path}")),
        Removed::Restored => ui.line(&format!(
            "removed the {name} and restored the one it replaced: {hook_path}"
        )),
        Removed::NotInstalled if r.other_hook => ui.line(&format!(
            "dbarch's {name} is not installed; {hook_path} is another program's hook and was left alone"
        )),
        Removed::NotInstalled => ui.line(&format!("dbarch's {name} is not installed; nothing to do")),
    }
}

/// `hooks status`: each hook script, then the hooks directory, then what each script
/// records. Exit 1 when one of them is not installed. (The merge driver is `doctor`'s to
/// report, as before.)
fn status(ui: &mut Ui, global: &Global, repo: &Repo) -> Result<u8> {
    let mut scripts = Vec::new();
    for kind in HookKind::ALL {
        if matches!(kind.wiring(), Wiring::Script(_)) {
            if let Status::Script(kind, s) = install::status(kind, repo)? {
                scripts.push((kind, s));
            }
        }
    }
    for (kind, s) in &scripts {
        let name = kind.name();
        let hook_path = shown(repo, &s.hook);
        if s.installed {
            let mut line = format!("{name}: installed ({hook_path})");
            if !s.executable {
                line.push_str(" but NOT executable: git skips it; run `dbarch hooks install`");
            }
            ui.line(&line);
        } else if s.pre_commit_framework {
            ui.line(&format!(
                "{name}: not installed; {hook_path} is the pre-commit framework's \
                 (add dbarch's hook to .pre-commit-config.yaml, see the README, or run `dbarch hooks install` to chain it)"
            ));
        } else if s.other_hook {
            ui.line(&format!(
                "{name}: not installed; {hook_path} is another program's hook \
                 (`dbarch hooks install` keeps it and runs it after dbarch)"
            ));
        } else {
            ui.line(&format!(
                "{name}: not installed (run `dbarch hooks install`)"
            ));
        }
    }
    let location = install::location(repo)?;
    let dir = shown(repo, &location.dir);
    match &location.hooks_path {
        Some(p) => ui.line(&format!(
            "hooks directory: {dir} (core.hooksPath = {})",
            ui::sanitize(p)
        )),
        None => ui.line(&format!("hooks directory: {dir}")),
    }
    for (_, s) in &scripts {
        if s.installed {
            match &s.recorded_bin {
                Some(b) if s.recorded_bin_found => {
                    ui.line(&format!("binary: {}", ui::sanitize(b)));
                }
                Some(b) => ui.line(&format!(
                    "binary: {} is missing; the hook uses `dbarch` on PATH (run `dbarch hooks install` again)",
                    ui::sanitize(b)
                )),
                None => ui.line("binary: `dbarch` on PATH"),
            }
        }
        if let Some(c) = &s.chained {
            ui.line(&format!(
                "chained hook: {} (runs after dbarch's)",
                shown(repo, c)
            ));
        }
    }
    let env = |k: &str| std::env::var(k).ok();
    let root = repo.workdir().map(Path::to_path_buf).unwrap_or_default();
    match Config::load(&root, global.config.as_deref(), &env, &Overrides::default()) {
        Ok(c) => ui.line(&format!("mode: {}", c.hook.mode.as_str())),
        Err(e) => ui.line(&format!("mode: unknown ({})", ui::one_line(&e.to_string()))),
    }
    Ok(if scripts.iter().all(|(_, s)| s.installed) {
        crate::exit::OK
    } else {
        crate::exit::FINDINGS
    })
}

/// A path relative to the work tree when inside it, else as is.
fn shown(repo: &Repo, p: &Path) -> String {
    let rel = repo
        .workdir()
        .ok()
        .and_then(|w| p.strip_prefix(w).ok())
        .unwrap_or(p);
    ui::sanitize(&rel.to_string_lossy())
}
