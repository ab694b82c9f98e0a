//! flow extension: `Compensate` on a Task, the undo of that step.
//!
//! ```json
//! "CreateVolume": {
//!   "Type": "Task",
//!   "Resource": "arn:aws:states:::aws-sdk:efs:createFileSystem",
//!   "Parameters": {"CreationToken.$": "$$.Execution.Name"},
//!   "Compensate": {
//!     "Resource": "arn:aws:states:::aws-sdk:efs:deleteFileSystem",
//!     "Parameters": {"FileSystemId.$": "$.Result.FileSystemId"},
//!     "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 5}],
//!     "TimeoutSeconds": 300
//!   },
//!   "End": true
//! }
//! ```
//!
//! `Resource` (required) is checked like a Task's; `Parameters` is a template evaluated by
//! `flow rollback` against `{"Input": <state input>, "Parameters": <parameters sent>,
//! "Result": <raw task result>}` and may hold secret references; `Retry` takes the Task's
//! retry rules; `TimeoutSeconds`/`TimeoutSecondsPath` bound each attempt. There is no Catch,
//! Next or data-flow path: a compensation's result is recorded, never passed on.
//!
//! `Lookup` (optional, `{"Resource", "Parameters"}`) is a read-only call made before the
//! compensation, for an undo that needs an id the step's result does not carry: its
//! Parameters see the same document, and its result is added to it as `Lookup`. A "not
//! found" answer means there is nothing to undo. Cloud Map's asynchronous creates are the
//! case in point: the create answers with an operation id, the delete wants the namespace's:
//!
//! ```json
//! "Compensate": {
//!   "Lookup": {"Resource": "arn:aws:states:::aws-sdk:servicediscovery:getOperation",
//!              "Parameters": {"OperationId.$": "$.Result.OperationId"}},
//!   "Resource": "arn:aws:states:::aws-sdk:servicediscovery:deleteNamespace",
//!   "Parameters": {"Id.$": "$.Lookup.Operation.Targets.NAMESPACE"}
//! }
//! ```

use super::fields::{Object, Parser};
use super::retry;
use super::states::seconds_or_path;
use super::task::resource_field;
use crate::model::{Compensation, CompensationLookup};

pub fn compensation(parser: &mut Parser, state: Object) -> Option<Compensation> {
    let value = state.get("Compensate")?;
    let pointer = state.pointer_of("Compensate");
    let object = parser.object(value, &pointer, "\"Compensate\"")?;
    let fields = [
        "Resource",
        "Parameters",
        "Retry",
        "TimeoutSeconds",
        "TimeoutSecondsPath",
        "Lookup",
        "Comment",
    ];
    parser.check_fields(object, &fields, None);
    Some(Compensation {
        resource: resource_field(parser, object),
        parameters: parser.template_with_secrets(object, "Parameters", false, true),
        retry: retry::retriers(parser, object),
        timeout: seconds_or_path(parser, object, "TimeoutSeconds", 1),
        lookup: lookup(parser, object),
    })
}

fn lookup(parser: &mut Parser, compensation: Object) -> Option<CompensationLookup> {
    let value = compensation.get("Lookup")?;
    let pointer = compensation.pointer_of("Lookup");
    let object = parser.object(value, &pointer, "\"Lookup\"")?;
    parser.check_fields(object, &["Resource", "Parameters", "Comment"], None);
    Some(CompensationLookup {
        resource: resource_field(parser, object),
        parameters: parser.template_with_secrets(object, "Parameters", false, true),
    })
}
