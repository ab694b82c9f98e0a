//! Task `Resource` strings: which kinds flow knows, and their shape.
//!
//! - `arn:aws:states:::aws-sdk:<service>:<action>`: an AWS SDK call. Only the shape is checked
//!   here; whether the service and action exist is for a [`crate::ResourceValidator`] that
//!   knows the SDK.
//! - `arn:aws:states:::<service>:<action>`: an optimized integration, accepted when AWS
//!   documents it (AWS rejects unknown ones, e.g. `dynamodb:query`).
//! - `arn:aws:lambda:<region>:<account>:function:<name>`: a Lambda function, as AWS accepts.
//! - `flow:<name>`: a local resource of flow, `<name>` matching `[a-z][a-z0-9-]*`.
//!
//! `.sync` and `.waitForTaskToken` need a callback channel into a running execution, which flow
//! does not have, and activities need workers polling flow; both are reported as unsupported.

/// What a well-formed Resource names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceKind<'a> {
    AwsSdk { service: &'a str, action: &'a str },
    Integration { service: &'a str, action: &'a str },
    Lambda,
    Local { name: &'a str },
}

/// Optimized integrations AWS documents for Step Functions, by service.
const INTEGRATIONS: &[(&str, &[&str])] = &[
    ("lambda", &["invoke"]),
    (
        "dynamodb",
        &["getItem", "putItem", "updateItem", "deleteItem"],
    ),
    ("sns", &["publish"]),
    ("sqs", &["sendMessage"]),
    ("states", &["startExecution"]),
    ("ecs", &["runTask"]),
    ("batch", &["submitJob"]),
    ("glue", &["startJobRun"]),
    (
        "athena",
        &[
            "startQueryExecution",
            "stopQueryExecution",
            "getQueryExecution",
            "getQueryResults",
        ],
    ),
    ("events", &["putEvents"]),
    ("apigateway", &["invoke"]),
    ("http", &["invoke"]),
    (
        "codebuild",
        &[
            "startBuild",
            "stopBuild",
            "batchDeleteBuilds",
            "batchGetReports",
            "startBuildBatch",
            "stopBuildBatch",
            "retryBuildBatch",
            "deleteBuildBatch",
            "retryBuild",
        ],
    ),
    (
        "eks",
        &[
            "createCluster",
            "deleteCluster",
            "createFargateProfile",
            "deleteFargateProfile",
            "createNodegroup",
            "deleteNodegroup",
            "runJob",
            "call",
        ],
    ),
    (
        "elasticmapreduce",
        &[
            "createCluster",
            "terminateCluster",
            "addStep",
            "cancelStep",
            "setClusterTerminationProtection",
            "modifyInstanceFleetByName",
            "modifyInstanceGroupByName",
        ],
    ),
    (
        "emr-containers",
        &[
            "startJobRun",
            "createVirtualCluster",
            "deleteVirtualCluster",
        ],
    ),
    (
        "emr-serverless",
        &[
            "createApplication",
            "startApplication",
            "stopApplication",
            "deleteApplication",
            "startJobRun",
            "cancelJobRun",
        ],
    ),
    (
        "sagemaker",
        &[
            "createEndpoint",
            "createEndpointConfig",
            "createHyperParameterTuningJob",
            "createLabelingJob",
            "createModel",
            "createProcessingJob",
            "createTrainingJob",
            "createTransformJob",
            "updateEndpoint",
        ],
    ),
    ("bedrock", &["invokeModel", "createModelCustomizationJob"]),
    ("mediaconvert", &["createJob"]),
    ("databrew", &["startJobRun"]),
];

/// Classifies a Resource, or says what is wrong with it.
pub fn classify_resource(resource: &str) -> Result<ResourceKind<'_>, String> {
    if let Some(name) = resource.strip_prefix("flow:") {
        return if is_local_name(name) {
            Ok(ResourceKind::Local { name })
        } else {
            Err(format!(
                "\"{resource}\" is not a valid flow resource: the name after \"flow:\" must match [a-z][a-z0-9-]*"
            ))
        };
    }
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    if parts.len() < 6 || parts[0] != "arn" || !parts[1].starts_with("aws") {
        return Err(format!(
            "\"{resource}\" is not a valid resource: expected an \"arn:aws:...\" ARN or \"flow:<name>\""
        ));
    }
    let (service, region, account, rest) = (parts[2], parts[3], parts[4], parts[5]);
    match service {
        "states" if region.is_empty() && account.is_empty() => integration(resource, rest),
        "states" if rest.starts_with("activity:") => {
            Err("activities are not supported by flow: nothing polls for their tasks".into())
        }
        "lambda" if rest.starts_with("function:") && rest.len() > "function:".len() => {
            Ok(ResourceKind::Lambda)
        }
        _ => Err(format!(
            "the resource \"{resource}\" is not recognized: not a Step Functions integration or Lambda function ARN"
        )),
    }
}

/// The part after `arn:aws:states:::`.
fn integration<'a>(resource: &str, rest: &'a str) -> Result<ResourceKind<'a>, String> {
    for pattern in [".waitForTaskToken", ".sync:2", ".sync"] {
        if rest.ends_with(pattern) {
            let message = format!(
                "the \"{pattern}\" integration pattern is not supported by flow: it has no task-token or job-polling channel"
            );
            return Err(message);
        }
    }
    if let Some(call) = rest.strip_prefix("aws-sdk:") {
        let mut pieces = call.splitn(2, ':');
        let service = pieces.next().unwrap_or_default();
        let action = pieces.next().unwrap_or_default();
        let service_ok = !service.is_empty()
            && service
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        let action_ok = action
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase())
            && action.bytes().all(|b| b.is_ascii_alphanumeric());
        return if service_ok && action_ok {
            Ok(ResourceKind::AwsSdk { service, action })
        } else {
            Err(format!(
                "\"{resource}\" is not a valid AWS SDK integration: expected arn:aws:states:::aws-sdk:<service>:<action> with a camelCase action"
            ))
        };
    }
    let (service, action) = rest.split_once(':').unwrap_or((rest, ""));
    let known = INTEGRATIONS
        .iter()
        .find(|(name, _)| *name == service)
        .is_some_and(|(_, actions)| actions.contains(&action));
    if known {
        Ok(ResourceKind::Integration { service, action })
    } else {
        Err(format!(
            "the resource \"{resource}\" is not recognized: not a valid resource ARN or not an integration AWS offers"
        ))
    }
}

fn is_local_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let ok = [
            "arn:aws:states:::aws-sdk:efs:createFileSystem",
            "arn:aws:states:::aws-sdk:servicediscovery:createPrivateDnsNamespace",
            "arn:aws:states:::lambda:invoke",
            "arn:aws:lambda:us-east-1:123456789012:function:f",
            "flow:command",
            "flow:https-probe",
        ];
        for resource in ok {
            assert!(classify_resource(resource).is_ok(), "{resource}");
        }
        let bad = [
            "arn:aws:states:::dynamodb:query",
            "arn:aws:states:::sns:publish.waitForTaskToken",
            "arn:aws:states:::aws-sdk:efs",
            "arn:aws:states:::aws-sdk:efs:CreateFileSystem",
            "arn:aws:states:us-east-1:1:activity:a",
            "fake:create_activity.activityArn",
            "flow:Command",
            "flow:",
        ];
        for resource in bad {
            assert!(classify_resource(resource).is_err(), "{resource}");
        }
    }
}
