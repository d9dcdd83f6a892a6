//! `dbarch hooks install | uninstall | status`: the git post-commit hook (see
//! [`crate::hook`] for where it goes, how it chains with an existing hook, and what it
//! does).
//!
//! `install` records the absolute path of the running binary in the script, so the hook
//! works even when `dbarch` is not on the `PATH` git hooks see; the script falls back to
//! `dbarch` on `PATH` when that file is gone. `status` exits 1 when the hook is not
//! installed, so scripts can check it.
use std::path::Path;

use crate::cli::{Global, HooksAction, HooksArgs};
use crate::config::{Config, Overrides};
use crate::history::Repo;
use crate::hook::{self, Installed, Removed};
use crate::ui::{self, Ui};
use crate::Result;

pub fn run(ui: &mut Ui, global: &Global, args: HooksArgs) -> Result<u8> {
    let repo = Repo::discover(&global.repo)?;
    match args.action {
        HooksAction::Install => {
            install(ui, &repo)?;
            super::merge_driver::install(ui, global, &repo, &[])?;
            Ok(crate::exit::OK)
        }
        HooksAction::Uninstall => {
            let code = uninstall(ui, &repo)?;
            if crate::hook::install::unregister(&repo)? {
                ui.line("removed the merge driver (merge.dbarch.* and the merge=dbarch lines of .gitattributes)");
            }
            Ok(code)
        }
        HooksAction::Status => status(ui, global, &repo),
    }
}

/// Installs the hook and says what happened (also used by `dbarch init --hook`).
pub fn install(ui: &mut Ui, repo: &Repo) -> Result<()> {
    let bin = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok());
    let r = hook::install(repo.git(), bin.as_deref())?;
    let hook_path = shown(repo, &r.location.hook());
    let line = match r.action {
        Installed::Created => format!("installed the post-commit hook: {hook_path}"),
        Installed::Updated => format!("updated the post-commit hook: {hook_path}"),
        Installed::Unchanged => format!("the post-commit hook is already installed: {hook_path}"),
        Installed::Chained => format!(
            "installed the post-commit hook: {hook_path}; the hook that was there is now {} and runs after dbarch",
            r.chained
                .as_deref()
                .map(|c| shown(repo, c))
                .unwrap_or_default()
        ),
    };
    ui.line(&line);
    if let Some(p) = &r.location.hooks_path {
        ui.detail(&format!("core.hooksPath = {}", ui::sanitize(p)));
    }
    Ok(())
}

fn uninstall(ui: &mut Ui, repo: &Repo) -> Result<u8> {
    let r = hook::uninstall(repo.git())?;
    let hook_path = shown(repo, &r.location.hook());
    match r.action {
        Removed::Removed => ui.line(&format!("removed the post-commit hook: {hook_path}")),
        Removed::Restored => ui.line(&format!(
            "removed the post-commit hook and restored the one it replaced: {hook_path}"
        )),
        Removed::NotInstalled if r.other_hook => ui.line(&format!(
            "dbarch's post-commit hook is not installed; {hook_path} is another program's hook and was left alone"
        )),
        Removed::NotInstalled => ui.line("dbarch's post-commit hook is not installed; nothing to do"),
    }
    Ok(crate::exit::OK)
}

fn status(ui: &mut Ui, global: &Global, repo: &Repo) -> Result<u8> {
    let s = hook::status(repo.git())?;
    let hook_path = shown(repo, &s.location.hook());
    if s.installed {
        let mut line = format!("post-commit hook: installed ({hook_path})");
        if !s.executable {
            line.push_str(" but NOT executable: git skips it; run `dbarch hooks install`");
        }
        ui.line(&line);
    } else if s.pre_commit_framework {
        ui.line(&format!(
            "post-commit hook: not installed; {hook_path} is the pre-commit framework's \
             (add dbarch's hook to .pre-commit-config.yaml, see the README, or run `dbarch hooks install` to chain it)"
        ));
    } else if s.other_hook {
        ui.line(&format!(
            "post-commit hook: not installed; {hook_path} is another program's hook \
             (`dbarch hooks install` keeps it and runs it after dbarch)"
        ));
    } else {
        ui.line("post-commit hook: not installed (run `dbarch hooks install`)");
    }
    let dir = shown(repo, &s.location.dir);
    match &s.location.hooks_path {
        Some(p) => ui.line(&format!(
            "hooks directory: {dir} (core.hooksPath = {})",
            ui::sanitize(p)
        )),
        None => ui.line(&format!("hooks directory: {dir}")),
    }
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
    let env = |k: &str| std::env::var(k).ok();
    let root = repo.workdir().map(Path::to_path_buf).unwrap_or_default();
    match Config::load(&root, global.config.as_deref(), &env, &Overrides::default()) {
        Ok(c) => ui.line(&format!("mode: {}", c.hook.mode.as_str())),
        Err(e) => ui.line(&format!("mode: unknown ({})", ui::one_line(&e.to_string()))),
    }
    Ok(if s.installed {
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
        .map(Path::to_path_buf)
        .unwrap_or_else(|| p.to_path_buf());
    ui::sanitize(&rel.to_string_lossy())
}
