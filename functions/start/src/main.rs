//! Lambda entry point of the start function; see the library for what it does.

use elbship_aws::{clients, config::Config, error::ElbshipError};
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let arn =
        config.state_machine_arn.ok_or_else(|| ElbshipError::Config("ELBSHIP_STATE_MACHINE_ARN is required".into()))?;
    let sfn = clients::sfn(&clients::load().await);
    run(service_fn(|event: LambdaEvent<Value>| {
        let (sfn, arn) = (&sfn, &arn);
        async move { elbship_start::handle(&event.payload, sfn, arn).await }
    }))
    .await
}
