//! flow-store
