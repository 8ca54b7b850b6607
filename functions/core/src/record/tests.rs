//! Tests of [`super`]: the record rules, each pinned by an example or a property.
use super::*;
use serde_json::json;

const ALB: &str = include_str!("../../fixtures/alb_access.log");
const CONN: &str = include_str!("../../fixtures/alb_connection.log");
const NLB: &str = include_str!("../../fixtures/nlb_access.log");
const CLB: &str = include_str!("../../fixtures/clb_access.log");

fn fixtures() -> [(LogKind, &'static str); 4] {
    [(LogKind::AlbAccess, ALB), (LogKind::AlbConnection, CONN), (LogKind::NlbAccess, NLB), (LogKind::ClbAccess, CLB)]
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
            assert!(names.len() >= 12, "{kind}: {} fields", names.len());
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

#[test]
fn the_readme_field_table_lists_every_field_of_every_kind_in_order() {
    let readme = include_str!("../../../../README.md");
    let table = readme
        .split("<!-- field table: generated from functions/core/src/record/mod.rs -->")
        .nth(1)
        .and_then(|t| t.split("<!-- end of field table -->").next())
        .unwrap_or_default();
    for kind in LogKind::ALL {
        let rows: Vec<(usize, String)> = table
            .lines()
            .filter(|l| l.starts_with(&format!("| `{}` |", kind.name())))
            .map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                (cells[2].parse().unwrap_or(0), cells[5].trim_matches('`').to_string())
            })
            .collect();
        let expected: Vec<(usize, String)> =
            field_names(kind).into_iter().enumerate().map(|(i, n)| (i + 1, n.to_string())).collect();
        assert_eq!(rows, expected, "{kind}");
    }
}
