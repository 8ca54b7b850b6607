//! From one line of a log file to the CloudWatch Logs events that carry it, with every change counted.
//!
//! For each line: drop a trailing `\r`; skip blank lines (counted `blank`); escape invalid UTF-8 (counted
//! `invalid_utf8`); read the time field, or stamp the line with the file's end time from its key (counted
//! `timestamp_fallback`); apply the old-event policy; render the message (`raw` or `json`); split a message
//! over the event limit into marked parts (counted `split_oversize`).
//!
//! ```
//! use elbship_core::batching::event_builder::{EventBuilder, EventOptions, MessageMode};
//! use elbship_core::{accounting::ledger::Ledger, batching::policy::{OldEventPolicy, TimeWindow}, formats::kind::LogKind};
//! let opts = EventOptions {
//!     kind: LogKind::NlbAccess,
//!     mode: MessageMode::Raw,
//!     policy: OldEventPolicy::Reject,
//!     window: TimeWindow { now_ms: 1_545_274_780_000, retention_days: None },
//!     fallback_ms: 0,
//! };
//! let mut ledger = Ledger::default();
//! let mut events = Vec::new();
//! let line = b"tls 2.0 2018-12-20T02:59:40 net/x/y\r";
//! EventBuilder::new(opts).line(line, &mut ledger, |e| events.push((e.timestamp, e.message.to_string())));
//! assert_eq!(events, [(1_545_274_780_000, "tls 2.0 2018-12-20T02:59:40 net/x/y".to_string())]);
//! assert_eq!(ledger.lines_read, 1);
//! ```

use crate::accounting::ledger::{Ledger, RejectReason};
use crate::batching::event::Event;
use crate::batching::limits::MAX_MESSAGE_BYTES;
use crate::batching::message::{escape_utf8, split_for_cloudwatch};
use crate::batching::policy::{OldEventPolicy, TimeWindow, Verdict};
use crate::formats::kind::LogKind;
use crate::formats::record::{event_time_ms, JsonWriter};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::cell::RefCell;
use std::str::FromStr;

/// What an event's message holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageMode {
    /// The line as written (the default).
    #[default]
    Raw,
    /// The structured form as JSON (see [`record`](crate::formats::record)).
    Json,
}

impl MessageMode {
    /// The name [`FromStr`] reads.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageMode::Raw => "raw",
            MessageMode::Json => "json",
        }
    }
}

impl FromStr for MessageMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "raw" => Ok(MessageMode::Raw),
            "json" => Ok(MessageMode::Json),
            _ => Err(format!("unknown message mode {s:?}: expected raw or json")),
        }
    }
}

/// Everything that decides how a line becomes events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventOptions {
    /// The kind of log the lines come from.
    pub kind: LogKind,
    /// Raw line or JSON.
    pub mode: MessageMode,
    /// What to do with events outside CloudWatch's time window.
    pub policy: OldEventPolicy,
    /// "Now" and the log group's retention.
    pub window: TimeWindow,
    /// The time given to lines whose time field cannot be read: the file's end time from its key.
    pub fallback_ms: i64,
}

/// Where a line's events go.
pub trait EventSink {
    /// Takes one event.
    fn event(&mut self, event: Event<'_>);

    /// Takes a whole line's event whose message `write` appends to a buffer of the sink's (the JSON form is written
    /// straight into a batch). Gives the message back when the sink cannot take it as one event (empty, or over
    /// the event limit): the builder then splits it and passes the parts to [`event`](EventSink::event).
    fn write_event(&mut self, timestamp: i64, write: &mut dyn FnMut(&mut String)) -> Result<(), String>;
}

/// An [`EventSink`] that renders into a reused buffer and hands each event to a closure.
struct Emit<'s, F> {
    emit: F,
    scratch: &'s mut String,
}

impl<F: FnMut(Event<'_>)> EventSink for Emit<'_, F> {
    fn event(&mut self, event: Event<'_>) {
        (self.emit)(event);
    }

    fn write_event(&mut self, timestamp: i64, write: &mut dyn FnMut(&mut String)) -> Result<(), String> {
        self.scratch.clear();
        write(self.scratch);
        match Event::new(timestamp, self.scratch) {
            Ok(event) => {
                (self.emit)(event);
                Ok(())
            }
            Err(_) => Err(std::mem::take(self.scratch)),
        }
    }
}

/// Turns lines into events, counting into a [`Ledger`].
#[derive(Debug, Clone)]
pub struct EventBuilder {
    opts: EventOptions,
    /// Writes the JSON form, in `json` mode.
    writer: JsonWriter,
    /// The JSON form of the current line for [`EventBuilder::line`], reused from line to line.
    scratch: RefCell<String>,
}

/// Emits a message that is non-empty and within the limit by construction; a refusal here would be a bug,
/// and the line then counts as read but not delivered, which the ledger check reports.
fn emit_checked(ts: i64, message: &str, line_end: bool, sink: &mut impl EventSink) {
    if let Ok(event) = Event::part(ts, message, line_end) {
        sink.event(event);
    }
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

impl EventBuilder {
    /// A builder for one object's lines.
    pub fn new(opts: EventOptions) -> Self {
        EventBuilder { opts, writer: JsonWriter::new(opts.kind), scratch: RefCell::new(String::new()) }
    }

    /// The options this builder applies.
    pub fn options(&self) -> &EventOptions {
        &self.opts
    }

    /// Turns one line (without its `\n`) into zero or more events, passed to `emit` in order. Returns the
    /// line's own time (or the fallback), `None` for a blank line.
    pub fn line(&self, line: &[u8], ledger: &mut Ledger, emit: impl FnMut(Event<'_>)) -> Option<i64> {
        let mut scratch = self.scratch.borrow_mut();
        self.line_into(line, ledger, &mut Emit { emit, scratch: &mut scratch })
    }

    /// [`line`](EventBuilder::line), with the events going to `sink`.
    pub fn line_into(&self, line: &[u8], ledger: &mut Ledger, sink: &mut impl EventSink) -> Option<i64> {
        ledger.lines_read += 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if is_blank(line) {
            ledger.rejected.add(RejectReason::Blank, 1);
            return None;
        }
        let (text, escaped) = escape_utf8(line);
        if escaped {
            ledger.adjusted.invalid_utf8 += 1;
        }
        let mut ts = event_time_ms(self.opts.kind, &text).unwrap_or_else(|| {
            ledger.adjusted.timestamp_fallback += 1;
            self.opts.fallback_ms
        });
        let line_ms = ts;
        let reason = match self.opts.window.judge(ts) {
            Verdict::Accept => None,
            Verdict::TooOld => Some(RejectReason::TooOld),
            Verdict::Expired => Some(RejectReason::Expired),
            Verdict::TooNew => Some(RejectReason::TooNew),
        };
        if let Some(reason) = reason {
            match self.opts.policy {
                OldEventPolicy::Reject => {
                    ledger.rejected.add(reason, 1);
                    return Some(line_ms);
                }
                OldEventPolicy::Restamp => {
                    ledger.adjusted.restamped += 1;
                    ts = self.opts.window.now_ms;
                }
            }
        }
        let message: Cow<'_, str> = match self.opts.mode {
            MessageMode::Raw => text,
            MessageMode::Json => match sink.write_event(ts, &mut |buf| self.writer.write(&text, buf)) {
                Ok(()) => return Some(line_ms),
                Err(message) => Cow::Owned(message),
            },
        };
        if message.len() <= MAX_MESSAGE_BYTES {
            // The common case: no copy, no allocation (the batcher copies the text once).
            emit_checked(ts, &message, true, sink);
        } else {
            ledger.adjusted.split_oversize += 1;
            let parts = split_for_cloudwatch(message.into_owned());
            let last = parts.len() - 1;
            for (i, part) in parts.iter().enumerate() {
                emit_checked(ts, part, i == last, sink);
            }
        }
        Some(line_ms)
    }
}

#[cfg(test)]
mod tests;
