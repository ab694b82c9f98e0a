//! One module per state type: how a step of that type runs.

mod choice;
mod fail;
mod fanout;
mod map;
mod parallel;
mod pass;
mod succeed;
mod task;
mod wait;
