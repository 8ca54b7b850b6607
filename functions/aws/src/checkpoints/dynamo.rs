//! The DynamoDB [`CheckpointStore`]: one table, partition key `pk` (string), items expiring through the TTL
//! attribute `expires_at` ([`KEEP_DAYS`] after they are first written, longer than Step Functions keeps an
//! execution's name). Every write is one `UpdateItem`; ownership is a condition on `owner`.
//!
//! | item | `pk` | attributes |
//! |---|---|---|
//! | claim | object id | `now_ms`, `mode`, `policy`, `span_bytes`, `retention_days`, `format` |
//! | span | object id `#` span | `owner`, `geometry`, `sent_below`, `acked` (number set), `dup` (number set), `rj` (map: batch to refused indices), `progress` (JSON ledger) |

use super::{Ack, CheckpointStore, Lease, TakenOver};
use crate::error::{Cause, ElbshipError};
use crate::fault::{self, describe};
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::get_item::builders::GetItemFluentBuilder;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use elbship_core::accounting::checkpoint::{Claim, Rejections, SpanCheckpoint};
use elbship_core::accounting::ledger::Ledger;
use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// Days a claim or checkpoint is kept: past the 90 days in which Step Functions refuses an execution name
/// again, so a re-sent event can never ship an object a second time while its name is still taken.
pub const KEEP_DAYS: u64 = 100;

/// Checkpoints in a DynamoDB table.
#[derive(Debug, Clone)]
pub struct DynamoCheckpoints {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

type Item = HashMap<String, AttributeValue>;

/// A failed call as elbship's error: transient failures are retryable; the rest (no table, no permission, a
/// validation error) refused.
fn classify<E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(
    e: SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
    what: &str,
) -> ElbshipError {
    let (detail, transient) = (describe(&e, what), fault::classify(&e).transient());
    let cause = Cause::with_source(detail, e);
    if transient {
        ElbshipError::CheckpointUnavailable(cause)
    } else {
        ElbshipError::CheckpointRefused(cause)
    }
}

fn conditional_failed<R>(e: &SdkError<UpdateItemError, R>) -> bool {
    matches!(e.as_service_error(), Some(UpdateItemError::ConditionalCheckFailedException(_)))
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn num<T: std::str::FromStr>(item: &Item, name: &str) -> Option<T> {
    item.get(name).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok())
}

fn numbers(item: &Item, name: &str) -> Result<std::collections::BTreeSet<u32>, ElbshipError> {
    let Some(v) = item.get(name) else { return Ok(Default::default()) };
    let set = v.as_ns().map_err(|_| corrupt(name))?;
    set.iter().map(|x| x.parse().map_err(|_| corrupt(name))).collect()
}

fn corrupt(what: &str) -> ElbshipError {
    ElbshipError::CheckpointMismatch(format!("the checkpoint's {what} is not what elbship writes"))
}

fn expires_at() -> AttributeValue {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    n(now + KEEP_DAYS * 86_400)
}

fn claim_from(item: &Item) -> Result<Claim, ElbshipError> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).ok_or_else(|| corrupt(name));
    let parse_err =
        |what: &'static str| move |e: String| ElbshipError::CheckpointMismatch(format!("claim {what}: {e}"));
    Ok(Claim {
        now_ms: num(item, "now_ms").ok_or_else(|| corrupt("now_ms"))?,
        mode: text("mode")?.parse().map_err(parse_err("mode"))?,
        policy: text("policy")?.parse().map_err(parse_err("policy"))?,
        span_bytes: num(item, "span_bytes").ok_or_else(|| corrupt("span_bytes"))?,
        retention_days: num(item, "retention_days").ok_or_else(|| corrupt("retention_days"))?,
        format: num(item, "format").ok_or_else(|| corrupt("format"))?,
    })
}

fn checkpoint_from(item: &Item) -> Result<SpanCheckpoint, ElbshipError> {
    let mut rejections = std::collections::BTreeMap::new();
    if let Some(Ok(map)) = item.get("rj").map(AttributeValue::as_m) {
        for (seq, v) in map {
            let seq: u32 = seq.parse().map_err(|_| corrupt("rj"))?;
            let r = v.as_s().ok().and_then(|t| Rejections::decode(t)).ok_or_else(|| corrupt("rj"))?;
            rejections.insert(seq, r);
        }
    }
    let progress = match item.get("progress").map(AttributeValue::as_s) {
        Some(Ok(json)) => serde_json::from_str::<Ledger>(json).map_err(|_| corrupt("progress"))?,
        _ => Ledger::default(),
    };
    Ok(SpanCheckpoint {
        acked: numbers(item, "acked")?,
        sent_below: num(item, "sent_below").unwrap_or(0),
        possibly_duplicated: numbers(item, "dup")?,
        rejections,
        progress,
    })
}

impl DynamoCheckpoints {
    /// Wraps a client and names the table.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        DynamoCheckpoints { client, table: table.into() }
    }

    fn update(&self, pk: &str) -> UpdateItemFluentBuilder {
        self.client.update_item().table_name(&self.table).key("pk", s(pk))
    }

    /// A strongly consistent read of one item.
    fn get(&self, pk: &str) -> GetItemFluentBuilder {
        self.client.get_item().table_name(&self.table).key("pk", s(pk)).consistent_read(true)
    }

    /// Records `ack` without the owner condition (for an attempt that was fenced out).
    async fn ack_unconditionally(&self, key: &str, ack: Ack) -> Result<(), ElbshipError> {
        let mut expr = "ADD acked :k".to_string();
        if ack.possibly_duplicated {
            expr.push_str(", dup :k");
        }
        let mut req = self.update(key).expression_attribute_values(":k", AttributeValue::Ns(vec![ack.seq.to_string()]));
        if !ack.rejections.is_empty() {
            expr.push_str(" SET rj.#seq = :r");
            req = req
                .expression_attribute_names("#seq", ack.seq.to_string())
                .expression_attribute_values(":r", s(ack.rejections.encode()));
        }
        req.update_expression(expr).send().await.map_err(|e| classify(e, &format!("UpdateItem {key}")))?;
        Ok(())
    }
}

impl CheckpointStore for DynamoCheckpoints {
    async fn claim(&self, object_id: &str, proposed: Claim, lease: Option<&Lease>) -> Result<Claim, ElbshipError> {
        let fields: [(&str, AttributeValue); 7] = [
            ("now_ms", n(proposed.now_ms)),
            ("mode", s(proposed.mode.as_str())),
            ("policy", s(proposed.policy.as_str())),
            ("span_bytes", n(proposed.span_bytes)),
            ("retention_days", n(proposed.retention_days)),
            ("format", n(proposed.format)),
            ("expires_at", expires_at()),
        ];
        let mut req = self.update(object_id).return_values(ReturnValue::AllNew);
        let mut sets = Vec::new();
        for (i, (name, value)) in fields.into_iter().enumerate() {
            sets.push(format!("#f{i} = if_not_exists(#f{i}, :v{i})"));
            req = req
                .expression_attribute_names(format!("#f{i}"), name)
                .expression_attribute_values(format!(":v{i}"), value);
        }
        if let Some(lease) = lease {
            sets.push("#lh = :lh, #lu = :lu".to_string());
            req = req
                .condition_expression("attribute_not_exists(#lh) OR #lh = :lh OR #lu < :now")
                .expression_attribute_names("#lh", "lease_holder")
                .expression_attribute_names("#lu", "lease_until")
                .expression_attribute_values(":lh", s(&lease.holder))
                .expression_attribute_values(":lu", n(lease.until_ms))
                .expression_attribute_values(":now", n(lease.now_ms))
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        }
        let out = match req.update_expression(format!("SET {}", sets.join(", "))).send().await {
            Ok(out) => out,
            Err(e) if conditional_failed(&e) => {
                let holder = match e.as_service_error() {
                    Some(UpdateItemError::ConditionalCheckFailedException(c)) => c.item(),
                    _ => None,
                };
                let holder = holder.and_then(|i| i.get("lease_holder")).and_then(|v| v.as_s().ok());
                return Err(ElbshipError::ObjectLeased { holder: holder.cloned().unwrap_or_else(|| "?".into()) });
            }
            Err(e) => return Err(classify(e, &format!("UpdateItem claim {object_id}"))),
        };
        claim_from(out.attributes().unwrap_or(&HashMap::new()))
    }

    async fn take_over(
        &self,
        key: &str,
        owner: &str,
        geometry: &str,
        first_reservation: u32,
    ) -> Result<TakenOver, ElbshipError> {
        // Fenced only when the geometry matches: an attempt planned with other span boundaries must not take the
        // span from its live owner, so the condition is part of the write, and a refusal brings the stored geometry
        // back (ReturnValuesOnConditionCheckFailure: no read, no extra grant).
        let out = self
            .update(key)
            .update_expression(
                "SET #o = :o, geometry = if_not_exists(geometry, :g), sent_below = if_not_exists(sent_below, :r), \
                 rj = if_not_exists(rj, :m), expires_at = if_not_exists(expires_at, :e)",
            )
            .condition_expression("attribute_not_exists(geometry) OR geometry = :g")
            .expression_attribute_names("#o", "owner")
            .expression_attribute_values(":o", s(owner))
            .expression_attribute_values(":g", s(geometry))
            .expression_attribute_values(":r", n(first_reservation))
            .expression_attribute_values(":m", AttributeValue::M(HashMap::new()))
            .expression_attribute_values(":e", expires_at())
            .return_values(ReturnValue::AllOld)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let out = match out {
            Ok(out) => out,
            Err(e) if conditional_failed(&e) => {
                let stored = match e.as_service_error() {
                    Some(UpdateItemError::ConditionalCheckFailedException(c)) => {
                        c.item().and_then(|i| i.get("geometry")).and_then(|v| v.as_s().ok()).cloned()
                    }
                    _ => None,
                };
                return Err(super::mismatch(key, stored.as_deref().unwrap_or("another geometry"), geometry));
            }
            Err(e) => return Err(classify(e, &format!("UpdateItem take over {key}"))),
        };
        let Some(item) = out.attributes().filter(|a| a.contains_key("geometry")) else {
            return Ok(TakenOver { prior: SpanCheckpoint::default(), sent_below: first_reservation });
        };
        let prior = checkpoint_from(item)?;
        Ok(TakenOver { sent_below: prior.sent_below, prior })
    }

    async fn reserve(&self, key: &str, owner: &str, sent_below: u32) -> Result<(), ElbshipError> {
        let r = self
            .update(key)
            .update_expression("SET sent_below = :sb")
            .condition_expression("#o = :o")
            .expression_attribute_names("#o", "owner")
            .expression_attribute_values(":o", s(owner))
            .expression_attribute_values(":sb", n(sent_below))
            .send()
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(e) if conditional_failed(&e) => {
                Err(ElbshipError::SpanTakenOver(format!("span {key} is owned by a newer attempt")))
            }
            Err(e) => Err(classify(e, &format!("UpdateItem reserve {key}"))),
        }
    }

    async fn ack(&self, key: &str, owner: &str, ack: Ack, progress: &Ledger) -> Result<(), ElbshipError> {
        let progress =
            serde_json::to_string(progress).map_err(|e| ElbshipError::Internal(format!("the span's progress: {e}")))?;
        let mut add = "ADD acked :k".to_string();
        if ack.possibly_duplicated {
            add.push_str(", dup :k");
        }
        let mut set = "SET progress = :p".to_string();
        let mut req = self
            .update(key)
            .condition_expression("#o = :o")
            .expression_attribute_names("#o", "owner")
            .expression_attribute_values(":o", s(owner))
            .expression_attribute_values(":k", AttributeValue::Ns(vec![ack.seq.to_string()]))
            .expression_attribute_values(":p", s(progress));
        if !ack.rejections.is_empty() {
            set.push_str(", rj.#seq = :r");
            req = req
                .expression_attribute_names("#seq", ack.seq.to_string())
                .expression_attribute_values(":r", s(ack.rejections.encode()));
        }
        match req.update_expression(format!("{add} {set}")).send().await {
            Ok(_) => Ok(()),
            Err(e) if conditional_failed(&e) => {
                self.ack_unconditionally(key, ack).await?;
                Err(ElbshipError::SpanTakenOver(format!("span {key} is owned by a newer attempt")))
            }
            Err(e) => Err(classify(e, &format!("UpdateItem ack {key}"))),
        }
    }

    async fn confirm(&self, key: &str, owner: &str) -> Result<(), ElbshipError> {
        let out = self
            .get(key)
            .projection_expression("#o")
            .expression_attribute_names("#o", "owner")
            .send()
            .await
            .map_err(|e| classify(e, &format!("GetItem confirm {key}")))?;
        match out.item().and_then(|i| i.get("owner")).and_then(|v| v.as_s().ok()) {
            Some(o) if o == owner => Ok(()),
            _ => Err(ElbshipError::SpanTakenOver(format!("span {key} is owned by a newer attempt"))),
        }
    }

    async fn read(&self, key: &str) -> Result<Option<SpanCheckpoint>, ElbshipError> {
        let out = self.get(key).send().await.map_err(|e| classify(e, &format!("GetItem {key}")))?;
        out.item().map(checkpoint_from).transpose()
    }
}

#[cfg(test)]
mod tests;
