//! `arn:aws:states:::aws-sdk:<service>:<action>`: which service and which action a Task calls.

use std::fmt;

use crate::naming;

/// The prefix of every resource this crate serves.
pub const PREFIX: &str = "arn:aws:states:::aws-sdk:";

/// A service this handler can call, named as Step Functions names it in resources (`acm`,
/// `elasticloadbalancingv2`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    Acm,
    Efs,
    Route53,
    ElasticLoadBalancingV2,
    Ecs,
    AppMesh,
    ServiceDiscovery,
    Ec2,
}

impl Service {
    pub const ALL: [Service; 8] = [
        Service::Acm,
        Service::Efs,
        Service::Route53,
        Service::ElasticLoadBalancingV2,
        Service::Ecs,
        Service::AppMesh,
        Service::ServiceDiscovery,
        Service::Ec2,
    ];

    /// The name in `arn:aws:states:::aws-sdk:<name>:<action>`.
    pub fn resource_name(self) -> &'static str {
        match self {
            Service::Acm => "acm",
            Service::Efs => "efs",
            Service::Route53 => "route53",
            Service::ElasticLoadBalancingV2 => "elasticloadbalancingv2",
            Service::Ecs => "ecs",
            Service::AppMesh => "appmesh",
            Service::ServiceDiscovery => "servicediscovery",
            Service::Ec2 => "ec2",
        }
    }

    /// The prefix of error names (`Efs.FileSystemNotFoundException`): the service's name in
    /// the AWS SDK for Java 2.x (`EfsClient`, `ElasticLoadBalancingV2Client`, ...), which is
    /// what Step Functions reports.
    pub fn error_prefix(self) -> &'static str {
        match self {
            Service::Acm => "Acm",
            Service::Efs => "Efs",
            Service::Route53 => "Route53",
            Service::ElasticLoadBalancingV2 => "ElasticLoadBalancingV2",
            Service::Ecs => "Ecs",
            Service::AppMesh => "AppMesh",
            Service::ServiceDiscovery => "ServiceDiscovery",
            Service::Ec2 => "Ec2",
        }
    }

    pub fn from_resource_name(name: &str) -> Option<Service> {
        Service::ALL
            .into_iter()
            .find(|service| service.resource_name() == name)
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.resource_name())
    }
}

/// A parsed `aws-sdk:` resource. The action is kept as written (camelCase); whether the
/// service has it is the registry's question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdkResource {
    pub service: Service,
    pub action: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResourceError {
    #[error("not an aws-sdk resource (expected `{PREFIX}<service>:<action>`)")]
    NotSdk,
    #[error("unknown aws-sdk service `{name}`")]
    UnknownService { name: String, hint: Option<String> },
    #[error("missing action: expected `{PREFIX}<service>:<action>`")]
    MissingAction,
    #[error("the integration pattern `.{pattern}` is not supported for aws-sdk tasks")]
    IntegrationPattern { pattern: String },
}

impl ResourceError {
    pub fn hint(&self) -> Option<&str> {
        match self {
            ResourceError::UnknownService { hint, .. } => hint.as_deref(),
            _ => None,
        }
    }
}

/// Parses `arn:aws:states:::aws-sdk:<service>:<action>`.
pub fn parse(resource: &str) -> Result<SdkResource, ResourceError> {
    let rest = resource.strip_prefix(PREFIX).ok_or(ResourceError::NotSdk)?;
    let (service_name, action) = rest.split_once(':').ok_or(ResourceError::MissingAction)?;
    let service =
        Service::from_resource_name(service_name).ok_or_else(|| ResourceError::UnknownService {
            name: service_name.to_string(),
            hint: naming::did_you_mean(service_name, Service::ALL.map(Service::resource_name)),
        })?;
    // Step Functions allows `.sync`/`.waitForTaskToken` suffixes on some integrations; the
    // aws-sdk ones support neither.
    if let Some((_, pattern)) = action.split_once('.') {
        return Err(ResourceError::IntegrationPattern {
            pattern: pattern.to_string(),
        });
    }
    if action.is_empty() {
        return Err(ResourceError::MissingAction);
    }
    Ok(SdkResource {
        service,
        action: action.to_string(),
    })
}
