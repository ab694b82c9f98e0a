//! The SDK configuration, by the AWS conventions: the default credential chain, profiles,
//! the region chain, `AWS_ENDPOINT_URL` and the per-service `AWS_ENDPOINT_URL_<SERVICE>`
//! variables (all read by `aws-config`), the `--region`/`--profile` flags on top, and the
//! SDK's standard retry mode (throttling and 5xx are retried before ASL Retry sees them).

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_types::SdkConfig;
use aws_types::region::Region;

/// What the command line may set; everything else comes from the environment and the
/// shared config files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsOptions {
    /// `--region`: wins over `AWS_REGION` and the profile's region.
    pub region: Option<String>,
    /// `--profile`: wins over `AWS_PROFILE`.
    pub profile: Option<String>,
    /// An endpoint for every service, as `AWS_ENDPOINT_URL` would set (tests use it to reach
    /// the emulator without touching the process environment).
    pub endpoint_url: Option<String>,
}

/// Loads the configuration once per process.
pub async fn load(options: &AwsOptions) -> SdkConfig {
    let mut loader =
        aws_config::defaults(BehaviorVersion::latest()).retry_config(RetryConfig::standard());
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &options.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(endpoint) = &options.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    loader.load().await
}
