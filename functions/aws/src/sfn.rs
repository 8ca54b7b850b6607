//! Starting one execution per object, idempotently: the execution name comes from bucket, key and ETag, and
//! its input is the object alone, so a duplicated event or a second `elbship ship` starts nothing new.

use crate::error::{Cause, ElbshipError};
use crate::fault::{self, describe};
use aws_sdk_sfn::error::{ProvideErrorMetadata, SdkError};
use elbship_core::formats::key::{classify_key, KeyClass};
use elbship_core::orchestration::destination::Refusal;
use elbship_core::orchestration::job::{ObjectRef, PlanInput, ShipOptions};
use elbship_core::orchestration::naming::{attempt_name, execution_name};
use serde::Serialize;
use serde_json::Value;

/// What starting an object did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum StartOutcome {
    /// A new execution.
    Started {
        /// The object.
        key: String,
        /// Its execution.
        execution_arn: String,
    },
    /// The execution existed already (running or closed): the object is, or was, being shipped.
    AlreadyStarted {
        /// The object.
        key: String,
        /// Its execution.
        execution_arn: String,
    },
    /// An ELB log written nowhere (`AccountNotAllowed`, `KeyMismatch`): counted, and alarmed on.
    Refused {
        /// The object.
        key: String,
        /// The refusal's name.
        refusal: String,
        /// Why.
        reason: String,
    },
    /// Not a log: nothing to ship.
    Skipped {
        /// The object.
        key: String,
        /// Why.
        reason: String,
    },
}

impl StartOutcome {
    /// `key` refused, by name.
    pub fn refused(key: &str, refusal: &Refusal) -> StartOutcome {
        StartOutcome::Refused { key: key.to_string(), refusal: refusal.name().to_string(), reason: refusal.to_string() }
    }
}

/// One execution as Step Functions describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Execution {
    /// Its ARN.
    pub arn: String,
    /// RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED.
    pub status: String,
    /// When it started, epoch ms.
    pub start_ms: i64,
    /// When it ended.
    pub stop_ms: Option<i64>,
    /// Its input (the object).
    pub input: Option<Value>,
    /// Its output (the verified summary, or the Express outcome).
    pub output: Option<Value>,
    /// Its error name.
    pub error: Option<String>,
    /// Its cause.
    pub cause: Option<String>,
    /// `standard` or `express`.
    pub route: String,
}

/// The ARN of the execution `name` of a state machine.
pub fn execution_arn(state_machine_arn: &str, name: &str) -> String {
    format!("{}:{name}", state_machine_arn.replacen(":stateMachine:", ":execution:", 1))
}

/// Most attempts `--retry-failed` makes at one object.
pub const MAX_ATTEMPTS: u32 = 100;

/// Finishes an object whose execution failed: finds its latest attempt (`name`, `name-r1`, ...) and, when that
/// one failed, timed out or was aborted, starts the next, which resumes every span from its checkpoint. A
/// running or succeeded attempt is left alone (`AlreadyStarted`); an object never started is started.
pub async fn retry_failed(
    client: &aws_sdk_sfn::Client,
    state_machine_arn: &str,
    object: &ObjectRef,
    options: ShipOptions,
) -> Result<StartOutcome, ElbshipError> {
    let KeyClass::Log(log) = classify_key(&object.key) else {
        return start_object(client, state_machine_arn, object, options).await;
    };
    for attempt in 0..MAX_ATTEMPTS {
        let name = attempt_name(&object.bucket, &object.key, &object.etag, &log, attempt);
        let arn = execution_arn(state_machine_arn, &name);
        match client.describe_execution().execution_arn(&arn).send().await {
            Ok(d) if matches!(d.status().as_str(), "FAILED" | "TIMED_OUT" | "ABORTED") => continue,
            Ok(_) => return Ok(StartOutcome::AlreadyStarted { key: object.key.clone(), execution_arn: arn }),
            Err(e) if e.code() == Some("ExecutionDoesNotExist") => {
                return start_named(client, state_machine_arn, object, options, &name).await
            }
            Err(e) => return Err(sfn_error("DescribeExecution", &name, e)),
        }
    }
    Err(ElbshipError::StepFunctionsRefused(
        format!("{}: {MAX_ATTEMPTS} attempts failed; not trying again", object.key).into(),
    ))
}

/// A failed call as elbship's error: transient failures are retryable (`StepFunctionsUnavailable`), the rest
/// (access denied, a bad name or input, a state machine that does not exist) refused.
fn sfn_error<E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(
    what: &str,
    name: &str,
    e: SdkError<E, aws_sdk_sfn::config::http::HttpResponse>,
) -> ElbshipError {
    let (detail, transient) = (describe(&e, &format!("{what} {name}")), fault::classify(&e).transient());
    let cause = Cause::with_source(detail, e);
    if transient {
        ElbshipError::StepFunctions(cause)
    } else {
        ElbshipError::StepFunctionsRefused(cause)
    }
}

/// Starts the state machine for one object, unless it is not a log.
pub async fn start_object(
    client: &aws_sdk_sfn::Client,
    state_machine_arn: &str,
    object: &ObjectRef,
    options: ShipOptions,
) -> Result<StartOutcome, ElbshipError> {
    let log = match classify_key(&object.key) {
        KeyClass::Log(log) => log,
        KeyClass::TestFile { .. } => {
            return Ok(StartOutcome::Skipped {
                key: object.key.clone(),
                reason: "the ELB test file that enabling access logging writes".into(),
            })
        }
        KeyClass::NotALog { reason } => return Ok(StartOutcome::Skipped { key: object.key.clone(), reason }),
        KeyClass::Mismatch { reason } => return Ok(StartOutcome::refused(&object.key, &Refusal::KeyMismatch(reason))),
    };
    let name = execution_name(&object.bucket, &object.key, &object.etag, &log);
    start_named(client, state_machine_arn, object, options, &name).await
}

async fn start_named(
    client: &aws_sdk_sfn::Client,
    state_machine_arn: &str,
    object: &ObjectRef,
    options: ShipOptions,
    name: &str,
) -> Result<StartOutcome, ElbshipError> {
    let input = PlanInput { object: object.clone(), options };
    let input =
        serde_json::to_string(&input).map_err(|e| ElbshipError::Internal(format!("the execution's input: {e}")))?;
    let arn = execution_arn(state_machine_arn, name);
    match client.start_execution().state_machine_arn(state_machine_arn).name(name).input(input).send().await {
        Ok(out) => {
            Ok(StartOutcome::Started { key: object.key.clone(), execution_arn: out.execution_arn().to_string() })
        }
        Err(e) if e.code() == Some("ExecutionAlreadyExists") => {
            Ok(StartOutcome::AlreadyStarted { key: object.key.clone(), execution_arn: arn })
        }
        Err(e) => Err(sfn_error("StartExecution", name, e)),
    }
}

/// The executions of a state machine started at or after `since_ms`, newest first, each described (input,
/// output, error, cause). `route` labels them (`standard`, `express`).
pub async fn recent_executions(
    client: &aws_sdk_sfn::Client,
    state_machine_arn: &str,
    since_ms: i64,
    route: &str,
) -> Result<Vec<Execution>, ElbshipError> {
    let ms = |d: &aws_smithy_types::DateTime| d.to_millis().unwrap_or(0);
    let mut arns = Vec::new();
    let mut token = None;
    'pages: loop {
        let page = client
            .list_executions()
            .state_machine_arn(state_machine_arn)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| sfn_error("ListExecutions", state_machine_arn, e))?;
        for e in page.executions() {
            if ms(e.start_date()) < since_ms {
                break 'pages;
            }
            arns.push(e.execution_arn().to_string());
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let mut out = Vec::with_capacity(arns.len());
    for arn in arns {
        let d = client
            .describe_execution()
            .execution_arn(&arn)
            .send()
            .await
            .map_err(|e| sfn_error("DescribeExecution", &arn, e))?;
        let json = |s: Option<&str>| s.and_then(|s| serde_json::from_str(s).ok());
        out.push(Execution {
            arn,
            status: d.status().as_str().to_string(),
            start_ms: ms(d.start_date()),
            stop_ms: d.stop_date().map(ms),
            input: json(d.input()),
            output: json(d.output()),
            error: d.error().map(str::to_string),
            cause: d.cause().map(str::to_string),
            route: route.to_string(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execution_arns() {
        assert_eq!(
            execution_arn("arn:aws:states:us-east-1:123456789012:stateMachine:elbship", "n"),
            "arn:aws:states:us-east-1:123456789012:execution:elbship:n"
        );
    }
}
