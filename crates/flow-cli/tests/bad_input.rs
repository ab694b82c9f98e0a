//! Bad input through the real binary: one table of cases (malformed and ill-typed definitions,
//! bad input JSON, missing and unreadable files, unknown executions, refused resumes, a held
//! lease, damaged and foreign databases, an unwritable state directory, a full disk, bad flags),
//! each run against a database holding a SUCCEEDED and a FAILED execution. Every case must give
//! its exit code and a message naming the problem, and leave the executions exactly as they
//! were. One loop runs them all and reports every broken case at once.
//!
//! Beside the table: Ctrl-C at random moments of a run (then `flow resume` finishes it with the
//! output of an uninterrupted run), a full disk at every point of a run, and `flow resume` of
//! an execution whose definition file changed since `flow run`.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use support::{COMMAND_LIMIT, Outcome, Running, Sandbox, flow_binary};

/// A Pass and a command: the seeded SUCCEEDED execution.
const SUCCEEDING: &str = r#"{
  "Comment": "A Pass and a command that echoes its input.",
  "StartAt": "Hello",
  "States": {
    "Hello": {"Type": "Pass", "Result": {"greeting": "hi"}, "ResultPath": "$.hello", "Next": "Echo"},
    "Echo": {
      "Type": "Task",
      "Resource": "flow:command",
      "Parameters": {"Command": ["sh", "-c", "cat"], "Input.$": "$.hello"},
      "ResultPath": "$.echoed",
      "End": true
    }
  }
}
"#;

/// A Pass, then a command that fails: the seeded FAILED execution.
const FAILING: &str = r#"{
  "Comment": "Succeeds once, then fails.",
  "StartAt": "Hello",
  "States": {
    "Hello": {"Type": "Pass", "Next": "Boom"},
    "Boom": {
      "Type": "Task",
      "Resource": "flow:command",
      "Parameters": {"Command": ["sh", "-c", "echo boom >&2; exit 3"]},
      "End": true
    }
  }
}
"#;

/// One step that takes 30 seconds: a process driving it holds the execution's lease.
const SLOW: &str = r#"{
  "StartAt": "Slow",
  "States": {
    "Slow": {"Type": "Task", "Resource": "flow:command", "Parameters": {"Command": ["sleep", "30"]}, "End": true}
  }
}
"#;

/// How long a background `flow run` may take to reach its first task.
const START_LIMIT: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------------
// The world every case runs in.

/// The sandbox, its seeded executions, and what this process may do to files.
struct World {
    sandbox: Sandbox,
    succeeded: String,
    failed: String,
    /// Permission bits do not stop this process (root, or CAP_DAC_OVERRIDE): chmod 000 and
    /// chmod 555 cannot make a file unreadable or a directory read-only for it.
    privileged: bool,
}

impl World {
    fn new() -> World {
        let sandbox = Sandbox::new();
        write(&sandbox, "succeeding.json", SUCCEEDING);
        write(&sandbox, "failing.json", FAILING);
        write(&sandbox, "slow.json", SLOW);
        let ok = sandbox.flow(&[
            "run",
            "succeeding.json",
            "--name",
            "seeded-ok",
            "--output",
            "json",
        ]);
        assert_eq!(ok.code, Some(0), "seeding the SUCCEEDED execution:\n{ok}");
        let failed = sandbox.flow(&[
            "run",
            "failing.json",
            "--name",
            "seeded-failed",
            "--output",
            "json",
        ]);
        assert_eq!(
            failed.code,
            Some(1),
            "seeding the FAILED execution:\n{failed}"
        );
        let privileged = permission_bits_do_not_apply(sandbox.dir());
        World {
            succeeded: ok.execution_id(),
            failed: failed.execution_id(),
            sandbox,
            privileged,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.sandbox.path(name)
    }

    /// Writes a file in the sandbox and gives its name (relative to the sandbox, where the
    /// commands run).
    fn file(&self, name: &str, text: &str) -> String {
        write(&self.sandbox, name, text);
        name.to_owned()
    }

    /// A file this process cannot read: chmod 000, or, where permission bits do not apply, a
    /// dangling symbolic link (reading it fails just the same, with "No such file").
    fn unreadable(&self, name: &str) -> (String, &'static str) {
        let path = self.path(name);
        if self.privileged {
            std::os::unix::fs::symlink(self.path("no-such-target"), &path)
                .expect("a dangling symlink");
            (name.to_owned(), "No such file or directory")
        } else {
            std::fs::write(&path, "{}").unwrap();
            set_mode(&path, 0o000);
            (name.to_owned(), "Permission denied")
        }
    }

    /// `flow run <definition> --name <name>` in the background, once its first task started.
    fn drive_in_background(&self, definition: &str, name: &str) -> Result<Running, String> {
        let mut running = self
            .sandbox
            .spawn(&["run", definition, "--name", name, "--output", "json"]);
        let deadline = Instant::now() + START_LIMIT;
        loop {
            if running.try_finish().is_some() {
                return Err(format!(
                    "the background run {name} ended early:\n{}",
                    running.wait(COMMAND_LIMIT)
                ));
            }
            let history = self.sandbox.flow(&["history", name, "--output", "json"]);
            if history.code == Some(0)
                && history
                    .json_lines()
                    .iter()
                    .any(|e| e["type"] == "TaskStarted")
            {
                return Ok(running);
            }
            if Instant::now() >= deadline {
                running.signal("INT");
                let stopped = running.wait(Duration::from_secs(15));
                return Err(format!(
                    "the background run {name} did not start its task within {START_LIMIT:?}:\n{stopped}"
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The seeded database file, once no process has it open (the last connection to close
    /// checkpoints the WAL into it and removes the WAL).
    fn quiet_database(&self) -> Result<Vec<u8>, String> {
        let wal = self.path("state.db-wal");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
            if Instant::now() >= deadline {
                return Err(
                    "the seeded database keeps a non-empty WAL: another process still has it open"
                        .into(),
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        std::fs::read(&self.sandbox.db).map_err(|e| format!("reading the seeded database: {e}"))
    }
}

fn write(sandbox: &Sandbox, name: &str, text: &str) {
    std::fs::write(sandbox.path(name), text).unwrap_or_else(|e| panic!("writing {name}: {e}"));
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Whether chmod 000 fails to keep this process out of a file (it runs as root).
fn permission_bits_do_not_apply(dir: &Path) -> bool {
    let probe = dir.join(".permission-probe");
    std::fs::write(&probe, "probe").unwrap();
    set_mode(&probe, 0o000);
    let readable = std::fs::read(&probe).is_ok();
    std::fs::remove_file(&probe).unwrap();
    readable
}

/// A deterministic stream of bytes (xorshift64*), for garbage files and random delays.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn bytes(&mut self, count: usize) -> Vec<u8> {
        (0..count).map(|_| (self.next() >> 56) as u8).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Cases.

/// Which state database a case's command uses.
enum State {
    /// The seeded one (`--state` is added).
    Seeded,
    /// Another file (`--state <path>` is added).
    At(String),
    /// None: `flow validate` takes no `--state`; and clap errors come before it matters.
    Omitted,
}

/// What a case's command may add to the seeded database. Nothing it had may change, ever.
#[derive(Clone, Copy, Debug)]
enum Leaves {
    Nothing,
    /// One new execution with this status (a run that started and failed: exit code 1).
    OneExecution(&'static str),
}

/// A cleanup step of a case (stopping a process it started); an error fails the case.
type Cleanup = Box<dyn FnOnce() -> Result<(), String>>;

/// What a case's setup made: the command line and what else the case expects.
struct Prepared {
    args: Vec<String>,
    state: State,
    /// RLIMIT_FSIZE for the command, in bytes: a write past it fails (EFBIG), as on a full disk.
    file_size_limit: Option<u64>,
    /// More substrings the stderr must contain, known only once set up (a pid, a path).
    stderr: Vec<String>,
    cleanup: Option<Cleanup>,
}

impl Prepared {
    fn new(args: &[&str]) -> Prepared {
        Prepared {
            args: args.iter().map(|a| a.to_string()).collect(),
            state: State::Seeded,
            file_size_limit: None,
            stderr: Vec::new(),
            cleanup: None,
        }
    }

    fn state(mut self, state: State) -> Prepared {
        self.state = state;
        self
    }

    fn stderr(mut self, text: impl Into<String>) -> Prepared {
        self.stderr.push(text.into());
        self
    }

    fn file_size_limit(mut self, bytes: u64) -> Prepared {
        self.file_size_limit = Some(bytes);
        self
    }

    fn cleanup(mut self, cleanup: impl FnOnce() -> Result<(), String> + 'static) -> Prepared {
        self.cleanup = Some(Box::new(cleanup));
        self
    }
}

type Setup = Box<dyn Fn(&World) -> Result<Prepared, String>>;

struct Case {
    name: &'static str,
    setup: Setup,
    code: i32,
    /// Substrings the stderr must contain.
    stderr: &'static [&'static str],
    leaves: Leaves,
}

/// A case whose command line needs no setup.
fn plain(
    name: &'static str,
    args: &'static [&'static str],
    code: i32,
    stderr: &'static [&'static str],
) -> Case {
    case(name, code, stderr, move |_| Ok(Prepared::new(args)))
}

fn case(
    name: &'static str,
    code: i32,
    stderr: &'static [&'static str],
    setup: impl Fn(&World) -> Result<Prepared, String> + 'static,
) -> Case {
    Case {
        name,
        setup: Box::new(setup),
        code,
        stderr,
        leaves: Leaves::Nothing,
    }
}

impl Case {
    fn leaves(mut self, leaves: Leaves) -> Case {
        self.leaves = leaves;
        self
    }
}

/// A definition case: the text is written to `<file>` and `flow <command> <file>` runs.
fn definition_case(
    name: &'static str,
    command: &'static str,
    file: &'static str,
    text: &'static str,
    stderr: &'static [&'static str],
) -> Case {
    case(name, 2, stderr, move |world| {
        let file = world.file(file, text);
        let prepared = Prepared::new(&[command, &file]);
        Ok(if command == "validate" {
            prepared.state(State::Omitted)
        } else {
            prepared
        })
    })
}

/// `flow run` of a one-state definition whose state is `state` (JSON of the state object).
fn state_case(
    name: &'static str,
    file: &'static str,
    text: &'static str,
    stderr: &'static [&'static str],
) -> Case {
    definition_case(name, "run", file, text, stderr)
}

/// Starts a process that drives an execution of `slow.json` and holds its lease; the cleanup
/// stops it with Ctrl-C (exit 130) and leaves the execution RUNNING.
fn held_execution(world: &World, name: &str) -> Result<(String, Cleanup), String> {
    let holder = world.drive_in_background("slow.json", name)?;
    let pid = holder.pid().to_string();
    let cleanup: Cleanup = Box::new(move || {
        holder.signal("INT");
        let stopped = holder.wait(Duration::from_secs(15));
        if stopped.code == Some(130) {
            Ok(())
        } else {
            Err(format!(
                "the lease holder did not stop on Ctrl-C:\n{stopped}"
            ))
        }
    });
    Ok((pid, cleanup))
}

/// Runs `failing.json` as `name` (FAILED), then rewrites, in the database file itself, the type
/// of its first state to one this flow does not know ("Pass" -> "Loop", same length): the
/// execution now holds a definition as a newer flow might have stored it.
fn execution_from_another_version(world: &World, name: &str) -> Result<(), String> {
    let marker = format!("stored-by-another-flow-{name}");
    let text = FAILING.replacen(
        r#""Hello": {"Type": "Pass","#,
        &format!(r#""Hello": {{"Type": "Pass", "Comment": "{marker}","#),
        1,
    );
    let file = world.file(&format!("{name}.json"), &text);
    let run = world
        .sandbox
        .flow(&["run", &file, "--name", name, "--output", "json"]);
    if run.code != Some(1) {
        return Err(format!(
            "the run to tamper with did not fail as planned:\n{run}"
        ));
    }
    let mut bytes = world.quiet_database()?;
    let from = format!(r#""Type": "Pass", "Comment": "{marker}""#);
    let to = format!(r#""Type": "Loop", "Comment": "{marker}""#);
    // The live record, and maybe stale copies in freed space (rewriting those is harmless).
    let at: Vec<usize> = bytes
        .windows(from.len())
        .enumerate()
        .filter(|(_, w)| *w == from.as_bytes())
        .map(|(i, _)| i)
        .collect();
    if at.is_empty() {
        return Err("the stored definition is not in the database file".into());
    }
    for at in at {
        bytes[at..at + to.len()].copy_from_slice(to.as_bytes());
    }
    std::fs::write(&world.sandbox.db, bytes).map_err(|e| format!("rewriting the database: {e}"))
}

/// A copy of the seeded database (no process has it open), changed by `edit`.
fn database_copy(
    world: &World,
    name: &str,
    edit: impl FnOnce(&mut Vec<u8>),
) -> Result<String, String> {
    let mut bytes = world.quiet_database()?;
    edit(&mut bytes);
    std::fs::write(world.path(name), bytes).map_err(|e| format!("writing {name}: {e}"))?;
    Ok(name.to_owned())
}

/// Every case. Definitions are inline; `flow run` is the command unless the name says otherwise.
fn cases() -> Vec<Case> {
    vec![
        // --- malformed definition JSON: serde_json's message, with file:line:column
        definition_case(
            "definition: malformed JSON (missing comma)",
            "run",
            "missing-comma.json",
            "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\"Type\": \"Pass\" \"End\": true}\n  }\n}\n",
            &["invalid JSON", "missing-comma.json:4:26", "1 problem found"],
        ),
        definition_case(
            "definition: truncated JSON",
            "run",
            "truncated.json",
            "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\"Type\": \"Pass\", \"End\": true}\n",
            &["invalid JSON", "EOF while parsing", "truncated.json:5:1"],
        ),
        definition_case(
            "validate: malformed JSON",
            "validate",
            "missing-comma-validate.json",
            "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\"Type\": \"Pass\" \"End\": true}\n  }\n}\n",
            &["invalid JSON", "missing-comma-validate.json:4:26"],
        ),
        definition_case(
            "graph: malformed JSON",
            "graph",
            "missing-comma-graph.json",
            "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\"Type\": \"Pass\" \"End\": true}\n  }\n}\n",
            &["invalid JSON", "missing-comma-graph.json:4:26"],
        ),
        definition_case("definition: empty file", "run", "empty.json", "", &["invalid JSON", "empty.json:1:1"]),
        definition_case("definition: a JSON array", "run", "array.json", "[1, 2]\n", &["must be a JSON object", "array.json:1:1"]),
        case("definition: not UTF-8", 2, &["cannot read the definition file \"latin1.json\"", "UTF-8"], |world| {
            std::fs::write(world.path("latin1.json"), b"{\"Comment\": \"caf\xe9\"}").unwrap();
            Ok(Prepared::new(&["run", "latin1.json"]))
        }),
        definition_case(
            "definition: a state name twice",
            "run",
            "twice.json",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}, "A": {"Type": "Pass", "End": true}}}"#,
            &["duplicate state name \"A\"", "/States/A"],
        ),
        // --- wrong types
        state_case(
            "wrong type: StartAt is a number",
            "startat-number.json",
            r#"{"StartAt": 1, "States": {"A": {"Type": "Pass", "End": true}}}"#,
            &["\"StartAt\" must be a string, found a number", "startat-number.json:1:2 at /StartAt"],
        ),
        state_case(
            "wrong type: States is an array",
            "states-array.json",
            r#"{"StartAt": "A", "States": []}"#,
            &["\"States\" must be an object, found an array", "at /States"],
        ),
        state_case(
            "wrong type: TimeoutSeconds is a string",
            "timeout-string.json",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "flow:command", "Parameters": {"Command": ["true"]}, "TimeoutSeconds": "ten", "End": true}}}"#,
            &["\"TimeoutSeconds\" must be an integer, found a string", "at /States/A/TimeoutSeconds"],
        ),
        state_case(
            "wrong type: Command is a string",
            "command-string.json",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "flow:command", "Parameters": {"Command": "true"}, "End": true}}}"#,
            &["must be an array of strings", "at /States/A/Parameters/Command"],
        ),
        state_case(
            "wrong value: BackoffRate below 1",
            "backoff.json",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "flow:command", "Parameters": {"Command": ["true"]}, "Retry": [{"ErrorEquals": ["States.ALL"], "BackoffRate": 0.5}], "End": true}}}"#,
            &["\"BackoffRate\" must be at least 1.0", "at /States/A/Retry/0/BackoffRate"],
        ),
        state_case(
            "wrong value: a path without $",
            "bad-path.json",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "InputPath": "x.y", "End": true}}}"#,
            &["\"InputPath\" is not a valid path", "at /States/A/InputPath"],
        ),
        state_case(
            "wrong value: an unknown intrinsic function",
            "bad-intrinsic.json",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"x.$": "States.Nope(1)"}, "End": true}}}"#,
            &["unknown intrinsic function 'States.Nope'", "at /States/A/Parameters/x.$"],
        ),
        // --- unknown states
        state_case(
            "unknown state in Next",
            "next-unknown.json",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}"#,
            &["\"Next\" names \"Nowhere\", which is not a state", "at /States/A/Next"],
        ),
        state_case(
            "unknown state in StartAt",
            "startat-unknown.json",
            r#"{"StartAt": "Missing", "States": {"A": {"Type": "Pass", "End": true}}}"#,
            &["\"Missing\"", "at /StartAt"],
        ),
        state_case(
            "unknown state in a Choice Default",
            "default-unknown.json",
            r#"{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "D"}], "Default": "Elsewhere"}, "D": {"Type": "Succeed"}}}"#,
            &["\"Default\" names \"Elsewhere\", which is not a state", "at /States/C/Default"],
        ),
        state_case(
            "unknown state in a Choice rule",
            "choice-unknown.json",
            r#"{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "Gone"}], "Default": "D"}, "D": {"Type": "Succeed"}}}"#,
            &["\"Gone\"", "at /States/C/Choices/0/Next"],
        ),
        state_case(
            "unknown state in a Catch",
            "catch-unknown.json",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "flow:command", "Parameters": {"Command": ["true"]}, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Rescue"}], "End": true}}}"#,
            &["\"Rescue\"", "at /States/A/Catch/0/Next"],
        ),
        // --- unknown fields and names
        state_case(
            "unknown field in a state",
            "unknown-field.json",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "ResultPth": "$.x", "End": true}}}"#,
            &["unknown field \"ResultPth\"", "at /States/A/ResultPth", "did you mean \"ResultPath\""],
        ),
        state_case(
            "unknown top-level field",
            "unknown-top.json",
            r#"{"StartAt": "A", "Bogus": 1, "States": {"A": {"Type": "Pass", "End": true}}}"#,
            &["unknown field \"Bogus\"", "at /Bogus"],
        ),
        state_case(
            "unknown state type",
            "unknown-type.json",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Loop", "End": true}}}"#,
            &["unknown state type \"Loop\"", "at /States/A/Type"],
        ),
        state_case(
            "unknown flow: resource",
            "unknown-resource.json",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "flow:teleport", "End": true}}}"#,
            &["unknown resource \"flow:teleport\"", "at /States/A/Resource"],
        ),
        state_case(
            "unknown aws-sdk action",
            "unknown-action.json",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:efs:createFileSistem", "End": true}}}"#,
            &["unknown action `createFileSistem` of service `efs`", "at /States/A/Resource"],
        ),
        state_case(
            "several problems reported at once",
            "several.json",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "ResultPth": "$.x", "Next": "B"}, "B": {"Type": "Wait", "Seconds": "soon", "Next": "Nowhere"}}}"#,
            &["unknown field \"ResultPth\"", "at /States/B/Seconds", "\"Nowhere\"", "3 problems found"],
        ),
        // --- definition files that cannot be read
        plain("definition: missing file", &["run", "no-such-definition.json"], 2, &[
            "cannot read the definition file \"no-such-definition.json\"",
            "No such file or directory",
        ]),
        case("validate: missing file", 2, &["cannot read the definition file \"no-such.json\"", "No such file"], |_| {
            Ok(Prepared::new(&["validate", "no-such.json"]).state(State::Omitted))
        }),
        case("definition: unreadable file", 2, &["cannot read the definition file \"unreadable-definition.json\""], |world| {
            let (file, cause) = world.unreadable("unreadable-definition.json");
            Ok(Prepared::new(&["run", &file]).stderr(cause))
        }),
        case("definition: a directory", 2, &["cannot read the definition file \"a-directory.json\"", "Is a directory"], |world| {
            std::fs::create_dir_all(world.path("a-directory.json")).unwrap();
            Ok(Prepared::new(&["run", "a-directory.json"]))
        }),
        case("validate: a directory", 2, &["cannot read the definition file \"a-directory\"", "Is a directory"], |world| {
            std::fs::create_dir_all(world.path("a-directory")).unwrap();
            Ok(Prepared::new(&["validate", "a-directory"]).state(State::Omitted))
        }),
        // --- execution input
        plain("input: malformed --input-json", &["run", "succeeding.json", "--input-json", "{\"a\": }"], 2, &[
            "--input-json is not valid JSON",
            "line 1 column 7",
        ]),
        case("input: malformed --input file", 2, &["the input file \"bad-input.json\" is not valid JSON", "line 3 column 14"], |world| {
            let input = world.file("bad-input.json", "{\n  \"a\": 1,\n  \"b\": [1, 2,, 3]\n}\n");
            Ok(Prepared::new(&["run", "succeeding.json", "--input", &input]))
        }),
        plain("input: empty --input-json", &["run", "succeeding.json", "--input-json", ""], 2, &[
            "--input-json is not valid JSON",
            "EOF while parsing a value at line 1 column 0",
        ]),
        case("input: nested too deeply", 2, &["--input-json is not valid JSON", "recursion limit exceeded"], |_| {
            let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
            Ok(Prepared::new(&["run", "succeeding.json", "--input-json", &deep]))
        }),
        plain("input: missing --input file", &["run", "succeeding.json", "--input", "no-such-input.json"], 2, &[
            "cannot read the input file \"no-such-input.json\"",
            "No such file or directory",
        ]),
        case("input: unreadable --input file", 2, &["cannot read the input file \"unreadable-input.json\""], |world| {
            let (file, cause) = world.unreadable("unreadable-input.json");
            Ok(Prepared::new(&["run", "succeeding.json", "--input", &file]).stderr(cause))
        }),
        case("input: --input is a directory", 2, &["cannot read the input file \"input-directory\"", "Is a directory"], |world| {
            std::fs::create_dir_all(world.path("input-directory")).unwrap();
            Ok(Prepared::new(&["run", "succeeding.json", "--input", "input-directory"]))
        }),
        case("input: --input and --input-json together", 2, &["cannot be used with"], |world| {
            let input = world.file("good-input.json", "{}");
            Ok(Prepared::new(&["run", "succeeding.json", "--input", &input, "--input-json", "{}"]))
        }),
        // Like Step Functions, flow accepts any JSON value as input; one the definition cannot
        // read as an object fails the execution it started with States.Runtime (exit code 1).
        case("input: an array where the definition reads a field", 1, &["hint: fix the cause"], |world| {
            let file = world.file("reads-a-field.json", r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "InputPath": "$.who", "End": true}}}"#);
            Ok(Prepared::new(&["run", &file, "--input-json", "[1, 2]", "--name", "array-input"]))
        })
        .leaves(Leaves::OneExecution("FAILED")),
        // --- names
        plain("name: already taken", &["run", "succeeding.json", "--name", "seeded-ok"], 2, &[
            "an execution named 'seeded-ok' already exists",
        ]),
        case("name: another execution's id", 2, &["already exists"], |world| {
            let id = world.failed.clone();
            Ok(Prepared::new(&["run", "succeeding.json", "--name", &id]).stderr(id))
        }),
        plain("name: empty", &["run", "succeeding.json", "--name", ""], 2, &["the execution name must have 1 to 80 characters"]),
        case("name: 81 characters", 2, &["the execution name must have 1 to 80 characters"], |_| {
            Ok(Prepared::new(&["run", "succeeding.json", "--name", &"n".repeat(81)]))
        }),
        // --- unknown executions
        plain("resume: unknown execution", &["resume", "no-such-execution"], 2, &["no execution with id or name 'no-such-execution'"]),
        plain("rollback: unknown execution", &["rollback", "no-such-execution"], 2, &["no execution with id or name 'no-such-execution'"]),
        plain("status: unknown execution", &["status", "no-such-execution"], 2, &["no execution with id or name 'no-such-execution'"]),
        plain("history: unknown execution", &["history", "no-such-execution"], 2, &["no execution with id or name 'no-such-execution'"]),
        plain("graph: unknown execution", &["graph", "no-such-execution"], 2, &["no execution with id or name 'no-such-execution'"]),
        case("status: no state database", 2, &["no state database at \"no-such-dir/flow.db\""], |_| {
            Ok(Prepared::new(&["status", "seeded-ok"]).state(State::At("no-such-dir/flow.db".into())))
        }),
        case("resume: no state database", 2, &["no state database at \"no-such-dir/flow.db\""], |_| {
            Ok(Prepared::new(&["resume", "seeded-failed"]).state(State::At("no-such-dir/flow.db".into())))
        }),
        // --- executions that cannot be driven now
        case("resume: a SUCCEEDED execution", 2, &["cannot be resumed: its status is SUCCEEDED"], |world| {
            Ok(Prepared::new(&["resume", &world.succeeded]).stderr(world.succeeded.clone()))
        }),
        case("resume: a ROLLED_BACK execution", 2, &["cannot be resumed: its status is ROLLED_BACK"], |world| {
            let run = world.sandbox.flow(&["run", "failing.json", "--name", "rolled-back"]);
            let rollback = world.sandbox.flow(&["rollback", "rolled-back"]);
            if run.code != Some(1) || rollback.code != Some(0) {
                return Err(format!("setting up a ROLLED_BACK execution:\n{run}\n{rollback}"));
            }
            Ok(Prepared::new(&["resume", "rolled-back"]))
        }),
        case("resume: a RUNNING execution another process drives", 2, &["is being driven by"], |world| {
            let (pid, cleanup) = held_execution(world, "held-for-resume")?;
            Ok(Prepared::new(&["resume", "held-for-resume"]).stderr(format!("process {pid} ")).cleanup(cleanup))
        }),
        // DESIGN.md: rollback may undo any execution (a step in flight at a crash is compensated
        // too), but one process drives an execution at a time: a live driver refuses it.
        case("rollback: a RUNNING execution another process drives", 2, &["is being driven by"], |world| {
            let (pid, cleanup) = held_execution(world, "held-for-rollback")?;
            Ok(Prepared::new(&["rollback", "held-for-rollback"]).stderr(format!("process {pid} ")).cleanup(cleanup))
        }),
        // flow stores the definition's text (and its SHA-256) with the execution; resume and
        // rollback use the stored text, never the file (see the test below). A stored
        // definition this flow cannot load (a newer flow's state type) is refused.
        case("resume: stored definition from another flow version", 2, &["<stored definition>", "unknown state type \"Loop\""], |world| {
            execution_from_another_version(world, "newer-resume")?;
            Ok(Prepared::new(&["resume", "newer-resume"]))
        }),
        case("rollback: stored definition from another flow version", 2, &["<stored definition>", "unknown state type \"Loop\""], |world| {
            execution_from_another_version(world, "newer-rollback")?;
            Ok(Prepared::new(&["rollback", "newer-rollback"]))
        }),
        case("graph: stored definition from another flow version", 2, &["the stored definition of", "no longer loads"], |world| {
            execution_from_another_version(world, "newer-graph")?;
            Ok(Prepared::new(&["graph", "newer-graph"]))
        }),
        // --- damaged or foreign state databases
        case("database: truncated (list)", 2, &["the state database truncated.db is damaged"], |world| {
            let db = database_copy(world, "truncated.db", |bytes| bytes.truncate(bytes.len() / 2))?;
            Ok(Prepared::new(&["list"]).state(State::At(db)))
        }),
        case("database: truncated (run)", 2, &["the state database truncated-run.db is damaged"], |world| {
            let db = database_copy(world, "truncated-run.db", |bytes| bytes.truncate(bytes.len() / 2))?;
            Ok(Prepared::new(&["run", "succeeding.json"]).state(State::At(db)))
        }),
        case("database: cut inside its header", 2, &["the state database header-only.db is not a flow database"], |world| {
            let db = database_copy(world, "header-only.db", |bytes| bytes.truncate(10))?;
            Ok(Prepared::new(&["status", "seeded-ok"]).state(State::At(db)))
        }),
        case("database: garbage (status)", 2, &["the state database garbage.db is not a flow database"], |world| {
            std::fs::write(world.path("garbage.db"), Random(0x5eed).bytes(8192)).unwrap();
            Ok(Prepared::new(&["status", "seeded-ok"]).state(State::At("garbage.db".into())))
        }),
        case("database: garbage (run)", 2, &["the state database garbage-run.db is not a flow database"], |world| {
            std::fs::write(world.path("garbage-run.db"), Random(0xbad).bytes(8192)).unwrap();
            Ok(Prepared::new(&["run", "succeeding.json"]).state(State::At("garbage-run.db".into())))
        }),
        case("database: another application's SQLite file", 2, &["the state database foreign.db is not a flow database"], |world| {
            // PRAGMA application_id lives at offset 68 of the header.
            let db = database_copy(world, "foreign.db", |bytes| bytes[68..72].copy_from_slice(&0x1234_5678u32.to_be_bytes()))?;
            Ok(Prepared::new(&["run", "succeeding.json"]).state(State::At(db)))
        }),
        case("database: written by a newer flow", 2, &["was written by a newer flow (schema version 99", "use a newer flow"], |world| {
            // PRAGMA user_version lives at offset 60 of the header.
            let db = database_copy(world, "newer.db", |bytes| bytes[60..64].copy_from_slice(&99u32.to_be_bytes()))?;
            Ok(Prepared::new(&["list"]).state(State::At(db)))
        }),
        case("database: a directory", 2, &["the state database db-directory is a directory"], |world| {
            std::fs::create_dir_all(world.path("db-directory")).unwrap();
            Ok(Prepared::new(&["run", "succeeding.json"]).state(State::At("db-directory".into())))
        }),
        // chmod 555 makes the directory read-only, except for root (permission bits do not
        // apply): there the state path goes under a regular file instead, which no process can
        // create a file in either.
        case("database: read-only state directory", 2, &["the state directory"], |world| {
            if world.privileged {
                world.file("a-regular-file", "not a directory");
                Ok(Prepared::new(&["run", "succeeding.json"])
                    .state(State::At("a-regular-file/state.db".into()))
                    .stderr("the state directory a-regular-file is not a directory"))
            } else {
                std::fs::create_dir_all(world.path("read-only")).unwrap();
                set_mode(&world.path("read-only"), 0o555);
                Ok(Prepared::new(&["run", "succeeding.json"])
                    .state(State::At("read-only/state.db".into()))
                    .stderr("the state directory read-only is read-only"))
            }
        }),
        // A write past RLIMIT_FSIZE fails with EFBIG as a write on a full disk fails with ENOSPC.
        // 16 KiB is less than SQLite's shared-memory index of the WAL needs (32 KiB): the seeded
        // database itself cannot be opened for writing, and nothing may change in it.
        case("database: disk full before anything is written", 2, &["I/O error on the state database"], |world| {
            Ok(Prepared::new(&["run", "succeeding.json"]).file_size_limit(16 * 1024).stderr(world.sandbox.db.display().to_string()))
        }),
        // --- command line
        plain("flags: --output xml", &["list", "--output", "xml"], 2, &["invalid value 'xml' for '--output <OUTPUT>'", "text, json"]),
        plain("flags: graph --format png", &["graph", "succeeding.json", "--format", "png"], 2, &["invalid value 'png'", "dot, mermaid"]),
        case("flags: unknown subcommand", 2, &["unrecognized subcommand 'frobnicate'"], |_| {
            Ok(Prepared::new(&["frobnicate"]).state(State::Omitted))
        }),
        plain("flags: unknown flag", &["run", "succeeding.json", "--bogus"], 2, &["unexpected argument '--bogus'"]),
        plain("flags: run without a definition", &["run"], 2, &["the following required arguments were not provided", "<definition.json>"]),
        plain("flags: resume without an execution", &["resume"], 2, &["the following required arguments were not provided", "<execution-id>"]),
        case("flags: validate with --state", 2, &["unexpected argument '--state'"], |_| {
            Ok(Prepared::new(&["validate", "succeeding.json", "--state", "x.db"]).state(State::Omitted))
        }),
    ]
}

// ---------------------------------------------------------------------------------------------
// Running a case.

/// What must not change: `flow list --output json`, and the histories of the seeded executions.
#[derive(Debug, PartialEq)]
struct Snapshot {
    list: Vec<Value>,
    histories: Vec<String>,
}

fn snapshot(world: &World) -> Result<Snapshot, String> {
    let list = world.sandbox.flow(&["list", "--output", "json"]);
    if list.code != Some(0) {
        return Err(format!("flow list failed:\n{list}"));
    }
    let mut histories = Vec::new();
    for id in [&world.succeeded, &world.failed] {
        let history = world.sandbox.flow(&["history", id, "--output", "json"]);
        if history.code != Some(0) {
            return Err(format!("flow history {id} failed:\n{history}"));
        }
        histories.push(history.stdout);
    }
    Ok(Snapshot {
        list: list.json_lines(),
        histories,
    })
}

/// What the command changed in the seeded database, measured against what it may leave.
fn changes(before: &Snapshot, after: &Snapshot, leaves: Leaves) -> Vec<String> {
    let mut problems = Vec::new();
    if before.histories != after.histories {
        problems.push("the history of a seeded execution changed".to_owned());
    }
    let known: BTreeSet<&str> = before
        .list
        .iter()
        .filter_map(|e| e["execution_id"].as_str())
        .collect();
    let (old, new): (Vec<&Value>, Vec<&Value>) = after.list.iter().partition(|e| {
        e["execution_id"]
            .as_str()
            .is_some_and(|id| known.contains(id))
    });
    if old != before.list.iter().collect::<Vec<_>>() {
        problems.push(format!(
            "existing executions changed:\nbefore: {}\nafter:  {}",
            serde_json::to_string(&before.list).unwrap(),
            serde_json::to_string(&old).unwrap()
        ));
    }
    match leaves {
        Leaves::Nothing if !new.is_empty() => {
            problems.push(format!("new executions appeared: {new:?}"))
        }
        Leaves::OneExecution(status) if new.len() != 1 || new[0]["status"] != status => problems
            .push(format!(
                "expected one new {status} execution, found {new:?}"
            )),
        _ => {}
    }
    problems
}

/// Runs the prepared command (under `sh` when it needs a file size limit).
fn execute(world: &World, prepared: &Prepared) -> Outcome {
    let mut args = prepared.args.clone();
    match &prepared.state {
        State::Seeded => {
            args.extend(["--state".to_owned(), world.sandbox.db.display().to_string()])
        }
        State::At(path) => args.extend(["--state".to_owned(), path.clone()]),
        State::Omitted => {}
    }
    let mut command = match prepared.file_size_limit {
        None => Command::new(flow_binary()),
        Some(bytes) => {
            // `ulimit -f` counts 512-byte blocks in POSIX sh. SIGXFSZ is ignored (an ignored
            // signal stays ignored across exec), so the write fails with EFBIG instead of
            // killing the process.
            let mut command = Command::new("sh");
            command
                .arg("-c")
                .arg(format!(
                    "trap '' XFSZ; ulimit -f {}; exec \"$0\" \"$@\"",
                    bytes / 512
                ))
                .arg(flow_binary());
            command
        }
    };
    command
        .args(&args)
        .current_dir(world.sandbox.dir())
        .env("NO_COLOR", "1")
        .env_remove("FLOW_STATE")
        .env_remove("FLOW_TEST_FAIL_AT_STATE");
    command.stdin(std::process::Stdio::null());
    world.sandbox.spawn_command(command).wait(COMMAND_LIMIT)
}

/// Runs one case; `Err` lists everything wrong with it.
fn run_case(world: &World, case: &Case) -> Result<(), String> {
    let prepared = (case.setup)(world).map_err(|e| format!("setup failed: {e}"))?;
    let mut problems = Vec::new();
    let before = snapshot(world);
    let outcome = execute(world, &prepared);
    if outcome.code != Some(case.code) {
        problems.push(format!(
            "exit code {:?} (signal {:?}), expected {}",
            outcome.code, outcome.signal, case.code
        ));
    }
    for expected in case
        .stderr
        .iter()
        .map(|s| s.to_string())
        .chain(prepared.stderr.iter().cloned())
    {
        if !outcome.stderr.contains(&expected) {
            problems.push(format!("stderr lacks {expected:?}"));
        }
    }
    if case.code == 2 && !outcome.stdout.is_empty() {
        problems.push("stdout is not empty, though nothing was done".to_owned());
    }
    if outcome.stderr.contains("panicked") {
        problems.push("the process panicked".to_owned());
    }
    match (before, snapshot(world)) {
        (Ok(before), Ok(after)) => problems.extend(changes(&before, &after, case.leaves)),
        (Err(e), _) | (_, Err(e)) => problems.push(format!("cannot read the seeded database: {e}")),
    }
    if let Some(cleanup) = prepared.cleanup
        && let Err(e) = cleanup()
    {
        problems.push(format!("cleanup: {e}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("  - {}\n{outcome}", problems.join("\n  - ")))
    }
}

#[test]
fn every_bad_input_is_refused_clearly_and_changes_no_execution() {
    let world = World::new();
    if world.privileged {
        eprintln!(
            "running with permission bits that do not apply (root): unreadable files are dangling symlinks"
        );
    }
    let cases = cases();
    let names: BTreeSet<&str> = cases.iter().map(|c| c.name).collect();
    assert_eq!(names.len(), cases.len(), "case names are unique");
    assert!(
        cases.len() >= 40,
        "at least 40 cases, found {}",
        cases.len()
    );

    let mut failures = Vec::new();
    for case in &cases {
        let started = Instant::now();
        match run_case(&world, case) {
            Ok(()) => eprintln!("ok    {} ({:.0?})", case.name, started.elapsed()),
            Err(report) => {
                eprintln!("FAIL  {} ({:.0?})", case.name, started.elapsed());
                failures.push(format!("=== {}\n{report}", case.name));
            }
        }
    }
    println!(
        "bad input: {} cases, {} passed",
        cases.len(),
        cases.len() - failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Ctrl-C at random moments.

/// Several steps, a Parallel and a Map, about a second in all; every result is deterministic.
const STEPS: &str = r#"{
  "Comment": "Steps of about 0.2 s each, in sequence, in parallel and in a Map.",
  "StartAt": "Begin",
  "States": {
    "Begin": {"Type": "Pass", "Result": {"items": [1, 2, 3]}, "ResultPath": "$.plan", "Next": "One"},
    "One": {
      "Type": "Task",
      "Resource": "flow:command",
      "Parameters": {"Command": ["sh", "-c", "sleep 0.2; cat"], "Input": {"one": 1}},
      "ResultPath": "$.one",
      "Next": "Two"
    },
    "Two": {
      "Type": "Task",
      "Resource": "flow:command",
      "Parameters": {"Command": ["sh", "-c", "sleep 0.2; cat"], "Input": {"two": 2}},
      "ResultPath": "$.two",
      "Next": "Fan"
    },
    "Fan": {
      "Type": "Parallel",
      "Branches": [
        {"StartAt": "Left", "States": {"Left": {
          "Type": "Task", "Resource": "flow:command",
          "Parameters": {"Command": ["sh", "-c", "sleep 0.2; cat"], "Input": {"left": true}}, "End": true}}},
        {"StartAt": "Right", "States": {"Right": {
          "Type": "Task", "Resource": "flow:command",
          "Parameters": {"Command": ["sh", "-c", "sleep 0.3; cat"], "Input": {"right": true}}, "End": true}}}
      ],
      "ResultPath": "$.fan",
      "Next": "Each"
    },
    "Each": {
      "Type": "Map",
      "ItemsPath": "$.plan.items",
      "MaxConcurrency": 1,
      "ItemProcessor": {
        "ProcessorConfig": {"Mode": "INLINE"},
        "StartAt": "Item",
        "States": {"Item": {
          "Type": "Task", "Resource": "flow:command",
          "Parameters": {"Command": ["sh", "-c", "sleep 0.1; cat"], "Input": {"item.$": "$"}}, "End": true}}
      },
      "ResultPath": "$.items",
      "Next": "Done"
    },
    "Done": {"Type": "Pass", "End": true}
  }
}
"#;

/// A seed from the clock, or `FLOW_TEST_SEED` to replay a run.
fn seed() -> u64 {
    if let Some(seed) = std::env::var("FLOW_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return seed;
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    (nanos ^ u64::from(std::process::id()).rotate_left(32)) | 1
}

#[test]
fn ctrl_c_at_random_moments_then_resume_gives_the_uninterrupted_output() {
    let sandbox = Sandbox::new();
    write(&sandbox, "steps.json", STEPS);
    let reference = sandbox.flow(&[
        "run",
        "steps.json",
        "--name",
        "reference",
        "--output",
        "json",
    ]);
    assert_eq!(reference.code, Some(0), "{reference}");
    let expected = reference.last_json()["output"].clone();
    assert!(expected.is_object(), "{reference}");

    let seed = seed();
    println!("ctrl-c: seed {seed} (FLOW_TEST_SEED={seed} replays these delays)");
    let mut random = Random(seed);
    let mut tally = std::collections::BTreeMap::<&str, usize>::new();
    for round in 0..10 {
        let name = format!("interrupted-{round}");
        let delay = Duration::from_millis(random.next() % 1500);
        let mut run = sandbox.spawn(&["run", "steps.json", "--name", &name, "--output", "json"]);
        // The random delay is the experiment: it picks the moment of the Ctrl-C.
        std::thread::sleep(delay);
        if run.try_finish().is_none() {
            run.signal("INT");
        }
        let stopped = run.wait(Duration::from_secs(30));
        assert!(
            !stopped.stderr.contains("panicked"),
            "round {round}: {stopped}"
        );
        let what = match (stopped.code, stopped.signal) {
            (Some(0), _) => {
                assert_eq!(
                    stopped.last_json()["output"],
                    expected,
                    "round {round}: finished, with another output:\n{stopped}"
                );
                "finished before the Ctrl-C"
            }
            (Some(130), _) => {
                let summary = stopped.last_json();
                assert_eq!(summary["status"], "RUNNING", "round {round}: {stopped}");
                assert!(
                    stopped.stderr.contains("flow resume"),
                    "round {round}: a hint names `flow resume`:\n{stopped}"
                );
                let resumed = sandbox.flow(&["resume", &name, "--output", "json"]);
                assert_eq!(
                    resumed.code,
                    Some(0),
                    "round {round}: resume after Ctrl-C at {delay:?}:\n{resumed}"
                );
                assert_eq!(
                    resumed.last_json()["status"],
                    "SUCCEEDED",
                    "round {round}: {resumed}"
                );
                assert_eq!(
                    resumed.last_json()["output"],
                    expected,
                    "round {round}: the resumed output differs"
                );
                "interrupted (130), resumed"
            }
            // SIGINT before flow installed its handler (the first milliseconds of the
            // process): the default action ends it, as a crash would. Whatever it had
            // recorded must then be resumable.
            (None, Some(2)) => {
                let status = sandbox.flow(&["status", &name, "--output", "json"]);
                if status.code == Some(0) {
                    let resumed = sandbox.flow(&["resume", &name, "--output", "json"]);
                    assert_eq!(
                        resumed.code,
                        Some(0),
                        "round {round}: resume after an early SIGINT:\n{resumed}"
                    );
                    assert_eq!(resumed.last_json()["output"], expected, "round {round}");
                    "killed by SIGINT during start-up, resumed"
                } else {
                    "killed by SIGINT during start-up, before the execution existed"
                }
            }
            _ => panic!("round {round}: Ctrl-C at {delay:?}: expected exit 130 or 0:\n{stopped}"),
        };
        println!("ctrl-c: round {round}: Ctrl-C after {delay:?}: {what}");
        *tally.entry(what).or_default() += 1;
    }
    println!("ctrl-c: 10 rounds: {tally:?}");
}

// ---------------------------------------------------------------------------------------------
// A full disk at every point of a run.

/// One `flow run` under a file size limit, judged; `Ok` says how it ended.
fn run_on_a_full_disk(
    world: &World,
    blocks: u64,
    before: &Snapshot,
    expected: &Value,
) -> Result<&'static str, String> {
    let name = format!("disk-full-{blocks}");
    let prepared = Prepared::new(&[
        "run",
        "succeeding.json",
        "--name",
        &name,
        "--output",
        "json",
    ])
    .file_size_limit(blocks * 512);
    let outcome = execute(world, &prepared);
    let fail = |why: String| Err(format!("{why}\n{outcome}"));
    if outcome.stderr.contains("panicked") {
        return fail("the process panicked".into());
    }
    let after = snapshot(world)?;
    let status = world.sandbox.flow(&["status", &name, "--output", "json"]);
    let status = (status.code == Some(0)).then(|| status.last_json()["status"].clone());
    match (outcome.code, status) {
        (Some(0), Some(status)) if status == "SUCCEEDED" => {
            let problems = changes(before, &after, Leaves::OneExecution("SUCCEEDED"));
            if !problems.is_empty() {
                return fail(problems.join("; "));
            }
            Ok("finished")
        }
        (Some(0), status) => fail(format!("exit code 0, but the execution is {status:?}")),
        (Some(_), _)
            if !outcome.stderr.contains("I/O error on the state database")
                && !outcome.stderr.contains("disk full") =>
        {
            fail("the message does not name the failed write to the state database".into())
        }
        (Some(code), None) => {
            let problems = changes(before, &after, Leaves::Nothing);
            if code != 2 || !problems.is_empty() {
                return fail(format!(
                    "no execution was created, so exit code 2 and no change expected; {problems:?}"
                ));
            }
            Ok("refused at open (2)")
        }
        // DESIGN.md: exit code 0 when the execution SUCCEEDED.
        (Some(code), Some(status)) if status == "SUCCEEDED" => fail(format!(
            "the execution SUCCEEDED, yet the exit code is {code}"
        )),
        // The execution was created, then a checkpoint could not be written: it stays RUNNING
        // (exit code 1: the store failed), and a resume with room finishes it.
        (Some(code), Some(status)) => {
            let problems = changes(before, &after, Leaves::OneExecution("RUNNING"));
            if code != 1 || status != "RUNNING" || !problems.is_empty() {
                return fail(format!(
                    "expected exit code 1 and one RUNNING execution; status {status}; {problems:?}"
                ));
            }
            let resumed = world.sandbox.flow(&["resume", &name, "--output", "json"]);
            if resumed.code != Some(0) || resumed.last_json()["output"] != *expected {
                return fail(format!(
                    "the resume with room did not finish it:\n{resumed}"
                ));
            }
            Ok("stopped mid-run (1), resumed")
        }
        (None, _) => fail("killed by a signal".into()),
    }
}

#[test]
fn a_full_disk_at_any_point_leaves_a_resumable_execution_and_the_others_intact() {
    let world = World::new();
    let pristine = world.quiet_database().expect("the seeded database");
    let before = snapshot(&world).expect("a snapshot");
    let expected = world.sandbox.status(&world.succeeded)["output"].clone();
    let mut tally = std::collections::BTreeMap::<&str, Vec<u64>>::new();
    let mut failures = Vec::new();
    // From 64 blocks (32 KiB, the least SQLite's WAL index needs) up, 512 bytes at a time, until
    // the run fits: every write of the run fails at one of these limits.
    for blocks in 64..=200 {
        for sidecar in ["state.db-wal", "state.db-shm"] {
            let _ = std::fs::remove_file(world.path(sidecar));
        }
        std::fs::write(&world.sandbox.db, &pristine).unwrap();
        match run_on_a_full_disk(&world, blocks, &before, &expected) {
            Ok(how) => {
                tally.entry(how).or_default().push(blocks);
                if how == "finished" {
                    break;
                }
            }
            Err(report) => {
                failures.push(format!("=== limit {blocks} blocks of 512 bytes: {report}"))
            }
        }
    }
    let ranges: Vec<String> = tally
        .iter()
        .map(|(how, limits)| {
            format!(
                "{how}: {} limits ({}..={})",
                limits.len(),
                limits[0],
                limits[limits.len() - 1]
            )
        })
        .collect();
    println!(
        "disk full: {}; {} limits broke the contract",
        ranges.join(", "),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} limits broke the contract:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(tally.contains_key("finished"), "the run never fit");
    assert!(
        tally.contains_key("stopped mid-run (1), resumed"),
        "no limit made a write fail in the middle of the run"
    );
}

// ---------------------------------------------------------------------------------------------
// A definition file changed between run and resume.

/// Fails until `$.dir/fixed` exists; then echoes which version of the definition ran.
const GATED_V1: &str = r#"{
  "StartAt": "Gate",
  "States": {
    "Gate": {
      "Type": "Task",
      "Resource": "flow:command",
      "Parameters": {
        "Command": ["sh", "-c", "test -f \"$DIR/fixed\" || { echo not fixed yet >&2; exit 1; }; cat"],
        "Env": {"DIR.$": "$.dir"},
        "Input": {"version": "v1"}
      },
      "End": true
    }
  }
}
"#;

/// The same file, edited after the run failed: another result and another state.
const GATED_V2: &str = r#"{
  "StartAt": "Gate",
  "States": {
    "Gate": {
      "Type": "Task",
      "Resource": "flow:command",
      "Parameters": {"Command": ["sh", "-c", "cat"], "Input": {"version": "v2"}},
      "Next": "Extra"
    },
    "Extra": {"Type": "Pass", "End": true}
  }
}
"#;

/// Like a Step Functions redrive, which runs the state machine version the execution started
/// with: `flow run` stores the definition's text with the execution, and resume runs that text.
/// Editing (or deleting) the file afterwards changes nothing for the execution.
#[test]
fn resume_runs_the_stored_definition_not_the_changed_file() {
    let sandbox = Sandbox::new();
    write(&sandbox, "gated.json", GATED_V1);
    let input = json!({"dir": sandbox.dir()}).to_string();
    let run = sandbox.flow(&[
        "run",
        "gated.json",
        "--input-json",
        &input,
        "--name",
        "gated",
        "--output",
        "json",
    ]);
    assert_eq!(run.code, Some(1), "{run}");

    write(&sandbox, "gated.json", GATED_V2);
    std::fs::write(sandbox.path("fixed"), "").unwrap();
    let resumed = sandbox.flow(&["resume", "gated", "--output", "json"]);
    assert_eq!(resumed.code, Some(0), "{resumed}");
    assert_eq!(
        resumed.last_json()["output"],
        json!({"version": "v1"}),
        "resume ran the stored definition:\n{resumed}"
    );
    let history = sandbox.history("gated");
    assert!(
        history.iter().all(|e| e["details"]["name"] != "Extra"),
        "no state of the edited file ran"
    );

    // The graph of the execution is drawn from the stored definition too.
    let graph = sandbox.flow(&["graph", "gated"]);
    assert_eq!(graph.code, Some(0), "{graph}");
    assert!(!graph.stdout.contains("Extra"), "{graph}");

    // A new run takes the file as it is now.
    let again = sandbox.flow(&["run", "gated.json", "--output", "json"]);
    assert_eq!(again.code, Some(0), "{again}");
    assert_eq!(again.last_json()["output"], json!({"version": "v2"}));
}
