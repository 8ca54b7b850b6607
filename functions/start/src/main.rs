//! Lambda entry point of the start function; see the library for what it does.

use elbship_aws::{clients, config::Config};
use elbship_start::Routes;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let routes = Routes {
        standard: config.require_state_machine()?.to_string(),
        express: config.express_state_machine_arn.clone(),
        express_max_bytes: config.express_max_bytes,
    };
    let sfn = clients::sfn(&clients::load().await);
    run(service_fn(|event: LambdaEvent<Value>| {
        let (sfn, routes) = (&sfn, &routes);
        async move { elbship_start::handle(&event.payload, sfn, routes).await }
    }))
    .await
}
