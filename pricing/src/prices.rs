//! What a run costs at AWS list prices: the price table, and usage (measured by `make bench` on the local stack)
//! turned into dollars. Pure: the bench measures, this prices.
//!
//! Prices are us-east-1 list prices as of 2026-11, Lambda on arm64: Step Functions (Standard $0.025 per 1,000
//! state transitions; Express $1.00 per million executions and $0.00001667 per GB-second, billed in 64 MB and
//! 100 ms steps), Lambda ($0.20 per million requests, $0.0000133334 per GB-second on arm64), S3 Standard ($0.0004
//! per 1,000 GET, $0.005 per 1,000 PUT/LIST), DynamoDB on demand ($0.625 per million write units, $0.125 per
//! million read units), CloudWatch Logs ingestion ($0.50 per GB, $0.25 in the Infrequent Access class; vended logs
//! such as Step Functions execution logs at the same first-tier rates). Control-plane calls, PutLogEvents calls
//! and EventBridge's delivery of S3 events are not charged per call.
//!
//! ```
//! use elbship_pricing::prices::{express_gb_seconds, Usage};
//! assert_eq!(express_gb_seconds(0.201), 0.0625 * 0.3, "64 MB, rounded up to 300 ms");
//! let u = Usage { standard_transitions: 1_000.0, ..Usage::default() };
//! assert!((u.orchestration() - 0.025).abs() < 1e-12);
//! ```

/// Dollars per unit.
pub mod price {
    /// One Standard state transition.
    pub const STANDARD_TRANSITION: f64 = 0.025 / 1_000.0;
    /// One Express execution.
    pub const EXPRESS_REQUEST: f64 = 1.0 / 1_000_000.0;
    /// One Express GB-second.
    pub const EXPRESS_GB_SECOND: f64 = 0.000_016_67;
    /// One Lambda request.
    pub const LAMBDA_REQUEST: f64 = 0.20 / 1_000_000.0;
    /// One Lambda GB-second, arm64.
    pub const LAMBDA_GB_SECOND: f64 = 0.000_013_333_4;
    /// One S3 GET.
    pub const S3_GET: f64 = 0.0004 / 1_000.0;
    /// One S3 PUT or LIST.
    pub const S3_PUT: f64 = 0.005 / 1_000.0;
    /// One DynamoDB on-demand write unit (an item write of up to 1 KB).
    pub const DYNAMODB_WRITE: f64 = 0.625 / 1_000_000.0;
    /// One DynamoDB on-demand read unit (a strongly consistent read of up to 4 KB).
    pub const DYNAMODB_READ: f64 = 0.125 / 1_000_000.0;
    /// One byte ingested by CloudWatch Logs, Standard class.
    pub const LOGS_BYTE: f64 = 0.50 / 1e9;
    /// One byte ingested by CloudWatch Logs, Infrequent Access class.
    pub const LOGS_IA_BYTE: f64 = 0.25 / 1e9;
}

/// The objects a load-balancer node writes in a month: one every 5 minutes, 30 days.
pub const OBJECTS_PER_NODE_MONTH: f64 = 288.0 * 30.0;

/// Billed GB-seconds of one Express execution of `seconds`: 64 MB, and time rounded up to 100 ms.
pub fn express_gb_seconds(seconds: f64) -> f64 {
    0.0625 * ((seconds * 10.0 - 1e-9).ceil().max(1.0) / 10.0)
}

/// What a run used.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Usage {
    /// Standard state transitions.
    pub standard_transitions: f64,
    /// Express executions.
    pub express_executions: f64,
    /// Their billed GB-seconds ([`express_gb_seconds`] each).
    pub express_gb_seconds: f64,
    /// Lambda invocations.
    pub lambda_requests: f64,
    /// Lambda GB-seconds (memory times duration).
    pub lambda_gb_seconds: f64,
    /// S3 GETs.
    pub s3_gets: f64,
    /// S3 PUTs and LISTs.
    pub s3_puts: f64,
    /// DynamoDB writes (each taken as one write unit; items stay under 1 KB for small objects).
    pub dynamodb_writes: f64,
    /// DynamoDB reads (each taken as one read unit).
    pub dynamodb_reads: f64,
    /// Bytes of execution and function logs in the Standard class.
    pub log_bytes: f64,
    /// Bytes of execution logs in the Infrequent Access class.
    pub log_ia_bytes: f64,
}

impl Usage {
    /// Step Functions.
    pub fn step_functions(&self) -> f64 {
        self.standard_transitions * price::STANDARD_TRANSITION
            + self.express_executions * price::EXPRESS_REQUEST
            + self.express_gb_seconds * price::EXPRESS_GB_SECOND
    }

    /// Lambda.
    pub fn lambda(&self) -> f64 {
        self.lambda_requests * price::LAMBDA_REQUEST + self.lambda_gb_seconds * price::LAMBDA_GB_SECOND
    }

    /// S3 requests.
    pub fn s3(&self) -> f64 {
        self.s3_gets * price::S3_GET + self.s3_puts * price::S3_PUT
    }

    /// DynamoDB requests.
    pub fn dynamodb(&self) -> f64 {
        self.dynamodb_writes * price::DYNAMODB_WRITE + self.dynamodb_reads * price::DYNAMODB_READ
    }

    /// Orchestration: Step Functions, Lambda, and the S3 and DynamoDB requests elbship makes.
    pub fn orchestration(&self) -> f64 {
        self.step_functions() + self.lambda() + self.s3() + self.dynamodb()
    }

    /// elbship's own logs (execution and function logs).
    pub fn own_logs(&self) -> f64 {
        self.log_bytes * price::LOGS_BYTE + self.log_ia_bytes * price::LOGS_IA_BYTE
    }

    /// Usage per object of `objects` runs.
    pub fn per(&self, objects: u64) -> Usage {
        let d = objects.max(1) as f64;
        Usage {
            standard_transitions: self.standard_transitions / d,
            express_executions: self.express_executions / d,
            express_gb_seconds: self.express_gb_seconds / d,
            lambda_requests: self.lambda_requests / d,
            lambda_gb_seconds: self.lambda_gb_seconds / d,
            s3_gets: self.s3_gets / d,
            s3_puts: self.s3_puts / d,
            dynamodb_writes: self.dynamodb_writes / d,
            dynamodb_reads: self.dynamodb_reads / d,
            log_bytes: self.log_bytes / d,
            log_ia_bytes: self.log_ia_bytes / d,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn express_is_billed_in_64_mb_and_100_ms_steps() {
        assert_eq!(express_gb_seconds(0.0), 0.0625 * 0.1);
        assert_eq!(express_gb_seconds(0.1), 0.0625 * 0.1);
        assert!((express_gb_seconds(0.1001) - 0.0625 * 0.2).abs() < 1e-12);
    }

    #[test]
    fn each_service_is_priced_from_its_units() {
        let u = Usage {
            standard_transitions: 4.0,
            express_executions: 1.0,
            express_gb_seconds: 0.0125,
            lambda_requests: 2.0,
            lambda_gb_seconds: 0.1,
            s3_gets: 1.0,
            s3_puts: 1.0,
            dynamodb_writes: 3.0,
            dynamodb_reads: 1.0,
            log_bytes: 1e9,
            log_ia_bytes: 1e9,
        };
        let expect = 4.0 * 0.025e-3 + 1e-6 + 0.0125 * 0.00001667;
        assert!((u.step_functions() - expect).abs() < 1e-15);
        assert!((u.lambda() - (0.4e-6 + 0.1 * 0.0000133334)).abs() < 1e-15);
        assert!((u.s3() - (0.4e-6 + 5e-6)).abs() < 1e-15);
        assert!((u.dynamodb() - (3.0 * 0.625e-6 + 0.125e-6)).abs() < 1e-15);
        assert!((u.own_logs() - 0.75).abs() < 1e-12);
        assert_eq!(u.per(2).dynamodb_writes, 1.5);
    }
}
