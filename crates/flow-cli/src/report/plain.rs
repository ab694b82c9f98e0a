//! One plain line per event on stderr, for logs and non-terminals.

use std::io::Write;
use std::sync::Mutex;

use flow_engine::{HistoryEvent, Observer};

use super::Reporter;
use super::steps::StepTracker;

pub struct PlainLines {
    tracker: Mutex<StepTracker>,
}

impl PlainLines {
    pub fn new() -> Self {
        PlainLines {
            tracker: Mutex::new(StepTracker::default()),
        }
    }
}

impl Observer for PlainLines {
    fn event(&self, event: &HistoryEvent) {
        let mut tracker = self.tracker.lock().unwrap_or_else(|e| e.into_inner());
        tracker.apply(event);
        let mut line = format!(
            "{} #{} {}",
            crate::timestamps::rfc3339(event.timestamp),
            event.id,
            event.kind.as_str()
        );
        if let Some(name) = event.details.get("name").and_then(|n| n.as_str()) {
            line.push(' ');
            line.push_str(name);
        }
        let branch = tracker.branch_label(event.scope);
        if !branch.is_empty() {
            line.push_str(&format!(" (in {branch})"));
        }
        if let Some(attempt) = event.details.get("attempt").and_then(|a| a.as_u64()) {
            if attempt > 1 {
                line.push_str(&format!(" attempt {attempt}"));
            }
        }
        if let Some(error) = event.details.get("error").and_then(|e| e.as_str()) {
            line.push_str(&format!(": {error}"));
            if let Some(cause) = event.details.get("cause").and_then(|c| c.as_str()) {
                line.push_str(&format!(": {}", first_line(cause)));
            }
        }
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }
}

impl Reporter for PlainLines {
    fn finish(&self) {}
}

/// Causes can be long JSON documents; a log line keeps their first line.
fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}
