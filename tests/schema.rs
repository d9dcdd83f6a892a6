//! `dbarch schema` and the schema feature in `status`, `review`, `lint` and `remind`,
//! through the real binary on real migration sets:
//!
//! - a PostgreSQL SaaS schema evolving over 30 Flyway migrations (extensions, renames of
//!   tables and columns, dropped columns, tables, indexes and views, partial and GIN
//!   indexes, a PL/pgSQL function, data migrations, one broken statement), reviewed
//!   after migration 20;
//! - a MySQL set in golang-migrate's layout (`*.up.sql` with `*.down.sql` beside them,
//!   backticks, inline keys, `CHANGE`, `RENAME TABLE`, a `DELIMITER` trigger);
//! - a SQLite set in Prisma's layout (`<version>_<name>/migration.sql`, with Prisma's
//!   redefine-a-table dance).
use serde_json::Value;

use crate::common::{doc_header, stdout_of, TestRepo, ALICE, BOB, DOC};

/// The SaaS migrations, in order: (file name, SQL).
const SAAS: &[(&str, &str)] = &[
    ("V1__extensions.sql", "CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\";\nCREATE EXTENSION IF NOT EXISTS citext;\n"),
    ("V2__tenants.sql", "CREATE TABLE tenants (\n  id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),\n  name text NOT NULL,\n  created_at timestamptz NOT NULL DEFAULT now()\n);\n"),
    ("V3__users.sql", "CREATE TABLE users (\n  id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),\n  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,\n  email citext NOT NULL,\n  password_hash text,\n  created_at timestamptz DEFAULT now(),\n  CONSTRAINT users_email_unique UNIQUE (tenant_id, email)\n);\n"),
    ("V4__users_idx.sql", "CREATE INDEX idx_users_tenant ON users (tenant_id);\n"),
    ("V5__plans.sql", "CREATE TABLE plans (\n  id serial PRIMARY KEY,\n  code text NOT NULL UNIQUE,\n  price_cents integer NOT NULL CHECK (price_cents >= 0)\n);\n"),
    ("V6__subscriptions.sql", "CREATE TABLE subscriptions (\n  id uuid PRIMARY KEY,\n  tenant_id uuid NOT NULL REFERENCES tenants(id),\n  plan_id integer NOT NULL REFERENCES plans(id),\n  status text NOT NULL DEFAULT 'active',\n  started_at timestamptz NOT NULL,\n  legacy_ref text\n);\n"),
    ("V7__subscriptions_idx.sql", "CREATE INDEX idx_subscriptions_tenant ON subscriptions (tenant_id);\nCREATE INDEX idx_subscriptions_status ON subscriptions (status) WHERE status <> 'cancelled';\n"),
    ("V8__projects.sql", "CREATE TABLE projects (\n  id uuid PRIMARY KEY,\n  tenant_id uuid NOT NULL REFERENCES tenants(id),\n  name text NOT NULL,\n  archived boolean NOT NULL DEFAULT false\n);\n"),
    ("V9__tasks.sql", "CREATE TABLE tasks (\n  id bigserial PRIMARY KEY,\n  project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,\n  title text NOT NULL,\n  done boolean NOT NULL DEFAULT false\n);\n"),
    ("V10__audit_log.sql", "CREATE TABLE audit_log (\n  id bigserial PRIMARY KEY,\n  tenant_id uuid,\n  actor uuid,\n  action text NOT NULL,\n  payload jsonb,\n  at timestamptz NOT NULL DEFAULT now()\n);\n"),
    ("V11__audit_idx.sql", "CREATE INDEX idx_audit_log_tenant_at ON audit_log (tenant_id, at DESC);\nCREATE INDEX idx_audit_log_payload ON audit_log USING gin (payload);\n"),
    ("V12__tasks_are_issues.sql", "ALTER TABLE tasks RENAME TO issues;\nALTER TABLE issues RENAME COLUMN done TO closed;\n"),
    ("V13__users_display_name.sql", "ALTER TABLE users ADD COLUMN display_name text;\n"),
    ("V14__drop_legacy_ref.sql", "ALTER TABLE subscriptions DROP COLUMN legacy_ref;\n"),
    ("V15__active_subscriptions.sql", "CREATE VIEW active_subscriptions AS\n  SELECT * FROM subscriptions WHERE status = 'active';\n"),
    ("V16__seed_plans.sql", "INSERT INTO plans (code, price_cents) VALUES ('free', 0), ('pro', 2900);\n"),
    ("V17__touch_function.sql", "CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger AS $$\nBEGIN\n  NEW.updated_at = now();\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;\n"),
    ("V18__projects_updated_at.sql", "ALTER TABLE projects ADD COLUMN updated_at timestamptz;\n"),
    ("V19__issues_idx.sql", "CREATE INDEX idx_issues_project ON issues (project_id);\n"),
    ("V20__sessions.sql", "CREATE TABLE sessions (\n  id uuid PRIMARY KEY,\n  user_id uuid NOT NULL REFERENCES users(id),\n  expires_at timestamptz NOT NULL\n);\n"),
    // --- the review (2026-06-01) saw the migrations above ---
    ("V21__invoices.sql", "CREATE TABLE invoices (\n  id uuid PRIMARY KEY,\n  tenant_id uuid NOT NULL REFERENCES tenants(id),\n  subscription_id uuid REFERENCES subscriptions(id),\n  amount_cents bigint NOT NULL,\n  issued_at timestamptz NOT NULL\n);\n"),
    ("V22__invoices_idx.sql", "CREATE INDEX CONCURRENTLY idx_invoices_tenant_issued ON invoices (tenant_id, issued_at);\n"),
    ("V23__drop_sessions.sql", "DROP TABLE sessions;\n"),
    ("V24__is_archived.sql", "ALTER TABLE projects RENAME COLUMN archived TO is_archived;\n"),
    ("V25__drop_status_idx.sql", "DROP INDEX IF EXISTS idx_subscriptions_status;\n"),
    ("V26__payments.sql", "CREATE TABLE payments (\n  id uuid PRIMARY KEY,\n  invoice_id uuid NOT NULL,\n  paid_at timestamptz,\n  CONSTRAINT fk_payments_invoice FOREIGN KEY (invoice_id) REFERENCES invoices(id)\n);\n"),
    ("V27__audit_action_type.sql", "ALTER TABLE audit_log ALTER COLUMN action TYPE varchar(64);\n"),
    ("V28__trigram.sql", "CREATE EXTENSION IF NOT EXISTS pg_trgm;\nCREATE INDEX idx_projects_name_trgm ON projects USING gin (name gin_trgm_ops);\n"),
    ("V29__live_subscriptions.sql", "DROP VIEW active_subscriptions;\nCREATE VIEW live_subscriptions AS\n  SELECT id, tenant_id FROM subscriptions WHERE status = 'active';\n"),
    ("V30__invoice_currency.sql", "-- one statement with a typo; the next one still counts\nCREATE INDEX idx_payments_invoice ON payments (invoice_id;\nALTER TABLE invoices ADD COLUMN currency char(3) NOT NULL DEFAULT 'EUR';\n"),
];

const SAAS_DIR: &str = "db/migration";

/// The document as the 2026-06-01 review left it: it describes the schema of the first
/// 20 migrations.
fn saas_doc() -> String {
    doc_header("2026-06-01", "DBA Team", "2026-09-01")
        + "## Technology Stack\n\
           PostgreSQL 16 with the `uuid-ossp` and `citext` extensions.\n\
           \n\
           ## Database Design\n\
           \n\
           ### Table Structure\n\
           \n\
           #### tenants\n\
           One row per customer organisation.\n\
           \n\
           #### users\n\
           | Column | Type |\n\
           |---|---|\n\
           | email | citext |\n\
           | display_name | text |\n\
           \n\
           #### projects\n\
           Projects belong to tenants; `archived` hides them.\n\
           \n\
           #### Other tables\n\
           `plans`, `subscriptions`, `issues`, `audit_log` (its `action` column is free text),\n\
           `sessions` (login sessions, one per device).\n\
           The view `active_subscriptions` lists what is billed.\n\
           \n\
           ## Indexing Strategy\n\
           \n\
           ```sql\n\
           CREATE INDEX idx_users_tenant ON users (tenant_id);\n\
           CREATE INDEX idx_subscriptions_status ON subscriptions (status);\n\
           ```\n\
           \n\
           ## Change Log\n\
           | Date | Change | Author | Impact |\n\
           |------|--------|--------|--------|\n\
           | 2026-06-01 | Architecture review (next review 2026-09-01) | DBA Team | Review |\n\
           | 2026-06-01 | Dropped sessions? no: invoices | DBA Team | Low |\n"
}

/// Migrations 1–20 in January, the document reviewed on 2026-06-01, 21–30 afterwards,
/// one commit each.
fn saas_repo() -> (TestRepo, Vec<String>) {
    let repo = TestRepo::new();
    let mut commits = Vec::new();
    for (i, (name, sql)) in SAAS.iter().enumerate() {
        if i == 20 {
            repo.write_commit(
                DOC,
                saas_doc(),
                "docs: architecture review",
                ALICE,
                "2026-06-01T10:00:00+00:00",
            );
        }
        let date = if i < 20 {
            format!("2026-01-{:02}T10:00:00+00:00", i + 1)
        } else {
            format!("2026-07-{:02}T10:00:00+00:00", i - 19)
        };
        let who = if i % 2 == 0 { ALICE } else { BOB };
        commits.push(repo.write_commit(
            &format!("{SAAS_DIR}/{name}"),
            sql,
            &format!("migration {name}"),
            who,
            &date,
        ));
    }
    (repo, commits)
}

fn schema_json(repo: &TestRepo) -> Value {
    let out = stdout_of(
        &repo
            .dbarch()
            .args(["schema", "--format", "json"])
            .assert()
            .code(0),
    );
    let v: Value = serde_json::from_str(&out).expect("JSON");
    v["documents"][0]["schema"].clone()
}

fn names(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .expect("array")
        .iter()
        .map(|x| x[key].as_str().unwrap_or("").to_string())
        .collect()
}

fn object<'a>(s: &'a Value, kind: &str, name: &str) -> Option<&'a Value> {
    s["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == kind && o["name"] == name)
}

#[test]
fn saas_postgres_inventory_changes_and_findings() {
    let (repo, commits) = saas_repo();
    let s = schema_json(&repo);
    assert_eq!(s["migrations"], 30);
    assert_eq!(s["since"], "2026-06-01");
    // The review saw the document's own commit, right after migration 20.
    assert_eq!(s["base"].as_str().unwrap().len(), 7);

    // The inventory: renames and drops replayed in version order (V2 before V10).
    for (kind, name) in [
        ("extension", "uuid-ossp"),
        ("extension", "citext"),
        ("extension", "pg_trgm"),
        ("table", "issues"),
        ("column", "issues.closed"),
        ("column", "projects.is_archived"),
        ("column", "invoices.currency"),
        ("column", "audit_log.action"),
        ("index", "idx_invoices_tenant_issued"),
        ("index", "idx_projects_name_trgm"),
        ("foreign-key", "fk_payments_invoice"),
        ("foreign-key", "users_tenant_id_fkey"),
        ("constraint", "users_email_unique"),
        ("view", "live_subscriptions"),
    ] {
        assert!(object(&s, kind, name).is_some(), "missing {kind} {name}");
    }
    for (kind, name) in [
        ("table", "tasks"),
        ("table", "sessions"),
        ("column", "subscriptions.legacy_ref"),
        ("column", "projects.archived"),
        ("index", "idx_subscriptions_status"),
        ("view", "active_subscriptions"),
        ("index", "idx_payments_invoice"),
    ] {
        assert!(
            object(&s, kind, name).is_none(),
            "{kind} {name} should be gone"
        );
    }
    // Each object carries the migration and the commit that made it.
    let inv = object(&s, "table", "invoices").unwrap();
    assert_eq!(
        inv["created"]["file"],
        format!("{SAAS_DIR}/V21__invoices.sql")
    );
    assert_eq!(inv["created"]["line"], 1);
    assert_eq!(inv["commit"]["commit"], commits[20][..7]);
    assert_eq!(inv["commit"]["subject"], "migration V21__invoices.sql");
    let issues = object(&s, "table", "issues").unwrap();
    assert_eq!(
        issues["commit"]["commit"],
        commits[8][..7],
        "made by V9 (as tasks)"
    );
    assert!(issues["mentions"][0]["path"]
        .as_str()
        .unwrap()
        .starts_with("Database Design > Table Structure"));

    // The broken statement is reported with file:line and skipped; the next one counts.
    assert_eq!(
        s["skipped"].as_array().unwrap().len(),
        1,
        "{}",
        s["skipped"]
    );
    assert_eq!(
        s["skipped"][0]["file"],
        format!("{SAAS_DIR}/V30__invoice_currency.sql")
    );
    assert_eq!(s["skipped"][0]["line"], 2);

    // Since the review: what migrations 21–30 did, folded (the table's columns are the
    // table's entry).
    let changes: Vec<String> = s["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {} {}{}",
                c["change"].as_str().unwrap(),
                c["kind"].as_str().unwrap(),
                c["name"].as_str().unwrap(),
                c["renamed_to"]
                    .as_str()
                    .map_or(String::new(), |n| format!(" -> {n}"))
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            "created table invoices",
            "created foreign-key invoices_subscription_id_fkey",
            "created foreign-key invoices_tenant_id_fkey",
            "created index idx_invoices_tenant_issued",
            "dropped table sessions",
            "renamed column projects.archived -> projects.is_archived",
            "dropped index idx_subscriptions_status",
            "created foreign-key fk_payments_invoice",
            "created table payments",
            "altered column audit_log.action",
            "created extension pg_trgm",
            "created index idx_projects_name_trgm",
            "dropped view active_subscriptions",
            "created view live_subscriptions",
        ],
        "{changes:#?}"
    );

    // Findings, per section in the document's order.
    let f = s["findings"].as_array().unwrap();
    let listed: Vec<(String, String, String)> = f
        .iter()
        .map(|x| {
            (
                x["section"].as_str().unwrap().to_string(),
                x["problem"].as_str().unwrap().to_string(),
                x["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = |sec: &str, p: &str, n: &str| (sec.to_string(), p.to_string(), n.to_string());
    for w in [
        want("Technology Stack", "not-described", "pg_trgm"),
        want("Database Design", "not-described", "invoices"),
        want("Database Design", "not-described", "payments"),
        want("Database Design", "not-described", "projects.is_archived"),
        want("Database Design", "not-described", "live_subscriptions"),
        want("Database Design", "still-described", "sessions"),
        want("Database Design", "still-described", "projects.archived"),
        want("Database Design", "still-described", "active_subscriptions"),
        want(
            "Indexing Strategy",
            "not-described",
            "idx_invoices_tenant_issued",
        ),
        want(
            "Indexing Strategy",
            "not-described",
            "idx_projects_name_trgm",
        ),
        want(
            "Indexing Strategy",
            "still-described",
            "idx_subscriptions_status",
        ),
    ] {
        assert!(listed.contains(&w), "missing {w:?} in {listed:#?}");
    }
    // Described, so no finding: the altered `audit_log.action` (named in audit_log's
    // block), and `tasks`, renamed to `issues` long before, which the document no
    // longer names. Mentions in the Change Log do not count ("invoices" is there).
    for n in ["audit_log.action", "issues", "tasks", "users.display_name"] {
        assert!(!listed.iter().any(|l| l.2 == n), "{n} in {listed:#?}");
    }
    let sections: Vec<&str> = listed.iter().map(|l| l.0.as_str()).collect();
    let first = |s: &str| sections.iter().position(|x| *x == s).unwrap();
    assert!(first("Technology Stack") < first("Database Design"));
    assert!(first("Database Design") < first("Indexing Strategy"));
    let sessions = f.iter().find(|x| x["name"] == "sessions").unwrap();
    assert_eq!(
        sessions["message"],
        format!(
            "table `sessions` was dropped by {SAAS_DIR}/V23__drop_sessions.sql:1 ({}) but the document still describes it (line 28)",
            &commits[22][..7]
        )
    );

    // The text output names the same, grouped by section.
    let text = stdout_of(&repo.dbarch().arg("schema").assert().code(0));
    assert!(text.contains("30 migration files"), "{text}");
    assert!(text.contains("Since the last review (2026-06-01"), "{text}");
    assert!(
        text.contains("  created table invoices  db/migration/V21__invoices.sql:1"),
        "{text}"
    );
    assert!(
        text.contains("  Indexing Strategy:\n    - index `idx_invoices_tenant_issued` (created)"),
        "{text}"
    );
    assert!(
        text.contains("db/migration/V30__invoice_currency.sql:2: skipped, cannot parse:"),
        "{text}"
    );
    repo.dbarch().args(["schema", "--check"]).assert().code(1);
}

#[test]
fn saas_findings_reach_status_review_lint_and_the_issue() {
    let (repo, _) = saas_repo();
    let n = schema_json(&repo)["findings"].as_array().unwrap().len();
    assert!(n >= 11);

    // status: a SCHEMA column and a JSON field with the count.
    let text = stdout_of(&repo.dbarch().arg("status").assert());
    let head = text.lines().next().unwrap();
    assert!(head.contains(" SCHEMA "), "{text}");
    assert!(head.ends_with("DRIFT"), "{text}");
    let row = text.lines().nth(1).unwrap();
    assert!(row.contains(&format!("  {n}  ")), "{text}");
    let st: Value = serde_json::from_str(&stdout_of(
        &repo.dbarch().args(["status", "--format", "json"]).assert(),
    ))
    .unwrap();
    assert_eq!(st["documents"][0]["schema_findings"], n);

    // lint: only with require-mentions.
    repo.write("dbarch.toml", "");
    let plain = stdout_of(&repo.dbarch().args(["lint", DOC]).assert());
    assert!(!plain.contains("schema"), "{plain}");
    repo.write("dbarch.toml", "[schema]\nrequire-mentions = true\n");
    let strict = stdout_of(&repo.dbarch().args(["lint", DOC]).assert().code(1));
    assert!(
        strict.contains(&format!(
            "{DOC}: schema: Indexing Strategy: index `idx_invoices_tenant_issued` (created)"
        )),
        "{strict}"
    );
    // The same key per document, over the top-level one.
    repo.write(
        "dbarch.toml",
        format!("[schema]\nrequire-mentions = true\n\n[[docs]]\npath = \"{DOC}\"\n[docs.schema]\nrequire-mentions = false\n"),
    );
    let per_doc = stdout_of(&repo.dbarch().args(["lint", DOC]).assert());
    assert!(!per_doc.contains("schema:"), "{per_doc}");
    std::fs::remove_file(repo.abs("dbarch.toml")).unwrap();

    // review: the summary lists the migrations' changes and the findings per section.
    let out = stdout_of(
        &repo
            .dbarch()
            .args([
                "review",
                DOC,
                "--yes",
                "--reviewer",
                "Ana",
                "--date",
                "2026-11-26",
            ])
            .assert()
            .code(0),
    );
    assert!(
        out.contains("Schema since the last review: created table invoices, "),
        "{out}"
    );
    assert!(out.contains(&format!("Schema findings: {n} ")), "{out}");
    assert!(
        out.contains("  Technology Stack:\n    - extension `pg_trgm` (created)"),
        "{out}"
    );

    // The review is recorded (not committed): the review day is now 2026-11-26, after
    // every migration, so nothing is new since; what is still described stays.
    let after = schema_json(&repo);
    assert_eq!(after["since"], "2026-11-26");
    assert_eq!(after["changes"], serde_json::json!([]));
    assert!(after["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["problem"] == "still-described"));
}

#[test]
fn the_review_issue_lists_the_findings_per_section() {
    let (repo, _) = saas_repo();
    let fake = crate::fake_github::FakeGitHub::start();
    fake.put_file("main", DOC, &repo.read_bytes(DOC));
    let out = stdout_of(
        &repo
            .dbarch()
            .envs(fake.env_vars())
            .args(["remind"])
            .assert()
            .code(0),
    );
    let issues = fake.issues();
    assert_eq!(issues.len(), 1, "{out}");
    let body = &issues[0].body;
    let block = &body[body.find("### Schema drift").expect(body)..];
    assert!(
        block.starts_with("### Schema drift since the last review (2026-06-01)\n\n**Technology Stack**\n\n- extension `pg_trgm` (created) by db/migration/V28__trigram.sql:1 ("),
        "{body}"
    );
    assert!(
        block.contains("**Database Design**\n\n- table `invoices` (created)"),
        "{body}"
    );
    assert!(
        block.contains("**Indexing Strategy**\n\n- index `idx_invoices_tenant_issued` (created)"),
        "{body}"
    );
    assert!(block.find("### Checklist").is_some(), "{body}");
    // A second run changes nothing.
    let before = fake.writes();
    repo.dbarch()
        .envs(fake.env_vars())
        .arg("remind")
        .assert()
        .code(0);
    assert_eq!(fake.writes(), before);
}

#[test]
fn mysql_golang_migrate_layout() {
    let repo = TestRepo::new();
    repo.write("dbarch.toml", "[schema]\ndialect = \"mysql\"\n");
    repo.write(
        DOC,
        doc_header("2026-01-01", "DBA Team", "2026-04-01")
            + "## Database Design\nThe `people` table, with `full_name`.\n\n## Change Log\n| Date | Change | Author | Impact |\n|-|-|-|-|\n| 2026-01-01 | x | A | Low |\n",
    );
    let files: &[(&str, &str)] = &[
        ("000001_create_users.up.sql", "CREATE TABLE `users` (\n  `id` int unsigned NOT NULL AUTO_INCREMENT,\n  `name` varchar(100) NOT NULL,\n  `email` varchar(255) NOT NULL,\n  PRIMARY KEY (`id`),\n  UNIQUE KEY `uq_users_email` (`email`),\n  KEY `idx_users_name` (`name`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n"),
        ("000001_create_users.down.sql", "DROP TABLE `users`;\n"),
        ("000002_orders.up.sql", "CREATE TABLE orders (\n  id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,\n  user_id int unsigned NOT NULL,\n  total decimal(10,2) NOT NULL,\n  CONSTRAINT fk_orders_user FOREIGN KEY (user_id) REFERENCES users (id)\n) ENGINE=InnoDB;\n"),
        ("000002_orders.down.sql", "DROP TABLE orders;\nCREATE TABLE only_in_down (x int);\n"),
        ("000003_rename.up.sql", "ALTER TABLE users CHANGE `name` `full_name` varchar(150) NOT NULL;\nRENAME TABLE users TO people;\n"),
        ("000004_trigger.up.sql", "DELIMITER $$\nCREATE TRIGGER orders_bi BEFORE INSERT ON orders FOR EACH ROW\nBEGIN\n  IF NEW.total < 0 THEN\n    SET NEW.total = 0;\n  END IF;\nEND$$\nDELIMITER ;\nALTER TABLE orders ADD COLUMN note text;\n"),
        ("000010_drop_name_idx.up.sql", "DROP INDEX idx_users_name ON people;\nALTER TABLE orders ADD INDEX idx_orders_user (user_id);\n"),
    ];
    let mut paths = vec![DOC.to_string(), "dbarch.toml".to_string()];
    for (f, sql) in files {
        let p = format!("migrations/{f}");
        repo.write(&p, sql);
        paths.push(p);
    }
    let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
    repo.commit(&refs, "schema", ALICE, "2026-02-01T10:00:00+00:00");
    let s = schema_json(&repo);
    assert_eq!(s["migrations"], 5, "down migrations are left out");
    assert_eq!(s["skipped"], serde_json::json!([]), "{}", s["skipped"]);
    for (kind, name) in [
        ("table", "people"),
        ("column", "people.full_name"),
        ("column", "orders.note"),
        ("constraint", "uq_users_email"),
        ("foreign-key", "fk_orders_user"),
        ("index", "idx_orders_user"),
    ] {
        assert!(
            object(&s, kind, name).is_some(),
            "missing {kind} {name}: {}",
            s["objects"]
        );
    }
    assert!(object(&s, "table", "only_in_down").is_none());
    assert!(object(&s, "index", "idx_users_name").is_none());
    // Reviewed (Last Updated) before any migration: everything is new since.
    let f = names(&s["findings"], "name");
    assert!(f.contains(&"orders".to_string()), "{f:?}");
    assert!(!f.contains(&"people".to_string()), "{f:?}");
}

#[test]
fn sqlite_prisma_layout_and_no_migrations() {
    let repo = TestRepo::new();
    repo.write(
        DOC,
        doc_header("2026-01-01", "DBA Team", "2026-04-01")
            + "## Database Design\nThe `Post` table holds `title`, `published`.\n\n## Change Log\n| Date | Change | Author | Impact |\n|-|-|-|-|\n| 2026-01-01 | x | A | Low |\n",
    );
    repo.commit(&[DOC], "doc", ALICE, "2026-01-01T10:00:00+00:00");
    // Without migrations, status stays as it was: no column, no field.
    let text = stdout_of(&repo.dbarch().arg("status").assert());
    assert!(!text.contains("SCHEMA"), "{text}");
    let st = stdout_of(&repo.dbarch().args(["status", "--format", "json"]).assert());
    assert!(!st.contains("schema_findings"), "{st}");
    let none = stdout_of(&repo.dbarch().arg("schema").assert().code(0));
    assert!(none.contains("no migration files found"), "{none}");

    let m = "prisma/migrations";
    repo.write(
        &format!("{m}/20240101000000_init/migration.sql"),
        "-- CreateTable\nCREATE TABLE \"Post\" (\n    \"id\" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,\n    \"title\" TEXT NOT NULL,\n    \"draft\" BOOLEAN NOT NULL DEFAULT true\n);\n",
    );
    repo.write(
        &format!("{m}/20240201000000_published/migration.sql"),
        "-- RedefineTables\nPRAGMA foreign_keys=OFF;\nCREATE TABLE \"new_Post\" (\n    \"id\" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,\n    \"title\" TEXT NOT NULL,\n    \"published\" BOOLEAN NOT NULL DEFAULT false\n);\nINSERT INTO \"new_Post\" (\"id\", \"title\") SELECT \"id\", \"title\" FROM \"Post\";\nDROP TABLE \"Post\";\nALTER TABLE \"new_Post\" RENAME TO \"Post\";\nPRAGMA foreign_keys=ON;\nCREATE INDEX \"Post_title_idx\" ON \"Post\"(\"title\");\n",
    );
    repo.write(
        &format!("{m}/migration_lock.toml"),
        "provider = \"sqlite\"\n",
    );
    repo.commit(&[m], "prisma migrations", BOB, "2026-02-01T10:00:00+00:00");
    let s = schema_json(&repo);
    assert_eq!(s["migrations"], 2);
    assert!(object(&s, "table", "Post").is_some());
    assert!(object(&s, "column", "Post.published").is_some());
    assert!(object(&s, "column", "Post.draft").is_none());
    assert!(object(&s, "table", "new_Post").is_none());
    assert!(object(&s, "index", "Post_title_idx").is_some());
    let f = names(&s["findings"], "name");
    assert!(!f.contains(&"Post".to_string()), "described: {f:?}");
    assert!(f.contains(&"Post_title_idx".to_string()), "{f:?}");
    let text = stdout_of(&repo.dbarch().arg("status").assert());
    assert!(text.lines().next().unwrap().contains("SCHEMA"), "{text}");
}

#[test]
fn bad_schema_configuration_is_a_usage_error() {
    let repo = TestRepo::new();
    repo.write("dbarch.toml", "[schema]\ndialect = \"oracle\"\n");
    let err = crate::common::stderr_of(&repo.dbarch().arg("schema").assert().code(2));
    assert!(err.contains("unknown SQL dialect `oracle`"), "{err}");
    repo.write("dbarch.toml", "[schema]\nmigration = [\"x\"]\n");
    repo.dbarch().arg("schema").assert().code(2);
}

#[test]
fn the_demo_shows_a_review_issue_naming_the_new_objects() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("demo");
    let out = stdout_of(
        &crate::common::dbarch()
            .args(["demo", "--dir"])
            .arg(&target)
            .assert()
            .code(0),
    );
    let step = &out[out.find("── 5b.").expect(&out)..out.find("── 6.").expect(&out)];
    assert!(step.contains("$ dbarch schema\n"), "{step}");
    assert!(
        step.contains("The review issue that `dbarch remind` opens carries this section:\n### Schema drift since the last review"),
        "{step}"
    );
    for want in [
        "**Database Design**\n\n- table `account` (created) by migrations/0001_init.sql:1",
        "- table `invoices` (created) by migrations/0002_billing.sql:1",
        "**Indexing Strategy**\n\n- index `idx_invoices_account` (created) by migrations/0002_billing.sql:6",
    ] {
        assert!(step.contains(want), "missing {want:?} in {step}");
    }
    // The review step shows the same before it records the review.
    assert!(
        out.contains("Schema findings: 4 (`dbarch schema` for details)"),
        "{out}"
    );
}
