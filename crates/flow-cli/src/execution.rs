//! What the commands that drive or read executions share: opening the state database,
//! building the engine with its task handlers and reporter, Ctrl-C, and the summary that
//! ends every such command (its last stdout line under `--output json`).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, anyhow};
use flow_engine::{
    Engine, EngineConfig, EngineError, ExecutionRecord, ExecutionStatus, Interrupt,
    InterruptHandle, Outcome, Placement, Store, SystemClock, TaskHandler,
};
use flow_store::SqliteStore;
use serde_json::{Value, json};

use crate::cli::{AwsArgs, OutputFormat, StateArgs};
use crate::report::{self, Reporter};

/// Exit code of a command stopped by Ctrl-C (128 + SIGINT, as shells report it).
const INTERRUPTED: u8 = 130;

/// Opens (creating if needed) the state database for a command that writes.
pub fn open_for_writing(state: &StateArgs) -> anyhow::Result<Arc<SqliteStore>> {
    let store = SqliteStore::open(&state.path).map_err(|e| anyhow!(e))?;
    Ok(Arc::new(store))
}

/// Opens the state database for a command that only reads: a missing database is an error,
/// not a new empty file.
pub fn open_for_reading(state: &StateArgs) -> anyhow::Result<Arc<SqliteStore>> {
    if !state.path.exists() {
        anyhow::bail!(
            "no state database at \"{}\" (set --state or FLOW_STATE to the database `flow run` used)",
            state.path.display()
        );
    }
    open_for_writing(state)
}

/// The task handlers every execution may call, in the order they are asked (wrapped by the
/// test-only fault hook when `FLOW_TEST_FAIL_AT_STATE` is set).
fn handlers(aws: &AwsArgs) -> Vec<Arc<dyn TaskHandler>> {
    let options = flow_aws::AwsOptions {
        region: aws.region.clone(),
        profile: aws.profile.clone(),
        endpoint_url: None,
    };
    crate::faults::wrap(vec![
        Arc::new(flow_local::LocalTasks::new()),
        Arc::new(flow_aws::AwsTasks::new(options)),
    ])
}

/// The AWS settings a command would otherwise trip on at its first `aws-sdk:` call, checked
/// before anything is touched.
pub fn check_aws_environment() -> anyhow::Result<()> {
    flow_aws::config::check_environment().map_err(|message| anyhow!(message))
}

/// Where the execution says it runs (the region in `$$.StateMachine.Id`-style ARNs): the
/// `--region` flag, else the environment's region, else the engine's default.
fn placement(aws: &AwsArgs) -> Placement {
    let mut placement = Placement::default();
    let from_environment = || {
        std::env::var("AWS_REGION")
            .ok()
            .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
    };
    if let Some(region) = aws
        .region
        .clone()
        .or_else(from_environment)
        .filter(|region| !region.is_empty())
    {
        placement.region = region;
    }
    placement
}

/// An engine over the store, reporting in the chosen format.
pub fn engine(
    store: Arc<SqliteStore>,
    format: OutputFormat,
    aws: &AwsArgs,
) -> (Engine, Arc<dyn Reporter>) {
    let reporter = report::observer_for(format);
    let config = EngineConfig {
        placement: placement(aws),
        ..EngineConfig::default()
    };
    let observer: Arc<dyn flow_engine::Observer> = reporter.clone();
    let engine = Engine::new(
        store as Arc<dyn Store>,
        handlers(aws),
        Arc::new(SystemClock),
        observer,
        config,
    );
    (engine, reporter)
}

/// Runs an engine call on a tokio runtime, turning the first Ctrl-C into a clean interrupt
/// (in-flight steps stay recorded as running, for `flow resume`).
pub fn drive<F, Fut>(call: F) -> anyhow::Result<Result<Outcome, EngineError>>
where
    F: FnOnce(Interrupt) -> Fut,
    Fut: std::future::Future<Output = Result<Outcome, EngineError>>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    Ok(runtime.block_on(async {
        let (handle, interrupt): (InterruptHandle, Interrupt) = Interrupt::new();
        let watcher = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("interrupted: stopping after recording the steps in flight (Ctrl-C again to quit at once)");
                handle.interrupt();
            }
            // A second Ctrl-C quits at once. That is as safe as a crash: every decision is
            // already durable, and `flow resume` picks up the steps that were in flight.
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(i32::from(INTERRUPTED));
            }
        });
        let result = call(interrupt).await;
        watcher.abort();
        result
    }))
}

/// The summary object of DESIGN.md: `{"execution_id", "status", "output"?, "error"?, "cause"?}`
/// (plus `name`).
pub fn summary(
    id: &str,
    name: &str,
    status: &ExecutionStatus,
    failure: Option<&(String, String)>,
) -> Value {
    let mut value = json!({"execution_id": id, "name": name, "status": status.name()});
    match status {
        ExecutionStatus::Succeeded { output } => value["output"] = output.clone(),
        ExecutionStatus::Failed { error, cause } => {
            value["error"] = json!(error);
            value["cause"] = json!(cause);
        }
        ExecutionStatus::RollbackFailed { failed_steps } => {
            value["error"] = json!("Flow.RollbackFailed");
            value["cause"] = json!(format!(
                "the compensations of steps {} failed; see `flow history {id}`",
                failed_steps
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        ExecutionStatus::Running | ExecutionStatus::RollingBack | ExecutionStatus::RolledBack => {}
    }
    if let Some((error, cause)) = failure {
        value["error"] = json!(error);
        value["cause"] = json!(cause);
    }
    value
}

/// Prints the summary (JSON: one line; text: a few aligned lines) on stdout. A reader that
/// went away (`flow run ... | head -1`) is not an error: the execution's outcome is already
/// recorded, and the exit code still tells it.
pub fn print_summary(value: &Value, format: OutputFormat) {
    let mut out = std::io::stdout().lock();
    let _ = match format {
        OutputFormat::Json => writeln!(out, "{value}"),
        OutputFormat::Text => (|| {
            for key in ["execution_id", "name", "status", "error", "cause"] {
                if let Some(text) = value.get(key).and_then(|v| v.as_str()) {
                    writeln!(out, "{key:<13}{text}")?;
                }
            }
            if let Some(output) = value.get("output") {
                let pretty = serde_json::to_string_pretty(output).unwrap_or_default();
                writeln!(out, "{:<13}{pretty}", "output")?;
            }
            Ok(())
        })(),
    };
}

/// Ends a driving command: the summary, a hint for what to do next, and the exit code.
pub fn finish(
    result: Result<Outcome, EngineError>,
    reporter: &dyn Reporter,
    format: OutputFormat,
) -> anyhow::Result<ExitCode> {
    reporter.finish();
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(error) => return engine_error(error),
    };
    let value = summary(
        &outcome.execution.0,
        &outcome.name,
        &outcome.status,
        outcome.failure.as_ref(),
    );
    print_summary(&value, format);
    let id = &outcome.execution.0;
    if outcome.interrupted {
        eprintln!("hint: finish it with `flow resume {id}` or undo it with `flow rollback {id}`");
        return Ok(ExitCode::from(INTERRUPTED));
    }
    Ok(match outcome.status {
        ExecutionStatus::Succeeded { .. } if outcome.failure.is_none() => ExitCode::SUCCESS,
        ExecutionStatus::RolledBack if outcome.failure.is_none() => ExitCode::SUCCESS,
        ExecutionStatus::Failed { .. } => {
            eprintln!(
                "hint: fix the cause and `flow resume {id}`, or undo it with `flow rollback {id}`"
            );
            ExitCode::from(1)
        }
        ExecutionStatus::RollbackFailed { .. } => {
            eprintln!(
                "hint: `flow history {id}` shows the failed compensations; `flow rollback {id}` tries them again"
            );
            ExitCode::from(1)
        }
        _ => ExitCode::from(1),
    })
}

/// Reports an engine error on stderr and gives its exit code (2: nothing was done).
pub fn engine_error(error: EngineError) -> anyhow::Result<ExitCode> {
    let code = error.exit_code() as u8;
    match &error {
        EngineError::BadDefinition(diagnostics) => {
            // The stored definition of an execution no longer loads (a newer flow?).
            crate::diagnostics::print_diagnostics("<stored definition>", "", diagnostics);
        }
        EngineError::LeaseHeld { .. } => {
            crate::diagnostics::print_error(&anyhow!(error));
            eprintln!(
                "hint: wait for that process to finish, or stop it; a killed holder is detected at once on this host"
            );
        }
        _ => crate::diagnostics::print_error(&anyhow!(error)),
    }
    Ok(ExitCode::from(code))
}

/// Finds an execution for the read-only commands, mapping "unknown" to a clear error.
pub fn find(store: &SqliteStore, id_or_name: &str) -> anyhow::Result<ExecutionRecord> {
    store.find_execution(id_or_name).map_err(|e| anyhow!(e))
}

/// Reads the execution input of `flow run`: a file, inline JSON, or `{}`. Bad JSON names the
/// place (file or `--input-json`) and line:column.
pub fn read_input(file: Option<&Path>, inline: Option<&str>) -> anyhow::Result<Value> {
    let (text, origin) = match (file, inline) {
        (Some(path), _) => (
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the input file \"{}\"", path.display()))?,
            format!("the input file \"{}\"", path.display()),
        ),
        (None, Some(json)) => (json.to_string(), "--input-json".to_string()),
        (None, None) => return Ok(json!({})),
    };
    serde_json::from_str(&text).map_err(|e| anyhow!("{origin} is not valid JSON: {e}"))
}
