//! From SQL text to an inventory of schema objects: each statement is parsed with
//! `sqlparser` and digested into [`Op`]s (what the statement does to the schema), and
//! [`Inventory::apply`] replays them in migration order.
//!
//! Names: identifiers lose their quotes; a `public.`, `dbo.` or `main.` schema prefix is
//! dropped; keys compare case-insensitively. An index or foreign key without a name gets
//! PostgreSQL's (`{table}_{column}_idx`, `{table}_{column}_fkey`). Columns are
//! `table.column`. Statements that change no schema object (INSERT, GRANT, SET ...) are
//! counted and otherwise ignored.
//!
//! This file holds the vocabulary ([`Kind`], [`Op`], [`Part`]) and the replay
//! ([`Inventory`] and the objects it keeps); `parse` turns a migration file's SQL into
//! [`ParsedStatement`]s of [`Op`]s ([`parse_file`]); `tests` are the unit tests.
use std::collections::BTreeMap;

use serde::Serialize;

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

pub use parse::{parse_file, ParsedStatement};

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

mod parse;

#[cfg(test)]
mod tests;
