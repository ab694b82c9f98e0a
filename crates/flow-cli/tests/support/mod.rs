//! What the tests that spawn the real `flow` binary share: a sandbox directory holding the
//! state database, commands that run with a deadline, signals, and bounded polling.
//!
//! Standard output and error of every child go to files in the sandbox, never to pipes, so a
//! chatty child cannot block on a full pipe while a test polls something else.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

pub mod aws;

/// The longest any single `flow` command may take before a test calls it hung.
pub const COMMAND_LIMIT: Duration = Duration::from_secs(60);

/// The built binary under test.
pub fn flow_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_flow"))
}

/// A temporary directory with a state database in it; files of the workflows live there too.
pub struct Sandbox {
    dir: tempfile::TempDir,
    pub db: PathBuf,
    spawned: AtomicUsize,
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox::new()
    }
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix("flow-cli-test")
            .tempdir()
            .expect("a temporary directory");
        let db = dir.path().join("state.db");
        Sandbox {
            dir,
            db,
            spawned: AtomicUsize::new(0),
        }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `flow <args> --state <db>` (every command but `validate` takes `--state`), run in the
    /// sandbox, without a terminal, colour or an inherited `FLOW_STATE`.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(flow_binary());
        command
            .args(args)
            .arg("--state")
            .arg(&self.db)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env_remove("FLOW_STATE")
            .stdin(Stdio::null());
        command
    }

    /// Starts `flow <args>` in the background.
    pub fn spawn(&self, args: &[&str]) -> Running {
        self.spawn_command(self.command(args))
    }

    pub fn spawn_command(&self, mut command: Command) -> Running {
        let n = self.spawned.fetch_add(1, Ordering::SeqCst);
        let stdout = self.path(&format!(".out-{n}"));
        let stderr = self.path(&format!(".err-{n}"));
        command
            .stdout(std::fs::File::create(&stdout).expect("stdout file"))
            .stderr(std::fs::File::create(&stderr).expect("stderr file"));
        let child = command.spawn().expect("the flow binary starts");
        Running {
            child,
            stdout,
            stderr,
            description: format!("{command:?}"),
        }
    }

    /// Runs `flow <args>` to its end (at most [`COMMAND_LIMIT`]).
    pub fn flow(&self, args: &[&str]) -> Outcome {
        self.spawn(args).wait(COMMAND_LIMIT)
    }

    /// `flow history <id> --output json`, one value per event.
    pub fn history(&self, id: &str) -> Vec<Value> {
        let outcome = self.flow(&["history", id, "--output", "json"]);
        assert_eq!(outcome.code, Some(0), "flow history failed:\n{outcome}");
        outcome.json_lines()
    }

    /// `flow status <id> --output json`.
    pub fn status(&self, id: &str) -> Value {
        let outcome = self.flow(&["status", id, "--output", "json"]);
        assert_eq!(outcome.code, Some(0), "flow status failed:\n{outcome}");
        outcome.last_json()
    }

    /// The id of the only execution in the database, once `flow run` has created it.
    pub fn only_execution_id(&self) -> Option<String> {
        if !self.db.exists() {
            return None;
        }
        let outcome = self.flow(&["list", "--output", "json"]);
        if outcome.code != Some(0) {
            return None;
        }
        let lines = outcome.json_lines();
        lines
            .first()
            .and_then(|line| line["execution_id"].as_str())
            .map(str::to_owned)
    }
}

/// A `flow` process started in the background.
pub struct Running {
    pub child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
    description: String,
}

impl Running {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to end, at most `limit`; a process still running then is killed
    /// and the test fails.
    pub fn wait(mut self, limit: Duration) -> Outcome {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return self.outcome(status);
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let status = self.child.wait().expect("wait after kill");
                panic!(
                    "{} did not finish within {limit:?}:\n{}",
                    self.description,
                    self.outcome(status)
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Whether the process has ended (without reaping it for good: the outcome stays readable).
    pub fn try_finish(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().expect("try_wait")
    }

    /// SIGKILL, then reap.
    pub fn kill9(mut self) -> Outcome {
        let _ = self.child.kill();
        let status = self.child.wait().expect("wait after SIGKILL");
        self.outcome(status)
    }

    /// Sends a signal by name (`INT`, `TERM`) with the shell's `kill`.
    pub fn signal(&self, name: &str) {
        let status = Command::new("sh")
            .args(["-c", "kill -s \"$0\" \"$1\"", name, &self.pid().to_string()])
            .status()
            .expect("sh runs");
        assert!(status.success(), "kill -s {name} {} failed", self.pid());
    }

    /// What the process wrote so far.
    pub fn stdout_so_far(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }

    fn outcome(&self, status: ExitStatus) -> Outcome {
        use std::os::unix::process::ExitStatusExt;
        Outcome {
            code: status.code(),
            signal: status.signal(),
            stdout: std::fs::read_to_string(&self.stdout).unwrap_or_default(),
            stderr: std::fs::read_to_string(&self.stderr).unwrap_or_default(),
        }
    }
}

/// How a `flow` process ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// `None` when a signal ended it.
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit code: {:?} signal: {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.signal, self.stdout, self.stderr
        )
    }
}

impl Outcome {
    /// Every stdout line as JSON (panics on a line that is not: `--output json` is NDJSON).
    pub fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("stdout line {line:?} is not JSON ({e}):\n{self}"))
            })
            .collect()
    }

    /// The last stdout line as JSON: the summary of `--output json`.
    pub fn last_json(&self) -> Value {
        let line = self
            .stdout
            .lines()
            .last()
            .unwrap_or_else(|| panic!("no stdout:\n{self}"));
        serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("last stdout line {line:?} is not JSON ({e}):\n{self}"))
    }

    /// The `execution_id` line of a text summary.
    pub fn execution_id_from_text(&self) -> String {
        self.stdout
            .lines()
            .find_map(|l| l.strip_prefix("execution_id "))
            .map(|id| id.trim().to_owned())
            .unwrap_or_else(|| panic!("no execution_id line:\n{self}"))
    }

    /// The summary's `execution_id`.
    pub fn execution_id(&self) -> String {
        self.last_json()["execution_id"]
            .as_str()
            .unwrap_or_else(|| panic!("no execution_id:\n{self}"))
            .to_owned()
    }
}

/// Polls `probe` until it gives a value, at most `limit`; fails the test naming `what` after.
pub fn poll<T>(what: &str, limit: Duration, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A definition from `tests/data`, copied into the sandbox (so the stored definition path is a
/// short relative name).
pub fn definition(sandbox: &Sandbox, name: &str) -> String {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::copy(&source, sandbox.path(name))
        .unwrap_or_else(|e| panic!("{}: {e}", source.display()));
    name.to_owned()
}

/// Events of one type.
pub fn events<'a>(history: &'a [Value], kind: &str) -> impl Iterator<Item = &'a Value> + 'a {
    let kind = kind.to_owned();
    history.iter().filter(move |e| e["type"] == kind.as_str())
}

/// The lines of a text file (empty when it does not exist yet).
pub fn lines_of(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}
