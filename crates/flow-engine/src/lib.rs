//! flow-engine
