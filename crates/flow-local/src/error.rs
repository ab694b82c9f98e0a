//! The failures of the `flow:` resources, each with the ASL error name Retry and Catch match.

use std::error::Error as StdError;
use std::io;

use flow_engine::TaskError;
use serde_json::json;

use crate::params::Problem;

pub type Result<T, E = Error> = std::result::Result<T, E>;

type BoxError = Box<dyn StdError + Send + Sync>;

/// The error names a `flow:` resource can fail with. Retry and Catch match them exactly.
pub mod names {
    /// The evaluated parameters do not fit the resource (not retryable: a definition bug).
    pub const INVALID_PARAMETERS: &str = "Flow.InvalidParameters";
    /// `flow:` followed by a name no resource has.
    pub const UNKNOWN_RESOURCE: &str = "Flow.UnknownResource";

    /// The program exited with a non-zero code (the cause's `ExitCode` says which).
    pub const COMMAND_FAILED: &str = "Flow.Command.Failed";
    /// The program was not found (not on `PATH`, or no such file).
    pub const COMMAND_NOT_FOUND: &str = "Flow.Command.NotFound";
    /// The program exists but could not be started (not executable, bad working directory).
    pub const COMMAND_SPAWN_FAILED: &str = "Flow.Command.SpawnFailed";
    /// The program ran longer than `TimeoutSeconds`; its process group was killed.
    pub const COMMAND_TIMEOUT: &str = "Flow.Command.Timeout";
    /// The program was killed by a signal it did not get from flow.
    pub const COMMAND_KILLED: &str = "Flow.Command.Killed";
    /// The program wrote more to stdout than flow keeps.
    pub const COMMAND_OUTPUT_TOO_LARGE: &str = "Flow.Command.OutputTooLarge";
    /// Reading from or writing to the program's pipes failed.
    pub const COMMAND_IO_FAILED: &str = "Flow.Command.IoFailed";

    /// The certificate is trusted but names none of the URL's host (curl: "no alternative
    /// certificate subject name matches target host name").
    pub const HTTPS_HOSTNAME_MISMATCH: &str = "Flow.Https.HostnameMismatch";
    /// The certificate chain is not trusted: unknown issuer, self-signed, expired, not yet
    /// valid, revoked, bad signature.
    pub const HTTPS_UNTRUSTED_CERTIFICATE: &str = "Flow.Https.UntrustedCertificate";
    /// TLS failed for another reason than the certificate (no common protocol, an alert, a
    /// server that does not speak TLS).
    pub const HTTPS_HANDSHAKE_FAILED: &str = "Flow.Https.HandshakeFailed";
    /// The name did not resolve, the connection was refused or reset, or it closed before a
    /// response.
    pub const HTTPS_CONNECTION_FAILED: &str = "Flow.Https.ConnectionFailed";
    /// The whole check (connect, handshake, response head) took longer than `TimeoutSeconds`.
    pub const HTTPS_TIMEOUT: &str = "Flow.Https.Timeout";
    /// A response came, with a status other than `ExpectedStatus`.
    pub const HTTPS_UNEXPECTED_STATUS: &str = "Flow.Https.UnexpectedStatus";
    /// The server answered with something that is not HTTP/1.x.
    pub const HTTPS_INVALID_RESPONSE: &str = "Flow.Https.InvalidResponse";
    /// `CaFile` could not be read or holds no PEM certificate.
    pub const HTTPS_INVALID_CA_FILE: &str = "Flow.Https.InvalidCaFile";

    /// Every name above.
    pub const ALL: &[&str] = &[
        INVALID_PARAMETERS,
        UNKNOWN_RESOURCE,
        COMMAND_FAILED,
        COMMAND_NOT_FOUND,
        COMMAND_SPAWN_FAILED,
        COMMAND_TIMEOUT,
        COMMAND_KILLED,
        COMMAND_OUTPUT_TOO_LARGE,
        COMMAND_IO_FAILED,
        HTTPS_HOSTNAME_MISMATCH,
        HTTPS_UNTRUSTED_CERTIFICATE,
        HTTPS_HANDSHAKE_FAILED,
        HTTPS_CONNECTION_FAILED,
        HTTPS_TIMEOUT,
        HTTPS_UNEXPECTED_STATUS,
        HTTPS_INVALID_RESPONSE,
        HTTPS_INVALID_CA_FILE,
    ];
}

/// How a command ended when it failed: what the cause reports besides the message.
#[derive(Debug)]
pub struct CommandOutcome {
    pub program: String,
    /// The last few KiB of stderr (lossy UTF-8).
    pub stderr: String,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("unknown resource \"{resource}\"; the flow: resources are {}", crate::Resource::ALL_NAMES.join(", "))]
    UnknownResource { resource: String },

    #[error("invalid parameters for {resource}: {}", render_problems(problems))]
    InvalidParameters {
        resource: &'static str,
        problems: Vec<Problem>,
    },

    #[error("program \"{program}\" not found")]
    CommandNotFound {
        program: String,
        #[source]
        source: io::Error,
    },

    #[error("could not start \"{program}\"")]
    CommandSpawnFailed {
        program: String,
        #[source]
        source: io::Error,
    },

    #[error("{} exited with code {code}", outcome.program)]
    CommandFailed { code: i32, outcome: CommandOutcome },

    #[error("{} was killed by signal {signal}", outcome.program)]
    CommandKilled {
        signal: i32,
        outcome: CommandOutcome,
    },

    #[error("{} did not finish within {seconds} s; its process group was killed", outcome.program)]
    CommandTimeout {
        seconds: f64,
        outcome: CommandOutcome,
    },

    #[error("\"{program}\" wrote more than {limit} bytes to stdout")]
    CommandOutputTooLarge { program: String, limit: usize },

    #[error("I/O with \"{program}\" failed")]
    CommandIoFailed {
        program: String,
        #[source]
        source: io::Error,
    },

    #[error(
        "SSL: no alternative certificate subject name matches target host name '{host}'{}",
        presented_names(presented)
    )]
    HttpsHostnameMismatch {
        host: String,
        presented: Vec<String>,
    },

    #[error("the certificate of {host} is not trusted ({})", if *system_roots {
        "checked against the system's trusted CAs; give CaFile to trust a private CA"
    } else {
        "checked against CaFile"
    })]
    HttpsUntrustedCertificate {
        host: String,
        system_roots: bool,
        #[source]
        source: rustls::Error,
    },

    #[error("TLS handshake with {host} failed")]
    HttpsHandshakeFailed {
        host: String,
        #[source]
        source: BoxError,
    },

    #[error("connection to {address} failed")]
    HttpsConnectionFailed {
        address: String,
        #[source]
        source: BoxError,
    },

    #[error("no response from {url} within {seconds} s")]
    HttpsTimeout { url: String, seconds: f64 },

    #[error(
        "expected status {}, got {status} from {url}",
        render_statuses(expected)
    )]
    HttpsUnexpectedStatus {
        url: String,
        expected: Vec<u16>,
        status: String,
    },

    #[error("invalid HTTP response from {url}")]
    HttpsInvalidResponse {
        url: String,
        #[source]
        source: BoxError,
    },

    #[error("CaFile {path}: {reason}")]
    HttpsInvalidCaFile { path: String, reason: String },
}

fn render_problems(problems: &[Problem]) -> String {
    let rendered: Vec<String> = problems
        .iter()
        .map(|problem| {
            let at = if problem.pointer.is_empty() {
                "Parameters"
            } else {
                problem.pointer.as_str()
            };
            format!("{at}: {}", problem.message)
        })
        .collect();
    rendered.join("; ")
}

fn render_statuses(expected: &[u16]) -> String {
    let rendered: Vec<String> = expected.iter().map(u16::to_string).collect();
    rendered.join(" or ")
}

fn presented_names(presented: &[String]) -> String {
    if presented.is_empty() {
        String::new()
    } else {
        format!(" (the certificate names {})", presented.join(", "))
    }
}

impl Error {
    /// The name Retry and Catch match (see [`names`]).
    pub fn asl_name(&self) -> &'static str {
        match self {
            Error::UnknownResource { .. } => names::UNKNOWN_RESOURCE,
            Error::InvalidParameters { .. } => names::INVALID_PARAMETERS,
            Error::CommandNotFound { .. } => names::COMMAND_NOT_FOUND,
            Error::CommandSpawnFailed { .. } => names::COMMAND_SPAWN_FAILED,
            Error::CommandFailed { .. } => names::COMMAND_FAILED,
            Error::CommandKilled { .. } => names::COMMAND_KILLED,
            Error::CommandTimeout { .. } => names::COMMAND_TIMEOUT,
            Error::CommandOutputTooLarge { .. } => names::COMMAND_OUTPUT_TOO_LARGE,
            Error::CommandIoFailed { .. } => names::COMMAND_IO_FAILED,
            Error::HttpsHostnameMismatch { .. } => names::HTTPS_HOSTNAME_MISMATCH,
            Error::HttpsUntrustedCertificate { .. } => names::HTTPS_UNTRUSTED_CERTIFICATE,
            Error::HttpsHandshakeFailed { .. } => names::HTTPS_HANDSHAKE_FAILED,
            Error::HttpsConnectionFailed { .. } => names::HTTPS_CONNECTION_FAILED,
            Error::HttpsTimeout { .. } => names::HTTPS_TIMEOUT,
            Error::HttpsUnexpectedStatus { .. } => names::HTTPS_UNEXPECTED_STATUS,
            Error::HttpsInvalidResponse { .. } => names::HTTPS_INVALID_RESPONSE,
            Error::HttpsInvalidCaFile { .. } => names::HTTPS_INVALID_CA_FILE,
        }
    }

    /// Whether trying again can help: a failed connection or a timeout can, a bad parameter or
    /// a certificate for the wrong name cannot. Informational: a state's Retry decides.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::CommandFailed { .. }
                | Error::CommandKilled { .. }
                | Error::CommandTimeout { .. }
                | Error::CommandIoFailed { .. }
                | Error::HttpsConnectionFailed { .. }
                | Error::HttpsTimeout { .. }
                | Error::HttpsUnexpectedStatus { .. }
        )
    }

    /// The task error's cause. A command's failure is a JSON object (like a Lambda error's
    /// cause) so a Catch can hand it to `States.StringToJson` and branch on the exit code:
    /// `{"Message", "Program", "ExitCode"?, "Signal"?, "Stderr"}`. Everything else is the
    /// message followed by its chain of sources.
    pub fn cause(&self) -> String {
        match self {
            Error::CommandFailed { code, outcome } => {
                command_cause(self, outcome, json!({"ExitCode": code}))
            }
            Error::CommandKilled { signal, outcome } => {
                command_cause(self, outcome, json!({"Signal": signal}))
            }
            Error::CommandTimeout { outcome, .. } => command_cause(self, outcome, json!({})),
            _ => {
                let mut cause = self.to_string();
                let mut source = StdError::source(self);
                while let Some(inner) = source {
                    cause.push_str(": ");
                    cause.push_str(&inner.to_string());
                    source = inner.source();
                }
                cause
            }
        }
    }
}

fn command_cause(error: &Error, outcome: &CommandOutcome, extra: serde_json::Value) -> String {
    let mut cause = json!({"Message": error.to_string(), "Program": outcome.program});
    if let (Some(cause), serde_json::Value::Object(extra)) = (cause.as_object_mut(), extra) {
        cause.extend(extra);
        cause.insert("Stderr".into(), outcome.stderr.clone().into());
    }
    cause.to_string()
}

impl From<Error> for TaskError {
    fn from(error: Error) -> Self {
        TaskError::new(error.asl_name(), error.cause())
    }
}
