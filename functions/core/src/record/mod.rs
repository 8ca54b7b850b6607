//! The structured form of a line: AWS's documented field names, typed values, rendered as JSON.
//!
//! Names are the ELB documentation's field names, in snake_case, which is also the style of the vended ELB logs
//! CloudWatch Logs receives directly (their exact JSON names could not be confirmed here); a `host:port` field
//! becomes `<name>_ip` and `<name>_port` (`client:port` gives `client_ip`, `client_port`). `-` becomes `null`, quoted
//! fields are unescaped, numbers are numbers. Fields past the documented ones are kept, in order, in
//! `extra_fields`: AWS adds fields at the end and says to tolerate them. A value that does not parse as its
//! documented type is kept as a string, never a reason to drop the line.
//!
//! ```
//! use elbship_core::{kind::LogKind, record::{event_time_ms, to_json}};
//! let line = r#"2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.38.0" DHE-RSA-AES128-SHA TLSv1.2"#;
//! assert_eq!(event_time_ms(LogKind::ClbAccess, line), Some(1_431_560_383_945));
//! assert!(to_json(LogKind::ClbAccess, line).starts_with(r#"{"time":"2015-05-13T23:39:43.945958Z","elb":"my-loadbalancer","client_ip":"192.168.131.39","client_port":2817,"#));
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
    /// `ip:port`, split into `<name>_ip` and `<name>_port`.
    HostPort,
}

use Type::{Float, HostPort, Int, Text};

const ALB_ACCESS: &[(&str, Type)] = &[
    ("type", Text),
    ("time", Text),
    ("elb", Text),
    ("client", HostPort),
    ("target", HostPort),
    ("request_processing_time", Float),
    ("target_processing_time", Float),
    ("response_processing_time", Float),
    ("elb_status_code", Int),
    ("target_status_code", Int),
    ("received_bytes", Int),
    ("sent_bytes", Int),
    ("request", Text),
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
    ("client", HostPort),
    ("destination", HostPort),
    ("connection_time", Int),
    ("tls_handshake_time", Int),
    ("received_bytes", Int),
    ("sent_bytes", Int),
    ("incoming_tls_alert", Text),
    ("chosen_cert_arn", Text),
    ("chosen_cert_serial", Text),
    ("tls_cipher", Text),
    ("tls_protocol_version", Text),
    ("tls_named_group", Text),
    ("domain_name", Text),
    ("alpn_fe_protocol", Text),
    ("alpn_be_protocol", Text),
    ("alpn_client_preference_list", Text),
    ("tls_connection_creation_time", Text),
];

const CLB_ACCESS: &[(&str, Type)] = &[
    ("time", Text),
    ("elb", Text),
    ("client", HostPort),
    ("backend", HostPort),
    ("request_processing_time", Float),
    ("backend_processing_time", Float),
    ("response_processing_time", Float),
    ("elb_status_code", Int),
    ("backend_status_code", Int),
    ("received_bytes", Int),
    ("sent_bytes", Int),
    ("request", Text),
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

/// The documented field names of a kind, as they appear in the JSON form (`host:port` fields split).
pub fn field_names(kind: LogKind) -> Vec<String> {
    schema(kind)
        .iter()
        .flat_map(|&(name, ty)| match ty {
            HostPort => vec![format!("{name}_ip"), format!("{name}_port")],
            _ => vec![name.to_string()],
        })
        .collect()
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
    name == "request" && field.raw.trim_end() == "- - -"
}

fn insert_host_port(map: &mut Map<String, Value>, name: &str, field: &Field<'_>) {
    let (ip, port) = match field.value() {
        None => (Value::Null, Value::Null),
        Some(text) => match text.rsplit_once(':') {
            Some((ip, port)) => (Value::String(ip.to_string()), number_or_text(port, Int)),
            None => (Value::String(text.into_owned()), Value::Null),
        },
    };
    map.insert(format!("{name}_ip"), ip);
    map.insert(format!("{name}_port"), port);
}

/// The structured form of a line as a JSON object.
pub fn to_value(kind: LogKind, line: &str) -> Value {
    let mut map = Map::new();
    let mut fields = Fields::new(line);
    for (&(name, ty), field) in schema(kind).iter().zip(fields.by_ref()) {
        match ty {
            HostPort => insert_host_port(&mut map, name, &field),
            _ if is_absent_request(name, &field) => {
                map.insert(name.to_string(), Value::Null);
            }
            _ => {
                map.insert(name.to_string(), typed(&field, ty));
            }
        }
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
