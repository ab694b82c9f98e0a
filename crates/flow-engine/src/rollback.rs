//! Rollback: the compensation plan of an execution and the core that runs it.
//!
//! Every Task step that succeeded (or was in flight when its process died) and whose state
//! has `Compensate` is undone. Order: the compensation of step B waits for those of every
//! step A entered after B finished (`A.entered_event > B.finished_event`; a step in flight
//! counts as finishing last), so steps that ran one after the other are undone in reverse,
//! and steps that overlapped are undone concurrently. Each compensation is checkpointed,
//! retried by its own `Retry`, and an error meaning "not found" counts as done. A rollback
//! interrupted by a crash continues on the next rollback, skipping what already succeeded.
//!
//! A step whose outcome is unknown (its attempt was in flight when the process died, or was
//! stopped when a sibling branch failed) has no result for its compensation to name. Before
//! its compensation, its own task is sent again with its recorded parameters as
//! `recovering`, exactly as `flow resume` would: the handler adopts what the lost attempt
//! created (or, finding nothing, creates it), the step is recorded as succeeded with that
//! result, and the compensation then undoes it. Creating something only to delete it is the
//! price of never leaving an orphan behind.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use flow_lang::Bindings;
use flow_lang::model::{Compensation, Duration as AslDuration, StateKind, StateMachine};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::core::catalog::{Catalog, MachineIndex};
use crate::core::resume::{RebuildError, resolve};
use crate::core::retry::{self, RetryDecision};
use crate::core::{Effect, ExecutionContext, Input, Transition};
use crate::history::{EventKind, HistoryEvent};
use crate::ids::{ExecutionId, ScopeKey, StepId};
use crate::records::{
    Checkpoint, CompensationRecord, CompensationStatus, DurableState, ExecutionStatus, StepStatus,
};
use crate::task::{TaskError, TaskRequest};

/// A timeout given in seconds (a `...Path` one is not evaluated during rollback).
fn seconds(timeout: Option<&AslDuration>) -> Option<u64> {
    match timeout {
        Some(AslDuration::Seconds(seconds)) => Some(*seconds),
        _ => None,
    }
}

/// Whether an error says that the thing to undo is already gone: by its name
/// (`Efs.FileSystemNotFoundException`), or, when the name is a service's catch-all
/// (`Ec2.Ec2Exception`), by the `Error Code: ...` its Cause carries
/// (`InvalidSubnetID.NotFound`).
pub fn is_not_found(error: &TaskError) -> bool {
    let code_in_cause = error
        .cause
        .rsplit_once("Error Code: ")
        .map(|(_, rest)| rest.trim_end_matches(')').trim());
    std::iter::once(error.error.as_str())
        .chain(code_in_cause)
        .any(names_not_found)
}

fn names_not_found(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    last.ends_with("NotFound") || last.ends_with("NotFoundException") || last.starts_with("NoSuch")
}

#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Waiting,
    /// The step's own task, sent again to learn its outcome (see the module's comment).
    Recovering {
        attempt: u32,
    },
    /// The compensation's `Lookup` call, made before the compensation itself.
    LookingUp {
        attempt: u32,
        recovering: bool,
    },
    Running {
        attempt: u32,
    },
    Backoff {
        attempt: u32,
        wake_at: OffsetDateTime,
    },
    Done,
    Failed,
}

#[derive(Debug, Clone)]
struct Item {
    state: String,
    compensation: Compensation,
    /// What the compensation's Parameters are evaluated against.
    subject: Value,
    entered: u64,
    /// `u64::MAX` for a step that was in flight.
    finished: u64,
    phase: Phase,
    retries: Vec<u32>,
    /// The attempt that was in flight when a previous rollback process died.
    interrupted_attempt: Option<u32>,
    /// For a step whose outcome is unknown: how to send its task again.
    recover: Option<Recover>,
}

/// A step in flight: its record (rewritten as succeeded once recovered) and its task.
#[derive(Debug, Clone)]
struct Recover {
    record: crate::records::StepRecord,
    resource: String,
    parameters: Value,
    attempt: u32,
    timeout: Option<u64>,
}

/// The rollback of one execution, driven like [`crate::core::Execution`].
pub struct Rollback {
    id: ExecutionId,
    context: ExecutionContext,
    items: BTreeMap<StepId, Item>,
    last_event: u64,
    started: bool,
    status: ExecutionStatus,
    now: OffsetDateTime,
    rng: StdRng,
    events: Vec<HistoryEvent>,
    compensations: Vec<CompensationRecord>,
    /// Steps recovered since the last checkpoint (see [`Rollback::recovered`]).
    steps: Vec<crate::records::StepRecord>,
    status_changed: bool,
    effects: Vec<Effect>,
}

impl Rollback {
    /// The plan for an execution in any status but RolledBack.
    pub fn plan(
        id: ExecutionId,
        context: ExecutionContext,
        seed: u64,
        machine: &Arc<StateMachine>,
        durable: &DurableState,
        now: OffsetDateTime,
    ) -> Result<Rollback, RebuildError> {
        let catalog = Catalog::new(machine);
        let steps: HashMap<StepId, &crate::records::StepRecord> =
            durable.steps.iter().map(|s| (s.id, s)).collect();
        let mut machines: HashMap<ScopeKey, (MachineIndex, String)> = HashMap::new();
        machines.insert(ScopeKey::Root, (Catalog::ROOT, String::new()));
        let done: HashMap<StepId, bool> = durable
            .compensations
            .iter()
            .map(|c| {
                (
                    c.step,
                    matches!(c.status, CompensationStatus::Succeeded { .. }),
                )
            })
            .collect();
        // A compensation in flight when the previous rollback died may have done its work:
        // it is sent again as `recovering`, so a handler can adopt instead of repeating.
        let interrupted: HashMap<StepId, u32> = durable
            .compensations
            .iter()
            .filter_map(|c| match c.status {
                CompensationStatus::Running { attempt, .. } => Some((c.step, attempt)),
                _ => None,
            })
            .collect();
        let mut items = BTreeMap::new();
        for step in &durable.steps {
            let (parameters, result, finished, in_flight) = match &step.status {
                StepStatus::Succeeded {
                    parameters: Some(parameters),
                    result,
                    ..
                } => {
                    let finished = step.finished_event.unwrap_or(u64::MAX);
                    (
                        parameters.clone(),
                        result.clone().unwrap_or(Value::Null),
                        finished,
                        None,
                    )
                }
                StepStatus::Running {
                    parameters,
                    attempt,
                } => (parameters.clone(), Value::Null, u64::MAX, Some(*attempt)),
                _ => continue,
            };
            let (machine_index, _) = resolve(step.scope, &steps, &catalog, &mut machines)?;
            let machine = catalog.machine(machine_index);
            let Some(StateKind::Task(task)) = machine.states.get(&step.state).map(|s| &s.kind)
            else {
                continue;
            };
            let Some(compensation) = &task.compensate else {
                continue;
            };
            let already_compensated =
                done.contains_key(&step.id) || interrupted.contains_key(&step.id);
            let recover = in_flight
                .filter(|_| !already_compensated)
                .map(|attempt| Recover {
                    record: (*step).clone(),
                    resource: task.resource.clone(),
                    parameters: parameters.clone(),
                    attempt,
                    timeout: seconds(task.timeout.as_ref()),
                });
            let phase = if done.get(&step.id).copied().unwrap_or(false) {
                Phase::Done
            } else {
                Phase::Waiting
            };
            items.insert(
                step.id,
                Item {
                    state: step.state.clone(),
                    compensation: compensation.clone(),
                    subject: json!({"Input": step.input, "Parameters": parameters, "Result": result}),
                    entered: step.entered_event,
                    finished,
                    phase,
                    retries: vec![0; compensation.retry.len()],
                    interrupted_attempt: interrupted.get(&step.id).copied(),
                    recover,
                },
            );
        }
        Ok(Rollback {
            id,
            context,
            items,
            last_event: durable.last_event_id,
            started: false,
            status: ExecutionStatus::RollingBack,
            now,
            rng: StdRng::seed_from_u64(seed),
            events: Vec::new(),
            compensations: Vec::new(),
            steps: Vec::new(),
            status_changed: false,
            effects: Vec::new(),
        })
    }

    /// The steps that will be (or were) compensated, in the order they were entered.
    pub fn steps(&self) -> Vec<StepId> {
        self.items.keys().copied().collect()
    }

    pub fn status(&self) -> &ExecutionStatus {
        &self.status
    }

    pub fn is_finished(&self) -> bool {
        !matches!(self.status, ExecutionStatus::RollingBack)
    }

    pub fn apply(&mut self, input: Input, now: OffsetDateTime) -> Transition {
        self.now = now;
        if !self.started {
            self.started = true;
            let planned: Vec<u64> = self.items.keys().map(|s| s.0).collect();
            self.event(EventKind::RollbackStarted, None, json!({"steps": planned}));
            self.status_changed = true;
        }
        match input {
            Input::Continue => {}
            Input::TaskCompleted {
                step,
                attempt,
                result,
            } => self.completed(step, attempt, result),
            Input::TimerFired { step } => self.timer_fired(step),
        }
        if !self.is_finished() {
            self.schedule_ready();
            self.finish_if_done();
        }
        Transition {
            checkpoint: Checkpoint {
                events: std::mem::take(&mut self.events),
                steps: std::mem::take(&mut self.steps),
                scopes: Vec::new(),
                compensations: std::mem::take(&mut self.compensations),
                status: std::mem::take(&mut self.status_changed).then(|| self.status.clone()),
                stopped_at: self.is_finished().then_some(self.now),
                redrive_count: None,
            },
            effects: std::mem::take(&mut self.effects),
        }
    }

    fn event(&mut self, kind: EventKind, step: Option<StepId>, details: Value) {
        self.last_event += 1;
        self.events.push(HistoryEvent {
            id: self.last_event,
            previous_event_id: self.last_event - 1,
            timestamp: self.now,
            kind,
            step,
            scope: ScopeKey::Root,
            details,
        });
    }

    /// Whether every compensation that must precede `id`'s is done.
    fn ready(&self, id: StepId) -> bool {
        let item = &self.items[&id];
        self.items
            .iter()
            .filter(|(other, a)| **other != id && a.entered > item.finished)
            .all(|(_, a)| a.phase == Phase::Done)
    }

    fn schedule_ready(&mut self) {
        let ready: Vec<StepId> = self
            .items
            .iter()
            .filter(|(_, item)| item.phase == Phase::Waiting)
            .map(|(id, _)| *id)
            .filter(|id| self.ready(*id))
            .collect();
        for id in ready {
            if self.items[&id].recover.is_some() {
                self.recover(id);
                continue;
            }
            match self
                .items
                .get_mut(&id)
                .and_then(|item| item.interrupted_attempt.take())
            {
                Some(attempt) => self.invoke(id, attempt + 1, true),
                None => self.invoke(id, 1, false),
            }
        }
    }

    fn invoke(&mut self, id: StepId, attempt: u32, recovering: bool) {
        let item = self.items[&id].clone();
        if let Some(lookup) = &item.compensation.lookup
            && item.subject.get("Lookup").is_none()
        {
            self.look_up(
                id,
                attempt,
                recovering,
                lookup.resource.clone(),
                lookup.parameters.clone(),
            );
            return;
        }
        let Some(parameters) = self.evaluate(id, item.compensation.parameters.as_ref()) else {
            return;
        };
        let timeout = seconds(item.compensation.timeout.as_ref());
        self.items.get_mut(&id).expect("planned").phase = Phase::Running { attempt };
        self.compensations.push(CompensationRecord {
            step: id,
            status: CompensationStatus::Running {
                attempt,
                parameters: parameters.clone(),
            },
        });
        self.event(
            EventKind::CompensationScheduled,
            Some(id),
            json!({
                "name": item.state,
                "resource": item.compensation.resource,
                "parameters": parameters.to_string(),
                "attempt": attempt,
                "step": id.0,
            }),
        );
        let request = TaskRequest {
            resource: item.compensation.resource.clone(),
            parameters,
            execution: self.id.clone(),
            step: id,
            state: item.state.clone(),
            attempt,
            idempotency_token: format!("{}-{}-compensate", self.id, id),
            recovering,
            timeout_seconds: timeout,
        };
        let deadline = timeout.map(|s| self.now + time::Duration::seconds(s as i64));
        self.effects.push(Effect::Invoke { request, deadline });
    }

    /// A compensation's (or its lookup's) Parameters evaluated against the step's subject;
    /// `None` when evaluation failed, which fails the compensation.
    fn evaluate(
        &mut self,
        id: StepId,
        template: Option<&flow_lang::template::Template>,
    ) -> Option<Value> {
        let item = &self.items[&id];
        let context =
            self.context
                .for_state(&item.state, self.now, Some(item.retries.iter().sum()));
        let evaluated = match template {
            Some(template) => template.evaluate(&Bindings::new(&item.subject, &context)),
            None => Ok(item.subject.clone()),
        };
        match evaluated {
            Ok(parameters) => Some(parameters),
            Err(error) => {
                self.failed(id, error.error, error.cause);
                None
            }
        }
    }

    /// Makes the compensation's `Lookup` call; its result joins the subject as `Lookup`.
    fn look_up(
        &mut self,
        id: StepId,
        attempt: u32,
        recovering: bool,
        resource: String,
        template: Option<flow_lang::template::Template>,
    ) {
        let item = self.items[&id].clone();
        let Some(parameters) = self.evaluate(id, template.as_ref()) else {
            return;
        };
        self.items.get_mut(&id).expect("planned").phase = Phase::LookingUp {
            attempt,
            recovering,
        };
        self.event(
            EventKind::CompensationScheduled,
            Some(id),
            json!({
                "name": item.state,
                "lookup": true,
                "resource": resource,
                "parameters": parameters.to_string(),
                "attempt": attempt,
                "step": id.0,
            }),
        );
        let request = TaskRequest {
            resource,
            parameters,
            execution: self.id.clone(),
            step: id,
            state: item.state.clone(),
            attempt,
            idempotency_token: format!("{}-{}-lookup", self.id, id),
            recovering: false,
            timeout_seconds: None,
        };
        self.effects.push(Effect::Invoke {
            request,
            deadline: None,
        });
    }

    /// Sends an in-flight step's own task again, as `recovering` (see the module's comment).
    fn recover(&mut self, id: StepId) {
        let item = self.items.get_mut(&id).expect("planned");
        let recover = item.recover.clone().expect("a step to recover");
        let attempt = recover.attempt + 1;
        item.phase = Phase::Recovering { attempt };
        let name = item.state.clone();
        self.event(
            EventKind::InFlightStepRecovering,
            Some(id),
            json!({"name": name, "resource": recover.resource, "attempt": attempt, "step": id.0}),
        );
        let request = TaskRequest {
            resource: recover.resource.clone(),
            parameters: recover.parameters.clone(),
            execution: self.id.clone(),
            step: id,
            state: name,
            attempt,
            // The forward step's own token, so that an API honouring tokens returns what the
            // lost attempt created.
            idempotency_token: format!("{}-{}", self.id, id),
            recovering: true,
            timeout_seconds: recover.timeout,
        };
        let deadline = recover
            .timeout
            .map(|s| self.now + time::Duration::seconds(s as i64));
        self.effects.push(Effect::Invoke { request, deadline });
    }

    /// The outcome of a recovered step: recorded as succeeded and then compensated; an error
    /// fails the compensation (nothing is assumed about what exists), and the next
    /// `flow rollback` tries again.
    fn recovered(&mut self, id: StepId, result: Result<Value, TaskError>) {
        let item = self.items.get_mut(&id).expect("planned");
        let recover = item.recover.take().expect("a step to recover");
        match result {
            Ok(value) => {
                item.subject["Result"] = value.clone();
                item.phase = Phase::Waiting;
                let name = item.state.clone();
                let mut record = recover.record;
                record.status = StepStatus::Succeeded {
                    output: value.clone(),
                    parameters: Some(recover.parameters),
                    result: Some(value),
                };
                record.finished_event = Some(self.last_event + 1);
                self.event(
                    EventKind::InFlightStepRecovered,
                    Some(id),
                    json!({"name": name, "step": id.0}),
                );
                self.steps.push(record);
            }
            Err(error) => {
                let cause = format!(
                    "its step was in flight and sending its task again failed: {}: {}",
                    error.error, error.cause
                );
                self.failed(id, error.error, cause);
            }
        }
    }

    fn completed(&mut self, id: StepId, attempt: u32, result: Result<Value, TaskError>) {
        let Some(item) = self.items.get(&id) else {
            return;
        };
        if item.phase == (Phase::Recovering { attempt }) {
            self.recovered(id, result);
            return;
        }
        let result = match (&item.phase, result) {
            (
                Phase::LookingUp {
                    attempt: current,
                    recovering,
                },
                Ok(found),
            ) if *current == attempt => {
                let recovering = *recovering;
                self.items.get_mut(&id).expect("planned").subject["Lookup"] = found;
                self.invoke(id, attempt, recovering);
                return;
            }
            // Nothing to look up means nothing left to undo.
            (
                Phase::LookingUp {
                    attempt: current, ..
                },
                Err(error),
            ) if *current == attempt && is_not_found(&error) => {
                Ok(json!({"Lookup": {"Error": error.error, "Cause": error.cause}}))
            }
            (
                Phase::LookingUp {
                    attempt: current, ..
                },
                Err(error),
            ) if *current == attempt => Err(error),
            (Phase::Running { attempt: current }, result) if *current == attempt => match result {
                Ok(value) => Ok(value),
                Err(error) if is_not_found(&error) => {
                    Ok(json!({"Error": error.error, "Cause": error.cause}))
                }
                Err(error) => Err(error),
            },
            _ => return,
        };
        match result {
            Ok(value) => {
                self.items.get_mut(&id).expect("planned").phase = Phase::Done;
                let name = self.items[&id].state.clone();
                self.compensations.push(CompensationRecord {
                    step: id,
                    status: CompensationStatus::Succeeded {
                        result: value.clone(),
                    },
                });
                self.event(
                    EventKind::CompensationSucceeded,
                    Some(id),
                    json!({"name": name, "output": value, "step": id.0}),
                );
            }
            Err(error) => {
                let item = self.items.get_mut(&id).expect("planned");
                match retry::decide(
                    &item.compensation.retry,
                    &item.retries,
                    &error.error,
                    &mut self.rng,
                ) {
                    RetryDecision::After { rule, delay } => {
                        item.retries[rule] += 1;
                        let wake_at = self.now + delay;
                        item.phase = Phase::Backoff {
                            attempt: attempt + 1,
                            wake_at,
                        };
                        let name = item.state.clone();
                        self.event(
                            EventKind::CompensationFailed,
                            Some(id),
                            json!({"name": name, "error": error.error, "cause": error.cause, "attempt": attempt, "retrying": true, "step": id.0}),
                        );
                        self.effects.push(Effect::StartTimer { step: id, wake_at });
                    }
                    RetryDecision::GiveUp => self.failed(id, error.error, error.cause),
                }
            }
        }
    }

    fn failed(&mut self, id: StepId, error: String, cause: String) {
        let item = self.items.get_mut(&id).expect("planned");
        item.phase = Phase::Failed;
        let name = item.state.clone();
        self.compensations.push(CompensationRecord {
            step: id,
            status: CompensationStatus::Failed {
                error: error.clone(),
                cause: cause.clone(),
            },
        });
        self.event(
            EventKind::CompensationFailed,
            Some(id),
            json!({"name": name, "error": error, "cause": cause, "retrying": false, "step": id.0}),
        );
    }

    fn timer_fired(&mut self, id: StepId) {
        let Some(item) = self.items.get(&id) else {
            return;
        };
        if let Phase::Backoff { attempt, wake_at } = item.phase {
            if wake_at <= self.now {
                self.invoke(id, attempt, false);
            } else {
                self.effects.push(Effect::StartTimer { step: id, wake_at });
            }
        }
    }

    fn finish_if_done(&mut self) {
        let busy = self.items.values().any(|i| {
            matches!(
                i.phase,
                Phase::Running { .. }
                    | Phase::Backoff { .. }
                    | Phase::Recovering { .. }
                    | Phase::LookingUp { .. }
            )
        });
        if busy {
            return;
        }
        let failed: Vec<StepId> = self
            .items
            .iter()
            .filter(|(_, i)| i.phase == Phase::Failed)
            .map(|(id, _)| *id)
            .collect();
        let blocked: Vec<u64> = self
            .items
            .iter()
            .filter(|(_, i)| i.phase == Phase::Waiting)
            .map(|(id, _)| id.0)
            .collect();
        if failed.is_empty() && blocked.is_empty() {
            self.event(EventKind::RollbackSucceeded, None, json!({}));
            self.status = ExecutionStatus::RolledBack;
        } else {
            let ids: Vec<u64> = failed.iter().map(|s| s.0).collect();
            self.event(
                EventKind::RollbackFailed,
                None,
                json!({"failedSteps": ids, "blockedSteps": blocked}),
            );
            self.status = ExecutionStatus::RollbackFailed {
                failed_steps: failed,
            };
        }
        self.status_changed = true;
    }
}
