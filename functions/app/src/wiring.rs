//! Each function's dependencies, built from its configuration and the SDK's: the one place that knows which
//! adapter each use case runs on in a deployment (DynamoDB checkpoints, the S3 reader that holds a small object,
//! CloudWatch Logs with the groups elbship creates). The tests build the same structures on stand-ins.

use crate::object::ObjectDeps;
use crate::plan::PlanDeps;
use crate::ship::ShipDeps;
use crate::start::StartDeps;
use crate::verify::VerifyDeps;
use aws_config::SdkConfig;
use elbship_aws::checkpoints::dynamo::DynamoCheckpoints;
use elbship_aws::clients;
use elbship_aws::config::Config;
use elbship_aws::error::ElbshipError;
use elbship_aws::logs::{LogSink, LogSinks};
use elbship_aws::s3::Objects;
use elbship_core::orchestration::destination::DestinationMode;

/// The checkpoint store of a deployment.
pub type Checkpoints = DynamoCheckpoints;

fn checkpoints(config: &Config, sdk: &SdkConfig) -> Result<Checkpoints, ElbshipError> {
    Ok(DynamoCheckpoints::new(clients::dynamodb(sdk), config.require_checkpoint_table()?))
}

/// The sinks of every destination the configuration may name, from elbship's own account and Region (its Region
/// is the SDK's: the configuration's home gets it here, so a `central` destination is the home one).
fn sinks(config: &mut Config, sdk: &SdkConfig) -> LogSinks {
    if let Some(region) = sdk.region() {
        config.destinations.home.region = region.to_string();
    }
    let home = config.destinations.home.clone();
    match config.destinations.mode {
        DestinationMode::Central => LogSinks::home(home, LogSink::new(clients::logs(sdk), config.new_groups())),
        _ => LogSinks::new(home, sdk.clone(), config.destination_role.clone(), config.new_groups()),
    }
}

/// The start function's.
pub fn start(config: &Config, sdk: &SdkConfig) -> Result<StartDeps, ElbshipError> {
    Ok(StartDeps {
        sfn: clients::sfn(sdk),
        routes: crate::start::Routes {
            standard: config.require_state_machine()?.to_string(),
            express: config.express_state_machine_arn.clone(),
            express_max_bytes: config.express_max_bytes,
        },
        destinations: config.destinations.clone(),
    })
}

/// The plan function's.
pub fn plan(mut config: Config, sdk: &SdkConfig) -> Result<PlanDeps<Checkpoints>, ElbshipError> {
    Ok(PlanDeps {
        objects: Objects::new(clients::s3(sdk)),
        logs: sinks(&mut config, sdk),
        checkpoints: checkpoints(&config, sdk)?,
        config,
        lease: None,
    })
}

/// The ship function's.
pub fn ship(config: &Config, sdk: &SdkConfig) -> Result<ShipDeps<Checkpoints>, ElbshipError> {
    Ok(ShipDeps {
        objects: Objects::new(clients::s3(sdk)),
        logs: sinks(&mut config.clone(), sdk),
        checkpoints: checkpoints(config, sdk)?,
        send: config.send_policy(),
    })
}

/// The verify function's.
pub fn verify(config: &Config, sdk: &SdkConfig) -> Result<VerifyDeps<Checkpoints>, ElbshipError> {
    Ok(VerifyDeps { objects: Objects::new(clients::s3(sdk)), checkpoints: checkpoints(config, sdk)? })
}

/// The object function's: one GET per object (plan reads it whole, ship and verify from memory).
pub fn object(mut config: Config, sdk: &SdkConfig) -> Result<ObjectDeps<Checkpoints>, ElbshipError> {
    let checkpoints = checkpoints(&config, sdk)?;
    let objects = Objects::holding_small(clients::s3(sdk), config.express_max_bytes);
    let logs = sinks(&mut config, sdk);
    Ok(ObjectDeps {
        ship: ShipDeps {
            objects: objects.clone(),
            logs: logs.clone(),
            checkpoints: checkpoints.clone(),
            send: config.send_policy(),
        },
        verify: VerifyDeps { objects: objects.clone(), checkpoints: checkpoints.clone() },
        sfn: clients::sfn(sdk),
        standard_arn: config.require_state_machine()?.to_string(),
        plan: PlanDeps { objects, logs, config, checkpoints, lease: None },
    })
}
