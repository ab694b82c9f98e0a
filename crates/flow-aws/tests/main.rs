//! flow-aws's tests, in one binary (see Cargo.toml): naming rules, parameter validation, and
//! every service driven through the handler against the emulator.

mod naming;
mod services;
mod support;
mod validate;
