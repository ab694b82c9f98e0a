//! The SQLite implementation of flow-engine's [`Store`](flow_engine::Store): executions,
//! their history, step, scope and compensation checkpoints, and the leases that let one
//! process drive an execution at a time.
//!
//! The schema is flow-store's own and versioned (`PRAGMA user_version`, migrations under
//! `migrations/`); [`codec`] maps it to the engine's types explicitly. The database runs in WAL
//! mode with `synchronous=FULL`, every write is one `BEGIN IMMEDIATE` transaction, and the
//! file, with its -wal and -shm companions, is readable by its owner only.

mod busy;
mod codec;
mod error;
mod lease;
mod schema;
mod store;

pub use lease::{current_holder, host_name};
pub use schema::{APPLICATION_ID, SCHEMA_VERSION};
pub use store::{SqliteStore, StoreOptions};
