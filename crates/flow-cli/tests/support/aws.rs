//! The local AWS emulator (`scripts/emulator`: moto 5.2.5 and flow's extension) and the fault
//! proxy (`chaos/fault_proxy.py`), for the tests that run `aws-sdk:` tasks. Both print
//! `AWS_ENDPOINT_URL=...` first and stop at the end of their stdin, which is our pipe: they
//! stop with the test process even when it dies.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The emulator's virtual environment's Python (boto3 is there, for the tests' own checks).
pub fn python() -> PathBuf {
    std::env::var_os("FLOW_EMULATOR_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("state/emulator-venv"))
        .join("bin/python")
}

/// Points `command` (a `flow` command) at `endpoint` with the emulator's test credentials,
/// and clears what the surrounding environment could add (a profile, the test fault hook).
pub fn against<'a>(command: &'a mut Command, endpoint: &str) -> &'a mut Command {
    command
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .env_remove("FLOW_TEST_FAIL_AT_STATE")
}

/// A running emulator or proxy, stopped when dropped.
pub struct Server {
    child: Child,
    pub endpoint: String,
}

impl Server {
    /// `scripts/emulator --exit-on-stdin-eof`, its log in `log`.
    pub fn emulator(log: &Path) -> Server {
        let mut command = Command::new(root().join("scripts/emulator"));
        command.arg("--exit-on-stdin-eof");
        Server::start(command, log)
    }

    /// `chaos/fault_proxy.py --upstream <upstream> <options>`, its log in `log`.
    pub fn fault_proxy(upstream: &str, options: &[&str], log: &Path) -> Server {
        let mut command = Command::new("python3");
        command
            .arg(root().join("chaos/fault_proxy.py"))
            .args(["--upstream", upstream])
            .args(options);
        Server::start(command, log)
    }

    /// Starts `command` and reads its endpoint; panics with its log when it prints none.
    fn start(mut command: Command, log: &Path) -> Server {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).expect("a log file"))
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {command:?}: {error}"));
        let mut line = String::new();
        let _ = BufReader::new(child.stdout.take().unwrap()).read_line(&mut line);
        let Some(endpoint) = line.trim().strip_prefix("AWS_ENDPOINT_URL=") else {
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(log).unwrap_or_default();
            panic!("{command:?} did not start:\n{log}");
        };
        Server {
            endpoint: endpoint.to_string(),
            child,
        }
    }

    /// Empties every service of the emulator (`POST /moto-api/reset`).
    pub fn reset(&self) {
        let status = Command::new(python())
            .args(["-c", "import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1] + '/moto-api/reset', method='POST'))"])
            .arg(&self.endpoint)
            .status()
            .unwrap();
        assert!(status.success(), "cannot reset the emulator");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
