//! The table of kinds: one row per kind of ELB log, with everything elbship needs to know of it. Classification
//! ([`key`](crate::formats::key)), parsing and the JSON form ([`record`](crate::formats::record)), naming (`{kind}`, `{lb_type}`)
//! and the README's lists all read this table, so a kind AWS adds is one row here (and its field list).
//!
//! Field lists are in the order of the line. Each field is `(name in the S3 user guide, JSON name, type)`; the
//! JSON names are those of AWS's vended delivery where the kind has one (see `aws-facts.md`).

use super::{Compression, KindSpec, LogKind, ValueType};
use ValueType::{Float, Int, Text};

/// Every kind, in a fixed order.
pub const KINDS: [KindSpec; 5] = [
    KindSpec {
        kind: LogKind::AlbAccess,
        name: "alb_access",
        title: "ALB access log",
        file_prefixes: &[""],
        lb_type: "app",
        compression: Compression::Gzip,
        node_ip: true,
        time_field: 1,
        vended: true,
        fields: ALB_ACCESS,
    },
    KindSpec {
        kind: LogKind::AlbConnection,
        name: "alb_connection",
        title: "ALB connection log",
        // ELB writes `conn_log_`; the user guide says `conn_log.`. Both are accepted.
        file_prefixes: &["conn_log_", "conn_log."],
        lb_type: "app",
        compression: Compression::Gzip,
        node_ip: true,
        time_field: 0,
        vended: true,
        fields: ALB_CONNECTION,
    },
    KindSpec {
        kind: LogKind::AlbHealthCheck,
        name: "alb_health_check",
        title: "ALB health check log (since 2025-11)",
        file_prefixes: &["health_check_log_"],
        lb_type: "app",
        compression: Compression::Gzip,
        node_ip: true,
        time_field: 1,
        vended: true,
        fields: ALB_HEALTH_CHECK,
    },
    KindSpec {
        kind: LogKind::NlbAccess,
        name: "nlb_access",
        title: "NLB access log (TLS listeners)",
        file_prefixes: &[""],
        lb_type: "net",
        compression: Compression::Gzip,
        node_ip: false,
        time_field: 2,
        vended: true,
        fields: NLB_ACCESS,
    },
    KindSpec {
        kind: LogKind::ClbAccess,
        name: "clb_access",
        title: "Classic access log",
        file_prefixes: &[""],
        lb_type: "classic",
        compression: Compression::None,
        node_ip: true,
        time_field: 0,
        vended: false,
        fields: CLB_ACCESS,
    },
];

const ALB_ACCESS: &[(&str, &str, ValueType)] = &[
    ("type", "type", Text),
    ("time", "time", Text),
    ("elb", "elb", Text),
    ("client:port", "client_port", Text),
    ("target:port", "target_port", Text),
    ("request_processing_time", "request_processing_time", Float),
    ("target_processing_time", "target_processing_time", Float),
    ("response_processing_time", "response_processing_time", Float),
    ("elb_status_code", "elb_status_code", Int),
    ("target_status_code", "target_status_code", Int),
    ("received_bytes", "received_bytes", Int),
    ("sent_bytes", "sent_bytes", Int),
    ("request", "request_line", Text),
    ("user_agent", "user_agent", Text),
    ("ssl_cipher", "ssl_cipher", Text),
    ("ssl_protocol", "ssl_protocol", Text),
    ("target_group_arn", "target_group_arn", Text),
    ("trace_id", "trace_id", Text),
    ("domain_name", "domain_name", Text),
    ("chosen_cert_arn", "chosen_cert_arn", Text),
    ("matched_rule_priority", "matched_rule_priority", Int),
    ("request_creation_time", "request_creation_time", Text),
    ("actions_executed", "actions_executed", Text),
    ("redirect_url", "redirect_url", Text),
    ("error_reason", "error_reason", Text),
    ("target:port_list", "target_port_list", Text),
    ("target_status_code_list", "target_status_code_list", Text),
    ("classification", "classification", Text),
    ("classification_reason", "classification_reason", Text),
    ("conn_trace_id", "conn_trace_id", Text),
    ("transformed_host", "transformed_host", Text),
    ("transformed_uri", "transformed_uri", Text),
    ("request_transform_status", "request_transform_status", Text),
];

const ALB_CONNECTION: &[(&str, &str, ValueType)] = &[
    ("time", "time", Text),
    ("client_ip", "client_ip", Text),
    ("client_port", "client_port", Int),
    ("listener_port", "listener_port", Int),
    ("tls_protocol", "tls_protocol", Text),
    ("tls_cipher", "tls_cipher", Text),
    ("tls_handshake_latency", "tls_handshake_latency", Float),
    ("leaf_client_cert_subject", "leaf_client_cert_subject", Text),
    ("leaf_client_cert_validity", "leaf_client_cert_validity", Text),
    ("leaf_client_cert_serial_number", "leaf_client_cert_serial_number", Text),
    ("tls_verify_status", "tls_verify_status", Text),
    ("conn_trace_id", "conn_trace_id", Text),
];

/// The order and names of AWS's vended record fields for ALB health check logs (`aws-facts.md`); the stored copy
/// of the user guide's "Health check logs" page ends before its entry format, so the S3 names are taken to be the
/// same. Whatever the order, nothing is lost: a line whose second field is not a time is stamped with the file's
/// end time and counted `timestamp_fallback`.
const ALB_HEALTH_CHECK: &[(&str, &str, ValueType)] = &[
    ("type", "type", Text),
    ("time", "time", Text),
    ("latency", "latency", Float),
    ("target_addr", "target_addr", Text),
    ("target_group_id", "target_group_id", Text),
    ("status", "status", Text),
    ("status_code", "status_code", Int),
    ("reason_code", "reason_code", Text),
];

const NLB_ACCESS: &[(&str, &str, ValueType)] = &[
    ("type", "type", Text),
    ("version", "version", Text),
    ("time", "time", Text),
    ("elb", "elb", Text),
    ("listener", "listener", Text),
    ("client:port", "client_port", Text),
    ("destination:port", "destination_port", Text),
    ("connection_time", "connection_time", Int),
    ("tls_handshake_time", "tls_handshake_time", Int),
    ("received_bytes", "received_bytes", Int),
    ("sent_bytes", "sent_bytes", Int),
    ("incoming_tls_alert", "incoming_tls_alert", Text),
    ("chosen_cert_arn", "chosen_cert_arn", Text),
    ("chosen_cert_serial", "chosen_cert_serial", Text),
    ("tls_cipher", "tls_cipher", Text),
    ("tls_protocol_version", "tls_protocol_version", Text),
    ("tls_named_group", "tls_keyexchange", Text),
    ("domain_name", "domain_name", Text),
    ("alpn_fe_protocol", "alpn_fe_protocol", Text),
    ("alpn_be_protocol", "alpn_be_protocol", Text),
    ("alpn_client_preference_list", "alpn_client_preference_list", Text),
    ("tls_connection_creation_time", "tls_connection_creation_time", Text),
];

const CLB_ACCESS: &[(&str, &str, ValueType)] = &[
    ("timestamp", "time", Text),
    ("elb", "elb", Text),
    ("client:port", "client_port", Text),
    ("backend:port", "backend_port", Text),
    ("request_processing_time", "request_processing_time", Float),
    ("backend_processing_time", "backend_processing_time", Float),
    ("response_processing_time", "response_processing_time", Float),
    ("elb_status_code", "elb_status_code", Int),
    ("backend_status_code", "backend_status_code", Int),
    ("received_bytes", "received_bytes", Int),
    ("sent_bytes", "sent_bytes", Int),
    ("request", "request_line", Text),
    ("user_agent", "user_agent", Text),
    ("ssl_cipher", "ssl_cipher", Text),
    ("ssl_protocol", "ssl_protocol", Text),
];
