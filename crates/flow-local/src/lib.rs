//! flow-local
