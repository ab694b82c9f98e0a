//! Waiting for another connection's write lock. SQLite's own busy handler sleeps up to 100 ms
//! between tries, which leaves the lock idle while many writers queue; this one polls every
//! 0.5 to 5 ms, and gives up after the store's busy timeout.
//!
//! rusqlite takes the handler as a plain `fn`, so the timeout of the store running the
//! statement travels in a thread-local: SQLite calls the handler on that thread, inside the
//! statement.

use std::cell::Cell;
use std::time::{Duration, Instant};

use rusqlite::Connection;

thread_local! {
    static TIMEOUT: Cell<Duration> = const { Cell::new(Duration::ZERO) };
    static WAITING_SINCE: Cell<Option<Instant>> = const { Cell::new(None) };
}

pub(crate) fn install(connection: &Connection) -> rusqlite::Result<()> {
    connection.busy_handler(Some(wait))
}

/// Runs `operation` with `timeout` as the limit of each wait for a lock.
pub(crate) fn with_timeout<T>(timeout: Duration, operation: impl FnOnce() -> T) -> T {
    let previous = TIMEOUT.replace(timeout);
    let outcome = operation();
    TIMEOUT.set(previous);
    outcome
}

/// Called by SQLite with the number of times it was already called for this wait; `true`
/// means "try again".
fn wait(tries: i32) -> bool {
    let now = Instant::now();
    let since = match WAITING_SINCE.get() {
        Some(since) if tries > 0 => since,
        _ => {
            WAITING_SINCE.set(Some(now));
            now
        }
    };
    if now.duration_since(since) >= TIMEOUT.get() {
        return false;
    }
    let step = u64::try_from(tries.clamp(0, 9)).unwrap_or(0) + 1;
    std::thread::sleep(Duration::from_micros(500 * step));
    true
}
