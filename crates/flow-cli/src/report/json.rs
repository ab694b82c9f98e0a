//! `--output json`: one JSON object per event on stdout (the command prints the summary as
//! the last line).

use std::io::Write;

use flow_engine::{HistoryEvent, Observer};
use serde_json::json;

use super::Reporter;

pub struct JsonLines;

impl JsonLines {
    pub fn new() -> Self {
        JsonLines
    }
}

/// The event as printed: GetExecutionHistory's field names, plus flow's step and branch.
pub fn event_json(event: &HistoryEvent) -> serde_json::Value {
    let mut value = json!({
        "id": event.id,
        "previousEventId": event.previous_event_id,
        "timestamp": crate::timestamps::rfc3339(event.timestamp),
        "type": event.kind.as_str(),
        "details": event.details,
    });
    if let Some(step) = event.step {
        value["step"] = json!(step.0);
    }
    if let flow_engine::ScopeKey::Child { parent, index } = event.scope {
        value["scope"] = json!({"parentStep": parent.0, "index": index});
    }
    value
}

impl Observer for JsonLines {
    fn event(&self, event: &HistoryEvent) {
        let line = event_json(event).to_string();
        // A closed stdout (e.g. `| head`) must not kill the engine mid-checkpoint.
        let _ = writeln!(std::io::stdout().lock(), "{line}");
    }
}

impl Reporter for JsonLines {
    fn finish(&self) {
        let _ = std::io::stdout().flush();
    }
}
