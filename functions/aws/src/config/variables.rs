//! Every variable the functions read, declared once: its default, what it means, and which functions read it.
//! The configuration table in `docs/configuration.md` and the CDK app's `cdk/lib/configuration.json` are generated
//! from this list (`cargo run -p elbship-xtask -- docs`; a test fails when either is stale), and the CDK app gives
//! each function only the variables it reads. Defaults stay here: the CDK app sets a variable only when it wires
//! a resource into it or an operator chose a value.

/// A function elbship deploys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// Starts executions from S3 events.
    Start,
    /// Plans an object's spans.
    Plan,
    /// Ships one span.
    Ship,
    /// Verifies an object's ledger.
    Verify,
    /// Ships a small object in one call, a backfill's batches and its summary.
    Object,
}

impl Function {
    /// Its name in the CDK app (and in `cdk/lib/configuration.json`).
    pub fn as_str(self) -> &'static str {
        match self {
            Function::Start => "start",
            Function::Plan => "plan",
            Function::Ship => "ship",
            Function::Verify => "verify",
            Function::Object => "object",
        }
    }
}

/// Who gives a variable its value in a deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetBy {
    /// The CDK app, with a resource it creates (a bucket, a table, a state machine).
    Wiring,
    /// The operator, through a CDK option; unset, the default below applies.
    Operator,
}

/// One environment variable of the functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variable {
    /// Its name.
    pub name: &'static str,
    /// Its default (`None`: unset means none, or the function needs it and fails at start without it).
    pub default: Option<&'static str>,
    /// What it means.
    pub meaning: &'static str,
    /// The functions that read it.
    pub read_by: &'static [Function],
    /// Who sets it.
    pub set_by: SetBy,
}

use Function::{Object, Plan, Ship, Start, Verify};

const PLANNING: &[Function] = &[Plan, Object];
const ADMITTING: &[Function] = &[Start, Plan, Object];
const CREATING_GROUPS: &[Function] = &[Plan, Ship, Object];

/// Every variable, in the order the docs list them.
pub const VARIABLES: [Variable; 22] = [
    Variable {
        name: "ELBSHIP_LOG_GROUP_TEMPLATE",
        default: Some("/elbship/{account}/{region}/{lb_type}/{lb_name}"),
        meaning: "the log group each object's lines go to: one per load balancer",
        read_by: PLANNING,
        set_by: SetBy::Operator,
    },
    Variable {
        name: "ELBSHIP_LOG_STREAM_TEMPLATE",
        default: Some("{kind}/{date}"),
        meaning: "the log stream: one per kind of log and delivery day",
        read_by: PLANNING,
        set_by: SetBy::Operator,
    },
    Variable {
        name: "ELBSHIP_MESSAGE_MODE",
        default: Some("raw"),
        meaning: "`raw` (the line) or `json` (the structured form)",
        read_by: PLANNING,
        set_by: SetBy::Operator,
    },
    Variable {
        name: "ELBSHIP_OLD_EVENT_POLICY",
        default: Some("reject"),
        meaning: "lines older than CloudWatch Logs takes: `reject` (counted) or `restamp` (sent at the run's time)",
        read_by: PLANNING,
        set_by: SetBy::Operator,
    },
    Variable {
        name: "ELBSHIP_SPAN_SIZE",
        default: Some("128MiB"),
        meaning: "uncompressed bytes per span (one ship worker each)",
        read_by: PLANNING,
        set_by: SetBy::Operator,
    },
    Variable {
        name: "ELBSHIP_SEND_CONCURRENCY",
        default: Some("8"),
        meaning: "concurrent PutLogEvents calls per span (1-64)",
        read_by: PLANNING,
        set_by: SetBy::Operator,
    },
    Variable {
        name: "ELBSHIP_MAP_CONCURRENCY",
        default: Some("10"),
        meaning: "spans shipped at once (the Map's MaxConcurrency, 1-40)",
        read_by: PLANNING,
        set_by: SetBy::Operator,
    },
    Variable {
        name: "ELBSHIP_STAGING_BUCKET",
        default: None,
        meaning: "where gzip span indexes are kept until verify removes them",
        read_by: PLANNING,
        set_by: SetBy::Wiring,
    },
    Variable {
        name: "ELBSHIP_STAGING_PREFIX",
        default: Some("elbship-staging/"),
        meaning: "key prefix of the span indexes in the staging bucket",
        read_by: PLANNING,
        set_by: SetBy::Wiring,
    },
    Variable {
        name: "ELBSHIP_LOG_GROUP_RETENTION_DAYS",
        default: None,
        meaning: "retention of the log groups elbship creates (one of CloudWatch Logs' values); none: never expire",
        read_by: CREATING_GROUPS,
        set_by: SetBy::Operator,
    },
    Variable {
        name: "ELBSHIP_LOG_GROUP_KMS_KEY",
        default: None,
        meaning: "KMS key ARN encrypting the log groups elbship creates",
        read_by: CREATING_GROUPS,
        set_by: SetBy::Operator,
    },
    Variable {
        name: "ELBSHIP_LOG_GROUP_CLASS",
        default: Some("STANDARD"),
        meaning: "class of the log groups elbship creates: `STANDARD` ($0.50/GB ingested) or `INFREQUENT_ACCESS` \
                  ($0.25/GB: Logs Insights works, but no metric or subscription filters and no Live Tail); fixed when \
                  the group is created",
        read_by: CREATING_GROUPS,
        set_by: SetBy::Operator,
    },
    Variable {
        name: "ELBSHIP_READBACK_SETTLE_SECONDS",
        default: Some("60"),
        meaning: "after an answer is lost, how long a batch must stay unreadable in its stream before it is taken as \
                  not stored and sent again (CloudWatch Logs documents no bound on read visibility; 1-600)",
        read_by: &[Ship, Object],
        set_by: SetBy::Operator,
    },
    Variable {
        name: "ELBSHIP_STATE_MACHINE_ARN",
        default: None,
        meaning:
            "the Standard state machine: start launches larger objects on it, the object function hands over to it",
        read_by: &[Start, Object],
        set_by: SetBy::Wiring,
    },
    Variable {
        name: "ELBSHIP_EXPRESS_STATE_MACHINE_ARN",
        default: None,
        meaning: "the Express state machine small objects take; without it every object goes Standard",
        read_by: &[Start],
        set_by: SetBy::Wiring,
    },
    Variable {
        name: "ELBSHIP_EXPRESS_MAX_BYTES",
        default: Some("4MiB"),
        meaning: "objects up to this size, as their event gives it, take the Express route (`0` turns it off)",
        read_by: &[Start, Object],
        set_by: SetBy::Operator,
    },
    Variable {
        name: "ELBSHIP_ACCOUNT",
        default: None,
        meaning: "the account elbship runs in, whose load balancers' objects are always shipped",
        read_by: ADMITTING,
        set_by: SetBy::Wiring,
    },
    Variable {
        name: "ELBSHIP_ALLOWED_ACCOUNTS",
        default: None,
        meaning: "other accounts whose load balancers' objects are shipped, separated by commas; an object under \
                  any other account's `AWSLogs/{account}/`, or whose file name names another account or Region than \
                  its path, is written nowhere and counted (`AccountNotAllowed`, `KeyMismatch`)",
        read_by: ADMITTING,
        set_by: SetBy::Operator,
    },
    Variable {
        name: "ELBSHIP_DESTINATION_MODE",
        default: Some("central"),
        meaning: "where each object's lines go: `central` (elbship's account and Region), `central-source-region` \
                  (elbship's account, the load balancer's Region) or `source-account` (the load balancer's account \
                  and Region, through `ELBSHIP_DESTINATION_ROLE` there)",
        read_by: CREATING_GROUPS,
        set_by: SetBy::Operator,
    },
    Variable {
        name: "ELBSHIP_DESTINATION_ROLE",
        default: Some("elbship-destination"),
        meaning: "the name of the role elbship assumes in each allowed account (`source-account`; elbship's own \
                  account is written directly)",
        read_by: CREATING_GROUPS,
        set_by: SetBy::Operator,
    },
    Variable {
        name: "ELBSHIP_DESTINATION_EXTERNAL_ID",
        default: None,
        meaning: "the external id the destination roles demand (`source-account`: required)",
        read_by: CREATING_GROUPS,
        set_by: SetBy::Operator,
    },
    Variable {
        name: "ELBSHIP_CHECKPOINT_TABLE",
        default: None,
        meaning: "the DynamoDB table of claims, leases and span checkpoints",
        read_by: &[Plan, Ship, Verify, Object],
        set_by: SetBy::Wiring,
    },
];

/// The variable `name` (every name the configuration reads is declared: a test holds [`super::Config`] to it).
pub fn variable(name: &str) -> Option<&'static Variable> {
    VARIABLES.iter().find(|v| v.name == name)
}

/// The default of `name`, as declared.
pub fn default_of(name: &str) -> Option<&'static str> {
    variable(name).and_then(|v| v.default)
}
