//! The context object (`$$`): what Step Functions puts in it, built from plain values so the
//! engine can fill it without this crate knowing about executions.
