//! Tests of [`super`]: the record rules, each pinned by an example or a property.
use super::*;
use serde_json::json;

const ALB: &str = include_str!("../../../fixtures/alb_access.log");
const CONN: &str = include_str!("../../../fixtures/alb_connection.log");
const NLB: &str = include_str!("../../../fixtures/nlb_access.log");
const CLB: &str = include_str!("../../../fixtures/clb_access.log");
const HEALTH: &str = include_str!("../../../fixtures/alb_health_check.log");

fn fixtures() -> [(LogKind, &'static str); 5] {
    [
        (LogKind::AlbAccess, ALB),
        (LogKind::AlbConnection, CONN),
        (LogKind::AlbHealthCheck, HEALTH),
        (LogKind::NlbAccess, NLB),
        (LogKind::ClbAccess, CLB),
    ]
}

/// Parses the written JSON and compares it with the model, numbers by value (JSON does not tell `1` from `1.0`
/// and float parsers may differ in the last bit).
fn same_as_model(kind: LogKind, line: &str) -> Result<(), String> {
    let written = to_json(kind, line);
    let parsed: Value = serde_json::from_str(&written).map_err(|e| format!("{e}: {written}"))?;
    fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => x == y || (x - y).abs() <= 1e-12 * x.abs().max(y.abs()),
                _ => false,
            },
            (Value::Object(x), Value::Object(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|((k, v), (l, w))| k == l && same(v, w))
            }
            (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(v, w)),
            _ => a == b,
        }
    }
    let model = to_value(kind, line);
    if same(&parsed, &model) {
        Ok(())
    } else {
        Err(format!("{written}\n!= {model}"))
    }
}

#[test]
fn written_json_equals_the_model_on_every_sample() {
    for (kind, text) in fixtures() {
        for line in text.lines() {
            assert_eq!(same_as_model(kind, line), Ok(()), "{kind}");
        }
    }
}

#[test]
fn health_check_line_typed() {
    let v = to_value(LogKind::AlbHealthCheck, HEALTH.lines().next().unwrap_or_default());
    assert_eq!(field_names(LogKind::AlbHealthCheck).len(), 8);
    assert!(v["time"].is_string() && v["latency"].is_number() && v["status_code"].is_number());
    assert!(event_time_ms(LogKind::AlbHealthCheck, HEALTH.lines().next().unwrap_or_default()).is_some());
}

#[test]
fn numbers_are_written_as_json_numbers_or_kept_as_strings() {
    let line = "2015-05-13T23:39:43Z lb 1.2.3.4:5 - -1 0.000 1e3 007 -0 +1 0 \"a\tb\u{1}\"";
    let v: Value = serde_json::from_str(&to_json(LogKind::ClbAccess, line)).unwrap_or_default();
    assert_eq!(v["request_processing_time"], json!(-1.0));
    assert_eq!(v["backend_processing_time"], json!(0.0));
    assert_eq!(v["response_processing_time"], json!(1000.0));
    assert_eq!(v["elb_status_code"], json!(7));
    assert_eq!(v["backend_status_code"], json!(0));
    assert_eq!(v["received_bytes"], json!(1));
    assert_eq!(v["request_line"], json!("a\tb\u{1}"));
    assert_eq!(same_as_model(LogKind::ClbAccess, line), Ok(()));
}

proptest::proptest! {
    #[test]
    fn written_json_equals_the_model(
        kind in proptest::sample::select(LogKind::ALL.to_vec()),
        fields in proptest::collection::vec(
            proptest::prop_oneof![
                "-",
                "-?[0-9]{1,6}(\\.[0-9]{0,4})?([eE][+-]?[0-9]{1,2})?",
                "[a-zA-Z0-9:./_-]{1,12}",
                "[a-z\"]{1,6}",
                "\"([^\"\\\\]|\\\\[\"\\\\]){0,12}\"",
                "[\u{1}-\u{1f}é✓\\\\]{1,4}",
            ],
            0..40,
        ),
    ) {
        let line = fields.join(" ");
        proptest::prop_assert_eq!(same_as_model(kind, &line), Ok(()));
    }
}

#[test]
fn every_documented_sample_line_has_a_time() {
    for (kind, text) in fixtures() {
        for line in text.lines() {
            assert!(event_time_ms(kind, line).is_some(), "{kind}: {line}");
        }
    }
}

#[test]
fn every_documented_sample_fills_exactly_the_documented_fields() {
    for (kind, text) in fixtures() {
        for line in text.lines() {
            let Value::Object(map) = to_value(kind, line) else { panic!("not an object") };
            let names: Vec<&String> = map.keys().collect();
            let documented = field_names(kind);
            // Samples may predate the newest fields, but never carry unknown ones.
            assert!(!map.contains_key("extra_fields"), "{kind}: {line}");
            assert_eq!(names, documented.iter().take(names.len()).copied().collect::<Vec<_>>());
            assert!(names.len() >= documented.len().min(12), "{kind}: {} fields", names.len());
        }
    }
}

#[test]
fn alb_line_typed() {
    let line = ALB.lines().nth(1).unwrap_or_default();
    let v = to_value(LogKind::AlbAccess, line);
    assert_eq!(v["type"], json!("https"));
    assert_eq!(v["time"], json!("2018-07-02T22:23:00.186641Z"));
    assert_eq!(v["client_port"], json!("192.168.131.39:2817"), "vended logs keep ip:port whole");
    assert_eq!(v["target_port"], json!("10.0.0.1:80"));
    assert_eq!(v["request_processing_time"], json!(0.086));
    assert_eq!(v["elb_status_code"], json!(200));
    assert_eq!(v["request_line"], json!("GET https://www.example.com:443/ HTTP/1.1"));
    assert_eq!(v["domain_name"], json!("www.example.com"));
    assert_eq!(v["matched_rule_priority"], json!(1));
    assert_eq!(v["redirect_url"], Value::Null);
    assert_eq!(v["conn_trace_id"], json!("TID_1234abcd5678ef90"));
}

#[test]
fn alb_without_target() {
    let line = ALB.lines().nth(5).unwrap_or_default();
    let v = to_value(LogKind::AlbAccess, line);
    assert_eq!(v["target_port"], Value::Null);
    assert_eq!(v["request_processing_time"], json!(-1.0));
    assert_eq!(v["target_status_code"], Value::Null);
    assert_eq!(v["target_group_arn"], Value::Null);
}

#[test]
fn classic_tcp_listener() {
    let line = CLB.lines().nth(2).unwrap_or_default();
    let v = to_value(LogKind::ClbAccess, line);
    assert_eq!(v["request_line"], Value::Null);
    assert_eq!(v["elb_status_code"], Value::Null);
    assert_eq!(v["backend_port"], json!("10.0.0.1:80"));
    assert_eq!(v["user_agent"], Value::Null);
}

#[test]
fn nlb_line_typed() {
    let v = to_value(LogKind::NlbAccess, NLB.lines().nth(1).unwrap_or_default());
    assert_eq!(v["version"], json!("2.0"));
    assert_eq!(v["listener"], json!("g3d4b5e8bb8464cd"));
    assert_eq!(v["destination_port"], json!("172.100.100.185:443"));
    assert!(v.get("tls_keyexchange").is_some() && v.get("tls_named_group").is_none(), "the vended name");
    assert_eq!(v["connection_time"], json!(5));
    assert_eq!(v["alpn_client_preference_list"], json!("\"h2\",\"http/1.1\""));
    assert_eq!(v["tls_connection_creation_time"], json!("2020-04-01T08:51:20"));
}

#[test]
fn connection_line_typed() {
    let v = to_value(LogKind::AlbConnection, CONN.lines().next().unwrap_or_default());
    assert_eq!(v["client_port"], json!(59874));
    assert_eq!(v["leaf_client_cert_subject"], json!("CN=ElbTestClient,OU=Test,O=Example,L=Seattle,ST=WA,C=US"));
    assert_eq!(v["tls_verify_status"], json!("Success"));
}

#[test]
fn unknown_trailing_fields_are_kept() {
    let line = format!("{} new-field \"quoted new\" -", CLB.lines().next().unwrap_or_default());
    let v = to_value(LogKind::ClbAccess, &line);
    assert_eq!(v["extra_fields"], json!(["new-field", "quoted new", null]));
    assert_eq!(event_time_ms(LogKind::ClbAccess, &line), Some(1_431_560_383_945));
}

#[test]
fn escaped_quotes_in_user_agent() {
    let line = r#"2015-05-13T23:39:43.945958Z lb 1.2.3.4:5 - 1 1 1 200 200 0 0 "GET http://x/ HTTP/1.1" "Mozilla \"quoted\" \\ agent" - -"#;
    let v = to_value(LogKind::ClbAccess, line);
    assert_eq!(v["user_agent"], json!(r#"Mozilla "quoted" \ agent"#));
    assert_eq!(v["ssl_protocol"], Value::Null);
}

#[test]
fn values_that_do_not_parse_stay_strings() {
    let line = "2015-05-13T23:39:43Z lb 1.2.3.4:x - fast 1 1 2OO 200 0 0";
    let v = to_value(LogKind::ClbAccess, line);
    assert_eq!(v["client_port"], json!("1.2.3.4:x"));
    assert_eq!(v["request_processing_time"], json!("fast"));
    assert_eq!(v["elb_status_code"], json!("2OO"));
    assert_eq!(v.as_object().map(|m| m.len()), Some(11));
}

#[test]
fn unreadable_times() {
    assert_eq!(event_time_ms(LogKind::AlbAccess, "http"), None);
    assert_eq!(event_time_ms(LogKind::AlbAccess, "http yesterday x"), None);
    assert_eq!(event_time_ms(LogKind::NlbAccess, ""), None);
}
