use super::values::GLOBS_COMPILED;
use super::*;

fn no_env(_: &str) -> Option<String> {
    None
}

fn parse(text: &str) -> Result<Config> {
    Config::parse_str(text, FILE_NAME)
}

/// The first line of the error (`file:line:col: what`); [`err_full`] has the excerpt.
fn err(text: &str) -> String {
    err_full(text)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

fn err_full(text: &str) -> String {
    match parse(text) {
        Ok(c) => panic!("expected an error for {text:?}, got {c:?}"),
        Err(Error::Config(m)) => m,
        Err(e) => panic!("expected a config error, got {e:?}"),
    }
}

#[test]
fn errors_show_the_line_with_a_caret_and_suggest_the_closest_key() {
    assert_eq!(
            err_full("[[docs]]\npath = \"a.md\"\nreviw-every = \"90d\"\n"),
            "dbarch.toml:3:1: unknown key `reviw-every` in [[docs]] (expected one of: \
             path, review-every, reviewers, remind-before, grace, sections, previous-paths, \
             schema)\n  |\n3 | reviw-every = \"90d\"\n  | ^^^^^^^^^^^\n  = help: did you mean `review-every`?"
        );
    assert_eq!(
        err_full("[changelog]\nskip-whitespace-only = \"yes\"\n"),
        "dbarch.toml:2:24: `skip-whitespace-only` in [changelog]: string \"yes\", \
             expected true or false\n  |\n2 | skip-whitespace-only = \"yes\"\n  | "
            .to_string()
            + &" ".repeat(23)
            + "^^^^^"
    );
    // Nothing close: no guess, a plain hint.
    assert!(err_full("[hook]\nzzzzzzzz = 1\n").contains("= help: remove the key"));
}

fn without_source(mut c: Config) -> Config {
    c.source = None;
    c
}

const FULL: &str = r#"
[[docs]]
path = "docs/database-architecture.md"
review-every = "90d"
reviewers = ["@acme/dba-team"]
remind-before = "14d"
grace = "14d"
[docs.sections."Security Architecture"]
review-every = "quarterly"
paths = ["db/security/**"]
impact = "High"

[[docs]]
path = "docs/adr/*.md"
review-every = "1y"

[changelog]
timezone = "Europe/Lisbon"
skip-authors = ["[bot]", "renovate"]
skip-whitespace-only = true
ignore-revs-file = ""
change-template = "{subject} ({sha})"
max-cell-width = 80
order = "newest-first"
default-impact = "Medium"
date-format = "%Y-%m-%d"
[[changelog.impact-rules]]
path = "migrations/**"
impact = "High"
[[changelog.impact-rules]]
section = "Security Architecture"
impact = "High"

[fields]
last-updated = "Updated"
reviewed-by = "Reviewers"
next-review = "Review Due"

[hook]
mode = "worktree"

[github]
mode = "both"
labels = ["architecture-review", "db"]
"#;

#[test]
fn template_parses_to_defaults() {
    let c = parse(TEMPLATE).unwrap();
    let expected = Config {
        docs_explicit: true,
        ..Config::defaults()
    };
    assert_eq!(c, expected);
}

#[test]
fn template_mentions_every_key() {
    // Every key of a fully populated configuration appears in the template.
    let full = parse(FULL).unwrap().to_toml();
    for line in full.lines() {
        let Some((key, _)) = line.split_once(" = ") else {
            continue;
        };
        let key = key.trim();
        assert!(
            TEMPLATE.contains(&format!("{key} = ")),
            "template lacks `{key}`"
        );
    }
    for table in [
        "[[docs]]",
        "[docs.sections.",
        "[changelog]",
        "[[changelog.impact-rules]]",
        "[fields]",
        "[hook]",
        "[github]",
    ] {
        assert!(TEMPLATE.contains(table), "template lacks {table}");
    }
}

#[test]
fn empty_file_is_defaults() {
    assert_eq!(parse("").unwrap(), Config::defaults());
    assert_eq!(
        parse("\u{feff}# just a comment\n").unwrap(),
        Config::defaults()
    );
}

#[test]
fn full_example_parses() {
    let c = parse(FULL).unwrap();
    assert_eq!(c.docs.len(), 2);
    let d = &c.docs[0];
    assert_eq!(d.reviewers, vec!["@acme/dba-team"]);
    let s = &d.sections["Security Architecture"];
    assert_eq!(s.review_every, Some(Interval::Months(3)));
    assert_eq!(s.paths, vec!["db/security/**"]);
    assert_eq!(s.impact.as_deref(), Some("High"));
    assert_eq!(c.docs[1].review_every, Interval::Months(12));
    assert_eq!(c.docs[1].grace, Interval::Days(14));
    assert_eq!(
        c.changelog.timezone,
        Timezone::Named(chrono_tz::Europe::Lisbon)
    );
    assert_eq!(c.changelog.order, Order::NewestFirst);
    assert_eq!(c.changelog.max_cell_width, 80);
    assert_eq!(c.changelog.ignore_revs_file, "");
    assert_eq!(
        c.changelog.impact_rules,
        vec![
            ImpactRule {
                path: Some(Glob::new("migrations/**").unwrap()),
                section: None,
                impact: "High".into()
            },
            ImpactRule {
                path: None,
                section: Some("Security Architecture".into()),
                impact: "High".into()
            },
        ]
    );
    assert_eq!(c.fields.next_review, "Review Due");
    assert_eq!(c.hook.mode, HookMode::Worktree);
    assert_eq!(c.github.mode, GithubMode::Both);
    assert_eq!(c.github.labels, vec!["architecture-review", "db"]);
}

#[test]
fn to_toml_round_trips() {
    for text in [FULL, "", TEMPLATE] {
        let c = parse(text).unwrap();
        let dumped = c.to_toml();
        let again = parse(&dumped).unwrap_or_else(|e| panic!("{e}\n{dumped}"));
        // The dump always lists [[docs]], so only whether they were explicit differs.
        let again = Config {
            docs_explicit: c.docs_explicit,
            ..again
        };
        assert_eq!(again, c, "{dumped}");
    }
}

#[test]
fn to_toml_round_trips_through_load() {
    let dir = tempfile::tempdir().unwrap();
    let c = parse(FULL).unwrap();
    std::fs::write(dir.path().join(FILE_NAME), c.to_toml()).unwrap();
    let loaded = Config::load(dir.path(), None, &no_env, &Overrides::default()).unwrap();
    assert_eq!(loaded.source, Some(dir.path().join(FILE_NAME)));
    assert_eq!(without_source(loaded), c);
}

#[test]
fn error_unknown_top_level_key() {
    assert_eq!(
        err("[[docs]]\npath = \"a.md\"\n\n[hooks]\nmode = \"off\"\n"),
        "dbarch.toml:4:2: unknown key `hooks` at the top level \
             (expected one of: docs, changelog, fields, hook, github, schema)"
    );
    assert_eq!(
        err("verbose = true\n"),
        "dbarch.toml:1:1: unknown key `verbose` at the top level \
             (expected one of: docs, changelog, fields, hook, github, schema)"
    );
}

#[test]
fn error_unknown_key_in_docs() {
    assert_eq!(
            err("[[docs]]\npath = \"a.md\"\n\n[[docs]]\npath = \"b.md\"\n\nreviewrs = [\"@x\"]\n"),
            "dbarch.toml:7:1: unknown key `reviewrs` in [[docs]] (expected one of: \
             path, review-every, reviewers, remind-before, grace, sections, previous-paths, schema)"
        );
}

#[test]
fn error_unknown_key_in_section_and_rule() {
    assert_eq!(
            err("[[docs]]\npath = \"a.md\"\n[docs.sections.\"Security Architecture\"]\nimpacts = \"High\"\n"),
            "dbarch.toml:4:1: unknown key `impacts` in [docs.sections.\"Security Architecture\"] \
             (expected one of: review-every, paths, impact)"
        );
    assert_eq!(
        err("[[changelog.impact-rules]]\npaths = \"x/**\"\nimpact = \"High\"\n"),
        "dbarch.toml:2:1: unknown key `paths` in [[changelog.impact-rules]] \
             (expected one of: path, section, impact)"
    );
    assert_eq!(
        err("[hook]\nmod = \"off\"\n"),
        "dbarch.toml:2:1: unknown key `mod` in [hook] (expected one of: mode, branches)"
    );
}

#[test]
fn error_wrong_type() {
    assert_eq!(
        err("[[docs]]\npath = \"a.md\"\nreview-every = 90\n"),
        "dbarch.toml:3:16: `review-every` in [[docs]]: integer `90`, \
             expected an interval string such as \"90d\", \"3mo\" or \"quarterly\""
    );
    assert_eq!(
        err("[changelog]\nskip-whitespace-only = \"yes\"\n"),
        "dbarch.toml:2:24: `skip-whitespace-only` in [changelog]: \
             string \"yes\", expected true or false"
    );
    assert_eq!(
        err("[github]\nlabels = \"x\"\n"),
        "dbarch.toml:2:10: `labels` in [github]: string \"x\", \
             expected a list such as [\"a\", \"b\"]"
    );
}

#[test]
fn error_bad_interval() {
    assert_eq!(
        err("[[docs]]\npath = \"a.md\"\ngrace = \"3x\"\n"),
        format!(
            "dbarch.toml:3:9: `grace` in [[docs]]: invalid interval `3x`: unknown unit `x`; \
                 expected {}",
            crate::interval::ACCEPTED_FORMS
        )
    );
    assert_eq!(
        err("[[docs]]\npath = \"a.md\"\n[docs.sections.Security]\nreview-every = \"0d\"\n"),
        format!(
            "dbarch.toml:4:16: `review-every` in [docs.sections.Security]: invalid interval \
                 `0d`: must be longer than zero; expected {}",
            crate::interval::ACCEPTED_FORMS
        )
    );
}

#[test]
fn error_bad_timezone() {
    assert_eq!(
        err("[changelog]\ntimezone = \"Europe/Lisbn\"\n"),
        "dbarch.toml:2:12: `timezone` in [changelog]: unknown timezone `Europe/Lisbn`: \
             use \"commit\" or an IANA name such as \"Europe/Lisbon\" or \"UTC\""
    );
    assert_eq!(
        err("[changelog]\ntimezone = \"europe/lisbon\"\n"),
        "dbarch.toml:2:12: `timezone` in [changelog]: unknown timezone `europe/lisbon`: \
             did you mean `Europe/Lisbon`? use \"commit\" or an IANA name such as \
             \"Europe/Lisbon\" or \"UTC\""
    );
}

#[test]
fn error_bad_enum_values() {
    assert_eq!(
        err("[hook]\nmode = \"amnd\"\n"),
        "dbarch.toml:2:8: `mode` in [hook]: unknown hook mode `amnd` \
             (expected one of: amend, worktree, off)"
    );
    assert_eq!(
        err("[changelog]\norder = \"oldest\"\n"),
        "dbarch.toml:2:9: `order` in [changelog]: unknown order `oldest` \
             (expected one of: auto, oldest-first, newest-first)"
    );
}

#[test]
fn error_impact_rules() {
    assert_eq!(
        err("[[changelog.impact-rules]]\npath = \"m/**\"\nsection = \"S\"\nimpact = \"High\"\n"),
        "dbarch.toml:3:1: a [[changelog.impact-rules]] rule takes either `path` or \
             `section`, not both"
    );
    assert_eq!(
        err("[changelog]\n[[changelog.impact-rules]]\nimpact = \"High\"\n"),
        "dbarch.toml:3:1: a [[changelog.impact-rules]] rule needs a `path` glob or a \
             `section` name"
    );
    assert_eq!(
        err("[[changelog.impact-rules]]\npath = \"m/**\"\n"),
        "dbarch.toml:1:1: a [[changelog.impact-rules]] rule needs an `impact`"
    );
    assert_eq!(
        err("[[changelog.impact-rules]]\npath = \"m/**\"\nimpact = \"\"\n"),
        "dbarch.toml:3:10: `impact` in [[changelog.impact-rules]]: an impact must not be empty"
    );
}

#[test]
fn error_doc_paths() {
    assert_eq!(
        err("[[docs]]\npath = \"\"\n"),
        "dbarch.toml:2:8: `path` in [[docs]]: document path must not be empty"
    );
    assert_eq!(
        err("[[docs]]\nreview-every = \"90d\"\n"),
        "dbarch.toml:1:1: a [[docs]] entry needs a `path`"
    );
    assert_eq!(
        err("[[docs]]\npath = \"../x.md\"\n"),
        "dbarch.toml:2:8: `path` in [[docs]]: document path `../x.md` leaves the \
             repository (`..`)"
    );
    assert_eq!(
        err("[[docs]]\npath = \"/etc/x.md\"\n"),
        "dbarch.toml:2:8: `path` in [[docs]]: document path `/etc/x.md` must be relative \
             to the repository root"
    );
    assert_eq!(
        err("[[docs]]\npath = \"docs/[x.md\"\n"),
        "dbarch.toml:2:8: `path` in [[docs]]: invalid glob `docs/[x.md`: \
             unclosed character class; missing ']'"
    );
    assert_eq!(
        err("[[docs]]\npath = \"a.md\"\n[[docs]]\npath = \"./a.md\"\n"),
        "dbarch.toml:4:1: duplicate [[docs]] path `a.md` (first at line 2)"
    );
    assert_eq!(
        err("[[docs]]\npath = \"a.md\"\n[docs.sections.S]\npaths = [\"ok/**\", \"/abs/**\"]\n"),
        "dbarch.toml:4:19: `paths` in [docs.sections.S]: path glob `/abs/**` must be \
             relative to the repository root (drop the leading `/`)"
    );
}

#[test]
fn error_other_validation() {
    assert_eq!(
        err("[changelog]\nchange-template = \"{subject} {author}\"\n"),
        "dbarch.toml:2:19: `change-template` in [changelog]: unknown placeholder `{author}` \
             in change-template (placeholders: {subject} {sections} {sha} {body})"
    );
    assert_eq!(
        err("[changelog]\nmax-cell-width = 3\n"),
        "dbarch.toml:2:18: `max-cell-width` in [changelog]: must be at least 10, found 3"
    );
    assert_eq!(
        err("[changelog]\ndate-format = \"%H:%M\"\n"),
        "dbarch.toml:2:15: `date-format` in [changelog]: date-format `%H:%M` cannot \
             format a date (use date specifiers such as %Y-%m-%d or %B %-d, %Y)"
    );
    assert_eq!(
        err("[changelog]\nskip-authors = [\"\"]\n"),
        "dbarch.toml:2:17: `skip-authors` in [changelog]: must not be empty"
    );
}

#[test]
fn error_syntax() {
    assert_eq!(
        err("[hook]\nmode = amend\n"),
        "dbarch.toml:2:8: invalid TOML: string values must be quoted, expected literal string"
    );
    assert_eq!(
        err("[hook]\nmode = \"off\"\nmode = \"amend\"\n"),
        "dbarch.toml:3:1: duplicate key `mode`"
    );
}

#[test]
fn never_panics_on_odd_input() {
    for text in [
        "[",
        "[[docs]]\n",
        "docs = 1",
        "docs = [1]",
        "docs = [{}]",
        "docs = [{path = \"x\", sections = 3}]",
        "[docs]\npath = \"x\"",
        "[[docs]]\npath = \"x\"\n[docs.sections]\nreview-every = \"3mo\"\n",
        "changelog = []",
        "docs = [[]]",
        "[[docs]]\npath = \"x\"\nsections = []",
        "[[docs]]\npath = \"x\"\nsections = { S = [] }",
        "[changelog]\nimpact-rules = [[]]",
        "[changelog]\nimpact-rules = [1]",
        "[changelog]\nmax-cell-width = -1",
        "[changelog]\nmax-cell-width = 99999999999999999999",
        "[changelog]\ndate-format = \"%\"",
        "[changelog]\nchange-template = \"{\"",
        "[changelog]\ntimezone = \"\"",
        "[changelog]\ntimezone = 3",
        "\"\u{e9}\u{e9}\" = 1",
        "[\"h\u{e9}\u{e9}k\"]\n\u{e9} = 2",
        "a = \"\\u0000\"",
    ] {
        let r = parse(text);
        assert!(matches!(r, Err(Error::Config(_))), "{text:?}: {r:?}");
    }
}

#[test]
fn precedence_file_env_flags() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(FILE_NAME),
        "[[docs]]\npath = \"a.md\"\nreview-every = \"30d\"\n\
             [changelog]\ntimezone = \"UTC\"\n[hook]\nmode = \"worktree\"\n\
             [github]\nmode = \"pr\"\nlabels = [\"file\"]\n",
    )
    .unwrap();
    let root = dir.path();

    // File over defaults.
    let c = Config::load(root, None, &no_env, &Overrides::default()).unwrap();
    assert_eq!(c.docs[0].review_every, Interval::Days(30));
    assert_eq!(c.changelog.timezone, Timezone::Named(chrono_tz::UTC));
    assert_eq!(c.hook.mode, HookMode::Worktree);
    assert_eq!(c.github.mode, GithubMode::Pr);
    assert_eq!(c.github.labels, vec!["file"]);

    // Environment over file.
    let env = |k: &str| -> Option<String> {
        match k {
            ENV_HOOK_MODE => Some("off".into()),
            ENV_GITHUB_MODE => Some("both".into()),
            ENV_TIMEZONE => Some("Europe/Lisbon".into()),
            ENV_REVIEW_EVERY => Some("quarterly".into()),
            ENV_LABELS => Some(" env-a, ,env-b ".into()),
            _ => None,
        }
    };
    let c = Config::load(root, None, &env, &Overrides::default()).unwrap();
    assert_eq!(c.hook.mode, HookMode::Off);
    assert_eq!(c.github.mode, GithubMode::Both);
    assert_eq!(
        c.changelog.timezone,
        Timezone::Named(chrono_tz::Europe::Lisbon)
    );
    assert_eq!(c.docs[0].review_every, Interval::Months(3));
    assert_eq!(c.doc_settings("other.md").review_every, Interval::Months(3));
    assert_eq!(c.github.labels, vec!["env-a", "env-b"]);

    // Flags over environment.
    let o = Overrides {
        hook_mode: Some(HookMode::Amend),
        github_mode: Some(GithubMode::Issue),
        timezone: Some("commit".into()),
        docs: vec!["a.md".into(), "./b.md".into()],
    };
    let c = Config::load(root, None, &env, &o).unwrap();
    assert_eq!(c.hook.mode, HookMode::Amend);
    assert_eq!(c.github.mode, GithubMode::Issue);
    assert_eq!(c.changelog.timezone, Timezone::Commit);
    assert_eq!(c.docs.len(), 2);
    assert_eq!(c.docs[0].path, "a.md");
    assert_eq!(c.docs[0].review_every, Interval::Months(3));
    assert_eq!(c.docs[1].path, "b.md");
    assert_eq!(c.docs[1].review_every, Interval::Months(3));
    assert_eq!(c.docs[1].grace, Interval::Days(14));

    // Blank environment values count as unset.
    let blank = |_: &str| Some("  ".to_string());
    let c = Config::load(root, None, &blank, &Overrides::default()).unwrap();
    assert_eq!(c.hook.mode, HookMode::Worktree);
    assert_eq!(c.github.labels, vec!["file"]);
}

#[test]
fn override_docs_keep_matching_entry_settings() {
    let with_flags = |docs: &[&str]| {
        let flags = Overrides {
            docs: docs.iter().map(|d| d.to_string()).collect(),
            ..Overrides::default()
        };
        Config::from_layers(Some((FULL, FILE_NAME)), &no_env, &flags)
    };
    let c2 = with_flags(&["docs/adr/0001-x.md", "notes/y.md"]).unwrap();
    assert_eq!(c2.docs[0].path, "docs/adr/0001-x.md");
    assert_eq!(c2.docs[0].review_every, Interval::Months(12));
    assert_eq!(c2.docs[1].path, "notes/y.md");
    assert_eq!(c2.docs[1].review_every, Interval::Days(90));
    let e = with_flags(&["../x.md"]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "document path `../x.md` leaves the repository (`..`)"
    );
    assert!(matches!(e, Error::Usage(_)));
}

#[test]
fn error_bad_env_var() {
    let root = tempfile::tempdir().unwrap();
    let load_with = |name: &'static str, value: &'static str| {
        let env = move |k: &str| (k == name).then(|| value.to_string());
        match Config::load(root.path(), None, &env, &Overrides::default()) {
            Err(Error::Config(m)) => m,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(
        load_with(ENV_HOOK_MODE, "sometimes"),
        "environment variable DBARCH_HOOK_MODE: unknown hook mode `sometimes` \
             (expected one of: amend, worktree, off)"
    );
    assert_eq!(
        load_with(ENV_GITHUB_MODE, "mail"),
        "environment variable DBARCH_GITHUB_MODE: unknown github mode `mail` \
             (expected one of: issue, pr, both)"
    );
    assert_eq!(
        load_with(ENV_TIMEZONE, "Mars/Base"),
        "environment variable DBARCH_TIMEZONE: unknown timezone `Mars/Base`: use \
             \"commit\" or an IANA name such as \"Europe/Lisbon\" or \"UTC\""
    );
    assert_eq!(
        load_with(ENV_REVIEW_EVERY, "fortnightly"),
        format!(
            "environment variable DBARCH_REVIEW_EVERY: invalid interval `fortnightly`: \
                 expected {}",
            crate::interval::ACCEPTED_FORMS
        )
    );
}

#[test]
fn bad_timezone_flag_is_usage_error() {
    let root = tempfile::tempdir().unwrap();
    let o = Overrides {
        timezone: Some("Nowhere".into()),
        ..Overrides::default()
    };
    let e = Config::load(root.path(), None, &no_env, &o).unwrap_err();
    assert!(matches!(e, Error::Usage(_)));
    assert!(e
        .to_string()
        .starts_with("--timezone: unknown timezone `Nowhere`"));
}

#[test]
fn load_without_file_is_defaults_and_explicit_must_exist() {
    let root = tempfile::tempdir().unwrap();
    let c = Config::load(root.path(), None, &no_env, &Overrides::default()).unwrap();
    assert_eq!(c, Config::defaults());
    let missing = root.path().join("nope.toml");
    let e = Config::load(root.path(), Some(&missing), &no_env, &Overrides::default()).unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e:?}");

    let explicit = root.path().join("other.toml");
    std::fs::write(&explicit, "[hook]\nmode = \"nope\"\n").unwrap();
    let e = Config::load(root.path(), Some(&explicit), &no_env, &Overrides::default()).unwrap_err();
    assert_eq!(
        e.to_string().lines().next().unwrap(),
        format!(
            "{}:2:8: `mode` in [hook]: unknown hook mode `nope` \
                 (expected one of: amend, worktree, off)",
            explicit.display()
        )
    );

    std::fs::write(root.path().join(FILE_NAME), b"a = \"\xff\"\n").unwrap();
    let e = Config::load(root.path(), None, &no_env, &Overrides::default()).unwrap_err();
    assert_eq!(e.to_string(), "dbarch.toml:1:6: not valid UTF-8");
}

#[test]
fn doc_settings_matches_paths_and_globs() {
    let c = parse(FULL).unwrap();
    let d = c.doc_settings("docs/database-architecture.md");
    assert_eq!(d.reviewers, vec!["@acme/dba-team"]);
    assert!(d.sections.contains_key("Security Architecture"));
    let adr = c.doc_settings("./docs/adr/0002.md");
    assert_eq!(adr.path, "docs/adr/0002.md");
    assert_eq!(adr.review_every, Interval::Months(12));
    // `*` does not cross directories.
    let deep = c.doc_settings("docs/adr/old/0001.md");
    assert_eq!(deep.review_every, Interval::Days(90));
    assert_eq!(deep.path, "docs/adr/old/0001.md");
    assert!(deep.reviewers.is_empty());
}

#[test]
fn doc_settings_of_many_literal_paths_compiles_no_glob() {
    // 2,000 `[[docs]]` entries: each lookup compares paths; none compiles a glob
    // (that made `lint` quadratic: 57 s for 2,000 entries).
    let toml: String = (0..2000)
        .map(|i| format!("[[docs]]\npath = \"docs/d{i}.md\"\n"))
        .collect();
    let c = parse(&toml).unwrap();
    let before = GLOBS_COMPILED.with(|g| g.get());
    for i in 0..2000 {
        let d = c.doc_settings(&format!("docs/d{i}.md"));
        assert_eq!(d.path, format!("docs/d{i}.md"));
    }
    assert_eq!(GLOBS_COMPILED.with(|g| g.get()) - before, 0);
    assert_eq!(
        c.doc_settings("docs/other.md").review_every,
        Interval::Days(90)
    );
}

#[test]
fn globs_are_compiled_when_the_file_is_read_never_at_a_lookup() {
    // Each glob of the file is compiled once, by the parse; lookups and matches compile
    // nothing (they recompiled every glob entry at each lookup before).
    let mut toml: String = (0..50)
        .map(|i| format!("[[docs]]\npath = \"area{i}/**/*.md\"\n"))
        .collect();
    toml.push_str("[docs.sections.\"Storage\"]\npaths = [\"db/**\"]\n");
    toml.push_str("[hook]\nbranches = [\"main\", \"release/*\"]\n");
    toml.push_str("[schema]\nmigrations = [\"db/*.sql\"]\n");
    let before = GLOBS_COMPILED.with(|g| g.get());
    let c = parse(&toml).unwrap();
    // 50 doc globs, the section's, one branch glob, the migrations glob (the default
    // [schema] globs were compiled once per process, maybe by another test).
    let parsed = GLOBS_COMPILED.with(|g| g.get()) - before;
    assert!(parsed >= 53, "{parsed}");
    let before = GLOBS_COMPILED.with(|g| g.get());
    for i in 0..50 {
        let d = c.doc_settings(&format!("area{i}/sub/x.md"));
        assert_eq!(d.path, format!("area{i}/sub/x.md"));
    }
    assert!(c.docs[49].matches("area49/a/b.md") && !c.docs[49].matches("area4/x.md"));
    assert!(c.hook.branches.iter().any(|b| b.matches("release/1.2")));
    assert!(!c.hook.branches.iter().any(|b| b.matches("release/1/2")));
    assert!(c.schema.migrations[0].is_match("db/V1__init.sql"));
    assert_eq!(GLOBS_COMPILED.with(|g| g.get()) - before, 0);
}

#[test]
fn keyword_enums_and_timezone_parse() {
    assert_eq!("Worktree".parse::<HookMode>(), Ok(HookMode::Worktree));
    assert_eq!(GithubMode::parse("pr"), Ok(GithubMode::Pr));
    assert_eq!(Order::parse("oldest-first"), Ok(Order::OldestFirst));
    assert_eq!(Timezone::parse("commit"), Ok(Timezone::Commit));
    assert_eq!(
        Timezone::parse("America/New_York").map(|t| t.to_string()),
        Ok("America/New_York".to_string())
    );
    assert_eq!(Order::NAMES, &["auto", "oldest-first", "newest-first"]);
}
