//! The typed model of a state machine, as the parser produces it from a definition.
//!
//! Every field AWS documents for the JSONPath flavour has a home here, already parsed
//! (paths, templates, rules), so later phases never look at raw JSON again. Defaults are
//! filled in by the parser: an absent `InputPath` is `Some(Path::root())`, an explicit
//! `null` is `None` (the state then sees `{}`), and likewise for `OutputPath` and `ResultPath`.

mod choice;
mod retry;

pub use choice::{ChoiceRule, Comparison, Condition, Operand, Operator};
pub use retry::{CatchRule, ErrorMatcher, JitterStrategy, RetryRule};

use indexmap::IndexMap;
use serde_json::Value;

use crate::path::{Path, ReferencePath};
use crate::template::{Template, ValueExpr};

/// A state machine: the top level of a definition, a Parallel branch, or a Map's
/// item processor. All three share this shape.
#[derive(Debug, Clone, PartialEq)]
pub struct StateMachine {
    pub comment: Option<String>,
    pub start_at: String,
    /// States in definition order.
    pub states: IndexMap<String, State>,
    /// Only meaningful at the top level.
    pub timeout_seconds: Option<u64>,
    /// JSON pointer of this machine in the definition ("" for the top level,
    /// "/States/P/Branches/0" for a branch, "/States/M/ItemProcessor" for a processor).
    pub pointer: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub name: String,
    pub comment: Option<String>,
    /// JSON pointer of the state object, for diagnostics at run time.
    pub pointer: String,
    pub kind: StateKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StateKind {
    Pass(PassState),
    Task(TaskState),
    Choice(ChoiceState),
    Wait(WaitState),
    Succeed(SucceedState),
    Fail(FailState),
    Parallel(ParallelState),
    Map(MapState),
}

impl StateKind {
    /// The `Type` as written in ASL.
    pub fn type_name(&self) -> &'static str {
        match self {
            StateKind::Pass(_) => "Pass",
            StateKind::Task(_) => "Task",
            StateKind::Choice(_) => "Choice",
            StateKind::Wait(_) => "Wait",
            StateKind::Succeed(_) => "Succeed",
            StateKind::Fail(_) => "Fail",
            StateKind::Parallel(_) => "Parallel",
            StateKind::Map(_) => "Map",
        }
    }
}

/// Where a state goes when it finishes normally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    Next(String),
    End,
}

/// The input and output filters every state but Fail has (Choice, Wait and Succeed lack
/// `ResultPath`; the parser leaves it at its default there).
#[derive(Debug, Clone, PartialEq)]
pub struct DataFlow {
    /// `None` means `"InputPath": null`: the state's effective input is `{}`.
    pub input_path: Option<Path>,
    /// `None` means `"OutputPath": null`: the state's output is `{}`.
    pub output_path: Option<Path>,
    /// `None` means `"ResultPath": null`: the result is discarded, the input passes through.
    pub result_path: Option<ReferencePath>,
}

impl Default for DataFlow {
    fn default() -> Self {
        DataFlow {
            input_path: Some(Path::root()),
            output_path: Some(Path::root()),
            result_path: Some(ReferencePath::root()),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PassState {
    pub data: DataFlow,
    pub parameters: Option<Template>,
    pub result: Option<Value>,
    /// `Assign` (variables, tier 2 of the corpus).
    pub assign: Option<Template>,
    pub transition: Transition,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaskState {
    pub resource: String,
    pub data: DataFlow,
    pub parameters: Option<Template>,
    pub result_selector: Option<Template>,
    pub assign: Option<Template>,
    pub retry: Vec<RetryRule>,
    pub catch: Vec<CatchRule>,
    pub timeout: Option<Duration>,
    pub heartbeat: Option<Duration>,
    /// flow extension: how to undo this step.
    pub compensate: Option<Compensation>,
    pub transition: Transition,
}

/// `TimeoutSeconds`/`TimeoutSecondsPath`, `HeartbeatSeconds`/`HeartbeatSecondsPath`.
#[derive(Debug, Clone, PartialEq)]
pub enum Duration {
    Seconds(u64),
    Path(ReferencePath),
}

/// flow extension on Task: the undo of the step. Its `Parameters` are evaluated against
/// `{"Input": <state input>, "Parameters": <parameters sent>, "Result": <raw task result>,
/// "Lookup": <result of the lookup, when there is one>}` with the execution's context object
/// as `$$`.
#[derive(Debug, Clone, PartialEq)]
pub struct Compensation {
    pub resource: String,
    pub parameters: Option<Template>,
    pub retry: Vec<RetryRule>,
    pub timeout: Option<Duration>,
    /// A read-only call made first, for an undo that needs an id the step's result does not
    /// carry (an asynchronous create answers with an operation id; the delete wants the
    /// resource's).
    pub lookup: Option<CompensationLookup>,
}

/// `Compensate.Lookup`: a Task-shaped call (`Resource`, `Parameters`) whose result the
/// compensation's `Parameters` read as `$.Lookup`. "Not found" means nothing is left to undo.
#[derive(Debug, Clone, PartialEq)]
pub struct CompensationLookup {
    pub resource: String,
    pub parameters: Option<Template>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChoiceState {
    pub data: DataFlow,
    pub choices: Vec<ChoiceRule>,
    pub default: Option<String>,
    pub assign: Option<Template>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WaitState {
    pub data: DataFlow,
    pub until: WaitFor,
    pub assign: Option<Template>,
    pub transition: Transition,
}

#[derive(Debug, Clone, PartialEq)]
pub enum WaitFor {
    Seconds(u64),
    /// RFC 3339, validated by the parser; kept as written.
    Timestamp(String),
    SecondsPath(ReferencePath),
    TimestampPath(ReferencePath),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SucceedState {
    pub data: DataFlow,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FailState {
    /// `Error` or `ErrorPath`.
    pub error: Option<TextSource>,
    /// `Cause` or `CausePath`.
    pub cause: Option<TextSource>,
}

/// A string given literally or computed (a reference path or an intrinsic call).
#[derive(Debug, Clone, PartialEq)]
pub enum TextSource {
    Literal(String),
    Dynamic(ValueExpr),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParallelState {
    pub data: DataFlow,
    pub branches: Vec<StateMachine>,
    pub parameters: Option<Template>,
    pub result_selector: Option<Template>,
    pub assign: Option<Template>,
    pub retry: Vec<RetryRule>,
    pub catch: Vec<CatchRule>,
    pub transition: Transition,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MapState {
    pub data: DataFlow,
    /// `ItemProcessor` (or the older `Iterator`).
    pub processor: Box<StateMachine>,
    /// Defaults to `$`.
    pub items_path: ReferencePath,
    /// `ItemSelector` (or the older `Parameters`).
    pub item_selector: Option<Template>,
    pub result_selector: Option<Template>,
    pub assign: Option<Template>,
    /// 0 means no limit.
    pub max_concurrency: Count,
    pub tolerated_failure_percentage: Option<Percentage>,
    pub tolerated_failure_count: Option<Count>,
    pub retry: Vec<RetryRule>,
    pub catch: Vec<CatchRule>,
    pub transition: Transition,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Count {
    Fixed(u64),
    Path(ReferencePath),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Percentage {
    Fixed(f64),
    Path(ReferencePath),
}

impl State {
    /// Where this state goes when it finishes normally; `None` for Choice, Succeed and Fail,
    /// whose successors are decided otherwise.
    pub fn transition(&self) -> Option<&Transition> {
        match &self.kind {
            StateKind::Pass(s) => Some(&s.transition),
            StateKind::Task(s) => Some(&s.transition),
            StateKind::Wait(s) => Some(&s.transition),
            StateKind::Parallel(s) => Some(&s.transition),
            StateKind::Map(s) => Some(&s.transition),
            StateKind::Choice(_) | StateKind::Succeed(_) | StateKind::Fail(_) => None,
        }
    }

    /// The Catch rules of the state, empty where the type has none.
    pub fn catchers(&self) -> &[CatchRule] {
        match &self.kind {
            StateKind::Task(s) => &s.catch,
            StateKind::Parallel(s) => &s.catch,
            StateKind::Map(s) => &s.catch,
            _ => &[],
        }
    }

    /// The Retry rules of the state, empty where the type has none.
    pub fn retriers(&self) -> &[RetryRule] {
        match &self.kind {
            StateKind::Task(s) => &s.retry,
            StateKind::Parallel(s) => &s.retry,
            StateKind::Map(s) => &s.retry,
            _ => &[],
        }
    }
}
