//! flow's executor.
//!
//! The core ([`core`]) is a transition function: it takes the execution's state and an input
//! (started, task finished, timer fired) and returns the records to persist and the effects
//! to perform. The driver ([`driver`]) is the tokio loop that persists those records in one
//! transaction through a [`Store`], then performs the effects through the [`TaskHandler`]s,
//! the [`Clock`] and the [`Observer`], and feeds the results back. Everything IO-shaped is a
//! narrow trait owned here, with an in-memory implementation, so the engine is tested without
//! SQLite, AWS or sleeping.
//!
//! The entry point for the CLI is [`Engine`]: [`Engine::start`], [`Engine::resume`],
//! [`Engine::rollback`], each returning an [`Outcome`] or an [`EngineError`] (which knows its
//! exit code).

pub mod clock;
pub mod core;
pub mod driver;
pub mod engine;
pub mod history;
pub mod ids;
pub mod memory;
pub mod observer;
pub mod records;
pub mod rollback;
pub mod secrets;
pub mod store;
pub mod task;

pub use clock::{Clock, ManualClock, SystemClock};
pub use core::Placement;
pub use driver::{Interrupt, InterruptHandle};
pub use engine::{Engine, EngineConfig, EngineError, NewRun, Outcome, current_process};
pub use history::{EventKind, HistoryEvent};
pub use ids::{ExecutionId, ScopeKey, StepId};
pub use memory::MemoryStore;
pub use observer::Observer;
pub use records::*;
pub use store::{LeaseGrant, LeaseHolder, Store, StoreError};
pub use task::{TaskError, TaskFuture, TaskHandler, TaskRequest};
