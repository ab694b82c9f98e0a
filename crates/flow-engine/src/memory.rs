//! An in-memory [`Store`]: the engine's tests run on it. It can be told to refuse commits
//! after the k-th (a simulated crash: what was committed survives, nothing else does).

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use time::OffsetDateTime;

use crate::history::HistoryEvent;
use crate::ids::{ExecutionId, ScopeKey, StepId};
use crate::records::{
    Checkpoint, CompensationRecord, DurableState, ExecutionRecord, ExecutionStatus,
    ExecutionSummary, NewExecution, ScopeRecord, StepRecord,
};
use crate::store::{LeaseGrant, LeaseHolder, Result, Store, StoreError};

#[derive(Default)]
struct Execution {
    record: Option<ExecutionRecord>,
    steps: BTreeMap<StepId, StepRecord>,
    scopes: BTreeMap<ScopeKey, ScopeRecord>,
    compensations: BTreeMap<StepId, CompensationRecord>,
    events: Vec<HistoryEvent>,
    lease: Option<(LeaseHolder, OffsetDateTime, u64)>,
}

#[derive(Default)]
struct Inner {
    executions: HashMap<ExecutionId, Execution>,
    order: Vec<ExecutionId>,
    commits: usize,
    commit_limit: Option<usize>,
}

/// Everything in a mutex; fine for tests and small runs.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// From now on, accept only `commits` more commits; later ones fail as if the process had
    /// died before writing them.
    pub fn refuse_commits_after(&self, commits: usize) {
        let mut inner = self.lock();
        inner.commit_limit = Some(inner.commits + commits);
    }

    /// Accept commits again (the "new process" after a simulated crash).
    pub fn accept_commits(&self) {
        self.lock().commit_limit = None;
    }

    /// How many commits succeeded so far.
    pub fn commits(&self) -> usize {
        self.lock().commits
    }

    /// Drops every lease, as if their holders had died long ago.
    pub fn expire_leases(&self) {
        for execution in self.lock().executions.values_mut() {
            execution.lease = None;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn find<'a>(inner: &'a mut Inner, id_or_name: &str) -> Result<&'a mut Execution> {
    let id = inner
        .executions
        .iter()
        .find(|(id, _)| id.0 == id_or_name)
        .or_else(|| {
            inner
                .executions
                .iter()
                .find(|(_, e)| e.record.as_ref().is_some_and(|r| r.name == id_or_name))
        })
        .map(|(id, _)| id.clone())
        .ok_or_else(|| StoreError::UnknownExecution(id_or_name.to_string()))?;
    Ok(inner.executions.get_mut(&id).expect("found"))
}

impl Store for MemoryStore {
    fn create_execution(&self, execution: &NewExecution) -> Result<()> {
        let mut inner = self.lock();
        if inner
            .executions
            .values()
            .any(|e| e.record.as_ref().is_some_and(|r| r.name == execution.name))
        {
            return Err(StoreError::DuplicateName(execution.name.clone()));
        }
        let record = ExecutionRecord {
            id: execution.id.clone(),
            name: execution.name.clone(),
            definition_path: execution.definition_path.clone(),
            definition: execution.definition.clone(),
            input: execution.input.clone(),
            status: ExecutionStatus::Running,
            started_at: execution.started_at,
            stopped_at: None,
            redrive_count: 0,
        };
        inner.executions.insert(
            execution.id.clone(),
            Execution {
                record: Some(record),
                ..Default::default()
            },
        );
        inner.order.push(execution.id.clone());
        Ok(())
    }

    fn find_execution(&self, id_or_name: &str) -> Result<ExecutionRecord> {
        let mut inner = self.lock();
        Ok(find(&mut inner, id_or_name)?
            .record
            .clone()
            .expect("created"))
    }

    fn list_executions(&self) -> Result<Vec<ExecutionSummary>> {
        let inner = self.lock();
        Ok(inner
            .order
            .iter()
            .rev()
            .filter_map(|id| inner.executions[id].record.as_ref())
            .map(|r| ExecutionSummary {
                id: r.id.clone(),
                name: r.name.clone(),
                status: r.status.clone(),
                definition_path: r.definition_path.clone(),
                started_at: r.started_at,
                stopped_at: r.stopped_at,
            })
            .collect())
    }

    fn acquire_lease(
        &self,
        execution: &ExecutionId,
        holder: &LeaseHolder,
        now: OffsetDateTime,
        ttl_seconds: u64,
    ) -> Result<LeaseGrant> {
        let mut inner = self.lock();
        let execution = find(&mut inner, &execution.0)?;
        if let Some((current, heartbeat, ttl)) = &execution.lease {
            let alive = now - *heartbeat < time::Duration::seconds(*ttl as i64);
            if current != holder && alive {
                return Ok(LeaseGrant::HeldBy(current.clone()));
            }
        }
        execution.lease = Some((holder.clone(), now, ttl_seconds));
        Ok(LeaseGrant::Acquired)
    }

    fn renew_lease(
        &self,
        execution: &ExecutionId,
        holder: &LeaseHolder,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut inner = self.lock();
        let execution = find(&mut inner, &execution.0)?;
        if let Some((current, heartbeat, _)) = &mut execution.lease
            && current == holder
        {
            *heartbeat = now;
        }
        Ok(())
    }

    fn release_lease(&self, execution: &ExecutionId, holder: &LeaseHolder) -> Result<()> {
        let mut inner = self.lock();
        let execution = find(&mut inner, &execution.0)?;
        if execution
            .lease
            .as_ref()
            .is_some_and(|(current, _, _)| current == holder)
        {
            execution.lease = None;
        }
        Ok(())
    }

    fn commit(&self, execution: &ExecutionId, checkpoint: &Checkpoint) -> Result<()> {
        let mut inner = self.lock();
        if inner
            .commit_limit
            .is_some_and(|limit| inner.commits >= limit)
        {
            return Err(StoreError::Backend {
                message: "the store refuses commits (simulated crash)".into(),
                source: None,
            });
        }
        inner.commits += 1;
        let execution = find(&mut inner, &execution.0)?;
        execution.events.extend(checkpoint.events.iter().cloned());
        for step in &checkpoint.steps {
            execution.steps.insert(step.id, step.clone());
        }
        for scope in &checkpoint.scopes {
            execution.scopes.insert(scope.key, scope.clone());
        }
        for compensation in &checkpoint.compensations {
            execution
                .compensations
                .insert(compensation.step, compensation.clone());
        }
        let record = execution.record.as_mut().expect("created");
        if let Some(status) = &checkpoint.status {
            record.status = status.clone();
            if matches!(
                status,
                ExecutionStatus::Running | ExecutionStatus::RollingBack
            ) {
                record.stopped_at = None;
            }
        }
        if let Some(stopped) = checkpoint.stopped_at {
            record.stopped_at = Some(stopped);
        }
        if let Some(count) = checkpoint.redrive_count {
            record.redrive_count = count;
        }
        Ok(())
    }

    fn load(&self, execution: &ExecutionId) -> Result<DurableState> {
        let mut inner = self.lock();
        let execution = find(&mut inner, &execution.0)?;
        Ok(DurableState {
            execution: execution.record.clone().expect("created"),
            steps: execution.steps.values().cloned().collect(),
            scopes: execution.scopes.values().cloned().collect(),
            compensations: execution.compensations.values().cloned().collect(),
            last_event_id: execution.events.last().map(|e| e.id).unwrap_or(0),
        })
    }

    fn history(&self, execution: &ExecutionId) -> Result<Vec<HistoryEvent>> {
        let mut inner = self.lock();
        Ok(find(&mut inner, &execution.0)?.events.clone())
    }
}
