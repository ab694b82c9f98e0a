//! The physical limit the benchmarks compare flow against: N committed SQLite transactions,
//! one single-row INSERT each, on the same library and settings as the store (rusqlite with
//! bundled SQLite, WAL, synchronous=FULL), in a fresh file at the path given.
//!
//!     bare_commits <database path> <transactions>
//!
//! Prints one JSON object: {"transactions", "seconds", "per_second"}.

use std::time::Instant;

use rusqlite::{Connection, params};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: bare_commits <database path> <transactions>")?;
    let count: u64 = args
        .next()
        .ok_or("usage: bare_commits <database path> <transactions>")?
        .parse()?;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
    let connection = Connection::open(&path)?;
    connection.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    connection.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")?;
    let payload = r#"{"name":"S1","input":{"hello":"world"},"type":"Pass"}"#;
    let mut insert = connection.prepare("INSERT INTO t (id, payload) VALUES (?1, ?2)")?;
    let started = Instant::now();
    for id in 0..count {
        connection.execute_batch("BEGIN IMMEDIATE")?;
        insert.execute(params![id as i64, payload])?;
        connection.execute_batch("COMMIT")?;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{{\"transactions\":{count},\"seconds\":{seconds},\"per_second\":{}}}",
        count as f64 / seconds
    );
    Ok(())
}
