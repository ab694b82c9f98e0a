//! The public face of the engine: [`Engine::start`], [`Engine::resume`], [`Engine::rollback`].
//!
//! Each call loads what it needs from the [`Store`], takes the execution's lease, builds the
//! core (a new [`Execution`], a rebuilt one, or a [`Rollback`] plan) and drives it with a
//! [`Driver`] until the execution finishes, is interrupted, or the store fails. The lease is
//! renewed while driving and released at the end, whatever happened.

use std::sync::Arc;

use flow_lang::Diagnostics;
use flow_lang::model::StateMachine;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use crate::clock::Clock;
use crate::core::context::machine_name;
use crate::core::resume::RebuildError;
use crate::core::{Execution, ExecutionContext, ExecutionSetup, Placement};
use crate::driver::{Core, Driver, Ended, Interrupt};
use crate::ids::ExecutionId;
use crate::observer::Observer;
use crate::records::{ExecutionRecord, ExecutionStatus, NewExecution};
use crate::rollback::Rollback;
use crate::store::{LeaseGrant, LeaseHolder, Store, StoreError};
use crate::task::TaskHandler;

/// Everything that can stop a command before or while it drives an execution.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The definition does not load; nothing was started.
    #[error("the definition is invalid ({} problem(s))", .0.len())]
    BadDefinition(Diagnostics),
    /// The input (or name) is unusable; nothing was started.
    #[error("bad input: {0}")]
    BadInput(String),
    #[error("an execution named '{0}' already exists")]
    DuplicateName(String),
    #[error("no execution with id or name '{0}'")]
    UnknownExecution(String),
    /// Another live process drives the execution.
    #[error("execution {execution} is being driven by {holder}")]
    LeaseHeld {
        execution: ExecutionId,
        holder: LeaseHolder,
    },
    #[error("execution {execution} cannot be {action}: its status is {status}")]
    NotResumable {
        execution: ExecutionId,
        action: &'static str,
        status: &'static str,
    },
    /// The stored steps do not fit the stored definition.
    #[error("the stored state of execution {execution} is inconsistent")]
    Inconsistent {
        execution: ExecutionId,
        #[source]
        source: RebuildError,
    },
    #[error("the state store failed")]
    Store(#[source] StoreError),
}

impl EngineError {
    /// The process exit code the CLI uses: 2 when nothing was (or could be) done because of
    /// the request, 1 when the store failed.
    pub fn exit_code(&self) -> i32 {
        match self {
            EngineError::Store(_) | EngineError::Inconsistent { .. } => 1,
            _ => 2,
        }
    }
}

impl From<StoreError> for EngineError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::UnknownExecution(name) => EngineError::UnknownExecution(name),
            StoreError::DuplicateName(name) => EngineError::DuplicateName(name),
            StoreError::LeaseHeld { execution, holder } => {
                EngineError::LeaseHeld { execution, holder }
            }
            other => EngineError::Store(other),
        }
    }
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;

/// How the engine is set up; [`EngineConfig::default`] suits production.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Region and account of the ARNs in `$$` (the CLI passes `AWS_REGION`, else us-east-1).
    pub placement: Placement,
    /// Seeds execution ids and retry jitter; `None` draws from the OS.
    pub seed: Option<u64>,
    /// Who this process is, for the lease.
    pub holder: LeaseHolder,
    /// A lease not renewed for this long counts as abandoned.
    pub lease_ttl_seconds: u64,
    /// How often the lease is renewed while driving.
    pub lease_renew_every: std::time::Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            placement: Placement::default(),
            seed: None,
            holder: current_process(),
            lease_ttl_seconds: 10,
            lease_renew_every: std::time::Duration::from_secs(2),
        }
    }
}

/// The lease holder for this process: host name, pid, and the process start time (field 22
/// of `/proc/self/stat`, 0 where there is no /proc).
pub fn current_process() -> LeaseHolder {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    let process_start = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            // Field 2 (the command) may contain spaces; fields after it start at field 3.
            let rest = &stat[stat.rfind(')')? + 1..];
            rest.split_whitespace().nth(22 - 3)?.parse().ok()
        })
        .unwrap_or(0);
    LeaseHolder {
        host,
        pid: std::process::id(),
        process_start,
    }
}

/// What `flow run` asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRun {
    /// As given on the command line; its file stem names the state machine in ARNs.
    pub definition_path: String,
    pub definition_text: String,
    pub input: Value,
    /// `--name`; the execution id when absent.
    pub name: Option<String>,
    /// `--rollback-on-failure`: if the run ends FAILED, roll it back at once.
    pub rollback_on_failure: bool,
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub execution: ExecutionId,
    pub name: String,
    /// The status now (Running / RollingBack when interrupted).
    pub status: ExecutionStatus,
    /// The interrupt fired: the execution was left for `flow resume` (or `flow rollback`).
    pub interrupted: bool,
    /// With `rollback_on_failure`, the failure that triggered the rollback.
    pub failure: Option<(String, String)>,
}

/// The executor. Cheap to share behind an `Arc`; every call is independent.
pub struct Engine {
    store: Arc<dyn Store>,
    handlers: Vec<Arc<dyn TaskHandler>>,
    clock: Arc<dyn Clock>,
    observer: Arc<dyn Observer>,
    config: EngineConfig,
    rng: std::sync::Mutex<rand::rngs::StdRng>,
}

impl Engine {
    /// `handlers` are asked in order; the first whose `handles` accepts a resource serves it
    /// (a resource nobody serves fails its step with `States.Runtime`).
    pub fn new(
        store: Arc<dyn Store>,
        handlers: Vec<Arc<dyn TaskHandler>>,
        clock: Arc<dyn Clock>,
        observer: Arc<dyn Observer>,
        config: EngineConfig,
    ) -> Engine {
        let rng = match config.seed {
            Some(seed) => rand::rngs::StdRng::seed_from_u64(seed),
            None => rand::rngs::StdRng::from_os_rng(),
        };
        Engine {
            store,
            handlers,
            clock,
            observer,
            config,
            rng: std::sync::Mutex::new(rng),
        }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    fn next_seed(&self) -> u64 {
        self.rng.lock().unwrap_or_else(|p| p.into_inner()).random()
    }

    /// `flow run`: creates the execution and drives it to its end (or until interrupted).
    pub async fn start(&self, run: NewRun, interrupt: Interrupt) -> Result<Outcome> {
        let machine = load(&run.definition_text)?;
        self.start_loaded(run, machine, interrupt).await
    }

    /// [`Engine::start`] with the definition already parsed and validated (the CLI validates
    /// it with its resource checks before it runs it; parsing it again would cost as much as
    /// a short run). `machine` must be `run.definition_text`'s.
    pub async fn start_loaded(
        &self,
        run: NewRun,
        machine: Arc<StateMachine>,
        interrupt: Interrupt,
    ) -> Result<Outcome> {
        if run
            .name
            .as_deref()
            .is_some_and(|n| n.is_empty() || n.len() > 80)
        {
            return Err(EngineError::BadInput(
                "the execution name must have 1 to 80 characters".into(),
            ));
        }
        let id = {
            let bytes: [u8; 16] = self.rng.lock().unwrap_or_else(|p| p.into_inner()).random();
            ExecutionId(
                uuid::Builder::from_random_bytes(bytes)
                    .into_uuid()
                    .to_string(),
            )
        };
        let name = run.name.clone().unwrap_or_else(|| id.0.clone());
        let now = self.clock.now();
        self.store.create_execution(&NewExecution {
            id: id.clone(),
            name: name.clone(),
            definition_path: run.definition_path.clone(),
            definition: run.definition_text.clone(),
            input: run.input.clone(),
            started_at: now,
        })?;
        let setup = ExecutionSetup {
            id: id.clone(),
            context: ExecutionContext::new(
                &self.config.placement,
                &machine_name(&run.definition_path),
                &name,
                run.input,
                now,
                0,
            ),
            seed: self.next_seed(),
        };
        let core = Execution::start(setup, &machine, now);
        let ended = self
            .with_lease(&id, Job::Start(Box::new(core)), interrupt.clone())
            .await?;
        let mut outcome = outcome(&id, &name, ended);
        if run.rollback_on_failure
            && !outcome.interrupted
            && let ExecutionStatus::Failed { error, cause } = outcome.status.clone()
        {
            let rolled = self.rollback(&id.0, interrupt).await?;
            outcome = Outcome {
                failure: Some((error, cause)),
                ..rolled
            };
        }
        Ok(outcome)
    }

    /// `flow resume`: continues a RUNNING execution whose process died, or redrives a FAILED
    /// one (failed and unfinished steps run again; finished ones never do).
    pub async fn resume(&self, id_or_name: &str, interrupt: Interrupt) -> Result<Outcome> {
        let record = self.store.find_execution(id_or_name)?;
        check_resumable(&record)?;
        let machine = load(&record.definition)?;
        let ended = self
            .with_lease(&record.id, Job::Resume(&machine), interrupt)
            .await?;
        Ok(outcome(&record.id, &record.name, ended))
    }

    /// `flow rollback`: runs the compensations of the execution's completed (and in-flight)
    /// steps in reverse order. Finishes an interrupted rollback; a RolledBack execution has
    /// nothing left to do.
    pub async fn rollback(&self, id_or_name: &str, interrupt: Interrupt) -> Result<Outcome> {
        let record = self.store.find_execution(id_or_name)?;
        if record.status == ExecutionStatus::RolledBack {
            return Ok(Outcome {
                execution: record.id.clone(),
                name: record.name.clone(),
                status: ExecutionStatus::RolledBack,
                interrupted: false,
                failure: None,
            });
        }
        let machine = load(&record.definition)?;
        let ended = self
            .with_lease(&record.id, Job::Rollback(&machine), interrupt)
            .await?;
        Ok(outcome(&record.id, &record.name, ended))
    }

    /// The rebuilt execution, read under the lease (nobody else changes it now).
    fn rebuild(&self, id: &ExecutionId, machine: &Arc<StateMachine>) -> Result<Box<dyn Core>> {
        let durable = self.store.load_open(id)?;
        check_resumable(&durable.execution)?;
        let redrive = matches!(durable.execution.status, ExecutionStatus::Failed { .. });
        let record = &durable.execution;
        let setup = ExecutionSetup {
            id: id.clone(),
            context: ExecutionContext::new(
                &self.config.placement,
                &machine_name(&record.definition_path),
                &record.name,
                record.input.clone(),
                record.started_at,
                record.redrive_count + u32::from(redrive),
            ),
            seed: self.next_seed(),
        };
        let core = Execution::rebuild(setup, machine, &durable, self.clock.now())
            .map_err(|source| inconsistent(id, source))?;
        Ok(Box::new(core))
    }

    /// The rollback plan, read under the lease.
    fn plan(&self, id: &ExecutionId, machine: &Arc<StateMachine>) -> Result<Box<dyn Core>> {
        let durable = self.store.load(id)?;
        let record = &durable.execution;
        let context = ExecutionContext::new(
            &self.config.placement,
            &machine_name(&record.definition_path),
            &record.name,
            record.input.clone(),
            record.started_at,
            record.redrive_count,
        );
        let plan = Rollback::plan(
            id.clone(),
            context,
            self.next_seed(),
            machine,
            &durable,
            self.clock.now(),
        )
        .map_err(|source| inconsistent(id, source))?;
        Ok(Box::new(plan))
    }

    /// Takes the lease, builds the core, drives it, releases the lease.
    async fn with_lease(
        &self,
        id: &ExecutionId,
        job: Job<'_>,
        interrupt: Interrupt,
    ) -> Result<Ended> {
        let holder = &self.config.holder;
        match self.store.acquire_lease(
            id,
            holder,
            self.clock.now(),
            self.config.lease_ttl_seconds,
        )? {
            LeaseGrant::Acquired => {}
            LeaseGrant::HeldBy(holder) => {
                return Err(EngineError::LeaseHeld {
                    execution: id.clone(),
                    holder,
                });
            }
        }
        let renewal = {
            let (store, clock, holder, id) = (
                self.store.clone(),
                self.clock.clone(),
                holder.clone(),
                id.clone(),
            );
            let every = self.config.lease_renew_every;
            tokio::spawn(async move {
                let mut ticks = tokio::time::interval(every);
                ticks.tick().await;
                loop {
                    ticks.tick().await;
                    let _ = store.renew_lease(&id, &holder, clock.now());
                }
            })
        };
        let result = async {
            let mut core: Box<dyn Core> = match job {
                Job::Start(core) => core,
                Job::Resume(machine) => self.rebuild(id, machine)?,
                Job::Rollback(machine) => self.plan(id, machine)?,
            };
            let driver = Driver {
                store: &self.store,
                handlers: &self.handlers,
                clock: &self.clock,
                observer: &self.observer,
                execution: id,
            };
            Ok::<_, EngineError>(driver.drive(core.as_mut(), interrupt).await?)
        }
        .await;
        renewal.abort();
        // A lease that cannot be released (the disk filled up at the very end) is left to
        // expire: it names this process, which is about to exit, and the next holder takes
        // a dead process's lease at once. The outcome, already durable, is what counts.
        let _ = self.store.release_lease(id, holder);
        result
    }
}

/// What [`Engine::with_lease`] drives.
enum Job<'a> {
    Start(Box<dyn Core>),
    Resume(&'a Arc<StateMachine>),
    Rollback(&'a Arc<StateMachine>),
}

fn inconsistent(id: &ExecutionId, source: RebuildError) -> EngineError {
    match source {
        RebuildError::NotResumable(status) => EngineError::NotResumable {
            execution: id.clone(),
            action: "resumed",
            status,
        },
        source => EngineError::Inconsistent {
            execution: id.clone(),
            source,
        },
    }
}

fn outcome(id: &ExecutionId, name: &str, ended: Ended) -> Outcome {
    let (status, interrupted) = match ended {
        Ended::Finished(status) => (status, false),
        Ended::Interrupted(status) => (status, true),
    };
    Outcome {
        execution: id.clone(),
        name: name.to_string(),
        status,
        interrupted,
        failure: None,
    }
}

fn check_resumable(record: &ExecutionRecord) -> Result<()> {
    match record.status {
        ExecutionStatus::Running | ExecutionStatus::Failed { .. } => Ok(()),
        ref other => Err(EngineError::NotResumable {
            execution: record.id.clone(),
            action: "resumed",
            status: status_word(other),
        }),
    }
}

fn status_word(status: &ExecutionStatus) -> &'static str {
    match status {
        ExecutionStatus::RollingBack => "RUNNING a rollback (finish it with `flow rollback`)",
        other => other.name(),
    }
}

/// Loads a definition through flow-lang (parse and validate), shared by everything that runs
/// it (no copy of a large definition is ever made).
pub fn load(text: &str) -> Result<Arc<StateMachine>> {
    flow_lang::load(text)
        .map(|validated| Arc::new(validated.into_machine()))
        .map_err(EngineError::BadDefinition)
}
