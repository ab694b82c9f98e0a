//! How an execution is shown while it runs: indicatif progress on a terminal, one plain line
//! per event otherwise, or NDJSON events on stdout for `--output json`. Each is an
//! [`Observer`] of the engine; the engine never knows which one it talks to.

mod json;
mod plain;
mod progress;
mod steps;

use std::io::IsTerminal;
use std::sync::Arc;

use flow_engine::Observer;

use crate::cli::OutputFormat;

pub use json::{EventLine, JsonLines};
pub use plain::PlainLines;
pub use progress::ProgressBars;

/// The observer for a command's output format: JSON events go to stdout; text goes to
/// stderr, as progress bars when stderr is a terminal, as plain lines otherwise.
pub fn observer_for(format: OutputFormat) -> Arc<dyn Reporter> {
    match format {
        OutputFormat::Json => Arc::new(JsonLines::new()),
        OutputFormat::Text if std::io::stderr().is_terminal() => Arc::new(ProgressBars::new()),
        OutputFormat::Text => Arc::new(PlainLines::new()),
    }
}

/// An observer that can also be told the run is over (so bars are cleared before the
/// command prints its summary).
pub trait Reporter: Observer {
    fn finish(&self);
}

/// Whether colour may be used on stderr (NO_COLOR, https://no-color.org, and non-terminals).
pub fn colour_enabled() -> bool {
    crate::diagnostics::stderr_colour()
}
