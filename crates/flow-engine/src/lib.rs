//! flow's executor.
//!
//! The core ([`core`]) is a transition function: it takes the execution's state and an input
//! (started, task finished, timer fired) and returns the records to persist and the effects
//! to perform. The driver ([`driver`]) is the tokio loop that persists those records in one
//! transaction through a [`Store`], then performs the effects through the [`TaskHandler`]s,
//! the [`Clock`] and the [`Observer`], and feeds the results back. Everything IO-shaped is a
//! narrow trait owned here, with an in-memory implementation, so the engine is tested without
//! SQLite, AWS or sleeping.

pub mod clock;
pub mod history;
pub mod ids;
pub mod observer;
pub mod records;
pub mod store;
pub mod task;

pub use clock::Clock;
pub use history::{EventKind, HistoryEvent};
pub use ids::{ExecutionId, ScopeKey, StepId};
pub use observer::Observer;
pub use records::*;
pub use store::{LeaseGrant, LeaseHolder, Store, StoreError};
pub use task::{TaskError, TaskFuture, TaskHandler, TaskRequest};
