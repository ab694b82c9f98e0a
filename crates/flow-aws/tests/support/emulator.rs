//! The local AWS emulator (`scripts/emulator`), started once per test binary.
//!
//! The script prints `AWS_ENDPOINT_URL=http://127.0.0.1:<port>` as its first line. It is
//! started with `--exit-on-stdin-eof` and a piped stdin held by this process, so it ends
//! when the test binary does, however the binary ends.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use aws_sdk_acm::config::{Credentials, Region};
use flow_aws::AwsTasks;

pub struct Emulator {
    pub endpoint: String,
    _child: Mutex<Child>,
    _stdin: Mutex<ChildStdin>,
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/emulator")
}

static EMULATOR: OnceLock<Option<Emulator>> = OnceLock::new();

/// The running emulator, or `None` (with the reason printed) when the script is missing.
pub fn emulator() -> Option<&'static Emulator> {
    EMULATOR
        .get_or_init(|| {
            let script = script();
            if !script.exists() {
                eprintln!("skipping: {} does not exist yet", script.display());
                return None;
            }
            let mut child = Command::new(&script)
                .arg("--exit-on-stdin-eof")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("scripts/emulator starts");
            let stdout = child.stdout.take().expect("piped stdout");
            let mut line = String::new();
            BufReader::new(stdout)
                .read_line(&mut line)
                .expect("scripts/emulator prints its endpoint");
            let endpoint = line
                .trim()
                .strip_prefix("AWS_ENDPOINT_URL=")
                .unwrap_or_else(|| panic!("unexpected first line from scripts/emulator: {line:?}"))
                .to_string();
            let stdin = child.stdin.take().expect("piped stdin");
            Some(Emulator {
                endpoint,
                _child: Mutex::new(child),
                _stdin: Mutex::new(stdin),
            })
        })
        .as_ref()
}

/// A handler that talks to the emulator with dummy credentials (never to AWS).
pub async fn tasks(emulator: &Emulator) -> AwsTasks {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "flow-tests",
        ))
        .endpoint_url(&emulator.endpoint)
        .load()
        .await;
    AwsTasks::from_sdk_config(config)
}
