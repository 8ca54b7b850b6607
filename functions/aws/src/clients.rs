//! SDK clients, built once per function from the standard AWS configuration (profile, Region,
//! `AWS_ENDPOINT_URL`). With an endpoint override (the local stand-ins), S3 uses path-style addressing.

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use std::time::Duration;

/// Attempts per CloudWatch Logs control-plane call (CreateLogGroup, ...); PutLogEvents retries in
/// [`crate::logs`], under elbship's own policy.
pub const LOGS_MAX_ATTEMPTS: u32 = 8;

/// Attempts per Step Functions call. StartExecution's quota is a token bucket (800 at once, 150 per second after,
/// for Standard): a burst past it is ridden out within the start function's 1-minute timeout (backoff ceilings of
/// 0.5, 1, 2, 4, 8, 10 and 10 s: at most 35.5 s of waiting), then by Lambda's asynchronous retries (2, about one and
/// two minutes later), then the on-failure queue.
pub const SFN_MAX_ATTEMPTS: u32 = 8;

/// Attempts per S3 call: 503 SlowDown and 5xx are retried with exponential backoff and jitter.
pub const S3_MAX_ATTEMPTS: u32 = 6;

/// Loads the standard configuration.
pub async fn load() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

/// An S3 client.
pub fn s3(config: &SdkConfig) -> aws_sdk_s3::Client {
    let retry = RetryConfig::standard()
        .with_max_attempts(S3_MAX_ATTEMPTS)
        .with_initial_backoff(Duration::from_millis(200))
        .with_max_backoff(Duration::from_secs(5));
    let builder =
        aws_sdk_s3::config::Builder::from(config).force_path_style(config.endpoint_url().is_some()).retry_config(retry);
    aws_sdk_s3::Client::from_conf(builder.build())
}

/// A CloudWatch Logs client that retries throttling and server errors [`LOGS_MAX_ATTEMPTS`] times.
pub fn logs(config: &SdkConfig) -> aws_sdk_cloudwatchlogs::Client {
    logs_with(aws_sdk_cloudwatchlogs::config::Builder::from(config))
}

/// A CloudWatch Logs client from `builder` (another Region, another account's credentials), retried as [`logs`].
pub fn logs_with(builder: aws_sdk_cloudwatchlogs::config::Builder) -> aws_sdk_cloudwatchlogs::Client {
    let retry = RetryConfig::standard()
        .with_max_attempts(LOGS_MAX_ATTEMPTS)
        .with_initial_backoff(Duration::from_millis(200))
        .with_max_backoff(Duration::from_secs(10));
    aws_sdk_cloudwatchlogs::Client::from_conf(builder.retry_config(retry).build())
}

/// A DynamoDB client (the checkpoint store).
pub fn dynamodb(config: &SdkConfig) -> aws_sdk_dynamodb::Client {
    let retry = RetryConfig::standard().with_max_attempts(6).with_max_backoff(Duration::from_secs(5));
    aws_sdk_dynamodb::Client::from_conf(aws_sdk_dynamodb::config::Builder::from(config).retry_config(retry).build())
}

/// A Step Functions client.
pub fn sfn(config: &SdkConfig) -> aws_sdk_sfn::Client {
    let retry = RetryConfig::standard()
        .with_max_attempts(SFN_MAX_ATTEMPTS)
        .with_initial_backoff(Duration::from_millis(500))
        .with_max_backoff(Duration::from_secs(10));
    aws_sdk_sfn::Client::from_conf(aws_sdk_sfn::config::Builder::from(config).retry_config(retry).build())
}
