//! `dbarch config [--show-origin]`: the effective configuration as TOML, or one
//! `origin<TAB>key = value` line per setting, as `git config --show-origin` prints.
//!
//! Origins, lowest to highest precedence: `default`, `file:<path>:<line>`,
//! `env:DBARCH_*`. (No flag of `dbarch config` overrides a key.)
use crate::cli::ConfigArgs;
use crate::config;
use crate::ui::{self, Ui};
use crate::workspace::Workspace;
use crate::{Error, Result};

pub fn run(ui: &mut Ui, ws: &Workspace, args: ConfigArgs) -> Result<u8> {
    if !args.show_origin {
        ui.print(&ws.config.to_toml());
        return Ok(crate::exit::OK);
    }
    let value = toml::Value::try_from(&ws.config)
        .map_err(|e| Error::Internal(format!("cannot render the configuration: {e}")))?;
    let file = ws.config.source.as_ref().and_then(|p| {
        let text = std::fs::read_to_string(p).ok()?;
        Some((
            p.strip_prefix(&ws.root).unwrap_or(p).display().to_string(),
            text,
        ))
    });
    let env = |name: &str| std::env::var(name).ok();
    let mut leaves = Vec::new();
    walk(&value, &mut Vec::new(), &mut leaves);
    for (path, v) in leaves {
        let origin = match config::env_origin(&path, &env) {
            Some(var) => format!("env:{var}"),
            None => match file
                .as_ref()
                .and_then(|(name, text)| config::key_line(text, &path).map(|l| (name, l)))
            {
                Some((name, line)) => format!("file:{name}:{line}"),
                None => "default".to_string(),
            },
        };
        ui.line(&format!(
            "{origin}\t{} = {}",
            ui::sanitize(&display_path(&path)),
            ui::sanitize(&v.to_string())
        ));
    }
    Ok(crate::exit::OK)
}

/// Every leaf (a value that is not a table or an array of tables) with its key path.
fn walk(v: &toml::Value, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, toml::Value)>) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                path.push(k.clone());
                walk(v, path, out);
                path.pop();
            }
        }
        toml::Value::Array(a) if !a.is_empty() && a.iter().all(|x| x.is_table()) => {
            for (i, v) in a.iter().enumerate() {
                path.push(i.to_string());
                walk(v, path, out);
                path.pop();
            }
        }
        leaf => out.push((path.clone(), leaf.clone())),
    }
}

/// `docs[0].review-every`, `changelog.timezone`.
fn display_path(path: &[String]) -> String {
    let mut out = String::new();
    for p in path {
        if p.parse::<usize>().is_ok() {
            out.push_str(&format!("[{p}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(p);
        }
    }
    out
}
