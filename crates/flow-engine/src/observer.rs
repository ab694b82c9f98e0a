//! Progress reporting: the engine tells an observer what happens; the CLI draws it.

use crate::history::HistoryEvent;

pub trait Observer: Send + Sync + 'static {
    /// Called for every event once it is durable, in history order.
    fn event(&self, event: &HistoryEvent);
}

/// An observer that ignores everything.
pub struct Silent;

impl Observer for Silent {
    fn event(&self, _event: &HistoryEvent) {}
}
