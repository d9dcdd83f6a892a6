//! From SQL text to an inventory of schema objects: each statement is parsed with
//! `sqlparser` and digested into [`Op`]s (what the statement does to the schema), and
//! [`Inventory::apply`] replays them in migration order.
//!
//! Names: identifiers lose their quotes; a `public.`, `dbo.` or `main.` schema prefix is
//! dropped; keys compare case-insensitively. An index or foreign key without a name gets
//! PostgreSQL's (`{table}_{column}_idx`, `{table}_{column}_fkey`). Columns are
//! `table.column`. Statements that change no schema object (INSERT, GRANT, SET ...) are
//! counted and otherwise ignored.
use std::collections::BTreeMap;

use serde::Serialize;
use sqlparser::ast::{
    AlterColumnOperation, AlterIndexOperation, AlterTableOperation, ColumnDef, ColumnOption,
    CreateIndex, CreateTable, Ident, ObjectName, ObjectNamePart, ObjectType, RenameTableNameKind,
    Statement, TableConstraint,
};
use sqlparser::dialect::{
    Dialect, GenericDialect, MsSqlDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect,
};
use sqlparser::parser::Parser;

use crate::config::SqlDialect;

/// What kind of schema object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Extension,
    Schema,
    Type,
    Sequence,
    Table,
    Column,
    Constraint,
    ForeignKey,
    Index,
    View,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Extension => "extension",
            Kind::Schema => "schema",
            Kind::Type => "type",
            Kind::Sequence => "sequence",
            Kind::Table => "table",
            Kind::Column => "column",
            Kind::Constraint => "constraint",
            Kind::ForeignKey => "foreign key",
            Kind::Index => "index",
            Kind::View => "view",
        }
    }

    /// The template section where a reviewer describes this kind of object.
    pub fn section(self) -> &'static str {
        match self {
            Kind::Index => "Indexing Strategy",
            Kind::Extension => "Technology Stack",
            _ => "Database Design",
        }
    }
}

/// What one statement does to the schema.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// A table with its columns, constraints and inline indexes.
    CreateTable {
        name: String,
        columns: Vec<(String, String)>,
        parts: Vec<Part>,
        replace: bool,
    },
    Create {
        kind: Kind,
        name: String,
        table: Option<String>,
        definition: String,
        replace: bool,
    },
    Drop {
        kind: Kind,
        name: String,
        table: Option<String>,
    },
    RenameTable {
        from: String,
        to: String,
    },
    RenameColumn {
        table: String,
        from: String,
        to: String,
    },
    RenameIndex {
        from: String,
        to: String,
    },
    RenameConstraint {
        table: String,
        from: String,
        to: String,
    },
    AddColumn {
        table: String,
        column: String,
        definition: String,
    },
    AlterColumn {
        table: String,
        column: String,
        change: String,
    },
    AddPart {
        table: String,
        part: Part,
    },
    /// `DROP CONSTRAINT x` / `DROP FOREIGN KEY x` / `DROP INDEX x` inside ALTER TABLE.
    DropPart {
        table: String,
        name: String,
    },
    /// Any other change to a table (options, RLS, owner ...).
    AlterTable {
        table: String,
        change: String,
    },
}

/// A constraint or an index of a table.
#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    pub kind: Kind,
    pub name: String,
    pub definition: String,
    /// For a foreign key: the table it references.
    pub references: Option<String>,
    pub columns: Vec<String>,
}

/// One statement of a file as parsed: its line, and what it does (or why it could not
/// be read).
#[derive(Clone, Debug)]
pub struct ParsedStatement {
    pub line: usize,
    pub ops: std::result::Result<Vec<Op>, String>,
}

/// Parses a migration file's text into its statements (see [`super::split`]).
pub fn parse_file(src: &str, dialect: SqlDialect) -> Vec<ParsedStatement> {
    super::split::split(src)
        .into_iter()
        .map(|p| ParsedStatement {
            line: p.line,
            ops: parse_statement(p.sql, dialect),
        })
        .collect()
}

fn dialects(d: SqlDialect) -> Vec<Box<dyn Dialect>> {
    match d {
        SqlDialect::Auto => vec![
            Box::new(GenericDialect {}),
            Box::new(PostgreSqlDialect {}),
            Box::new(MySqlDialect {}),
            Box::new(SQLiteDialect {}),
            Box::new(MsSqlDialect {}),
        ],
        SqlDialect::Generic => vec![Box::new(GenericDialect {})],
        SqlDialect::Postgres => vec![Box::new(PostgreSqlDialect {})],
        SqlDialect::Mysql => vec![Box::new(MySqlDialect {})],
        SqlDialect::Sqlite => vec![Box::new(SQLiteDialect {})],
        SqlDialect::Mssql => vec![Box::new(MsSqlDialect {})],
    }
}

/// One statement's ops; the error is the first dialect's.
pub fn parse_statement(sql: &str, dialect: SqlDialect) -> std::result::Result<Vec<Op>, String> {
    if !looks_like_ddl(sql) {
        return Ok(Vec::new()); // data and session statements: nothing to read
    }
    let mut first_err = None;
    for d in dialects(dialect) {
        let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Parser::new(d.as_ref())
                .try_with_sql(sql)
                .and_then(|mut p| p.parse_statements())
        }));
        match parsed {
            Ok(Ok(stmts)) => return Ok(stmts.iter().flat_map(ops_of).collect()),
            Ok(Err(e)) => {
                first_err.get_or_insert_with(|| e.to_string());
            }
            Err(_) => {
                first_err.get_or_insert_with(|| "the SQL parser failed on it".to_string());
            }
        }
    }
    Err(first_err.unwrap_or_default())
}

/// Whether the statement's first keyword changes the schema (CREATE, ALTER, DROP,
/// RENAME); others are not parsed at all, which keeps big data migrations cheap and
/// never reports a dialect's DML quirk as a schema problem.
fn looks_like_ddl(sql: &str) -> bool {
    let mut words = sql
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty());
    let first = words.next().unwrap_or("");
    if !["CREATE", "ALTER", "DROP", "RENAME"]
        .iter()
        .any(|k| first.eq_ignore_ascii_case(k))
    {
        return false;
    }
    // Routines, triggers, events, rules and policies are not inventoried: their bodies
    // are each dialect's own language, not schema.
    !words.take(6).any(|w| {
        [
            "FUNCTION",
            "PROCEDURE",
            "TRIGGER",
            "EVENT",
            "RULE",
            "POLICY",
        ]
        .iter()
        .any(|k| w.eq_ignore_ascii_case(k))
    })
}

const DEFAULT_SCHEMAS: &[&str] = &["public", "dbo", "main"];

/// `schema.name` without quotes; the default schema dropped.
pub fn object_name(n: &ObjectName) -> String {
    let parts: Vec<&str> =
        n.0.iter()
            .map(|p| match p {
                ObjectNamePart::Identifier(i) => i.value.as_str(),
                ObjectNamePart::Function(_) => "",
            })
            .collect();
    let parts = match parts.as_slice() {
        [s, rest @ ..]
            if !rest.is_empty() && DEFAULT_SCHEMAS.iter().any(|d| s.eq_ignore_ascii_case(d)) =>
        {
            rest
        }
        all => all,
    };
    parts.join(".")
}

fn ident(i: &Ident) -> String {
    i.value.clone()
}

fn column_def(c: &ColumnDef) -> String {
    let s = c.to_string();
    let name = c.name.to_string();
    s.strip_prefix(&name).unwrap_or(&s).trim().to_string()
}

fn index_columns(cols: &[sqlparser::ast::IndexColumn]) -> Vec<String> {
    cols.iter()
        .map(|c| {
            let s = c.column.expr.to_string();
            s.trim_matches(|ch| ch == '"' || ch == '`' || ch == '[' || ch == ']')
                .to_string()
        })
        .collect()
}

fn auto_name(table: &str, cols: &[String], suffix: &str) -> String {
    let t = table.rsplit('.').next().unwrap_or(table);
    if cols.is_empty() {
        format!("{t}_{suffix}")
    } else {
        format!("{t}_{}_{suffix}", cols.join("_"))
    }
}

fn part_of(table: &str, c: &TableConstraint) -> Option<Part> {
    match c {
        TableConstraint::ForeignKey {
            name,
            columns,
            foreign_table,
            ..
        } => {
            let cols: Vec<String> = columns.iter().map(ident).collect();
            Some(Part {
                kind: Kind::ForeignKey,
                name: name
                    .as_ref()
                    .map(ident)
                    .unwrap_or_else(|| auto_name(table, &cols, "fkey")),
                definition: c.to_string(),
                references: Some(object_name(foreign_table)),
                columns: cols,
            })
        }
        TableConstraint::Unique {
            name,
            index_name,
            columns,
            ..
        } => {
            let cols = index_columns(columns);
            Some(Part {
                kind: Kind::Constraint,
                name: name
                    .as_ref()
                    .or(index_name.as_ref())
                    .map(ident)
                    .unwrap_or_else(|| auto_name(table, &cols, "key")),
                definition: c.to_string(),
                references: None,
                columns: cols,
            })
        }
        TableConstraint::Check { name: Some(n), .. } => Some(Part {
            kind: Kind::Constraint,
            name: ident(n),
            definition: c.to_string(),
            references: None,
            columns: Vec::new(),
        }),
        TableConstraint::Index { name, columns, .. } => {
            let cols = index_columns(columns);
            Some(Part {
                kind: Kind::Index,
                name: name
                    .as_ref()
                    .map(ident)
                    .unwrap_or_else(|| auto_name(table, &cols, "idx")),
                definition: c.to_string(),
                references: None,
                columns: cols,
            })
        }
        TableConstraint::FulltextOrSpatial {
            opt_index_name,
            columns,
            ..
        } => {
            let cols = index_columns(columns);
            Some(Part {
                kind: Kind::Index,
                name: opt_index_name
                    .as_ref()
                    .map(ident)
                    .unwrap_or_else(|| auto_name(table, &cols, "idx")),
                definition: c.to_string(),
                references: None,
                columns: cols,
            })
        }
        // The primary key and unnamed checks are part of the table's definition.
        TableConstraint::PrimaryKey { .. } | TableConstraint::Check { name: None, .. } => None,
    }
}

/// Inline `REFERENCES` of a column: a foreign key.
fn column_fks(table: &str, c: &ColumnDef) -> Vec<Part> {
    c.options
        .iter()
        .filter_map(|o| match &o.option {
            ColumnOption::ForeignKey { foreign_table, .. } => {
                let cols = vec![ident(&c.name)];
                Some(Part {
                    kind: Kind::ForeignKey,
                    name: o
                        .name
                        .as_ref()
                        .map(ident)
                        .unwrap_or_else(|| auto_name(table, &cols, "fkey")),
                    definition: format!("{} {}", c.name, o.option),
                    references: Some(object_name(foreign_table)),
                    columns: cols,
                })
            }
            _ => None,
        })
        .collect()
}

fn create_table(t: &CreateTable) -> Op {
    let name = object_name(&t.name);
    let mut parts: Vec<Part> = t
        .columns
        .iter()
        .flat_map(|c| column_fks(&name, c))
        .collect();
    parts.extend(t.constraints.iter().filter_map(|c| part_of(&name, c)));
    Op::CreateTable {
        columns: t
            .columns
            .iter()
            .map(|c| (ident(&c.name), column_def(c)))
            .collect(),
        parts,
        replace: t.or_replace,
        name,
    }
}

fn create_index(i: &CreateIndex) -> Op {
    let table = object_name(&i.table_name);
    let cols = index_columns(&i.columns);
    let name = i
        .name
        .as_ref()
        .map(object_name)
        .unwrap_or_else(|| auto_name(&table, &cols, "idx"));
    Op::Create {
        kind: Kind::Index,
        name,
        table: Some(table),
        definition: i.to_string(),
        replace: false,
    }
}

fn alter_table(table: &str, op: &AlterTableOperation) -> Vec<Op> {
    let t = || table.to_string();
    match op {
        AlterTableOperation::AddColumn { column_def: c, .. } => {
            let mut out = vec![Op::AddColumn {
                table: t(),
                column: ident(&c.name),
                definition: column_def(c),
            }];
            out.extend(
                column_fks(table, c)
                    .into_iter()
                    .map(|part| Op::AddPart { table: t(), part }),
            );
            out
        }
        AlterTableOperation::DropColumn { column_names, .. } => column_names
            .iter()
            .map(|c| Op::Drop {
                kind: Kind::Column,
                name: ident(c),
                table: Some(t()),
            })
            .collect(),
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => vec![Op::RenameColumn {
            table: t(),
            from: ident(old_column_name),
            to: ident(new_column_name),
        }],
        AlterTableOperation::ChangeColumn {
            old_name,
            new_name,
            data_type,
            options,
            ..
        } => {
            let mut out = Vec::new();
            if old_name.value != new_name.value {
                out.push(Op::RenameColumn {
                    table: t(),
                    from: ident(old_name),
                    to: ident(new_name),
                });
            }
            let opts: Vec<String> = options.iter().map(|o| o.to_string()).collect();
            out.push(Op::AlterColumn {
                table: t(),
                column: ident(new_name),
                change: format!("{data_type} {}", opts.join(" ")).trim().to_string(),
            });
            out
        }
        AlterTableOperation::ModifyColumn {
            col_name,
            data_type,
            options,
            ..
        } => {
            let opts: Vec<String> = options.iter().map(|o| o.to_string()).collect();
            vec![Op::AlterColumn {
                table: t(),
                column: ident(col_name),
                change: format!("{data_type} {}", opts.join(" ")).trim().to_string(),
            }]
        }
        AlterTableOperation::AlterColumn { column_name, op } => vec![Op::AlterColumn {
            table: t(),
            column: ident(column_name),
            change: match op {
                AlterColumnOperation::SetDataType { .. } => op.to_string(),
                other => other.to_string(),
            },
        }],
        AlterTableOperation::RenameTable { table_name } => {
            let to = match table_name {
                RenameTableNameKind::As(n) | RenameTableNameKind::To(n) => object_name(n),
            };
            vec![Op::RenameTable { from: t(), to }]
        }
        AlterTableOperation::AddConstraint { constraint, .. } => part_of(table, constraint)
            .map(|part| Op::AddPart { table: t(), part })
            .into_iter()
            .collect(),
        AlterTableOperation::DropConstraint { name, .. }
        | AlterTableOperation::DropForeignKey { name, .. }
        | AlterTableOperation::DropIndex { name } => vec![Op::DropPart {
            table: t(),
            name: ident(name),
        }],
        AlterTableOperation::RenameConstraint { old_name, new_name } => {
            vec![Op::RenameConstraint {
                table: t(),
                from: ident(old_name),
                to: ident(new_name),
            }]
        }
        other => vec![Op::AlterTable {
            table: t(),
            change: other.to_string(),
        }],
    }
}

/// What one parsed statement does.
pub fn ops_of(s: &Statement) -> Vec<Op> {
    match s {
        Statement::CreateTable(t) => vec![create_table(t)],
        Statement::CreateVirtualTable { name, .. } => vec![Op::CreateTable {
            name: object_name(name),
            columns: Vec::new(),
            parts: Vec::new(),
            replace: false,
        }],
        Statement::CreateIndex(i) => vec![create_index(i)],
        Statement::CreateView {
            name,
            query,
            or_replace,
            or_alter,
            ..
        } => vec![Op::Create {
            kind: Kind::View,
            name: object_name(name),
            table: None,
            definition: query.to_string(),
            replace: *or_replace || *or_alter,
        }],
        Statement::AlterView { name, query, .. } => vec![Op::Create {
            kind: Kind::View,
            name: object_name(name),
            table: None,
            definition: query.to_string(),
            replace: true,
        }],
        Statement::CreateExtension { name, .. } => vec![Op::Create {
            kind: Kind::Extension,
            name: ident(name),
            table: None,
            definition: String::new(),
            replace: false,
        }],
        Statement::DropExtension { names, .. } => names
            .iter()
            .map(|n| Op::Drop {
                kind: Kind::Extension,
                name: ident(n),
                table: None,
            })
            .collect(),
        Statement::CreateSequence { name, .. } => vec![Op::Create {
            kind: Kind::Sequence,
            name: object_name(name),
            table: None,
            definition: s.to_string(),
            replace: false,
        }],
        Statement::CreateType { name, .. } => vec![Op::Create {
            kind: Kind::Type,
            name: object_name(name),
            table: None,
            definition: s.to_string(),
            replace: false,
        }],
        Statement::CreateSchema { schema_name, .. } => vec![Op::Create {
            kind: Kind::Schema,
            name: schema_name.to_string().trim_matches('"').to_string(),
            table: None,
            definition: String::new(),
            replace: false,
        }],
        Statement::AlterTable {
            name, operations, ..
        } => {
            let table = object_name(name);
            operations
                .iter()
                .flat_map(|op| alter_table(&table, op))
                .collect()
        }
        Statement::AlterIndex {
            name,
            operation: AlterIndexOperation::RenameIndex { index_name },
        } => vec![Op::RenameIndex {
            from: object_name(name),
            to: object_name(index_name),
        }],
        Statement::RenameTable(rs) => rs
            .iter()
            .map(|r| Op::RenameTable {
                from: object_name(&r.old_name),
                to: object_name(&r.new_name),
            })
            .collect(),
        Statement::Drop {
            object_type,
            names,
            table,
            ..
        } => {
            let kind = match object_type {
                ObjectType::Table => Kind::Table,
                ObjectType::View | ObjectType::MaterializedView => Kind::View,
                ObjectType::Index => Kind::Index,
                ObjectType::Sequence => Kind::Sequence,
                ObjectType::Type => Kind::Type,
                ObjectType::Schema => Kind::Schema,
                _ => return Vec::new(),
            };
            names
                .iter()
                .map(|n| Op::Drop {
                    kind,
                    name: object_name(n),
                    table: table.as_ref().map(object_name),
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------
// Replay
// ---------------------------------------------------------------------------------------

/// Where an event happened: a migration file and the line of its statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Origin {
    pub file: String,
    pub line: usize,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A schema object as the migrations leave it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Object {
    pub kind: Kind,
    /// `orders`, `orders.status` (a column), `idx_orders_customer`.
    pub name: String,
    /// The table of a column, index or constraint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// A foreign key's referenced table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub references: Option<String>,
    /// Normalized SQL of the definition (what "altered" compares).
    pub definition: String,
    pub created: Origin,
    /// The last statement that altered it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub altered: Option<Origin>,
}

/// An object the migrations dropped (or renamed away).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Dropped {
    pub kind: Kind,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    pub dropped: Origin,
    /// When renamed: the new name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_to: Option<String>,
    /// Dropped along with its table.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub with_table: bool,
}

/// A statement the parser could not read (skipped).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub file: String,
    pub line: usize,
    pub error: String,
}

pub type Key = (Kind, String);

pub fn key(kind: Kind, name: &str) -> Key {
    (kind, name.to_lowercase())
}

fn col_name(table: &str, col: &str) -> String {
    format!("{table}.{col}")
}

/// The objects the migrations leave, the ones they dropped, and what was skipped.
#[derive(Clone, Debug, Default)]
pub struct Inventory {
    pub objects: BTreeMap<Key, Object>,
    pub dropped: BTreeMap<Key, Dropped>,
    pub skipped: Vec<Skipped>,
    pub statements: usize,
}

impl Inventory {
    /// Replays one file's parsed statements.
    pub fn apply_file(&mut self, file: &str, parsed: &[ParsedStatement]) {
        for st in parsed {
            self.statements += 1;
            let at = Origin {
                file: file.to_string(),
                line: st.line,
            };
            match &st.ops {
                Ok(ops) => {
                    for op in ops {
                        self.apply(op, &at);
                    }
                }
                Err(e) => self.skipped.push(Skipped {
                    file: file.to_string(),
                    line: st.line,
                    error: crate::ui::one_line(e),
                }),
            }
        }
    }

    fn create(&mut self, o: Object) {
        let k = key(o.kind, &o.name);
        self.dropped.remove(&k);
        match self.objects.get_mut(&k) {
            // CREATE OR REPLACE / IF NOT EXISTS / a dump replayed over migrations: the
            // object stays; a different definition is an alteration.
            Some(old) => {
                if old.definition != o.definition {
                    old.definition = o.definition;
                    old.altered = Some(o.created);
                }
            }
            None => {
                self.objects.insert(k, o);
            }
        }
    }

    fn alter(&mut self, kind: Kind, name: &str, at: &Origin, f: impl FnOnce(&mut Object)) {
        if let Some(o) = self.objects.get_mut(&key(kind, name)) {
            f(o);
            o.altered = Some(at.clone());
        }
    }

    fn drop_obj(&mut self, kind: Kind, name: &str, at: &Origin, renamed_to: Option<String>) {
        if let Some(o) = self.objects.remove(&key(kind, name)) {
            self.dropped.insert(
                key(kind, &o.name),
                Dropped {
                    kind,
                    name: o.name,
                    table: o.table,
                    dropped: at.clone(),
                    renamed_to,
                    with_table: false,
                },
            );
        }
    }

    /// Every object that belongs to `table` (columns, indexes, constraints).
    fn dependents(&self, table: &str) -> Vec<Key> {
        let t = table.to_lowercase();
        self.objects
            .iter()
            .filter(|(_, o)| o.table.as_deref().is_some_and(|x| x.to_lowercase() == t))
            .map(|(k, _)| k.clone())
            .collect()
    }

    fn add_part(&mut self, table: &str, p: &Part, at: &Origin) {
        self.create(Object {
            kind: p.kind,
            name: p.name.clone(),
            table: Some(table.to_string()),
            references: p.references.clone(),
            definition: p.definition.clone(),
            created: at.clone(),
            altered: None,
        });
    }

    /// Replays one op.
    pub fn apply(&mut self, op: &Op, at: &Origin) {
        match op {
            Op::CreateTable {
                name,
                columns,
                parts,
                replace,
            } => {
                let exists = self.objects.contains_key(&key(Kind::Table, name));
                if exists && *replace {
                    for k in self.dependents(name) {
                        if k.0 == Kind::Column {
                            self.objects.remove(&k);
                        }
                    }
                }
                self.create(Object {
                    kind: Kind::Table,
                    name: name.clone(),
                    table: None,
                    references: None,
                    definition: String::new(),
                    created: at.clone(),
                    altered: None,
                });
                for (c, def) in columns {
                    self.create(Object {
                        kind: Kind::Column,
                        name: col_name(name, c),
                        table: Some(name.clone()),
                        references: None,
                        definition: def.clone(),
                        created: at.clone(),
                        altered: None,
                    });
                }
                for p in parts {
                    self.add_part(name, p, at);
                }
            }
            Op::Create {
                kind,
                name,
                table,
                definition,
                ..
            } => self.create(Object {
                kind: *kind,
                name: name.clone(),
                table: table.clone(),
                references: None,
                definition: definition.clone(),
                created: at.clone(),
                altered: None,
            }),
            Op::Drop { kind, name, table } => match kind {
                Kind::Column => {
                    let t = table.clone().unwrap_or_default();
                    self.drop_obj(Kind::Column, &col_name(&t, name), at, None);
                }
                Kind::Table => {
                    for k in self.dependents(name) {
                        if let Some(o) = self.objects.remove(&k) {
                            self.dropped.insert(
                                k,
                                Dropped {
                                    kind: o.kind,
                                    name: o.name,
                                    table: o.table,
                                    dropped: at.clone(),
                                    renamed_to: None,
                                    with_table: true,
                                },
                            );
                        }
                    }
                    self.drop_obj(Kind::Table, name, at, None);
                }
                Kind::Index => {
                    // A MySQL `DROP INDEX x ON t` may name a constraint too.
                    if self.objects.contains_key(&key(Kind::Index, name)) {
                        self.drop_obj(Kind::Index, name, at, None);
                    } else {
                        self.drop_obj(Kind::Constraint, name, at, None);
                    }
                }
                k => self.drop_obj(*k, name, at, None),
            },
            Op::RenameTable { from, to } => {
                let Some(mut t) = self.objects.remove(&key(Kind::Table, from)) else {
                    return;
                };
                let deps = self.dependents(from);
                self.dropped.insert(
                    key(Kind::Table, from),
                    Dropped {
                        kind: Kind::Table,
                        name: t.name.clone(),
                        table: None,
                        dropped: at.clone(),
                        renamed_to: Some(to.clone()),
                        with_table: false,
                    },
                );
                t.name = to.clone();
                t.altered = Some(at.clone());
                self.dropped.remove(&key(Kind::Table, to));
                self.objects.insert(key(Kind::Table, to), t);
                for k in deps {
                    let Some(mut o) = self.objects.remove(&k) else {
                        continue;
                    };
                    o.table = Some(to.clone());
                    if o.kind == Kind::Column {
                        let c = o.name.rsplit('.').next().unwrap_or("").to_string();
                        o.name = col_name(to, &c);
                    }
                    self.objects.insert(key(o.kind, &o.name), o);
                }
            }
            Op::RenameColumn { table, from, to } => {
                let old = col_name(table, from);
                if let Some(mut o) = self.objects.remove(&key(Kind::Column, &old)) {
                    let new = col_name(table, to);
                    self.dropped.insert(
                        key(Kind::Column, &old),
                        Dropped {
                            kind: Kind::Column,
                            name: o.name.clone(),
                            table: Some(table.clone()),
                            dropped: at.clone(),
                            renamed_to: Some(new.clone()),
                            with_table: false,
                        },
                    );
                    o.name = new.clone();
                    o.altered = Some(at.clone());
                    self.dropped.remove(&key(Kind::Column, &new));
                    self.objects.insert(key(Kind::Column, &new), o);
                }
            }
            Op::RenameIndex { from, to } => self.rename_simple(Kind::Index, from, to, at),
            Op::RenameConstraint { from, to, .. } => {
                if self.objects.contains_key(&key(Kind::ForeignKey, from)) {
                    self.rename_simple(Kind::ForeignKey, from, to, at)
                } else {
                    self.rename_simple(Kind::Constraint, from, to, at)
                }
            }
            Op::AddColumn {
                table,
                column,
                definition,
            } => {
                self.create(Object {
                    kind: Kind::Column,
                    name: col_name(table, column),
                    table: Some(table.clone()),
                    references: None,
                    definition: definition.clone(),
                    created: at.clone(),
                    altered: None,
                });
            }
            Op::AlterColumn {
                table,
                column,
                change,
            } => {
                let change = change.clone();
                self.alter(Kind::Column, &col_name(table, column), at, |o| {
                    o.definition = format!("{} /* {change} */", o.definition);
                });
            }
            Op::AddPart { table, part } => self.add_part(table, part, at),
            Op::DropPart { name, .. } => {
                for kind in [Kind::ForeignKey, Kind::Constraint, Kind::Index] {
                    if self.objects.contains_key(&key(kind, name)) {
                        self.drop_obj(kind, name, at, None);
                        break;
                    }
                }
            }
            Op::AlterTable { table, change } => {
                let change = change.clone();
                self.alter(Kind::Table, table, at, |o| {
                    o.definition = format!("{} {change};", o.definition).trim().to_string();
                });
            }
        }
    }

    fn rename_simple(&mut self, kind: Kind, from: &str, to: &str, at: &Origin) {
        let Some(mut o) = self.objects.remove(&key(kind, from)) else {
            return;
        };
        self.dropped.insert(
            key(kind, from),
            Dropped {
                kind,
                name: o.name.clone(),
                table: o.table.clone(),
                dropped: at.clone(),
                renamed_to: Some(to.to_string()),
                with_table: false,
            },
        );
        o.name = to.to_string();
        o.altered = Some(at.clone());
        self.dropped.remove(&key(kind, to));
        self.objects.insert(key(kind, to), o);
    }
}

#[cfg(test)]
mod tests;
