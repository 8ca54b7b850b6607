//! `elbship replay QUEUE_URL`: starts what the start function's on-failure queue holds. The queue receives what
//! could not be started: EventBridge's undeliverable events (the S3 event itself) and Lambda's destination records
//! of asynchronous invokes that failed every retry (the event in `requestPayload`); an SQS-fed deployment's own
//! dead-letter queue holds S3 notifications. Every shape [`objects_in_event`] reads is started as the start
//! function would have started it (the Standard state machine, under the object's usual execution name, so a replay
//! run twice, or an object that did start after all, ships nothing twice), and its message deleted once every
//! object in it started. A message that names no object it can read is left in the queue and named; the command
//! then exits 1.

use anyhow::{Context, Result};
use clap::Args;
use elbship_aws::clients;
use elbship_aws::sfn::{start_object, StartOutcome};
use elbship_core::formats::s3_event::objects_in_event;
use elbship_core::orchestration::job::{ObjectRef, ShipOptions};

/// Options of `elbship replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The on-failure queue's URL (the stack's `DeadLetterQueueUrl` output).
    queue_url: String,
    /// The state machine's ARN (default: $ELBSHIP_STATE_MACHINE_ARN).
    #[arg(long, env = "ELBSHIP_STATE_MACHINE_ARN")]
    state_machine: String,
    /// Messages to take at most (the rest stay in the queue).
    #[arg(long, default_value_t = 100_000)]
    max_messages: u64,
}

/// What one message holds.
#[derive(Debug, PartialEq, Eq)]
pub enum Held {
    /// The objects it names (none for S3's test event).
    Objects(Vec<ObjectRef>),
    /// Why it cannot be read.
    Unreadable(String),
}

/// Reads one message's body.
pub fn read_message(body: &str) -> Held {
    match serde_json::from_str::<serde_json::Value>(body) {
        Err(e) => Held::Unreadable(format!("not JSON: {e}")),
        Ok(doc) => match objects_in_event(&doc) {
            Ok(objects) => Held::Objects(objects),
            Err(e) => Held::Unreadable(e.to_string()),
        },
    }
}

/// Runs the command; `Ok(false)` when a message was left in the queue.
pub fn run(args: &ReplayArgs) -> Result<bool> {
    tokio::runtime::Runtime::new()?.block_on(replay(args))
}

async fn replay(args: &ReplayArgs) -> Result<bool> {
    let sdk = clients::load().await;
    let (sqs, sfn) = (aws_sdk_sqs::Client::new(&sdk), clients::sfn(&sdk));
    let (mut taken, mut started, mut existing, mut left) = (0u64, 0u64, 0u64, 0u64);
    while taken < args.max_messages {
        let page = sqs
            .receive_message()
            .queue_url(&args.queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            // Long enough to start ten messages' objects; a message left alone comes back after it.
            .visibility_timeout(120)
            .send()
            .await
            .with_context(|| format!("ReceiveMessage {}", args.queue_url))?;
        if page.messages().is_empty() {
            break;
        }
        for m in page.messages() {
            taken += 1;
            let id = m.message_id().unwrap_or("?");
            let objects = match read_message(m.body().unwrap_or_default()) {
                Held::Objects(objects) => objects,
                Held::Unreadable(why) => {
                    println!("left      message {id}: {why}");
                    left += 1;
                    continue;
                }
            };
            for object in &objects {
                match start_object(&sfn, &args.state_machine, object, ShipOptions::default()).await? {
                    StartOutcome::Started { key, .. } => {
                        println!("started   {key}");
                        started += 1;
                    }
                    StartOutcome::AlreadyStarted { key, .. } => {
                        println!("existing  {key} (already started: not shipped again)");
                        existing += 1;
                    }
                    StartOutcome::Skipped { key, reason } => println!("skipped   {key}: {reason}"),
                    StartOutcome::Refused { key, refusal, reason } => {
                        println!("refused   {key}: {refusal}: {reason}")
                    }
                }
            }
            if let Some(handle) = m.receipt_handle() {
                sqs.delete_message()
                    .queue_url(&args.queue_url)
                    .receipt_handle(handle)
                    .send()
                    .await
                    .with_context(|| format!("DeleteMessage {id}"))?;
            }
        }
    }
    println!("replayed {taken} messages: {started} started, {existing} already started, {left} left in the queue");
    Ok(left == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_shapes_the_queue_holds_are_read_and_anything_else_is_named() {
        let event = r#"{"detail": {"bucket": {"name": "b"}, "object": {"key": "k", "size": 1, "etag": "e"}}}"#;
        let record = format!(r#"{{"requestContext": {{"condition": "RetriesExhausted"}}, "requestPayload": {event}}}"#);
        let want = Held::Objects(vec![ObjectRef { bucket: "b".into(), key: "k".into(), size: 1, etag: "e".into() }]);
        assert_eq!(read_message(event), want);
        assert_eq!(read_message(&record), want);
        assert!(matches!(read_message("{not json"), Held::Unreadable(w) if w.starts_with("not JSON")));
        assert!(matches!(read_message(r#"{"hello": 1}"#), Held::Unreadable(w) if w.contains("neither Records")));
    }
}
