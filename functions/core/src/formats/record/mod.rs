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
//! The JSON is written straight into a reused buffer ([`JsonWriter`]): no allocation per field or per line.
//! [`to_value`] builds the same object through `serde_json` and serves as its model in the tests.
//!
//! ```
//! use elbship_core::formats::{kind::LogKind, record::{event_time_ms, to_json}};
//! let line = r#"2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.38.0" DHE-RSA-AES128-SHA TLSv1.2"#;
//! assert_eq!(event_time_ms(LogKind::ClbAccess, line), Some(1_431_560_383_945));
//! assert!(to_json(LogKind::ClbAccess, line).starts_with(r#"{"time":"2015-05-13T23:39:43.945958Z","elb":"my-loadbalancer","client_port":"192.168.131.39:2817","#));
//! ```

use crate::formats::fields::{Field, Fields};
use crate::formats::kind::{LogKind, ValueType};
use crate::formats::timestamp::parse_iso8601_ms;
use serde_json::{Map, Number, Value};
use std::fmt::Write as _;

/// The documented field names of a kind, in the order of the line, as they appear in the JSON form.
pub fn field_names(kind: LogKind) -> Vec<&'static str> {
    kind.spec().fields.iter().map(|&(_, name, _)| name).collect()
}

/// The event time of a line from its kind's time field, in epoch milliseconds; `None` if it cannot be read.
pub fn event_time_ms(kind: LogKind, line: &str) -> Option<i64> {
    let field = Fields::new(line).nth(kind.time_field())?;
    parse_iso8601_ms(field.raw.as_bytes())
}

/// `request` of a Classic TCP listener is `"- - - "`: absent.
fn is_absent_request(field: &Field<'_>) -> bool {
    field.raw.trim_end() == "- - -"
}

/// Whether `text` is a number as JSON writes one, `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`: `None` if not,
/// otherwise whether it has a fraction or an exponent.
fn json_number_shape(text: &str) -> Option<bool> {
    let b = text.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return None,
    }
    let whole = i;
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return None;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return None;
        }
    }
    (i == b.len()).then_some(i != whole)
}

/// Whether `text` is an integer JSON and `i64` both write the same way: `0`, or up to 18 digits without a
/// leading zero, with an optional `-`.
fn is_plain_integer(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text).as_bytes();
    match digits {
        [b'0'] => digits.len() == text.len(),
        [b'1'..=b'9', rest @ ..] => rest.len() < 18 && rest.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// Appends `text` as a JSON string, escaping only what JSON requires.
fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    if !needs_escape(text) {
        // The common case, checked in one pass the compiler vectorizes.
        out.push_str(text);
        out.push('"');
        return;
    }
    let mut plain = 0;
    for (i, b) in text.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&text[plain..i]);
        if escape.is_empty() {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escape);
        }
        plain = i + 1;
    }
    out.push_str(&text[plain..]);
    out.push('"');
}

/// Whether a string holds anything JSON must escape.
fn needs_escape(text: &str) -> bool {
    text.bytes().fold(false, |acc, b| acc | (b < 0x20) | (b == b'"') | (b == b'\\'))
}

/// Appends a field's value: `null` for `-`, a number when it reads as its type, a string otherwise.
fn push_value(out: &mut String, field: &Field<'_>, ty: ValueType) {
    if field.raw == "-" {
        out.push_str("null");
        return;
    }
    if ty == ValueType::Text && !needs_escape(field.raw) {
        // The common case: nothing to unescape, nothing to escape.
        out.push('"');
        out.push_str(field.raw);
        out.push('"');
        return;
    }
    let text = field.text();
    match ty {
        ValueType::Int if is_plain_integer(&text) => out.push_str(&text),
        ValueType::Int => match text.parse::<i64>() {
            Ok(n) => {
                let _ = write!(out, "{n}");
            }
            Err(_) => push_json_string(out, &text),
        },
        ValueType::Float => match json_number_shape(&text) {
            Some(fraction) => {
                out.push_str(&text);
                if !fraction {
                    out.push_str(".0");
                }
            }
            None => match text.parse::<f64>() {
                Ok(x) if x.is_finite() => {
                    let _ = write!(out, "{x:?}");
                }
                _ => push_json_string(out, &text),
            },
        },
        ValueType::Text => push_json_string(out, &text),
    }
}

/// How many `"` of `line` delimit `field`: two for a quoted field, one when its closing quote is missing.
fn delimiting_quotes(line: &str, field: &Field<'_>) -> usize {
    if !field.quoted {
        return 0;
    }
    // `raw` is a slice of `line`: the byte after it is the closing quote, if there is one.
    let end = field.raw.as_ptr() as usize - line.as_ptr() as usize + field.raw.len();
    1 + usize::from(line.as_bytes().get(end) == Some(&b'"'))
}

/// Writes the JSON form of one kind's lines, with each key's text (`,"name":`) made once.
#[derive(Debug, Clone)]
pub struct JsonWriter {
    kind: LogKind,
    /// `,"name":"` for each field.
    keys: Vec<String>,
    request_line: Option<usize>,
}

impl JsonWriter {
    /// A writer for lines of `kind`.
    pub fn new(kind: LogKind) -> Self {
        let keys = kind.spec().fields.iter().map(|&(_, name, _)| format!(",\"{name}\":\"")).collect();
        let request_line = kind.spec().fields.iter().position(|&(_, name, _)| name == "request_line");
        JsonWriter { kind, keys, request_line }
    }

    /// Appends the structured form of a line, as compact JSON, to `out`.
    ///
    /// Most lines hold nothing JSON must escape: no `\\`, no control character, and no `"` but those around quoted
    /// fields. Such a line is written without looking into its fields (one pass over the line decides); a line
    /// that turns out otherwise is written again, field by field.
    pub fn write(&self, line: &str, out: &mut String) {
        let start = out.len();
        let bytes = line.as_bytes();
        let clean = !bytes.iter().fold(false, |acc, &b| acc | (b < 0x20) | (b == b'\\'));
        if clean {
            let quotes = memchr::memchr_iter(b'"', bytes).count();
            if self.write_fields(line, out, true) == quotes {
                return;
            }
            out.truncate(start);
        }
        self.write_fields(line, out, false);
    }

    /// Writes the object; with `trusted`, string values are written as they are. Returns how many of the line's
    /// `"` the fields' quoting accounts for.
    fn write_fields(&self, line: &str, out: &mut String, trusted: bool) -> usize {
        out.reserve(line.len() * 2);
        out.push('{');
        let mut quoted = 0;
        let mut fields = Fields::new(line);
        let spec = self.kind.spec().fields.iter().zip(&self.keys);
        for (i, ((&(_, _, ty), key), field)) in spec.zip(fields.by_ref()).enumerate() {
            quoted += delimiting_quotes(line, &field);
            // `key` is `,"name":"`: the opening quote of a string value is written with it.
            let key = if i == 0 { &key[1..] } else { key.as_str() };
            if ty == ValueType::Text
                && field.raw != "-"
                && Some(i) != self.request_line
                && (trusted || !needs_escape(field.raw))
            {
                out.push_str(key);
                out.push_str(field.raw);
                out.push('"');
                continue;
            }
            out.push_str(&key[..key.len() - 1]);
            if Some(i) == self.request_line && is_absent_request(&field) {
                out.push_str("null");
            } else {
                push_value(out, &field, ty);
            }
        }
        let mut extra = fields.peekable();
        if extra.peek().is_some() {
            out.push_str(",\"extra_fields\":[");
            for (i, field) in extra.enumerate() {
                quoted += delimiting_quotes(line, &field);
                if i > 0 {
                    out.push(',');
                }
                push_value(out, &field, ValueType::Text);
            }
            out.push(']');
        }
        out.push('}');
        quoted
    }
}

/// The structured form of a line, rendered as compact JSON.
pub fn to_json(kind: LogKind, line: &str) -> String {
    let mut out = String::new();
    JsonWriter::new(kind).write(line, &mut out);
    out
}

fn typed(field: &Field<'_>, ty: ValueType) -> Value {
    match field.value() {
        None => Value::Null,
        Some(text) if ty == ValueType::Text => Value::String(text.into_owned()),
        Some(text) => {
            let parsed = match ty {
                ValueType::Int => text.parse::<i64>().ok().map(Number::from),
                _ => text.parse::<f64>().ok().and_then(Number::from_f64),
            };
            parsed.map_or_else(|| Value::String(text.into_owned()), Value::Number)
        }
    }
}

/// The structured form of a line as a JSON object, built field by field (the model [`JsonWriter`] is tested
/// against; slower).
pub fn to_value(kind: LogKind, line: &str) -> Value {
    let mut map = Map::new();
    let mut fields = Fields::new(line);
    for (&(_, name, ty), field) in kind.spec().fields.iter().zip(fields.by_ref()) {
        let absent = name == "request_line" && is_absent_request(&field);
        let value = if absent { Value::Null } else { typed(&field, ty) };
        map.insert(name.to_string(), value);
    }
    let extra: Vec<Value> = fields.map(|f| typed(&f, ValueType::Text)).collect();
    if !extra.is_empty() {
        map.insert("extra_fields".to_string(), Value::Array(extra));
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests;
