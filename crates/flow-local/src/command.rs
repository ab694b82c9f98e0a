//! `flow:command`: runs a program, feeds it JSON on stdin, and takes its stdout as the result.
//!
//! Parameters:
//!
//! | field | | |
//! |---|---|---|
//! | `Command` | required | `["program", "arg", ...]`, run directly (no shell); a program without a `/` is looked up on `PATH` |
//! | `Env` | optional | `{"NAME": "value"}`, added to flow's own environment |
//! | `WorkingDirectory` | optional | the child's working directory (default: flow's) |
//! | `Input` | optional | any JSON value, written to stdin as JSON; without it stdin receives `{}` |
//! | `TimeoutSeconds` | optional | a number > 0; on expiry the whole process group is killed (SIGKILL) |
//!
//! The child also gets `FLOW_EXECUTION_ID`, `FLOW_STEP_ID`, `FLOW_STATE_NAME`, `FLOW_ATTEMPT`,
//! `FLOW_IDEMPOTENCY_TOKEN` (stable across attempts and crashes of the step) and
//! `FLOW_RECOVERING` (`true` when a previous process died with this step in flight: look for
//! what that attempt may have done). They win over `Env`.
//!
//! The result is stdout: whitespace only -> `null`; one JSON value -> that value; anything
//! else -> `{"Stdout": "<text without trailing whitespace>"}`. Stderr is kept only for
//! failures: its last 4 KiB go into the cause.
//!
//! The child runs in a process group of its own. The group is killed when `TimeoutSeconds`
//! expires and when the attempt is abandoned (the engine's own timeout, Ctrl-C): dropping the
//! future kills it, so no grandchild outlives the step. Background processes left behind by a
//! command that finished normally are not touched.

use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use flow_engine::TaskRequest;
use serde_json::{Map, Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

use crate::error::{CommandOutcome, Error, Result};
use crate::params::{Field, KeyRule, Kind};

pub(crate) const FIELDS: &[Field] = &[
    Field {
        name: "Command",
        kind: Kind::Argv,
        required: true,
    },
    Field {
        name: "Env",
        kind: Kind::StringMap {
            key_rule: KeyRule::EnvironmentVariable,
        },
        required: false,
    },
    Field {
        name: "WorkingDirectory",
        kind: Kind::String,
        required: false,
    },
    Field {
        name: "Input",
        kind: Kind::Any,
        required: false,
    },
    Field {
        name: "TimeoutSeconds",
        kind: Kind::PositiveSeconds,
        required: false,
    },
];

/// More stdout than this is refused rather than held in memory (the engine's payload limit is
/// far lower anyway).
const STDOUT_LIMIT: usize = 16 * 1024 * 1024;
/// How much of the end of stderr a failure's cause carries.
const STDERR_TAIL: usize = 4 * 1024;
/// After killing the group on a timeout, how long to wait for the pipes to close before giving
/// up on the stderr tail (a process outside the group may still hold them).
const KILL_GRACE: Duration = Duration::from_secs(2);

/// The parameters, once [`FIELDS`] accepted them.
#[derive(Debug)]
struct CommandParameters {
    program: String,
    arguments: Vec<String>,
    environment: Vec<(String, String)>,
    working_directory: Option<PathBuf>,
    input: Value,
    timeout: Option<f64>,
}

impl CommandParameters {
    /// Reads parameters that passed [`crate::params::check`]; the shapes are known good.
    fn from_checked(parameters: &Map<String, Value>) -> Self {
        let strings = |value: Option<&Value>| -> Vec<String> {
            value
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut argv = strings(parameters.get("Command")).into_iter();
        CommandParameters {
            program: argv.next().unwrap_or_default(),
            arguments: argv.collect(),
            environment: parameters
                .get("Env")
                .and_then(Value::as_object)
                .map(|map| {
                    map.iter()
                        .filter_map(|(name, value)| {
                            Some((name.clone(), value.as_str()?.to_owned()))
                        })
                        .collect()
                })
                .unwrap_or_default(),
            working_directory: parameters
                .get("WorkingDirectory")
                .and_then(Value::as_str)
                .map(PathBuf::from),
            input: parameters
                .get("Input")
                .cloned()
                .unwrap_or_else(|| json!({})),
            timeout: parameters.get("TimeoutSeconds").and_then(Value::as_f64),
        }
    }
}

pub(crate) async fn run(request: &TaskRequest, parameters: &Map<String, Value>) -> Result<Value> {
    let parameters = CommandParameters::from_checked(parameters);
    let program = parameters.program.clone();

    if let Some(directory) = parameters
        .working_directory
        .as_ref()
        .filter(|directory| !directory.is_dir())
    {
        let source = std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("working directory {} does not exist", directory.display()),
        );
        return Err(Error::CommandSpawnFailed { program, source });
    }

    let mut command = tokio::process::Command::new(&parameters.program);
    command
        .args(&parameters.arguments)
        .envs(
            parameters
                .environment
                .iter()
                .map(|(name, value)| (name, value)),
        )
        .env("FLOW_EXECUTION_ID", request.execution.to_string())
        .env("FLOW_STEP_ID", request.step.to_string())
        .env("FLOW_STATE_NAME", &request.state)
        .env("FLOW_ATTEMPT", request.attempt.to_string())
        .env("FLOW_IDEMPOTENCY_TOKEN", &request.idempotency_token)
        .env("FLOW_RECOVERING", request.recovering.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(directory) = &parameters.working_directory {
        command.current_dir(directory);
    }
    #[cfg(unix)]
    command.process_group(0);

    let mut child = command.spawn().map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => Error::CommandNotFound {
            program: program.clone(),
            source,
        },
        _ => Error::CommandSpawnFailed {
            program: program.clone(),
            source,
        },
    })?;
    // Armed until the step is over: if this future is dropped first, the group dies with it.
    let mut group = ProcessGroup::of(&child);

    let stdin_bytes = serde_json::to_vec(&parameters.input).unwrap_or_else(|_| b"null".to_vec());
    let mut stdin = child.stdin.take();
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();

    let io_program = program.clone();
    let exchange = async {
        let feed = async {
            if let Some(stdin) = stdin.as_mut() {
                let written = stdin.write_all(&stdin_bytes).await;
                // A program that does not read its stdin is fine.
                match written {
                    Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
                        return Err(error);
                    }
                    _ => {}
                }
            }
            drop(stdin.take());
            Ok(())
        };
        let (fed, out, err, status) = tokio::join!(
            feed,
            read_capped(stdout, STDOUT_LIMIT),
            read_tail(stderr, STDERR_TAIL),
            child.wait()
        );
        let io_failed = |source| Error::CommandIoFailed {
            program: io_program.clone(),
            source,
        };
        fed.map_err(io_failed)?;
        Ok::<_, Error>((
            out.map_err(io_failed)?,
            err.map_err(io_failed)?,
            status.map_err(io_failed)?,
        ))
    };
    let mut exchange = std::pin::pin!(exchange);

    let finished = match parameters.timeout {
        None => exchange.await?,
        Some(seconds) => {
            match tokio::time::timeout(Duration::from_secs_f64(seconds), &mut exchange).await {
                Ok(finished) => finished?,
                Err(_elapsed) => {
                    group.kill();
                    let stderr = match tokio::time::timeout(KILL_GRACE, &mut exchange).await {
                        Ok(Ok((_, stderr, _))) => stderr,
                        _ => Vec::new(),
                    };
                    group.disarm();
                    let outcome = CommandOutcome {
                        program,
                        stderr: lossy(&stderr),
                    };
                    return Err(Error::CommandTimeout { seconds, outcome });
                }
            }
        }
    };
    group.disarm();

    let ((stdout, overflowed), stderr, status) = finished;
    if let Some(error) = failure(&program, status, &stderr) {
        return Err(error);
    }
    if overflowed {
        return Err(Error::CommandOutputTooLarge {
            program,
            limit: STDOUT_LIMIT,
        });
    }
    Ok(parse_stdout(&stdout))
}

fn failure(program: &str, status: ExitStatus, stderr: &[u8]) -> Option<Error> {
    if status.success() {
        return None;
    }
    let outcome = CommandOutcome {
        program: program.to_owned(),
        stderr: lossy(stderr),
    };
    if let Some(code) = status.code() {
        return Some(Error::CommandFailed { code, outcome });
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return Some(Error::CommandKilled { signal, outcome });
        }
    }
    Some(Error::CommandFailed { code: -1, outcome })
}

/// The documented stdout rule: empty -> null, JSON -> itself, text -> `{"Stdout": text}`.
pub(crate) fn parse_stdout(stdout: &[u8]) -> Value {
    let text = String::from_utf8_lossy(stdout);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Value::Null;
    }
    match serde_json::from_str(trimmed) {
        Ok(value) => value,
        Err(_) => json!({"Stdout": text.trim_end()}),
    }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Reads everything, keeping at most `limit + 1` bytes; the flag says whether there was more
/// than `limit`. Keeps draining past the limit so the child never blocks on a full pipe.
async fn read_capped(
    reader: Option<impl AsyncRead + Unpin>,
    limit: usize,
) -> std::io::Result<(Vec<u8>, bool)> {
    let mut kept = Vec::new();
    let Some(mut reader) = reader else {
        return Ok((kept, false));
    };
    let mut chunk = vec![0; 16 * 1024];
    loop {
        let read = reader.read(&mut chunk).await?;
        if read == 0 {
            break;
        }
        let room = (limit + 1).saturating_sub(kept.len());
        kept.extend_from_slice(&chunk[..read.min(room)]);
    }
    let overflowed = kept.len() > limit;
    kept.truncate(limit);
    Ok((kept, overflowed))
}

/// Reads everything and keeps the last `keep` bytes.
async fn read_tail(
    reader: Option<impl AsyncRead + Unpin>,
    keep: usize,
) -> std::io::Result<Vec<u8>> {
    let mut tail = Vec::new();
    let Some(mut reader) = reader else {
        return Ok(tail);
    };
    let mut chunk = vec![0; 8 * 1024];
    loop {
        let read = reader.read(&mut chunk).await?;
        if read == 0 {
            break;
        }
        tail.extend_from_slice(&chunk[..read]);
        if tail.len() > 2 * keep {
            tail.drain(..tail.len() - keep);
        }
    }
    if tail.len() > keep {
        tail.drain(..tail.len() - keep);
    }
    Ok(tail)
}

/// The child's process group, killed on drop unless disarmed.
///
/// Killing is safe while the group's leader has not been reaped: its pid (= the group id)
/// cannot be reused before that, so the signal cannot reach a stranger.
struct ProcessGroup {
    id: Option<u32>,
}

impl ProcessGroup {
    fn of(child: &tokio::process::Child) -> Self {
        ProcessGroup { id: child.id() }
    }

    fn kill(&mut self) {
        #[cfg(unix)]
        if let Some(id) = self.id.and_then(|id| i32::try_from(id).ok()) {
            // SAFETY: kill(2) with a negative pid signals a process group; no memory is
            // touched. A group that is already gone yields ESRCH, which is fine.
            unsafe {
                libc::kill(-id, libc::SIGKILL);
            }
        }
    }

    fn disarm(&mut self) {
        self.id = None;
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::parse_stdout;

    #[test]
    fn stdout_rule() {
        assert_eq!(parse_stdout(b""), json!(null));
        assert_eq!(parse_stdout(b" \n"), json!(null));
        assert_eq!(parse_stdout(b"{\"a\": 1}\n"), json!({"a": 1}));
        assert_eq!(parse_stdout(b"42"), json!(42));
        assert_eq!(
            parse_stdout(b"hello\nworld\n"),
            json!({"Stdout": "hello\nworld"})
        );
        assert_eq!(
            parse_stdout(b"{\"a\":1}\n{\"b\":2}\n"),
            json!({"Stdout": "{\"a\":1}\n{\"b\":2}"})
        );
    }
}
