//! What the text outputs need to know about steps, derived from the events as they come:
//! which state each step runs, which branch it is in, and its attempt.

use std::collections::HashMap;

use flow_engine::{EventKind, HistoryEvent, ScopeKey, StepId};

/// A step the observer has seen enter.
#[derive(Debug, Clone)]
pub struct SeenStep {
    pub state: String,
    pub scope: ScopeKey,
    pub attempt: u32,
}

/// What happened to a step, as far as the display cares.
pub enum Change {
    Entered(StepId),
    /// A new attempt of a Task (scheduled again after a retriable failure).
    Attempt(StepId),
    Finished {
        step: StepId,
        ok: bool,
    },
    /// Nothing the step lines show (execution events, map iterations, ...).
    Other,
}

#[derive(Default)]
pub struct StepTracker {
    steps: HashMap<StepId, SeenStep>,
}

impl StepTracker {
    /// Folds one event in and says what it changed.
    pub fn apply(&mut self, event: &HistoryEvent) -> Change {
        let Some(step) = event.step else {
            return Change::Other;
        };
        let name = event.kind.as_str();
        let entered =
            name.ends_with("StateEntered") || event.kind == EventKind::CompensationScheduled;
        if entered && !self.steps.contains_key(&step) {
            let mut state = event
                .details
                .get("name")
                .and_then(|n| n.as_str())
                .unwrap_or("?")
                .to_string();
            if event.kind == EventKind::CompensationScheduled {
                state = format!("undo {state}");
            }
            self.steps.insert(
                step,
                SeenStep {
                    state,
                    scope: event.scope,
                    attempt: 1,
                },
            );
            // A Fail state has no exit: it is entered and over at once.
            if event.kind == EventKind::FailStateEntered {
                return Change::Finished { step, ok: false };
            }
            return Change::Entered(step);
        }
        match event.kind {
            EventKind::TaskScheduled => {
                let attempt = event
                    .details
                    .get("attempt")
                    .and_then(|a| a.as_u64())
                    .unwrap_or(1) as u32;
                if let Some(seen) = self.steps.get_mut(&step) {
                    if attempt != seen.attempt {
                        seen.attempt = attempt;
                        return Change::Attempt(step);
                    }
                }
                Change::Other
            }
            kind if kind.as_str().ends_with("StateExited") => Change::Finished { step, ok: true },
            EventKind::CompensationSucceeded => Change::Finished { step, ok: true },
            EventKind::CompensationFailed => Change::Finished { step, ok: false },
            EventKind::TaskFailed | EventKind::TaskTimedOut => Change::Other,
            EventKind::ParallelStateFailed | EventKind::MapStateFailed => {
                Change::Finished { step, ok: false }
            }
            _ => Change::Other,
        }
    }

    pub fn get(&self, step: StepId) -> Option<&SeenStep> {
        self.steps.get(&step)
    }

    /// `Storage[0]` for the first branch of the Parallel state `Storage`; nested scopes are
    /// joined with `/`. Empty at the top level.
    pub fn branch_label(&self, scope: ScopeKey) -> String {
        let mut parts = Vec::new();
        let mut current = scope;
        // Bounded by the nesting depth; a parent unknown to this observer (a resumed run that
        // entered it earlier) ends the walk.
        while let ScopeKey::Child { parent, index } = current {
            match self.steps.get(&parent) {
                Some(seen) => {
                    parts.push(format!("{}[{}]", seen.state, index));
                    current = seen.scope;
                }
                None => {
                    parts.push(format!("step {parent}[{index}]"));
                    break;
                }
            }
        }
        parts.reverse();
        parts.join("/")
    }
}
