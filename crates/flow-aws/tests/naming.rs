//! Step Functions member naming, resource parsing and error naming.

use flow_aws::errors::{error_name, with_exception_suffix};
use flow_aws::naming::{action_name, bean_name, operation_name};
use flow_aws::resource::{ResourceError, Service, parse};

#[test]
fn member_names_follow_java_bean_naming() {
    // ECS containerDefinitions[].portMappings[].containerPort
    assert_eq!(bean_name("containerDefinitions"), "ContainerDefinitions");
    assert_eq!(bean_name("portMappings"), "PortMappings");
    assert_eq!(bean_name("containerPort"), "ContainerPort");
    // Route53 VPC.VPCId, AliasTarget.DNSName
    assert_eq!(bean_name("VPC"), "Vpc");
    assert_eq!(bean_name("VPCId"), "VpcId");
    assert_eq!(bean_name("DNSName"), "DnsName");
    // Cloud Map TTL
    assert_eq!(bean_name("TTL"), "Ttl");
    // Only the leading acronym is lowered.
    assert_eq!(bean_name("ClusterARN"), "ClusterARN");
    assert_eq!(bean_name("CertificateArn"), "CertificateArn");
    assert_eq!(bean_name("Ipv6CidrBlock"), "Ipv6CidrBlock");
    assert_eq!(bean_name("IPAddress"), "IpAddress");
    assert_eq!(bean_name("equals"), "EqualsValue");
    assert_eq!(bean_name("A"), "A");
}

#[test]
fn actions_and_operations() {
    assert_eq!(operation_name("importCertificate"), "ImportCertificate");
    assert_eq!(
        action_name("AssociateVPCWithHostedZone"),
        "associateVPCWithHostedZone"
    );
}

#[test]
fn resources_parse() {
    let parsed = parse("arn:aws:states:::aws-sdk:acm:importCertificate").unwrap();
    assert_eq!(parsed.service, Service::Acm);
    assert_eq!(parsed.action, "importCertificate");
    let parsed =
        parse("arn:aws:states:::aws-sdk:elasticloadbalancingv2:createLoadBalancer").unwrap();
    assert_eq!(parsed.service, Service::ElasticLoadBalancingV2);
    assert_eq!(
        parse("arn:aws:states:::lambda:invoke"),
        Err(ResourceError::NotSdk)
    );
    assert_eq!(
        parse("arn:aws:states:::aws-sdk:acm"),
        Err(ResourceError::MissingAction)
    );
    assert!(matches!(
        parse("arn:aws:states:::aws-sdk:ecs:runTask.sync"),
        Err(ResourceError::IntegrationPattern { .. })
    ));
    let unknown = parse("arn:aws:states:::aws-sdk:acmm:importCertificate").unwrap_err();
    assert_eq!(unknown.hint(), Some("acm"));
}

#[test]
fn errors_are_named_like_step_functions() {
    assert_eq!(
        error_name(Service::Efs, Some("FileSystemNotFound")),
        "Efs.FileSystemNotFoundException"
    );
    assert_eq!(
        error_name(Service::Acm, Some("ResourceNotFoundException")),
        "Acm.ResourceNotFoundException"
    );
    assert_eq!(
        error_name(Service::Ecs, Some("ClusterNotFoundException")),
        "Ecs.ClusterNotFoundException"
    );
    assert_eq!(
        error_name(
            Service::ElasticLoadBalancingV2,
            Some("LoadBalancerNotFound")
        ),
        "ElasticLoadBalancingV2.LoadBalancerNotFoundException"
    );
    assert_eq!(
        error_name(Service::Route53, Some("NoSuchHostedZone")),
        "Route53.NoSuchHostedZoneException"
    );
    assert_eq!(
        error_name(Service::AppMesh, Some("NotFoundException")),
        "AppMesh.NotFoundException"
    );
    assert_eq!(
        error_name(Service::ServiceDiscovery, Some("ServiceNotFound")),
        "ServiceDiscovery.ServiceNotFoundException"
    );
    // EC2 models no errors: the Java SDK's base exception.
    assert_eq!(
        error_name(Service::Ec2, Some("InvalidVpcID.NotFound")),
        "Ec2.Ec2Exception"
    );
    assert_eq!(
        error_name(Service::Efs, Some("SomethingUnmodeled")),
        "Efs.EfsException"
    );
    assert_eq!(
        with_exception_suffix("BucketAlreadyExists"),
        "BucketAlreadyExistsException"
    );
}
