//! The transition function: an [`Execution`] takes an [`Input`] (continue, a task finished,
//! a timer fired) and returns a [`Transition`]: the records to persist in one transaction and
//! the [`Effect`]s the driver must perform once they are durable. No IO happens here; time
//! comes in with every input and randomness from a seeded RNG.
//!
//! Model: each run of a state is a step; steps run in scopes (the top level, a Parallel
//! branch, a Map iteration). Deterministic states (Pass, Choice, Succeed, Fail, an elapsed
//! Wait) finish within one `apply`; their records ride along with the next checkpoint. Tasks,
//! timers and fan-outs end the chain of a scope with an effect. Whatever finishes a step
//! records, in the same checkpoint, the next step or the scope's end, so after a crash every
//! open scope has exactly one unfinished step (see [`resume`]).

pub mod catalog;
pub mod context;
pub mod dataflow;
pub mod resume;
pub mod retry;
mod states;

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use flow_lang::AslError;
use flow_lang::model::{State, StateKind, StateMachine};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::history::{EventKind, HistoryEvent};
use crate::ids::{ExecutionId, ScopeKey, StepId};
use crate::records::{
    Checkpoint, ExecutionStatus, ScopeRecord, ScopeStatus, StepRecord, StepStatus,
};
use crate::task::{TaskError, TaskRequest};

use catalog::{Catalog, MachineIndex};
pub use context::{ExecutionContext, Placement};

/// How many state transitions one `apply` runs before it yields (an infinite Pass/Choice
/// loop must not starve the driver, nor grow one checkpoint without bound).
pub const TRANSITION_BUDGET: usize = 512;

/// What the driver feeds the core.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// Run whatever is ready: after creation, after a rebuild, after a [`Effect::Yield`].
    Continue,
    /// An attempt of a Task step ended (a handler returned, or its deadline passed).
    TaskCompleted {
        step: StepId,
        attempt: u32,
        result: Result<Value, TaskError>,
    },
    /// A timer asked for by [`Effect::StartTimer`] fired.
    TimerFired { step: StepId },
}

/// What the core asks the driver to do once the transition's checkpoint is durable.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Call the handler of `request.resource`; if `deadline` passes first, report the attempt
    /// as failed with `States.Timeout`.
    Invoke {
        request: TaskRequest,
        deadline: Option<OffsetDateTime>,
    },
    /// Report [`Input::TimerFired`] for `step` at `wake_at`.
    StartTimer {
        step: StepId,
        wake_at: OffsetDateTime,
    },
    /// Nobody waits for this step's attempt any more (its branch was cancelled): drop it.
    Abandon { step: StepId },
    /// The transition budget ran out: apply [`Input::Continue`] again. Nothing needs to be
    /// committed in between; the records so far may ride along with the next checkpoint.
    Yield,
}

/// The result of one `apply`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Transition {
    pub checkpoint: Checkpoint,
    pub effects: Vec<Effect>,
}

impl Transition {
    /// Appends a later transition, keeping the last version of every record.
    pub fn absorb(&mut self, later: Transition) {
        merge_checkpoint(&mut self.checkpoint, later.checkpoint);
        self.effects.extend(later.effects);
    }
}

/// Appends `later` to `earlier`, as if both had been one transaction.
pub fn merge_checkpoint(earlier: &mut Checkpoint, later: Checkpoint) {
    earlier.events.extend(later.events);
    for step in later.steps {
        match earlier.steps.iter_mut().find(|s| s.id == step.id) {
            Some(existing) => *existing = step,
            None => earlier.steps.push(step),
        }
    }
    for scope in later.scopes {
        match earlier.scopes.iter_mut().find(|s| s.key == scope.key) {
            Some(existing) => *existing = scope,
            None => earlier.scopes.push(scope),
        }
    }
    for compensation in later.compensations {
        match earlier
            .compensations
            .iter_mut()
            .find(|c| c.step == compensation.step)
        {
            Some(existing) => *existing = compensation,
            None => earlier.compensations.push(compensation),
        }
    }
    if later.status.is_some() {
        earlier.status = later.status;
    }
    if later.stopped_at.is_some() {
        earlier.stopped_at = later.stopped_at;
    }
    if later.redrive_count.is_some() {
        earlier.redrive_count = later.redrive_count;
    }
}

/// Transitions grouped into one commit, keeping the last version of every record like
/// [`merge_checkpoint`] but finding records by key in O(1): a group may hold tens of
/// thousands of records (a long Pass chain, a large Map).
#[derive(Debug, Default)]
pub struct TransitionGroup {
    transition: Transition,
    steps: HashMap<StepId, usize>,
    scopes: HashMap<ScopeKey, usize>,
    compensations: HashMap<StepId, usize>,
}

impl TransitionGroup {
    pub fn absorb(&mut self, later: Transition) {
        let (earlier, later_checkpoint) = (&mut self.transition.checkpoint, later.checkpoint);
        earlier.events.extend(later_checkpoint.events);
        upsert(
            &mut earlier.steps,
            &mut self.steps,
            later_checkpoint.steps,
            |s| s.id,
        );
        upsert(
            &mut earlier.scopes,
            &mut self.scopes,
            later_checkpoint.scopes,
            |s| s.key,
        );
        upsert(
            &mut earlier.compensations,
            &mut self.compensations,
            later_checkpoint.compensations,
            |c| c.step,
        );
        if later_checkpoint.status.is_some() {
            earlier.status = later_checkpoint.status;
        }
        if later_checkpoint.stopped_at.is_some() {
            earlier.stopped_at = later_checkpoint.stopped_at;
        }
        if later_checkpoint.redrive_count.is_some() {
            earlier.redrive_count = later_checkpoint.redrive_count;
        }
        self.transition.effects.extend(later.effects);
    }

    /// How many history events the group holds.
    pub fn events(&self) -> usize {
        self.transition.checkpoint.events.len()
    }

    pub fn into_transition(self) -> Transition {
        self.transition
    }
}

fn upsert<T, K: std::hash::Hash + Eq>(
    records: &mut Vec<T>,
    index: &mut HashMap<K, usize>,
    later: Vec<T>,
    key: impl Fn(&T) -> K,
) {
    for record in later {
        match index.entry(key(&record)) {
            std::collections::hash_map::Entry::Occupied(at) => records[*at.get()] = record,
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(records.len());
                records.push(record);
            }
        }
    }
}

/// What a state does next when it finishes normally.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Next {
    State(String),
    End,
}

/// Work queued inside the core, run in FIFO order so concurrent scopes interleave.
#[derive(Debug)]
pub(crate) enum Work {
    /// Run state `state` of `scope` with `input`, as a new step or re-running `reuse`.
    Enter {
        scope: ScopeKey,
        state: String,
        input: Value,
        reuse: Option<StepId>,
        retries: Vec<u32>,
    },
    /// Start a child scope at its machine's `StartAt`.
    StartScope { scope: ScopeKey },
    /// Send a Task step's recorded attempt again (it was in flight when a process died).
    Reinvoke { step: StepId },
    /// Ask again for the timer of a Waiting or Backoff step.
    Rearm { step: StepId },
    /// Finish a fan-out whose children are all done.
    Settle { step: StepId },
}

/// Fan-out bookkeeping of a Parallel or Map step (in memory; rebuilt from the child scopes).
#[derive(Debug, Clone)]
pub(crate) struct FanOut {
    pub map: bool,
    pub total: u32,
    /// The children not started yet, with their inputs, in index order.
    pub pending: VecDeque<(u32, Value)>,
    pub running: u32,
    pub finished: u32,
    pub failures: u32,
    /// 0: no limit.
    pub max_concurrency: u32,
    pub tolerance: Option<Tolerance>,
    /// The results of the children that finished while this process drove them, by index.
    /// Their scopes leave memory when they finish (see `retired_scopes`); children finished
    /// before a resume are read from their scope records instead.
    pub results: Vec<Option<Value>>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Tolerance {
    pub count: Option<u64>,
    pub percentage: Option<f64>,
}

impl Tolerance {
    fn exceeded(&self, failures: u32, total: u32) -> bool {
        let by_count = self.count.is_some_and(|count| u64::from(failures) > count);
        let by_percentage = self
            .percentage
            .is_some_and(|pct| total > 0 && f64::from(failures) * 100.0 / f64::from(total) > pct);
        match (self.count, self.percentage) {
            (None, None) => failures > 0,
            _ => by_count || by_percentage,
        }
    }
}

/// A step as the core tracks it: the durable record plus what only lives in memory.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub record: StepRecord,
    pub machine: MachineIndex,
    /// Retries done so far, per retrier of the state.
    pub retries: Vec<u32>,
    pub entered_at: OffsetDateTime,
    pub fan: Option<FanOut>,
    /// The error that put the step in Backoff.
    pub last_error: Option<(String, String)>,
}

#[derive(Debug, Clone)]
pub(crate) struct Scope {
    pub record: ScopeRecord,
    pub machine: MachineIndex,
    /// The step the scope is at.
    pub current: Option<StepId>,
    /// False once the parent stopped waiting for this scope (a sibling failed).
    pub live: bool,
    pub last_event: u64,
    /// Where the scope is, for progress: "" at the top, "Deploy[1]/Items[3]" below.
    pub label: String,
    /// Variables set by `Assign` (a child scope starts with a copy of its parent's).
    pub variables: serde_json::Map<String, Value>,
}

/// What the core needs to know about the execution it runs.
#[derive(Debug, Clone)]
pub struct ExecutionSetup {
    pub id: ExecutionId,
    pub context: ExecutionContext,
    /// Seeds jitter (and nothing else): fixed in tests, random in production.
    pub seed: u64,
}

/// The state of one execution, driven by [`Execution::apply`].
pub struct Execution {
    pub(crate) id: ExecutionId,
    pub(crate) context: ExecutionContext,
    pub(crate) catalog: Catalog,
    pub(crate) steps: HashMap<StepId, Step>,
    pub(crate) scopes: HashMap<ScopeKey, Scope>,
    pub(crate) next_step: u64,
    pub(crate) last_event: u64,
    pub(crate) status: ExecutionStatus,
    pub(crate) ready: VecDeque<Work>,
    pub(crate) now: OffsetDateTime,
    pub(crate) rng: StdRng,
    /// The last `$$` built, reused by [`Execution::context_of`].
    context_cache: std::cell::RefCell<Option<Value>>,
    // What the current apply produced.
    events: Vec<HistoryEvent>,
    dirty_steps: BTreeSet<StepId>,
    dirty_scopes: BTreeSet<ScopeKey>,
    /// Steps that finished in this apply: dropped from `steps` once their record is taken.
    retired: std::collections::HashSet<StepId>,
    /// Child scopes that finished in this apply: dropped from `scopes` likewise (their
    /// result is kept in the parent's [`FanOut::results`]).
    retired_scopes: std::collections::HashSet<ScopeKey>,
    status_changed: bool,
    redriven: Option<u32>,
    effects: Vec<Effect>,
}

impl Execution {
    /// A new execution: nothing has run; the first `apply(Continue)` records
    /// `ExecutionStarted` and runs up to the first effect.
    pub fn start(
        setup: ExecutionSetup,
        machine: &Arc<StateMachine>,
        now: OffsetDateTime,
    ) -> Execution {
        let mut execution = Execution::empty(setup, machine, now);
        let input = execution.context.input.clone();
        execution.last_event = 0;
        let started = execution.event(
            EventKind::ExecutionStarted,
            None,
            ScopeKey::Root,
            json!({"input": input, "roleArn": execution.context.role_arn, "stateMachineArn": execution.context.machine_arn}),
        );
        execution.scopes.insert(
            ScopeKey::Root,
            Scope {
                record: ScopeRecord {
                    key: ScopeKey::Root,
                    input: input.clone(),
                    status: ScopeStatus::Running,
                },
                machine: Catalog::ROOT,
                current: None,
                live: true,
                last_event: started,
                label: String::new(),
                variables: Default::default(),
            },
        );
        execution.dirty_scopes.insert(ScopeKey::Root);
        execution.status_changed = true;
        execution.ready.push_back(Work::StartScope {
            scope: ScopeKey::Root,
        });
        execution
    }

    pub(crate) fn empty(
        setup: ExecutionSetup,
        machine: &Arc<StateMachine>,
        now: OffsetDateTime,
    ) -> Execution {
        Execution {
            id: setup.id,
            context: setup.context,
            catalog: Catalog::new(machine),
            steps: HashMap::new(),
            scopes: HashMap::new(),
            next_step: 1,
            last_event: 0,
            status: ExecutionStatus::Running,
            ready: VecDeque::new(),
            now,
            rng: StdRng::seed_from_u64(setup.seed),
            context_cache: Default::default(),
            events: Vec::new(),
            dirty_steps: BTreeSet::new(),
            dirty_scopes: BTreeSet::new(),
            retired: Default::default(),
            retired_scopes: Default::default(),
            status_changed: false,
            redriven: None,
            effects: Vec::new(),
        }
    }

    pub fn id(&self) -> &ExecutionId {
        &self.id
    }

    pub fn status(&self) -> &ExecutionStatus {
        &self.status
    }

    /// Whether the execution reached a final status.
    pub fn is_finished(&self) -> bool {
        !matches!(self.status, ExecutionStatus::Running)
    }

    /// Applies one input at time `now`.
    pub fn apply(&mut self, input: Input, now: OffsetDateTime) -> Transition {
        self.now = now;
        match input {
            Input::Continue => {}
            Input::TaskCompleted {
                step,
                attempt,
                result,
            } => self.task_completed(step, attempt, result),
            Input::TimerFired { step } => self.timer_fired(step),
        }
        let mut budget = TRANSITION_BUDGET;
        while !self.is_finished() {
            if budget == 0 {
                if !self.ready.is_empty() {
                    self.effects.push(Effect::Yield);
                }
                break;
            }
            let Some(work) = self.ready.pop_front() else {
                break;
            };
            budget -= 1;
            self.run(work);
        }
        self.take_transition()
    }

    fn run(&mut self, work: Work) {
        match work {
            Work::Enter {
                scope,
                state,
                input,
                reuse,
                retries,
            } => self.enter(scope, &state, input, reuse, retries),
            Work::StartScope { scope } => self.start_scope(scope),
            Work::Reinvoke { step } => self.reinvoke(step),
            Work::Rearm { step } => self.rearm(step),
            Work::Settle { step } => self.settle(step),
        }
    }

    fn take_transition(&mut self) -> Transition {
        // A finished step leaves memory with its last record (moved, not copied): nothing
        // reads it again, and a long run or a large Map must not grow with finished steps.
        let mut retired = std::mem::take(&mut self.retired);
        let steps = std::mem::take(&mut self.dirty_steps)
            .into_iter()
            .filter_map(|id| match retired.remove(&id) {
                true => self.steps.remove(&id).map(|s| s.record),
                false => self.steps.get(&id).map(|s| s.record.clone()),
            })
            .collect();
        for id in retired {
            self.steps.remove(&id);
        }
        let mut retired_scopes = std::mem::take(&mut self.retired_scopes);
        let scopes = std::mem::take(&mut self.dirty_scopes)
            .into_iter()
            .filter_map(|key| match retired_scopes.remove(&key) {
                true => self.scopes.remove(&key).map(|s| s.record),
                false => self.scopes.get(&key).map(|s| s.record.clone()),
            })
            .collect();
        for key in retired_scopes {
            self.scopes.remove(&key);
        }
        let status = std::mem::take(&mut self.status_changed).then(|| self.status.clone());
        let stopped_at = status
            .as_ref()
            .filter(|_| self.is_finished())
            .map(|_| self.now);
        Transition {
            checkpoint: Checkpoint {
                events: std::mem::take(&mut self.events),
                steps,
                scopes,
                compensations: Vec::new(),
                status,
                stopped_at,
                redrive_count: self.redriven.take(),
            },
            effects: std::mem::take(&mut self.effects),
        }
    }

    // ---- events ----

    /// Records an event and returns its id.
    pub(crate) fn event(
        &mut self,
        kind: EventKind,
        step: Option<StepId>,
        scope: ScopeKey,
        mut details: Value,
    ) -> u64 {
        self.last_event += 1;
        let id = self.last_event;
        let previous = self
            .scopes
            .get(&scope)
            .map(|s| s.last_event)
            .unwrap_or(id - 1);
        if let Some(s) = self.scopes.get_mut(&scope) {
            s.last_event = id;
            if !s.label.is_empty()
                && let Value::Object(map) = &mut details
            {
                map.insert("branch".into(), Value::String(s.label.clone()));
            }
        }
        self.events.push(HistoryEvent {
            id,
            previous_event_id: previous,
            timestamp: self.now,
            kind,
            step,
            scope,
            details,
        });
        id
    }

    // ---- lookups ----

    pub(crate) fn step(&self, id: StepId) -> &Step {
        &self.steps[&id]
    }

    pub(crate) fn step_mut(&mut self, id: StepId) -> &mut Step {
        self.dirty_steps.insert(id);
        self.steps.get_mut(&id).expect("known step")
    }

    pub(crate) fn scope_mut(&mut self, key: ScopeKey) -> &mut Scope {
        self.dirty_scopes.insert(key);
        self.scopes.get_mut(&key).expect("known scope")
    }

    /// The state definition of a step. The Arc keeps it alive while `self` is mutated.
    pub(crate) fn state_of(&self, id: StepId) -> (std::sync::Arc<StateMachine>, String) {
        let step = self.step(id);
        (
            self.catalog.machine(step.machine),
            step.record.state.clone(),
        )
    }

    fn scope_is_live(&self, key: ScopeKey) -> bool {
        self.scopes
            .get(&key)
            .is_some_and(|s| s.live && matches!(s.record.status, ScopeStatus::Running))
    }

    /// `$$` for a step. The value comes from a one-slot cache that keeps the part shared
    /// by every step (it holds a copy of the execution's input: rebuilding it per step made a
    /// Map over a large input quadratic); give it back with [`Execution::recycle_context`].
    pub(crate) fn context_of(&self, id: StepId) -> Value {
        let step = self.step(id);
        let retries: u32 = step.retries.iter().sum();
        let retrying = self
            .catalog
            .machine(step.machine)
            .states
            .get(&step.record.state)
            .is_some_and(|s| {
                matches!(
                    s.kind,
                    StateKind::Task(_) | StateKind::Parallel(_) | StateKind::Map(_)
                )
            });
        let state = self.context.state_part(
            &step.record.state,
            step.entered_at,
            retrying.then_some(retries),
        );
        let mut context = self
            .context_cache
            .borrow_mut()
            .take()
            .unwrap_or_else(|| self.context.skeleton());
        if let Value::Object(map) = &mut context {
            map.insert("State".into(), state);
            map.remove("Map");
        }
        context
    }

    /// Returns a value from [`Execution::context_of`] to its cache (optional: without it the
    /// next call builds a new one).
    pub(crate) fn recycle_context(&self, context: Value) {
        *self.context_cache.borrow_mut() = Some(context);
    }

    /// The variables a step sees.
    pub(crate) fn variables_of(&self, id: StepId) -> serde_json::Map<String, Value> {
        self.scopes
            .get(&self.step(id).record.scope)
            .map(|s| s.variables.clone())
            .unwrap_or_default()
    }

    /// Evaluates an `Assign` with `$` = `input` and sets the variables in the step's scope.
    /// They are visible from the next state on (the step's own output was computed before).
    pub(crate) fn assign(
        &mut self,
        id: StepId,
        assign: Option<&flow_lang::template::Template>,
        input: &Value,
    ) -> Result<(), AslError> {
        let Some(assign) = assign else { return Ok(()) };
        let context = self.context_of(id);
        let variables = self.variables_of(id);
        let bindings = flow_lang::Bindings {
            input,
            context: &context,
            variables: Some(&variables),
        };
        let assigned = assign.evaluate(&bindings);
        self.recycle_context(context);
        let Value::Object(assigned) = assigned? else {
            return Ok(());
        };
        let scope = self.step(id).record.scope;
        if let Some(scope) = self.scopes.get_mut(&scope) {
            scope.variables.extend(assigned);
        }
        Ok(())
    }

    /// A language error raised while running a state, with the state named as AWS does.
    pub(crate) fn state_error(&self, id: StepId, error: AslError) -> (String, String) {
        let step = self.step(id);
        let cause = format!(
            "An error occurred while executing the state '{}' (entered at the event id #{}). {}",
            step.record.state, step.record.entered_event, error.cause
        );
        (error.error, cause)
    }

    // ---- the step lifecycle ----

    fn start_scope(&mut self, key: ScopeKey) {
        if !self.scope_is_live(key) {
            return;
        }
        let scope = &self.scopes[&key];
        let machine = self.catalog.machine(scope.machine);
        let input = scope.record.input.clone();
        self.ready.push_back(Work::Enter {
            scope: key,
            state: machine.start_at.clone(),
            input,
            reuse: None,
            retries: Vec::new(),
        });
    }

    fn enter(
        &mut self,
        scope_key: ScopeKey,
        name: &str,
        input: Value,
        reuse: Option<StepId>,
        retries: Vec<u32>,
    ) {
        if !self.scope_is_live(scope_key) {
            return;
        }
        let machine_index = self.scopes[&scope_key].machine;
        let machine = self.catalog.machine(machine_index);
        let Some(state) = machine.states.get(name) else {
            let cause = format!("The state '{name}' does not exist in the state machine");
            self.scope_failed(scope_key, "States.Runtime".into(), cause);
            return;
        };
        let id = reuse.unwrap_or_else(|| {
            let id = StepId(self.next_step);
            self.next_step += 1;
            id
        });
        let entered = self.event(
            entered_kind(state),
            Some(id),
            scope_key,
            json!({"name": name, "input": input, "type": state.kind.type_name()}),
        );
        let mut retries = retries;
        retries.resize(state.retriers().len(), 0);
        let step = Step {
            record: StepRecord {
                id,
                scope: scope_key,
                state: name.to_string(),
                input,
                // Replaced below before anything is recorded.
                status: StepStatus::FannedOut { children: 0 },
                entered_event: entered,
                finished_event: None,
            },
            machine: machine_index,
            retries,
            entered_at: self.now,
            fan: None,
            last_error: None,
        };
        self.steps.insert(id, step);
        self.dirty_steps.insert(id);
        self.scope_mut(scope_key).current = Some(id);
        self.run_state(id, state);
    }

    /// Runs a state whose step is entered.
    fn run_state(&mut self, id: StepId, state: &State) {
        match &state.kind {
            StateKind::Pass(pass) => self.run_pass(id, pass),
            StateKind::Choice(choice) => self.run_choice(id, choice),
            StateKind::Wait(wait) => self.run_wait(id, wait),
            StateKind::Succeed(succeed) => self.run_succeed(id, succeed),
            StateKind::Fail(fail) => self.run_fail(id, fail),
            StateKind::Task(task) => self.run_task(id, task, 1),
            StateKind::Parallel(parallel) => self.run_parallel(id, parallel),
            StateKind::Map(map) => self.run_map(id, map),
        }
    }

    /// A step finished normally with `output`: record it and go on.
    pub(crate) fn complete(
        &mut self,
        id: StepId,
        output: Value,
        next: Next,
        parameters: Option<Value>,
        result: Option<Value>,
    ) {
        if dataflow::exceeds_payload_limit(&output) {
            let state = self.step(id).record.state.clone();
            let cause = format!(
                "The state/task '{state}' returned a result with a size exceeding the maximum number of bytes service limit."
            );
            self.fail_step(id, "States.DataLimitExceeded".into(), cause);
            return;
        }
        let (machine, name) = self.state_of(id);
        let status = StepStatus::Succeeded {
            output: output.clone(),
            parameters,
            result,
        };
        self.record_finished(id, &machine.states[&name], &name, &output, status);
        self.advance(self.step(id).record.scope, next, output);
    }

    /// Records a finished step: its exit event (for the types that have one, with the output
    /// the scope goes on with), its final status; then retires it from memory.
    fn record_finished(
        &mut self,
        id: StepId,
        state: &State,
        name: &str,
        output: &Value,
        status: StepStatus,
    ) {
        let scope = self.step(id).record.scope;
        let exited = exited_kind(state).map(|kind| {
            self.event(
                kind,
                Some(id),
                scope,
                json!({"name": name, "output": output}),
            )
        });
        let step = self.step_mut(id);
        step.record.finished_event = exited.or(Some(step.record.entered_event));
        step.record.status = status;
        self.retired.insert(id);
    }

    pub(crate) fn advance(&mut self, scope: ScopeKey, next: Next, output: Value) {
        match next {
            Next::State(state) => self.ready.push_back(Work::Enter {
                scope,
                state,
                input: output,
                reuse: None,
                retries: Vec::new(),
            }),
            Next::End => self.scope_succeeded(scope, output),
        }
    }

    /// A step failed with `error`: retry it, catch it, or fail its scope.
    pub(crate) fn fail_step(&mut self, id: StepId, error: String, cause: String) {
        let (machine, name) = self.state_of(id);
        let state = &machine.states[&name];
        let counts = self.step(id).retries.clone();
        if let retry::RetryDecision::After { rule, delay } =
            retry::decide(state.retriers(), &counts, &error, &mut self.rng)
        {
            let wake_at = self.now + delay;
            let step = self.step_mut(id);
            step.retries[rule] += 1;
            let (attempt, parameters) = match &step.record.status {
                StepStatus::Running {
                    attempt,
                    parameters,
                } => (attempt + 1, parameters.clone()),
                _ => (step.retries.iter().sum::<u32>() + 1, Value::Null),
            };
            step.last_error = Some((error, cause));
            step.record.status = StepStatus::Backoff {
                attempt,
                parameters,
                wake_at,
            };
            self.effects.push(Effect::StartTimer { step: id, wake_at });
            return;
        }
        let scope = self.step(id).record.scope;
        if let Some(catcher) = state.catchers().iter().find(|c| c.matches(&error)) {
            let raw = self.step(id).record.input.clone();
            let caught = json!({"Error": error, "Cause": cause});
            let output = match &catcher.result_path {
                Some(path) => path.merge_into(raw, caught),
                None => Ok(raw),
            };
            match output {
                Ok(output) => {
                    let status = StepStatus::Caught {
                        error,
                        cause,
                        next: catcher.next.clone(),
                    };
                    self.record_finished(id, state, &name, &output, status);
                    self.advance(scope, Next::State(catcher.next.clone()), output);
                }
                Err(e) => {
                    let (error, cause) = self.state_error(id, e);
                    self.fail_uncaught(id, error, cause);
                }
            }
            return;
        }
        self.fail_uncaught(id, error, cause);
    }

    /// The step failed for good: so does its scope.
    pub(crate) fn fail_uncaught(&mut self, id: StepId, error: String, cause: String) {
        let last = self.last_event;
        let step = self.step_mut(id);
        step.record.finished_event = Some(last.max(step.record.entered_event));
        step.record.status = StepStatus::Failed {
            error: error.clone(),
            cause: cause.clone(),
        };
        let scope = step.record.scope;
        self.retired.insert(id);
        self.scope_failed(scope, error, cause);
    }

    fn scope_succeeded(&mut self, key: ScopeKey, output: Value) {
        self.scope_mut(key).record.status = ScopeStatus::Succeeded {
            output: output.clone(),
        };
        match key {
            ScopeKey::Root => {
                self.event(
                    EventKind::ExecutionSucceeded,
                    None,
                    key,
                    json!({"output": output}),
                );
                self.status = ExecutionStatus::Succeeded { output };
                self.status_changed = true;
            }
            ScopeKey::Child { parent, index } => {
                self.retired_scopes.insert(key);
                self.child_finished(parent, index)
            }
        }
    }

    pub(crate) fn scope_failed(&mut self, key: ScopeKey, error: String, cause: String) {
        self.scope_mut(key).record.status = ScopeStatus::Failed {
            error: error.clone(),
            cause: cause.clone(),
        };
        match key {
            ScopeKey::Root => {
                self.event(
                    EventKind::ExecutionFailed,
                    None,
                    key,
                    json!({"error": error, "cause": cause}),
                );
                self.status = ExecutionStatus::Failed { error, cause };
                self.status_changed = true;
                self.ready.clear();
            }
            ScopeKey::Child { parent, index } => {
                self.retired_scopes.insert(key);
                self.child_finished(parent, index)
            }
        }
    }

    /// Stops every live scope below `parent` and drops the attempts in flight there.
    pub(crate) fn abandon_children(&mut self, parent: StepId) {
        let Some(total) = self
            .steps
            .get(&parent)
            .and_then(|s| s.fan.as_ref())
            .map(|fan| fan.total)
        else {
            return;
        };
        for index in 0..total {
            let key = ScopeKey::Child { parent, index };
            let Some(scope) = self.scopes.get_mut(&key) else {
                continue;
            };
            if !scope.live || !matches!(scope.record.status, ScopeStatus::Running) {
                continue;
            }
            scope.live = false;
            // A finished step is no longer in memory: nothing to abandon then.
            let Some(current) = scope
                .current
                .filter(|current| self.steps.contains_key(current))
            else {
                continue;
            };
            match &self.steps[&current].record.status {
                StepStatus::Running { .. } => self.effects.push(Effect::Abandon { step: current }),
                StepStatus::FannedOut { .. } => self.abandon_children(current),
                _ => {}
            }
        }
    }

    // ---- inputs from the driver ----

    fn task_completed(&mut self, id: StepId, attempt: u32, result: Result<Value, TaskError>) {
        let Some(step) = self.steps.get(&id) else {
            return;
        };
        let current =
            matches!(&step.record.status, StepStatus::Running { attempt: a, .. } if *a == attempt);
        if !current || !self.scope_is_live(step.record.scope) || self.is_finished() {
            return; // a late answer for an abandoned or superseded attempt
        }
        self.task_finished(id, attempt, result);
    }

    fn timer_fired(&mut self, id: StepId) {
        let Some(step) = self.steps.get(&id) else {
            return;
        };
        if !self.scope_is_live(step.record.scope) || self.is_finished() {
            return;
        }
        match step.record.status.clone() {
            StepStatus::Waiting { wake_at } if wake_at <= self.now => self.wait_elapsed(id),
            StepStatus::Backoff {
                attempt,
                parameters,
                wake_at,
            } if wake_at <= self.now => self.retry_now(id, attempt, parameters),
            StepStatus::Waiting { wake_at } | StepStatus::Backoff { wake_at, .. } => {
                // Early (a clock that wakes sleepers before their time): ask again.
                self.effects.push(Effect::StartTimer { step: id, wake_at });
            }
            _ => {}
        }
    }

    /// The next attempt of a step in Backoff.
    fn retry_now(&mut self, id: StepId, attempt: u32, parameters: Value) {
        let (machine, name) = self.state_of(id);
        let state = &machine.states[&name];
        match &state.kind {
            StateKind::Task(task) => self.schedule_task(id, task, attempt, parameters, false),
            _ => {
                // A Parallel or Map runs again from scratch, as a new step with fresh child
                // scopes; the old one is closed.
                let step = self.step(id);
                let (error, cause) = step
                    .last_error
                    .clone()
                    .unwrap_or_else(|| ("States.Retry".into(), "superseded by a retry".into()));
                let (scope, input, retries) = (
                    step.record.scope,
                    step.record.input.clone(),
                    step.retries.clone(),
                );
                let last = self.last_event;
                let step = self.step_mut(id);
                step.record.status = StepStatus::Failed { error, cause };
                step.record.finished_event = Some(last);
                self.retired.insert(id);
                self.ready.push_back(Work::Enter {
                    scope,
                    state: name,
                    input,
                    reuse: None,
                    retries,
                });
            }
        }
    }

    fn rearm(&mut self, id: StepId) {
        match &self.step(id).record.status {
            StepStatus::Waiting { wake_at } | StepStatus::Backoff { wake_at, .. } => {
                let wake_at = *wake_at;
                self.effects.push(Effect::StartTimer { step: id, wake_at });
            }
            _ => {}
        }
    }

    /// Builds the request of a Task attempt.
    pub(crate) fn request(
        &self,
        id: StepId,
        resource: &str,
        attempt: u32,
        parameters: Value,
        recovering: bool,
        timeout: Option<u64>,
    ) -> TaskRequest {
        TaskRequest {
            resource: resource.to_string(),
            parameters,
            execution: self.id.clone(),
            step: id,
            state: self.step(id).record.state.clone(),
            attempt,
            idempotency_token: format!("{}-{}", self.id, id),
            recovering,
            timeout_seconds: timeout,
        }
    }
}

pub(crate) fn entered_kind(state: &State) -> EventKind {
    match &state.kind {
        StateKind::Pass(_) => EventKind::PassStateEntered,
        StateKind::Task(_) => EventKind::TaskStateEntered,
        StateKind::Choice(_) => EventKind::ChoiceStateEntered,
        StateKind::Wait(_) => EventKind::WaitStateEntered,
        StateKind::Succeed(_) => EventKind::SucceedStateEntered,
        StateKind::Fail(_) => EventKind::FailStateEntered,
        StateKind::Parallel(_) => EventKind::ParallelStateEntered,
        StateKind::Map(_) => EventKind::MapStateEntered,
    }
}

pub(crate) fn exited_kind(state: &State) -> Option<EventKind> {
    match &state.kind {
        StateKind::Pass(_) => Some(EventKind::PassStateExited),
        StateKind::Task(_) => Some(EventKind::TaskStateExited),
        StateKind::Choice(_) => Some(EventKind::ChoiceStateExited),
        StateKind::Wait(_) => Some(EventKind::WaitStateExited),
        StateKind::Succeed(_) => Some(EventKind::SucceedStateExited),
        StateKind::Fail(_) => None,
        StateKind::Parallel(_) => Some(EventKind::ParallelStateExited),
        StateKind::Map(_) => Some(EventKind::MapStateExited),
    }
}

pub(crate) fn next_of(transition: &flow_lang::model::Transition) -> Next {
    match transition {
        flow_lang::model::Transition::Next(name) => Next::State(name.clone()),
        flow_lang::model::Transition::End => Next::End,
    }
}
