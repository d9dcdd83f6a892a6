//! Unit tests of the inventory: statements of each dialect parsed and replayed in
//! migration order (renames, drops, what a dropped table takes with it).
use super::*;
use crate::config::SqlDialect;

fn inv(files: &[(&str, &str)], d: SqlDialect) -> Inventory {
    let mut i = Inventory::default();
    for (f, src) in files {
        i.apply_file(f, &parse_file(src, d));
    }
    i
}

fn has(i: &Inventory, k: Kind, n: &str) -> bool {
    i.objects.contains_key(&key(k, n))
}

#[test]
fn tables_columns_renames_and_drops_replay_in_order() {
    let i = inv(
        &[
            ("V1__init.sql", "CREATE EXTENSION IF NOT EXISTS pgcrypto;\nCREATE TABLE public.customers (id uuid PRIMARY KEY, email text NOT NULL UNIQUE, legacy_id int);\nCREATE TABLE orders (id bigserial PRIMARY KEY, customer_id uuid REFERENCES customers(id), total numeric);"),
            ("V2__more.sql", "ALTER TABLE customers RENAME TO accounts;\nALTER TABLE orders RENAME COLUMN total TO total_cents;\nALTER TABLE accounts DROP COLUMN legacy_id;\nCREATE INDEX CONCURRENTLY idx_orders_customer ON orders (customer_id);\nCREATE INDEX ON orders (total_cents);\nCREATE TABEL oops (x int);\nINSERT INTO orders VALUES (1);"),
        ],
        SqlDialect::Postgres,
    );
    assert!(has(&i, Kind::Extension, "pgcrypto"));
    assert!(has(&i, Kind::Table, "accounts"));
    assert!(!has(&i, Kind::Table, "customers"));
    assert!(has(&i, Kind::Column, "accounts.email"));
    assert!(has(&i, Kind::Column, "orders.total_cents"));
    assert!(!has(&i, Kind::Column, "accounts.legacy_id"));
    assert!(has(&i, Kind::Index, "idx_orders_customer"));
    assert!(has(&i, Kind::Index, "orders_total_cents_idx"));
    assert!(has(&i, Kind::ForeignKey, "orders_customer_id_fkey"));
    let fk = &i.objects[&key(Kind::ForeignKey, "orders_customer_id_fkey")];
    assert_eq!(fk.references.as_deref(), Some("customers"));
    let d = &i.dropped[&key(Kind::Table, "customers")];
    assert_eq!(d.renamed_to.as_deref(), Some("accounts"));
    assert_eq!(d.dropped.to_string(), "V2__more.sql:1");
    assert!(i
        .dropped
        .contains_key(&key(Kind::Column, "accounts.legacy_id")));
    assert_eq!(i.skipped.len(), 1);
    assert_eq!(
        (i.skipped[0].file.as_str(), i.skipped[0].line),
        ("V2__more.sql", 6)
    );
    assert_eq!(i.statements, 10);
}

#[test]
fn mysql_inline_keys_change_column_and_drop_index_on() {
    let i = inv(
        &[(
            "1.sql",
            "CREATE TABLE `users` (`id` int NOT NULL AUTO_INCREMENT, `name` varchar(50), PRIMARY KEY (`id`), KEY `idx_name` (`name`)) ENGINE=InnoDB;\nALTER TABLE users CHANGE `name` `full_name` varchar(100) NOT NULL;\nDROP INDEX idx_name ON users;\nRENAME TABLE users TO people;",
        )],
        SqlDialect::Mysql,
    );
    assert!(has(&i, Kind::Table, "people"));
    assert!(has(&i, Kind::Column, "people.full_name"));
    assert!(!has(&i, Kind::Index, "idx_name"));
    assert!(i.skipped.is_empty(), "{:?}", i.skipped);
}

#[test]
fn drop_table_takes_its_columns_and_indexes_with_it() {
    let i = inv(
        &[(
            "1.sql",
            "CREATE TABLE t (a int); CREATE INDEX t_a ON t (a); DROP TABLE t;",
        )],
        SqlDialect::Sqlite,
    );
    assert!(i.objects.is_empty());
    assert!(i.dropped[&key(Kind::Index, "t_a")].with_table);
    assert!(!i.dropped[&key(Kind::Table, "t")].with_table);
}
