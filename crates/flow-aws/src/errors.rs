//! Errors as Step Functions names them, so that Retry and Catch written for Step Functions
//! match the same way.
//!
//! Step Functions' rule (AWS SDK integrations page of its developer guide): the error is
//! `<ServiceName>.<ErrorName>`, both PascalCase, and the name always carries the `Exception`
//! suffix even when the service's own error code lacks it (`S3.BucketAlreadyExistsException`).
//! The names are the AWS SDK for Java 2.x exception classes: the service's client name as
//! prefix (`Efs`, `ElasticLoadBalancingV2`, ...) and the modeled error shape, suffixed. An
//! error code the service model does not declare surfaces in the Java SDK as the service's
//! base exception, hence `<Prefix>.<Prefix>Exception` (EC2 declares none: every EC2 error is
//! `Ec2.Ec2Exception`). The Cause follows the Java SDK's message:
//! `<message> (Service: <Prefix>, Status Code: <status>, Request ID: <id>)`.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::request_id::RequestId;

use crate::bridge::Diagnostic;
use crate::resource::Service;
use crate::services;

/// Why one call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// The parameters do not fit the operation's input.
    Parameters(Vec<Diagnostic>),
    /// The service answered with an error.
    Service {
        code: Option<String>,
        message: Option<String>,
        status: Option<u16>,
        request_id: Option<String>,
    },
    /// The request never got an answer (connection, timeout, credentials, ...).
    Client(String),
    /// The answer could not be turned into JSON.
    Output(String),
}

impl CallError {
    pub fn from_sdk<E>(error: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let status = error
            .raw_response()
            .map(|response| response.status().as_u16());
        match &error {
            SdkError::ServiceError(service) => {
                let inner = service.err();
                CallError::Service {
                    code: inner.code().map(str::to_string),
                    message: inner.message().map(str::to_string),
                    status,
                    request_id: error
                        .request_id()
                        .or_else(|| inner.meta().request_id())
                        .map(str::to_string),
                }
            }
            _ => CallError::Client(DisplayErrorContext(&error).to_string()),
        }
    }

    /// Whether a retry may succeed: throttling, a 5xx, or no answer at all.
    pub fn is_transient(&self) -> bool {
        match self {
            CallError::Service { code, status, .. } => {
                status.is_some_and(|status| status >= 500)
                    || code.as_deref().is_some_and(is_throttling)
            }
            CallError::Client(_) => true,
            CallError::Parameters(_) | CallError::Output(_) => false,
        }
    }

    /// Whether the service may have carried the call out although it failed: a 5xx, or no
    /// answer (a reset connection, a timeout). A throttled call was refused before anything.
    pub fn outcome_unknown(&self) -> bool {
        self.is_transient() && !self.code().is_some_and(is_throttling)
    }

    /// The code the service sent, if it answered.
    pub fn code(&self) -> Option<&str> {
        match self {
            CallError::Service { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// The Step Functions error name.
    pub fn asl_name(&self, service: Service) -> String {
        match self {
            CallError::Parameters(_) => "States.Runtime".to_string(),
            CallError::Service { code, .. } => error_name(service, code.as_deref()),
            CallError::Client(_) | CallError::Output(_) => "States.TaskFailed".to_string(),
        }
    }

    /// The Step Functions Cause.
    pub fn cause(&self, service: Service) -> String {
        match self {
            CallError::Parameters(diagnostics) => diagnostics
                .iter()
                .map(|d| {
                    let at = if d.pointer.is_empty() {
                        "/"
                    } else {
                        &d.pointer
                    };
                    format!("Parameters{at}: {}", d.message)
                })
                .collect::<Vec<_>>()
                .join("; "),
            CallError::Service {
                code,
                message,
                status,
                request_id,
            } => {
                let message = message
                    .as_deref()
                    .or(code.as_deref())
                    .unwrap_or("unknown error");
                let status = status.map_or_else(|| "unknown".to_string(), |s| s.to_string());
                let request_id = request_id.as_deref().unwrap_or("unknown");
                // When the name is the service's base exception, the code it stands for
                // (EC2's `InvalidSubnetID.NotFound`) would be lost: the Cause keeps it, so
                // that a reader (and `flow rollback`'s "already gone" rule) can tell.
                let lost_code = match code.as_deref() {
                    Some(code) if !is_modeled(service, code) => format!(", Error Code: {code}"),
                    _ => String::new(),
                };
                format!(
                    "{message} (Service: {}, Status Code: {status}, Request ID: {request_id}{lost_code})",
                    service.error_prefix()
                )
            }
            CallError::Client(message) => {
                format!("{message} (Service: {})", service.error_prefix())
            }
            CallError::Output(message) => {
                format!(
                    "cannot read the answer: {message} (Service: {})",
                    service.error_prefix()
                )
            }
        }
    }
}

/// `<Prefix>.<Name>Exception` for a service error code.
pub fn error_name(service: Service, code: Option<&str>) -> String {
    let prefix = service.error_prefix();
    let modeled = code.and_then(|code| modeled_shape(service, code));
    match modeled {
        Some(shape) => format!("{prefix}.{}", with_exception_suffix(shape)),
        None => format!("{prefix}.{prefix}Exception"),
    }
}

/// The modeled error shape of a code, if the service declares it.
fn modeled_shape(service: Service, code: &str) -> Option<&'static str> {
    services::modeled_errors(service)
        .iter()
        .find(|(modeled_code, _)| *modeled_code == code)
        .map(|(_, shape)| *shape)
}

fn is_modeled(service: Service, code: &str) -> bool {
    modeled_shape(service, code).is_some()
}

/// `FileSystemNotFound` -> `FileSystemNotFoundException`; `NotFoundException` unchanged.
pub fn with_exception_suffix(name: &str) -> String {
    if name.ends_with("Exception") {
        name.to_string()
    } else {
        format!("{name}Exception")
    }
}

/// The throttling codes of the SDKs' standard retry mode.
fn is_throttling(code: &str) -> bool {
    matches!(
        code,
        "Throttling"
            | "ThrottlingException"
            | "ThrottledException"
            | "RequestThrottledException"
            | "TooManyRequestsException"
            | "ProvisionedThroughputExceededException"
            | "TransactionInProgressException"
            | "RequestLimitExceeded"
            | "BandwidthLimitExceeded"
            | "LimitExceededException"
            | "RequestThrottled"
            | "SlowDown"
            | "PriorRequestNotComplete"
            | "EC2ThrottledException"
    )
}
