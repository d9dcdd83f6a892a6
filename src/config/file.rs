//! The file layer of `dbarch.toml` (every leaf optional, so an absent key falls through
//! to the defaults) and the layers over it: the environment and the flags.
use std::collections::BTreeMap;

use serde::Deserialize;

use super::diagnostics::{Seg, Source};
use super::values::{check_doc_path, CellWidth, ChangeTemplate, DateFormat, DocPath, Impact, Text};
use super::*;

impl SchemaConfig {
    pub(super) fn overlay(&self, f: FileSchema) -> SchemaConfig {
        SchemaConfig {
            migrations: f.migrations.unwrap_or_else(|| self.migrations.clone()),
            exclude: f.exclude.unwrap_or_else(|| self.exclude.clone()),
            dialect: f.dialect.unwrap_or(self.dialect),
            require_mentions: f.require_mentions.unwrap_or(self.require_mentions),
        }
    }
}

impl Config {
    pub(super) fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) -> Result<()> {
        let get = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let bad =
            |name: &str, msg: String| Error::Config(format!("environment variable {name}: {msg}"));
        if let Some(v) = get(ENV_HOOK_MODE) {
            self.hook.mode = HookMode::parse(&v).map_err(|m| bad(ENV_HOOK_MODE, m))?;
        }
        if let Some(v) = get(ENV_GITHUB_MODE) {
            self.github.mode = GithubMode::parse(&v).map_err(|m| bad(ENV_GITHUB_MODE, m))?;
        }
        if let Some(v) = get(ENV_TIMEZONE) {
            self.changelog.timezone = Timezone::parse(&v).map_err(|m| bad(ENV_TIMEZONE, m))?;
        }
        if let Some(v) = get(ENV_REVIEW_EVERY) {
            let every = Interval::parse(&v).map_err(|m| bad(ENV_REVIEW_EVERY, m))?;
            for d in &mut self.docs {
                d.review_every = every;
            }
            self.doc_defaults.review_every = every;
        }
        if let Some(v) = get(ENV_LABELS) {
            self.github.labels = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
        }
        Ok(())
    }

    pub(super) fn apply_overrides(&mut self, o: &Overrides) -> Result<()> {
        if let Some(m) = o.hook_mode {
            self.hook.mode = m;
        }
        if let Some(m) = o.github_mode {
            self.github.mode = m;
        }
        if let Some(tz) = &o.timezone {
            self.changelog.timezone =
                Timezone::parse(tz).map_err(|m| Error::Usage(format!("--timezone: {m}")))?;
        }
        if !o.docs.is_empty() {
            let mut docs = Vec::with_capacity(o.docs.len());
            for p in &o.docs {
                let p = check_doc_path(p).map_err(Error::Usage)?;
                let mut doc = self.doc_settings(&p.path);
                doc.glob = p.glob;
                docs.push(doc);
            }
            self.docs = docs;
            self.docs_explicit = true;
        }
        Ok(())
    }
}

/// The `DBARCH_*` variable that sets the key `path` of the effective configuration, if
/// the environment (`env`) sets it.
pub fn env_origin(path: &[String], env: &dyn Fn(&str) -> Option<String>) -> Option<&'static str> {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    let var = match p.as_slice() {
        ["hook", "mode"] => ENV_HOOK_MODE,
        ["github", "mode"] => ENV_GITHUB_MODE,
        ["github", "labels", ..] => ENV_LABELS,
        ["changelog", "timezone"] => ENV_TIMEZONE,
        ["docs", _, "review-every"] => ENV_REVIEW_EVERY,
        _ => return None,
    };
    env(var).filter(|v| !v.trim().is_empty()).map(|_| var)
}

// ---------------------------------------------------------------------------------------
// File layer
// ---------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
#[serde(expecting = "the dbarch.toml table")]
pub(super) struct FileConfig {
    docs: Option<Vec<FileDoc>>,
    changelog: FileChangelog,
    fields: FileFields,
    hook: FileHook,
    github: FileGithub,
    schema: Option<FileSchema>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
#[serde(expecting = "a [[docs]] table")]
pub(super) struct FileDoc {
    path: Option<DocPath>,
    review_every: Option<Interval>,
    reviewers: Option<Vec<Text>>,
    remind_before: Option<Interval>,
    grace: Option<Interval>,
    sections: Option<BTreeMap<String, FileSection>>,
    previous_paths: Option<Vec<Text>>,
    schema: Option<FileSchema>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
#[serde(expecting = "a [schema] table")]
pub(super) struct FileSchema {
    migrations: Option<Vec<Glob>>,
    exclude: Option<Vec<Glob>>,
    dialect: Option<SqlDialect>,
    require_mentions: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
#[serde(expecting = "a table of section settings")]
pub(super) struct FileSection {
    review_every: Option<Interval>,
    paths: Option<Vec<Glob>>,
    impact: Option<Impact>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
#[serde(expecting = "the [changelog] table")]
pub(super) struct FileChangelog {
    timezone: Option<Timezone>,
    skip_authors: Option<Vec<Text>>,
    skip_whitespace_only: Option<bool>,
    ignore_revs_file: Option<String>,
    change_template: Option<ChangeTemplate>,
    max_cell_width: Option<CellWidth>,
    order: Option<Order>,
    default_impact: Option<Impact>,
    date_format: Option<DateFormat>,
    impact_rules: Option<Vec<FileImpactRule>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
#[serde(expecting = "a [[changelog.impact-rules]] table")]
pub(super) struct FileImpactRule {
    path: Option<Glob>,
    section: Option<Text>,
    impact: Option<Impact>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
#[serde(expecting = "the [fields] table")]
pub(super) struct FileFields {
    last_updated: Option<Text>,
    reviewed_by: Option<Text>,
    next_review: Option<Text>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
#[serde(expecting = "the [hook] table")]
pub(super) struct FileHook {
    mode: Option<HookMode>,
    branches: Option<Vec<Text>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
#[serde(expecting = "the [github] table")]
pub(super) struct FileGithub {
    mode: Option<GithubMode>,
    labels: Option<Vec<Text>>,
    changelog_pr: Option<bool>,
    login: Option<Text>,
}

// ---------------------------------------------------------------------------------------
// Resolution
// ---------------------------------------------------------------------------------------

pub(super) fn texts(v: Vec<Text>) -> Vec<String> {
    v.into_iter().map(|t| t.0).collect()
}

pub(super) fn resolve(file: FileConfig, src: &Source<'_>) -> Result<Config> {
    let mut config = Config::defaults();
    let base = DocConfig::default();
    if let Some(s) = file.schema {
        config.schema = SchemaConfig::default().overlay(s);
    }

    if let Some(docs) = file.docs {
        config.docs_explicit = true;
        let mut out: Vec<DocConfig> = Vec::with_capacity(docs.len());
        for (i, d) in docs.into_iter().enumerate() {
            let here = [Seg::key("docs"), Seg::Index(i)];
            let Some(path) = d.path else {
                return Err(src.error_at(&here, "a [[docs]] entry needs a `path`"));
            };
            if let Some(prev) = out.iter().position(|o| o.path == path.path) {
                let first = src
                    .line_of(&[Seg::key("docs"), Seg::Index(prev), Seg::key("path")])
                    .map(|l| format!(" (first at line {l})"))
                    .unwrap_or_default();
                return Err(src.error_at(
                    &[Seg::key("docs"), Seg::Index(i), Seg::key("path")],
                    &format!("duplicate [[docs]] path `{}`{first}", path.path),
                ));
            }
            let sections = d
                .sections
                .unwrap_or_default()
                .into_iter()
                .map(|(name, s)| {
                    let sc = SectionConfig {
                        review_every: s.review_every,
                        paths: s.paths.unwrap_or_default(),
                        impact: s.impact.map(|i| i.0),
                    };
                    (name, sc)
                })
                .collect();
            out.push(DocConfig {
                path: path.path,
                glob: path.glob,
                review_every: d.review_every.unwrap_or(base.review_every),
                reviewers: d
                    .reviewers
                    .map(texts)
                    .unwrap_or_else(|| base.reviewers.clone()),
                remind_before: d.remind_before.unwrap_or(base.remind_before),
                grace: d.grace.unwrap_or(base.grace),
                sections,
                previous_paths: d.previous_paths.map(texts).unwrap_or_default(),
                schema: d.schema.map(|s| config.schema.overlay(s)),
            });
        }
        config.docs = out;
    }

    let c = file.changelog;
    let cl = &mut config.changelog;
    if let Some(v) = c.timezone {
        cl.timezone = v;
    }
    if let Some(v) = c.skip_authors {
        cl.skip_authors = texts(v);
    }
    if let Some(v) = c.skip_whitespace_only {
        cl.skip_whitespace_only = v;
    }
    if let Some(v) = c.ignore_revs_file {
        cl.ignore_revs_file = v;
    }
    if let Some(v) = c.change_template {
        cl.change_template = v.0;
    }
    if let Some(v) = c.max_cell_width {
        cl.max_cell_width = v.0;
    }
    if let Some(v) = c.order {
        cl.order = v;
    }
    if let Some(v) = c.default_impact {
        cl.default_impact = v.0;
    }
    if let Some(v) = c.date_format {
        cl.date_format = v.0;
    }
    if let Some(rules) = c.impact_rules {
        let mut out = Vec::with_capacity(rules.len());
        for (i, r) in rules.into_iter().enumerate() {
            let here = [
                Seg::key("changelog"),
                Seg::key("impact-rules"),
                Seg::Index(i),
            ];
            let key = |k: &str| {
                [
                    Seg::key("changelog"),
                    Seg::key("impact-rules"),
                    Seg::Index(i),
                    Seg::key(k),
                ]
            };
            let Some(impact) = r.impact else {
                return Err(
                    src.error_at(&here, "a [[changelog.impact-rules]] rule needs an `impact`")
                );
            };
            match (&r.path, &r.section) {
                (Some(_), Some(_)) => return Err(src.error_at(
                    &key("section"),
                    "a [[changelog.impact-rules]] rule takes either `path` or `section`, not both",
                )),
                (None, None) => {
                    return Err(src.error_at(
                        &key("impact"),
                        "a [[changelog.impact-rules]] rule needs a `path` glob or a `section` name",
                    ))
                }
                _ => {}
            }
            out.push(ImpactRule {
                path: r.path,
                section: r.section.map(|s| s.0),
                impact: impact.0,
            });
        }
        cl.impact_rules = out;
    }

    let f = file.fields;
    if let Some(v) = f.last_updated {
        config.fields.last_updated = v.0;
    }
    if let Some(v) = f.reviewed_by {
        config.fields.reviewed_by = v.0;
    }
    if let Some(v) = f.next_review {
        config.fields.next_review = v.0;
    }
    if let Some(v) = file.hook.mode {
        config.hook.mode = v;
    }
    if let Some(v) = file.hook.branches {
        config.hook.branches = v.into_iter().map(|t| t.0).collect();
    }
    if let Some(v) = file.github.mode {
        config.github.mode = v;
    }
    if let Some(v) = file.github.labels {
        config.github.labels = texts(v);
    }
    if let Some(v) = file.github.changelog_pr {
        config.github.changelog_pr = v;
    }
    if let Some(v) = file.github.login {
        config.github.login =
            Some(v.0.trim().trim_start_matches('@').to_string()).filter(|l| !l.is_empty());
    }
    Ok(config)
}
