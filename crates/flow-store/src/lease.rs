//! Who drives an execution: this process's identity, and whether a recorded holder is gone.

use std::sync::OnceLock;

use flow_engine::LeaseHolder;
use time::OffsetDateTime;

/// The identity of the current process, to pass to `acquire_lease`: the engine's
/// [`flow_engine::current_process`], so that the engine and the store judge hosts alike.
pub fn current_holder() -> LeaseHolder {
    flow_engine::current_process()
}

/// This machine's host name as lease holders record it.
pub fn host_name() -> &'static str {
    static HOST: OnceLock<String> = OnceLock::new();
    HOST.get_or_init(|| flow_engine::current_process().host)
}

/// What /proc/<pid>/stat says about a process.
struct ProcessState {
    /// Field 3: R, S, D, Z (zombie), X (dead)...
    state: char,
    /// Field 22: start time in clock ticks since boot.
    start: u64,
}

fn process_state(pid: u32) -> Option<ProcessState> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may itself contain spaces and ')'.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let start = fields.nth(18)?.parse().ok()?;
    Some(ProcessState { state, start })
}

/// Whether a holder on this host is known to be gone: its pid does not exist, is a zombie, or
/// now belongs to a process started at another time. `false` when it cannot be told (no
/// /proc): the heartbeat then decides.
fn process_is_gone(holder: &LeaseHolder) -> bool {
    if std::fs::metadata("/proc/self/stat").is_err() {
        return false;
    }
    match process_state(holder.pid) {
        None => true,
        Some(ProcessState {
            state: 'Z' | 'X', ..
        }) => true,
        Some(ProcessState { start, .. }) => {
            holder.process_start != 0 && start != holder.process_start
        }
    }
}

/// Whether the recorded holder of a lease no longer counts: silent for the TTL or longer,
/// or (on this host) its process is gone.
pub(crate) fn holder_is_gone(
    holder: &LeaseHolder,
    heartbeat_at: OffsetDateTime,
    now: OffsetDateTime,
    ttl_seconds: u64,
) -> bool {
    let silence = now - heartbeat_at;
    let ttl = time::Duration::seconds(i64::try_from(ttl_seconds).unwrap_or(i64::MAX));
    silence >= ttl || (holder.host == host_name() && process_is_gone(holder))
}
