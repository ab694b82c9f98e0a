//! What Parallel and Map share: child scopes started up to a concurrency limit, their ends
//! collected in index order, the first unforgiven failure failing the step.
//!
//! A child's scope is created (in memory and in the store) when it starts, not when the step
//! fans out: a Map of 10,000 items with MaxConcurrency 100 holds 100 scopes at a time plus the
//! items still to start, and a resume recomputes those items from the step's recorded input.

use std::collections::VecDeque;

use flow_lang::model::StateKind;
use serde_json::{Value, json};

use crate::core::dataflow::{self, Scope as DataScope};
use crate::core::{Execution, FanOut, Scope, Tolerance, Work, next_of};
use crate::history::EventKind;
use crate::ids::{ScopeKey, StepId};
use crate::records::{ScopeRecord, ScopeStatus, StepStatus};

impl Execution {
    /// One child per input, started in index order as the limit allows.
    pub(crate) fn fan_out(
        &mut self,
        id: StepId,
        map: bool,
        inputs: Vec<Value>,
        max_concurrency: u32,
        tolerance: Option<Tolerance>,
    ) {
        let total = inputs.len() as u32;
        let step = self.step(id);
        let (state, scope_key) = (step.record.state.clone(), step.record.scope);
        let step = self.step_mut(id);
        step.record.status = StepStatus::FannedOut { children: total };
        step.fan = Some(FanOut {
            map,
            total,
            pending: (0..total).zip(inputs).collect::<VecDeque<_>>(),
            running: 0,
            finished: 0,
            failures: 0,
            max_concurrency,
            tolerance,
            results: vec![None; total as usize],
        });
        let kind = if map {
            EventKind::MapStateStarted
        } else {
            EventKind::ParallelStateStarted
        };
        self.event(
            kind,
            Some(id),
            scope_key,
            json!({"name": state, "length": total}),
        );
        self.fill(id);
        if total == 0 {
            self.ready.push_back(Work::Settle { step: id });
        }
    }

    /// Starts pending children while the concurrency limit allows.
    pub(crate) fn fill(&mut self, id: StepId) {
        loop {
            let step = self.steps.get_mut(&id).expect("known step");
            let Some(fan) = step.fan.as_mut() else { return };
            if fan.max_concurrency != 0 && fan.running >= fan.max_concurrency {
                return;
            }
            let Some((index, input)) = fan.pending.pop_front() else {
                return;
            };
            fan.running += 1;
            let map = fan.map;
            let (name, scope) = (step.record.state.clone(), step.record.scope);
            let key = self.open_child(id, index, input);
            if map {
                let started = self.event(
                    EventKind::MapIterationStarted,
                    Some(id),
                    scope,
                    json!({"name": name, "index": index}),
                );
                // The iteration's first event follows its MapIterationStarted, as in Step Functions.
                self.scope_mut(key).last_event = started;
            }
            self.ready.push_back(Work::StartScope { scope: key });
        }
    }

    /// Creates child `index`'s scope, with a copy of its parent's variables.
    fn open_child(&mut self, id: StepId, index: u32, input: Value) -> ScopeKey {
        let step = self.step(id);
        let (machine, state, parent) = (
            step.machine,
            &step.record.state,
            &self.scopes[&step.record.scope],
        );
        let key = ScopeKey::Child { parent: id, index };
        let child_machine = self
            .catalog
            .child(machine, state, index)
            .expect("a Parallel or Map has child machines");
        let label = if parent.label.is_empty() {
            format!("{state}[{index}]")
        } else {
            format!("{}/{state}[{index}]", parent.label)
        };
        let scope = Scope {
            record: ScopeRecord {
                key,
                input,
                status: ScopeStatus::Running,
            },
            machine: child_machine,
            current: None,
            live: true,
            last_event: self.last_event,
            label,
            variables: parent.variables.clone(),
        };
        self.scopes.insert(key, scope);
        self.dirty_scopes.insert(key);
        key
    }

    /// A child scope ended (its record says how).
    pub(crate) fn child_finished(&mut self, parent: StepId, index: u32) {
        let Some(step) = self.steps.get(&parent) else {
            return;
        };
        if !matches!(step.record.status, StepStatus::FannedOut { .. }) || step.fan.is_none() {
            return;
        }
        let (name, scope_key) = (step.record.state.clone(), step.record.scope);
        let child_status = self.scopes[&ScopeKey::Child { parent, index }]
            .record
            .status
            .clone();
        let fan = self
            .steps
            .get_mut(&parent)
            .and_then(|s| s.fan.as_mut())
            .expect("fan-out");
        if let Some(slot) = fan.results.get_mut(index as usize) {
            *slot = Some(result_of(&child_status));
        }
        fan.running = fan.running.saturating_sub(1);
        fan.finished += 1;
        let map = fan.map;
        match child_status {
            ScopeStatus::Failed { error, cause } => {
                fan.failures += 1;
                let (failures, total, tolerance) = (fan.failures, fan.total, fan.tolerance);
                if map {
                    self.event(
                        EventKind::MapIterationFailed,
                        Some(parent),
                        scope_key,
                        json!({"name": name, "index": index, "error": error, "cause": cause}),
                    );
                }
                let forgiven = map && tolerance.is_some_and(|t| !t.exceeded(failures, total));
                if !forgiven {
                    self.abandon_children(parent);
                    let (error, cause) = match tolerance {
                        Some(_) if map => (
                            "States.ExceedToleratedFailureThreshold".to_string(),
                            "The specified tolerated failure threshold was exceeded".to_string(),
                        ),
                        _ => (error, cause),
                    };
                    let kind = if map {
                        EventKind::MapStateFailed
                    } else {
                        EventKind::ParallelStateFailed
                    };
                    self.event(
                        kind,
                        Some(parent),
                        scope_key,
                        json!({"name": name, "error": error, "cause": cause}),
                    );
                    self.fail_step(parent, error, cause);
                    return;
                }
            }
            _ => {
                if map {
                    self.event(
                        EventKind::MapIterationSucceeded,
                        Some(parent),
                        scope_key,
                        json!({"name": name, "index": index}),
                    );
                }
            }
        }
        self.fill(parent);
        let fan = self.steps[&parent].fan.as_ref().expect("fan-out");
        if fan.finished >= fan.total {
            self.settle(parent);
        }
    }

    /// Every child is done: the results, in index order, are the step's result.
    pub(crate) fn settle(&mut self, id: StepId) {
        let step = self.step(id);
        let Some(fan) = step.fan.as_ref() else { return };
        if !matches!(step.record.status, StepStatus::FannedOut { .. }) || fan.finished < fan.total {
            return;
        }
        let (map, scope_key) = (fan.map, step.record.scope);
        let results: Vec<Value> = std::mem::take(
            &mut self
                .steps
                .get_mut(&id)
                .and_then(|s| s.fan.as_mut())
                .expect("fan-out")
                .results,
        )
        .into_iter()
        .enumerate()
        .map(|(index, result)| {
            result.unwrap_or_else(|| {
                let key = ScopeKey::Child {
                    parent: id,
                    index: index as u32,
                };
                self.scopes
                    .get(&key)
                    .map(|scope| result_of(&scope.record.status))
                    .unwrap_or(Value::Null)
            })
        })
        .collect();
        let (machine, name) = self.state_of(id);
        let (data, selector, assign, transition) = match &machine.states[&name].kind {
            StateKind::Parallel(p) => (
                &p.data,
                p.result_selector.as_ref(),
                p.assign.as_ref(),
                &p.transition,
            ),
            StateKind::Map(m) => (
                &m.data,
                m.result_selector.as_ref(),
                m.assign.as_ref(),
                &m.transition,
            ),
            _ => return,
        };
        let kind = if map {
            EventKind::MapStateSucceeded
        } else {
            EventKind::ParallelStateSucceeded
        };
        self.event(kind, Some(id), scope_key, json!({"name": name}));
        let raw = self.step(id).record.input.clone();
        let context = self.context_of(id);
        let variables = self.variables_of(id);
        let scope = DataScope {
            context: &context,
            variables: Some(&variables),
        };
        let finished = dataflow::finish(data, selector, &raw, Value::Array(results), scope);
        self.recycle_context(context);
        let finished = finished
            .and_then(|(selected, output)| self.assign(id, assign, &selected).map(|_| output));
        match finished {
            Ok(output) => self.complete(id, output, next_of(transition), None, None),
            Err(error) => {
                let (error, cause) = self.state_error(id, error);
                self.fail_step(id, error, cause);
            }
        }
    }
}

/// What a finished child contributes to its parent's result.
fn result_of(status: &ScopeStatus) -> Value {
    match status {
        ScopeStatus::Succeeded { output } => output.clone(),
        ScopeStatus::Failed { error, cause } => json!({"Error": error, "Cause": cause}),
        ScopeStatus::Running => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use crate::core::context::{ExecutionContext, Placement};
    use crate::core::{Effect, Execution, ExecutionSetup, Input};
    use crate::ids::{ExecutionId, ScopeKey};

    /// A Map of 1,000 items whose iterations are Tasks that have not answered: only
    /// MaxConcurrency of them exist, in memory and in what is written to the store.
    #[test]
    fn a_map_holds_only_its_running_iterations() {
        let text = json!({
            "StartAt": "Items",
            "States": {"Items": {
                "Type": "Map", "MaxConcurrency": 10, "End": true,
                "ItemProcessor": {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "flow:test-hang", "End": true}}}
            }}
        })
        .to_string();
        let machine = Arc::new(flow_lang::load(&text).unwrap().into_machine());
        let now = time::OffsetDateTime::UNIX_EPOCH;
        let input = json!((0..1_000).collect::<Vec<_>>());
        let context = ExecutionContext::new(&Placement::default(), "map", "map", input, now, 0);
        let setup = ExecutionSetup {
            id: ExecutionId("map".into()),
            context,
            seed: 1,
        };
        let mut execution = Execution::start(setup, &machine, now);

        let transition = execution.apply(Input::Continue, now);

        let invoked = transition
            .effects
            .iter()
            .filter(|e| matches!(e, Effect::Invoke { .. }))
            .count();
        assert_eq!(invoked, 10);
        let children = |keys: Vec<ScopeKey>| {
            keys.into_iter()
                .filter(|k| matches!(k, ScopeKey::Child { .. }))
                .count()
        };
        assert_eq!(
            children(execution.scopes.keys().copied().collect()),
            10,
            "scopes in memory"
        );
        assert_eq!(
            children(transition.checkpoint.scopes.iter().map(|s| s.key).collect()),
            10,
            "scopes written"
        );
    }
}
