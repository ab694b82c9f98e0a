//! The SDK configuration, by the AWS conventions: the default credential chain, profiles,
//! the region chain, `AWS_ENDPOINT_URL` and the per-service `AWS_ENDPOINT_URL_<SERVICE>`
//! variables (all read by `aws-config`), the `--region`/`--profile` flags on top, and the
//! SDK's retry configuration: standard mode with 3 attempts unless `AWS_RETRY_MODE`,
//! `AWS_MAX_ATTEMPTS` or the profile's `retry_mode`/`max_attempts` say otherwise (throttling,
//! 5xx and connection errors are retried there before ASL Retry sees them).

use aws_config::BehaviorVersion;
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
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
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

/// Checks the retry variables `aws-config` would otherwise panic on (it reads them lazily,
/// at the first call, and panics on `AWS_MAX_ATTEMPTS=0` or an unknown mode), so that a
/// typo is a clear error before anything runs.
pub fn check_environment() -> Result<(), String> {
    if let Ok(value) = std::env::var("AWS_MAX_ATTEMPTS") {
        match value.trim().parse::<u32>() {
            Ok(n) if n > 0 => {}
            _ => {
                return Err(format!(
                    "AWS_MAX_ATTEMPTS is \"{value}\": it must be a whole number of attempts, 1 or more"
                ));
            }
        }
    }
    if let Ok(value) = std::env::var("AWS_RETRY_MODE") {
        if !matches!(
            value.trim().to_ascii_lowercase().as_str(),
            "standard" | "adaptive"
        ) {
            return Err(format!(
                "AWS_RETRY_MODE is \"{value}\": it must be \"standard\" or \"adaptive\""
            ));
        }
    }
    Ok(())
}
