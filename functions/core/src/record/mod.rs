//! The structured form of a line: the field names of AWS's own delivery of ELB logs to CloudWatch Logs ("vended"
//! logs), typed values, rendered as JSON, so that a query written for vended logs works on what elbship ships.
//!
//! Names and value shapes follow the record fields AWS lists for vended ALB and NLB logs: the request is
//! `request_line`; `client_port`, `target_port` (ALB) and `destination_port` (NLB) hold `ip:port` as the line
//! writes it; NLB's `tls_named_group` is `tls_keyexchange`; ALB connection logs keep `client_ip` and
//! `client_port` apart, as their line does. Classic load balancers have no vended delivery: their fields take the
//! same shapes as ALB's (`client_port`, `backend_port`, `request_line`). No captured vended record was found, so
//! the value shapes are inferred from AWS's field lists. `-` becomes `null`, quoted fields are unescaped, numbers
//! are numbers. Fields past the documented ones are kept, in order, in `extra_fields` (elbship's only addition):
//! AWS adds fields at the end and says to tolerate them. A value that does not parse as its documented type is
//! kept as a string, never a reason to drop the line.
//!
//! ```
//! use elbship_core::{kind::LogKind, record::{event_time_ms, to_json}};
//! let line = r#"2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.38.0" DHE-RSA-AES128-SHA TLSv1.2"#;
//! assert_eq!(event_time_ms(LogKind::ClbAccess, line), Some(1_431_560_383_945));
//! assert!(to_json(LogKind::ClbAccess, line).starts_with(r#"{"time":"2015-05-13T23:39:43.945958Z","elb":"my-loadbalancer","client_port":"192.168.131.39:2817","#));
//! ```

use crate::fields::{Field, Fields};
use crate::kind::LogKind;
use crate::timestamp::parse_iso8601_ms;
use serde_json::{Map, Number, Value};

/// How a documented field is typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Type {
    Text,
    Int,
    Float,
}

use Type::{Float, Int, Text};

const ALB_ACCESS: &[(&str, Type)] = &[
    ("type", Text),
    ("time", Text),
    ("elb", Text),
    ("client_port", Text),
    ("target_port", Text),
    ("request_processing_time", Float),
    ("target_processing_time", Float),
    ("response_processing_time", Float),
    ("elb_status_code", Int),
    ("target_status_code", Int),
    ("received_bytes", Int),
    ("sent_bytes", Int),
    ("request_line", Text),
    ("user_agent", Text),
    ("ssl_cipher", Text),
    ("ssl_protocol", Text),
    ("target_group_arn", Text),
    ("trace_id", Text),
    ("domain_name", Text),
    ("chosen_cert_arn", Text),
    ("matched_rule_priority", Int),
    ("request_creation_time", Text),
    ("actions_executed", Text),
    ("redirect_url", Text),
    ("error_reason", Text),
    ("target_port_list", Text),
    ("target_status_code_list", Text),
    ("classification", Text),
    ("classification_reason", Text),
    ("conn_trace_id", Text),
    ("transformed_host", Text),
    ("transformed_uri", Text),
    ("request_transform_status", Text),
];

const ALB_CONNECTION: &[(&str, Type)] = &[
    ("time", Text),
    ("client_ip", Text),
    ("client_port", Int),
    ("listener_port", Int),
    ("tls_protocol", Text),
    ("tls_cipher", Text),
    ("tls_handshake_latency", Float),
    ("leaf_client_cert_subject", Text),
    ("leaf_client_cert_validity", Text),
    ("leaf_client_cert_serial_number", Text),
    ("tls_verify_status", Text),
    ("conn_trace_id", Text),
];

const NLB_ACCESS: &[(&str, Type)] = &[
    ("type", Text),
    ("version", Text),
    ("time", Text),
    ("elb", Text),
    ("listener", Text),
    ("client_port", Text),
    ("destination_port", Text),
    ("connection_time", Int),
    ("tls_handshake_time", Int),
    ("received_bytes", Int),
    ("sent_bytes", Int),
    ("incoming_tls_alert", Text),
    ("chosen_cert_arn", Text),
    ("chosen_cert_serial", Text),
    ("tls_cipher", Text),
    ("tls_protocol_version", Text),
    ("tls_keyexchange", Text),
    ("domain_name", Text),
    ("alpn_fe_protocol", Text),
    ("alpn_be_protocol", Text),
    ("alpn_client_preference_list", Text),
    ("tls_connection_creation_time", Text),
];

const CLB_ACCESS: &[(&str, Type)] = &[
    ("time", Text),
    ("elb", Text),
    ("client_port", Text),
    ("backend_port", Text),
    ("request_processing_time", Float),
    ("backend_processing_time", Float),
    ("response_processing_time", Float),
    ("elb_status_code", Int),
    ("backend_status_code", Int),
    ("received_bytes", Int),
    ("sent_bytes", Int),
    ("request_line", Text),
    ("user_agent", Text),
    ("ssl_cipher", Text),
    ("ssl_protocol", Text),
];

fn schema(kind: LogKind) -> &'static [(&'static str, Type)] {
    match kind {
        LogKind::AlbAccess => ALB_ACCESS,
        LogKind::AlbConnection => ALB_CONNECTION,
        LogKind::NlbAccess => NLB_ACCESS,
        LogKind::ClbAccess => CLB_ACCESS,
    }
}

/// The documented field names of a kind, in the order of the line, as they appear in the JSON form.
pub fn field_names(kind: LogKind) -> Vec<&'static str> {
    schema(kind).iter().map(|&(name, _)| name).collect()
}

/// The event time of a line from its kind's time field, in epoch milliseconds; `None` if it cannot be read.
pub fn event_time_ms(kind: LogKind, line: &str) -> Option<i64> {
    let field = Fields::new(line).nth(kind.time_field())?;
    parse_iso8601_ms(field.raw.as_bytes())
}

fn number_or_text(text: &str, ty: Type) -> Value {
    let parsed = match ty {
        Int => text.parse::<i64>().ok().map(Number::from),
        _ => text.parse::<f64>().ok().and_then(Number::from_f64),
    };
    parsed.map_or_else(|| Value::String(text.to_string()), Value::Number)
}

fn typed(field: &Field<'_>, ty: Type) -> Value {
    match field.value() {
        None => Value::Null,
        Some(text) if ty == Text => Value::String(text.into_owned()),
        Some(text) => number_or_text(&text, ty),
    }
}

/// `request` of a Classic TCP listener is `"- - - "`: absent.
fn is_absent_request(name: &str, field: &Field<'_>) -> bool {
    name == "request_line" && field.raw.trim_end() == "- - -"
}

/// The structured form of a line as a JSON object.
pub fn to_value(kind: LogKind, line: &str) -> Value {
    let mut map = Map::new();
    let mut fields = Fields::new(line);
    for (&(name, ty), field) in schema(kind).iter().zip(fields.by_ref()) {
        let value = if is_absent_request(name, &field) { Value::Null } else { typed(&field, ty) };
        map.insert(name.to_string(), value);
    }
    let extra: Vec<Value> = fields.map(|f| typed(&f, Text)).collect();
    if !extra.is_empty() {
        map.insert("extra_fields".to_string(), Value::Array(extra));
    }
    Value::Object(map)
}

/// The structured form of a line, rendered as compact JSON.
pub fn to_json(kind: LogKind, line: &str) -> String {
    to_value(kind, line).to_string()
}

#[cfg(test)]
mod tests;
