//! From SQL text to [`Op`]s: a migration file split into statements, each parsed with
//! `sqlparser` (the configured dialect, or each in turn for `auto`) and digested into what
//! it does to the schema; the name rules of the module doc of `inventory` (quotes and
//! default schema prefixes dropped, PostgreSQL's names for unnamed indexes and foreign
//! keys) are applied here.
use sqlparser::ast::{
    AlterColumnOperation, AlterIndexOperation, AlterTableOperation, ColumnDef, ColumnOption,
    CreateIndex, CreateTable, Ident, ObjectName, ObjectNamePart, ObjectType, RenameTableNameKind,
    Statement, TableConstraint,
};
use sqlparser::dialect::{
    Dialect, GenericDialect, MsSqlDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect,
};
use sqlparser::parser::Parser;

use super::{Kind, Op, Part};
use crate::config::SqlDialect;

/// One statement of a file as parsed: its line, and what it does (or why it could not
/// be read).
#[derive(Clone, Debug)]
pub struct ParsedStatement {
    pub line: usize,
    pub ops: std::result::Result<Vec<Op>, String>,
}

/// Parses a migration file's text into its statements (see [`crate::schema::split`]).
pub fn parse_file(src: &str, dialect: SqlDialect) -> Vec<ParsedStatement> {
    crate::schema::split::split(src)
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
