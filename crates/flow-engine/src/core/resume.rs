//! Rebuilding an [`Execution`] from its [`DurableState`], like Step Functions' redrive:
//! finished steps stay finished; each open scope continues from its one unfinished step
//! (a task in flight is sent again with `recovering`, a timer is asked for again); a FAILED
//! execution re-runs its failed steps with their recorded input, and inside a Parallel or
//! Map only the branches and iterations that did not succeed.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use flow_lang::model::{StateKind, StateMachine};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::core::catalog::{Catalog, MachineIndex};
use crate::core::{Execution, ExecutionSetup, FanOut, Scope, Step, Work, next_of};
use crate::history::EventKind;
use crate::ids::{ScopeKey, StepId};
use crate::records::{DurableState, ExecutionStatus, ScopeStatus, StepStatus};

/// Why a durable state cannot be continued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RebuildError {
    #[error("the execution has status {0} and cannot be resumed")]
    NotResumable(&'static str),
    #[error("the recorded steps do not fit the definition: {0}")]
    Inconsistent(String),
}

impl Execution {
    /// The execution as it was when its last checkpoint was written, with the work to do
    /// queued: apply [`crate::core::Input::Continue`] next. A FAILED execution is redriven
    /// (`ExecutionRedriven`, redrive count + 1); `setup.context.redrive_count` should already
    /// hold the new count.
    pub fn rebuild(
        setup: ExecutionSetup,
        machine: &Arc<StateMachine>,
        durable: &DurableState,
        now: OffsetDateTime,
    ) -> Result<Execution, RebuildError> {
        let redrive = match &durable.execution.status {
            ExecutionStatus::Running => false,
            ExecutionStatus::Failed { .. } => true,
            other => return Err(RebuildError::NotResumable(other.name())),
        };
        if durable.scopes.is_empty() && durable.steps.is_empty() && !redrive {
            // Created, but the process died before its first checkpoint: start afresh.
            let mut execution = Execution::start(setup, machine, now);
            execution.last_event = durable.last_event_id.max(execution.last_event);
            return Ok(execution);
        }
        let mut execution = Execution::empty(setup, machine, now);
        execution.last_event = durable.last_event_id;
        execution.next_step = durable.steps.iter().map(|s| s.id.0).max().unwrap_or(0) + 1;

        let steps: HashMap<StepId, &crate::records::StepRecord> =
            durable.steps.iter().map(|s| (s.id, s)).collect();
        let mut by_scope: HashMap<ScopeKey, StepId> = HashMap::new();
        for step in &durable.steps {
            let entry = by_scope.entry(step.scope).or_insert(step.id);
            *entry = (*entry).max(step.id);
        }
        let mut machines: HashMap<ScopeKey, (MachineIndex, String)> = HashMap::new();
        machines.insert(ScopeKey::Root, (Catalog::ROOT, String::new()));
        for scope in &durable.scopes {
            resolve(scope.key, &steps, &execution.catalog, &mut machines)?;
        }
        for record in &durable.scopes {
            let (machine, label) = machines[&record.key].clone();
            execution.scopes.insert(
                record.key,
                Scope {
                    record: record.clone(),
                    machine,
                    current: by_scope.get(&record.key).copied(),
                    live: true,
                    last_event: durable.last_event_id,
                    label,
                    variables: Default::default(),
                },
            );
        }
        if !execution.scopes.contains_key(&ScopeKey::Root) {
            return Err(RebuildError::Inconsistent("no top-level scope".into()));
        }
        for record in &durable.steps {
            let (machine, _) = machines.get(&record.scope).cloned().ok_or_else(|| {
                RebuildError::Inconsistent(format!("step {} is in an unknown scope", record.id))
            })?;
            let rules = execution
                .catalog
                .machine(machine)
                .states
                .get(&record.state)
                .map(|s| s.retriers().len())
                .unwrap_or(0);
            let mut retries = vec![0; rules];
            // Which retrier counted is not recorded; charge the earlier attempts to the first.
            if let (
                Some(first),
                StepStatus::Running { attempt, .. } | StepStatus::Backoff { attempt, .. },
            ) = (retries.first_mut(), &record.status)
            {
                *first = attempt.saturating_sub(1);
            }
            execution.steps.insert(
                record.id,
                Step {
                    record: record.clone(),
                    machine,
                    retries,
                    entered_at: now,
                    fan: None,
                    last_error: None,
                },
            );
        }

        if redrive {
            let count = durable.execution.redrive_count + 1;
            execution.event(
                EventKind::ExecutionRedriven,
                None,
                ScopeKey::Root,
                json!({"redriveCount": count}),
            );
            execution.status = ExecutionStatus::Running;
            execution.status_changed = true;
            execution.redriven = Some(count);
        }
        execution.revive(ScopeKey::Root, redrive);
        Ok(execution)
    }

    fn revive(&mut self, key: ScopeKey, redrive: bool) {
        let scope = &self.scopes[&key];
        match scope.record.status {
            ScopeStatus::Succeeded { .. } => return,
            ScopeStatus::Failed { .. } if !redrive => return,
            ScopeStatus::Failed { .. } => self.scope_mut(key).record.status = ScopeStatus::Running,
            ScopeStatus::Running => {}
        }
        match self.scopes[&key].current {
            None => self.ready.push_back(Work::StartScope { scope: key }),
            Some(current) => self.revive_step(current, redrive),
        }
    }

    fn revive_step(&mut self, id: StepId, redrive: bool) {
        let has_children = self.scopes.contains_key(&ScopeKey::Child {
            parent: id,
            index: 0,
        });
        match self.step(id).record.status.clone() {
            StepStatus::Running { .. } => self.ready.push_back(Work::Reinvoke { step: id }),
            StepStatus::Backoff { .. } | StepStatus::Waiting { .. } => {
                self.ready.push_back(Work::Rearm { step: id })
            }
            StepStatus::FannedOut { .. } => self.revive_fan_out(id, redrive),
            StepStatus::Failed { .. } if has_children => {
                self.step_mut(id).record.finished_event = None;
                self.revive_fan_out(id, true);
            }
            StepStatus::Succeeded { output, .. } => {
                // The scope stayed open after its step finished (not written by this
                // engine, which records the next step in the same checkpoint): go on.
                let (machine, name) = self.state_of(id);
                let scope = self.step(id).record.scope;
                match machine.states[&name].transition() {
                    Some(transition) => self.advance(scope, next_of(transition), output),
                    None => self.rerun(id),
                }
            }
            StepStatus::Caught { error, cause, next } => {
                // The scope stayed open after its step was caught (a group of transitions cut
                // before the catcher's state was entered): go on at the catcher's state with
                // the output the catch computed, as for a succeeded step.
                let (machine, name) = self.state_of(id);
                let step = self.step(id);
                let (scope, raw) = (step.record.scope, step.record.input.clone());
                let catcher = machine.states[&name]
                    .catchers()
                    .iter()
                    .find(|c| c.matches(&error) && c.next == next);
                let caught = json!({"Error": error, "Cause": cause});
                let output = match catcher.map(|c| &c.result_path) {
                    Some(Some(path)) => path.merge_into(raw, caught).ok(),
                    Some(None) => Some(raw),
                    None => None,
                };
                match output {
                    Some(output) => self.advance(scope, crate::core::Next::State(next), output),
                    None => self.rerun(id),
                }
            }
            StepStatus::Failed { .. } => self.rerun(id),
        }
    }

    /// Runs a step again from its recorded input, under the same id.
    fn rerun(&mut self, id: StepId) {
        let step = self.step(id);
        let (scope, state, input) = (
            step.record.scope,
            step.record.state.clone(),
            step.record.input.clone(),
        );
        self.step_mut(id).record.finished_event = None;
        self.ready.push_back(Work::Enter {
            scope,
            state,
            input,
            reuse: Some(id),
            retries: Vec::new(),
        });
    }

    fn count_children(&self, id: StepId) -> u32 {
        (0..)
            .take_while(|&index| {
                self.scopes
                    .contains_key(&ScopeKey::Child { parent: id, index })
            })
            .count() as u32
    }

    /// Children are created as they start (see `fanout.rs`): those that had not started are
    /// recomputed from the Map's recorded input, which gives the same items again.
    fn revive_fan_out(&mut self, id: StepId, redrive: bool) {
        let (machine, name) = self.state_of(id);
        let started = self.count_children(id);
        let (map, max_concurrency, tolerance, unstarted) = match &machine.states[&name].kind {
            StateKind::Map(state) => match self.plan_map(id, state) {
                Ok(plan) => {
                    let unstarted: VecDeque<(u32, Value)> =
                        (0..).zip(plan.items).skip(started as usize).collect();
                    (true, plan.max_concurrency, plan.tolerance, unstarted)
                }
                Err(_) => (true, 0, None, VecDeque::new()),
            },
            // Every branch of a Parallel starts when it fans out.
            _ => (false, 0, None, VecDeque::new()),
        };
        let total = started + unstarted.len() as u32;
        self.step_mut(id).record.status = StepStatus::FannedOut { children: total };
        let mut fan = FanOut {
            map,
            total,
            pending: Default::default(),
            running: 0,
            finished: 0,
            failures: 0,
            max_concurrency,
            tolerance,
            results: vec![None; total as usize],
        };
        let mut revive = Vec::new();
        for index in 0..started {
            let key = ScopeKey::Child { parent: id, index };
            let scope = &self.scopes[&key];
            match scope.record.status {
                ScopeStatus::Succeeded { .. } => fan.finished += 1,
                ScopeStatus::Failed { .. } if !redrive => {
                    fan.finished += 1;
                    fan.failures += 1;
                }
                ScopeStatus::Failed { .. } | ScopeStatus::Running if scope.current.is_some() => {
                    fan.running += 1;
                    revive.push(key);
                }
                ScopeStatus::Failed { .. } | ScopeStatus::Running => {
                    fan.pending.push_back((index, scope.record.input.clone()))
                }
            }
        }
        fan.pending.extend(unstarted);
        let settled = fan.finished >= fan.total;
        self.step_mut(id).fan = Some(fan);
        for key in revive {
            self.revive(key, redrive);
        }
        self.fill(id);
        if settled {
            self.ready.push_back(Work::Settle { step: id });
        }
    }
}

/// The machine and progress label of a scope, from its parent step's state.
pub(crate) fn resolve(
    key: ScopeKey,
    steps: &HashMap<StepId, &crate::records::StepRecord>,
    catalog: &Catalog,
    machines: &mut HashMap<ScopeKey, (MachineIndex, String)>,
) -> Result<(MachineIndex, String), RebuildError> {
    if let Some(found) = machines.get(&key) {
        return Ok(found.clone());
    }
    let ScopeKey::Child { parent, index } = key else {
        unreachable!("the root is known")
    };
    let parent_step = steps
        .get(&parent)
        .ok_or_else(|| RebuildError::Inconsistent(format!("scope of unknown step {parent}")))?;
    let (parent_machine, parent_label) = resolve(parent_step.scope, steps, catalog, machines)?;
    let machine = catalog
        .child(parent_machine, &parent_step.state, index)
        .ok_or_else(|| {
            RebuildError::Inconsistent(format!(
                "state '{}' has no branch {index}",
                parent_step.state
            ))
        })?;
    let label = if parent_label.is_empty() {
        format!("{}[{index}]", parent_step.state)
    } else {
        format!("{parent_label}/{}[{index}]", parent_step.state)
    };
    machines.insert(key, (machine, label.clone()));
    Ok((machine, label))
}
