//! `--output json`: one JSON object per event on stdout (the command prints the summary as
//! the last line).

use std::io::Write;

use flow_engine::{HistoryEvent, Observer, ScopeKey};
use serde::Serialize;

use super::Reporter;

pub struct JsonLines;

impl JsonLines {
    pub fn new() -> Self {
        JsonLines
    }
}

/// The event as printed: GetExecutionHistory's field names, plus flow's step and scope.
/// Serialised straight from the event (no intermediate `Value`: in a run of deterministic
/// states, printing the history was a quarter of flow's time).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventLine<'a> {
    id: u64,
    previous_event_id: u64,
    timestamp: String,
    #[serde(rename = "type")]
    kind: &'static str,
    details: &'a serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    step: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<ScopeLine>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ScopeLine {
    parent_step: u64,
    index: u32,
}

impl<'a> EventLine<'a> {
    pub fn of(event: &'a HistoryEvent) -> Self {
        EventLine {
            id: event.id,
            previous_event_id: event.previous_event_id,
            timestamp: crate::timestamps::rfc3339(event.timestamp),
            kind: event.kind.as_str(),
            details: &event.details,
            step: event.step.map(|step| step.0),
            scope: match event.scope {
                ScopeKey::Child { parent, index } => Some(ScopeLine {
                    parent_step: parent.0,
                    index,
                }),
                ScopeKey::Root => None,
            },
        }
    }

    /// The line, newline included, in one write (serde_json's many small writes straight into
    /// stdout cost more than the serialising).
    pub fn write_to(&self, out: &mut impl Write) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(self)?;
        line.push(b'\n');
        out.write_all(&line)
    }
}

impl Observer for JsonLines {
    fn event(&self, event: &HistoryEvent) {
        // A closed stdout (e.g. `| head`) must not kill the engine mid-checkpoint.
        let _ = EventLine::of(event).write_to(&mut std::io::stdout().lock());
    }
}

impl Reporter for JsonLines {
    fn finish(&self) {
        let _ = std::io::stdout().flush();
    }
}
