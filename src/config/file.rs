//! The layers of the configuration and their one merge, lowest first: the built-in
//! defaults ([`Config::defaults`]) < `dbarch.toml` < `DBARCH_*` environment variables <
//! command-line flags.
//!
//! Each of the three upper layers is the same tree, [`FileConfig`]: every leaf optional,
//! so a key a layer does not set falls through. `dbarch.toml` is deserialized into it
//! (and checked where a check needs the file's positions: [`FileConfig::check`]);
//! [`FileConfig::from_env`] and [`FileConfig::from_flags`] build the other two. Each
//! layer is merged over the one below by [`FileConfig::update`], and [`resolve`] lays the
//! result over the defaults. Two leaves have no key in the file: `DBARCH_REVIEW_EVERY`
//! sets the `review-every` of every document, and `--doc` paths replace `[[docs]]`
//! (each keeping the settings of the entry it matches).
use std::collections::BTreeMap;

use serde::Deserialize;

use super::diagnostics::{Seg, Source};
use super::values::{check_doc_path, CellWidth, ChangeTemplate, DateFormat, DocPath, Impact, Text};
use super::*;

// ---------------------------------------------------------------------------------------
// File layer
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
#[serde(expecting = "the dbarch.toml table")]
pub(super) struct FileConfig {
    docs: Option<Vec<FileDoc>>,
    changelog: FileChangelog,
    fields: FileFields,
    hook: FileHook,
    github: FileGithub,
    schema: Option<FileSchema>,
    /// `DBARCH_REVIEW_EVERY`: the `review-every` of every document (no file key).
    #[serde(skip)]
    every_review: Option<Interval>,
    /// `--doc` paths: they replace `[[docs]]` (no file key).
    #[serde(skip)]
    doc_paths: Option<Vec<DocPath>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
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

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
#[serde(expecting = "a [schema] table")]
pub(super) struct FileSchema {
    migrations: Option<Vec<Glob>>,
    exclude: Option<Vec<Glob>>,
    dialect: Option<SqlDialect>,
    require_mentions: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
#[serde(expecting = "a table of section settings")]
pub(super) struct FileSection {
    review_every: Option<Interval>,
    paths: Option<Vec<Glob>>,
    impact: Option<Impact>,
}

#[derive(Clone, Debug, Default, Deserialize)]
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

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
#[serde(expecting = "a [[changelog.impact-rules]] table")]
pub(super) struct FileImpactRule {
    path: Option<Glob>,
    section: Option<Text>,
    impact: Option<Impact>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
#[serde(expecting = "the [fields] table")]
pub(super) struct FileFields {
    last_updated: Option<Text>,
    reviewed_by: Option<Text>,
    next_review: Option<Text>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
#[serde(expecting = "the [hook] table")]
pub(super) struct FileHook {
    mode: Option<HookMode>,
    branches: Option<Vec<Text>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
#[serde(expecting = "the [github] table")]
pub(super) struct FileGithub {
    mode: Option<GithubMode>,
    labels: Option<Vec<Text>>,
    changelog_pr: Option<bool>,
    login: Option<Text>,
}

/// Moves each leaf `other` sets over `self`'s.
macro_rules! update_leaves {
    ($self:ident, $other:ident; $($leaf:ident),+) => {
        $(if $other.$leaf.is_some() {
            $self.$leaf = $other.$leaf;
        })+
    };
}

impl FileConfig {
    /// Lays `other` (a higher layer) over this one: what `other` sets wins.
    pub(super) fn update(&mut self, other: FileConfig) {
        update_leaves!(self, other; docs, schema, every_review, doc_paths);
        self.changelog.update(other.changelog);
        self.fields.update(other.fields);
        self.hook.update(other.hook);
        self.github.update(other.github);
    }

    /// The environment layer (see [`ENV_VARS`]): `env` looks a variable up; an empty or
    /// blank value counts as unset. A bad value is an [`Error::Config`] naming the
    /// variable.
    pub(super) fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<FileConfig> {
        let get = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let bad =
            |name: &str, msg: String| Error::Config(format!("environment variable {name}: {msg}"));
        let mut layer = FileConfig::default();
        if let Some(v) = get(ENV_HOOK_MODE) {
            layer.hook.mode = Some(HookMode::parse(&v).map_err(|m| bad(ENV_HOOK_MODE, m))?);
        }
        if let Some(v) = get(ENV_GITHUB_MODE) {
            layer.github.mode = Some(GithubMode::parse(&v).map_err(|m| bad(ENV_GITHUB_MODE, m))?);
        }
        if let Some(v) = get(ENV_TIMEZONE) {
            layer.changelog.timezone = Some(Timezone::parse(&v).map_err(|m| bad(ENV_TIMEZONE, m))?);
        }
        if let Some(v) = get(ENV_REVIEW_EVERY) {
            layer.every_review = Some(Interval::parse(&v).map_err(|m| bad(ENV_REVIEW_EVERY, m))?);
        }
        if let Some(v) = get(ENV_LABELS) {
            layer.github.labels = Some(
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| Text(s.to_string()))
                    .collect(),
            );
        }
        Ok(layer)
    }

    /// The flag layer. A bad value is an [`Error::Usage`].
    pub(super) fn from_flags(o: &Overrides) -> Result<FileConfig> {
        let mut layer = FileConfig::default();
        layer.hook.mode = o.hook_mode;
        layer.github.mode = o.github_mode;
        if let Some(tz) = &o.timezone {
            layer.changelog.timezone =
                Some(Timezone::parse(tz).map_err(|m| Error::Usage(format!("--timezone: {m}")))?);
        }
        if !o.docs.is_empty() {
            let docs = o
                .docs
                .iter()
                .map(|p| check_doc_path(p).map_err(Error::Usage));
            layer.doc_paths = Some(docs.collect::<Result<_>>()?);
        }
        Ok(layer)
    }

    /// The checks of the file layer that point into the file: every `[[docs]]` entry has
    /// a `path`, no two have the same one, and each `[[changelog.impact-rules]]` rule has
    /// an `impact` and exactly one of `path` and `section`.
    pub(super) fn check(&self, src: &Source<'_>) -> Result<()> {
        let mut seen: Vec<&str> = Vec::new();
        for (i, d) in self.docs.iter().flatten().enumerate() {
            let here = [Seg::key("docs"), Seg::Index(i)];
            let Some(path) = &d.path else {
                return Err(src.error_at(&here, "a [[docs]] entry needs a `path`"));
            };
            if let Some(prev) = seen.iter().position(|p| *p == path.path) {
                let first = src
                    .line_of(&[Seg::key("docs"), Seg::Index(prev), Seg::key("path")])
                    .map(|l| format!(" (first at line {l})"))
                    .unwrap_or_default();
                return Err(src.error_at(
                    &[Seg::key("docs"), Seg::Index(i), Seg::key("path")],
                    &format!("duplicate [[docs]] path `{}`{first}", path.path),
                ));
            }
            seen.push(&path.path);
        }
        for (i, r) in self.changelog.impact_rules.iter().flatten().enumerate() {
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
            if r.impact.is_none() {
                return Err(
                    src.error_at(&here, "a [[changelog.impact-rules]] rule needs an `impact`")
                );
            }
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
        }
        Ok(())
    }
}

impl FileChangelog {
    fn update(&mut self, other: FileChangelog) {
        update_leaves!(self, other; timezone, skip_authors, skip_whitespace_only,
            ignore_revs_file, change_template, max_cell_width, order, default_impact,
            date_format, impact_rules);
    }
}

impl FileFields {
    fn update(&mut self, other: FileFields) {
        update_leaves!(self, other; last_updated, reviewed_by, next_review);
    }
}

impl FileHook {
    fn update(&mut self, other: FileHook) {
        update_leaves!(self, other; mode, branches);
    }
}

impl FileGithub {
    fn update(&mut self, other: FileGithub) {
        update_leaves!(self, other; mode, labels, changelog_pr, login);
    }
}

impl SchemaConfig {
    fn overlay(&self, f: FileSchema) -> SchemaConfig {
        SchemaConfig {
            migrations: f.migrations.unwrap_or_else(|| self.migrations.clone()),
            exclude: f.exclude.unwrap_or_else(|| self.exclude.clone()),
            dialect: f.dialect.unwrap_or(self.dialect),
            require_mentions: f.require_mentions.unwrap_or(self.require_mentions),
        }
    }
}

fn texts(v: Vec<Text>) -> Vec<String> {
    v.into_iter().map(|t| t.0).collect()
}

/// The merged layers over the built-in defaults. `file` has passed [`FileConfig::check`]
/// (a layer built in code has no `[[docs]]` or impact rules), so this cannot fail.
pub(super) fn resolve(file: FileConfig) -> Config {
    let mut config = Config::defaults();
    let base = DocConfig::default();
    if let Some(s) = file.schema {
        config.schema = SchemaConfig::default().overlay(s);
    }

    if let Some(docs) = file.docs {
        config.docs_explicit = true;
        let mut out: Vec<DocConfig> = Vec::with_capacity(docs.len());
        for d in docs {
            let Some(path) = d.path else {
                continue; // refused by FileConfig::check
            };
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
        for r in rules {
            let Some(impact) = r.impact else {
                continue; // refused by FileConfig::check
            };
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
        config.hook.branches = v.iter().map(|t| BranchPattern::new(&t.0)).collect();
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
    if let Some(every) = file.every_review {
        for d in &mut config.docs {
            d.review_every = every;
        }
        config.doc_defaults.review_every = every;
    }
    if let Some(paths) = file.doc_paths {
        let docs = paths
            .into_iter()
            .map(|p| {
                let mut doc = config.doc_settings(&p.path);
                doc.glob = p.glob;
                doc
            })
            .collect();
        config.docs = docs;
        config.docs_explicit = true;
    }
    config
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
