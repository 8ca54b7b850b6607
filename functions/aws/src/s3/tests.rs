//! Tests of [`super`]: conditional reads and their failures through the real SDK with aws-smithy-mocks.

use super::*;
use aws_sdk_s3::operation::get_object::{GetObjectError, GetObjectOutput};
use aws_sdk_s3::types::error::NoSuchKey;
use aws_sdk_s3::Client;
use aws_smithy_mocks::{mock, mock_client, RuleMode};

fn object() -> ObjectRef {
    ObjectRef { bucket: "b".into(), key: "k".into(), size: 10, etag: "\"e1\"".into() }
}

/// The whole body; a read error fails the test, never reads as an empty body.
async fn read_all(r: Box<dyn Read + Send>) -> Vec<u8> {
    tokio::task::spawn_blocking(move || {
        let mut r = r;
        let mut v = Vec::new();
        r.read_to_end(&mut v).map(|_| v).unwrap_or_else(|e| panic!("reading the body: {e}"))
    })
    .await
    .unwrap_or_else(|e| panic!("the reading task: {e}"))
}

#[tokio::test]
async fn ranged_reads_are_conditional_on_the_etag() {
    let rule = mock!(Client::get_object)
        .match_requests(|r| r.range() == Some("bytes=2-5") && r.if_match() == Some("\"e1\""))
        .then_output(|| GetObjectOutput::builder().body(ByteStream::from_static(b"2345")).build());
    let s3 = Objects::new(mock_client!(aws_sdk_s3, [&rule]));
    let r = s3.open(&object(), Some((2, 6))).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read_all(r).await, b"2345");
}

#[tokio::test]
async fn a_small_object_is_read_once_and_every_range_served_from_memory() {
    let whole = mock!(Client::get_object)
        .match_requests(|r| r.range().is_none() && r.if_match() == Some("\"e1\""))
        .then_output(|| GetObjectOutput::builder().body(ByteStream::from_static(b"0123456789")).build());
    let second = mock!(Client::get_object)
        .match_requests(|r| r.if_match() == Some("\"e2\""))
        .then_output(|| GetObjectOutput::builder().body(ByteStream::from_static(b"abcdefghij")).build());
    let s3 = Objects::holding_small(mock_client!(aws_sdk_s3, RuleMode::MatchAny, [&whole, &second]), 10);
    let all = s3.open(&object(), None).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read_all(all).await, b"0123456789");
    let part = s3.open(&object(), Some((2, 6))).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read_all(part).await, b"2345");
    assert_eq!(whole.num_calls(), 1);
    // Another version is another object, read again.
    let other = ObjectRef { etag: "\"e2\"".into(), ..object() };
    let part = s3.open(&other, Some((1, 3))).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read_all(part).await, b"bc");
    assert_eq!((whole.num_calls(), second.num_calls()), (1, 1));
}

#[tokio::test]
async fn an_empty_range_makes_no_request() {
    let rule = mock!(Client::get_object).then_output(|| GetObjectOutput::builder().build());
    let s3 = Objects::new(mock_client!(aws_sdk_s3, [&rule]));
    let r = s3.open(&object(), Some((4, 4))).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(read_all(r).await.is_empty());
    assert_eq!(rule.num_calls(), 0);
}

#[tokio::test]
async fn a_replaced_object_is_named() {
    let rule = mock!(Client::get_object).sequence().http_status(412, None).build();
    let s3 = Objects::new(mock_client!(aws_sdk_s3, [&rule]));
    let e = s3.open(&object(), None).await.err();
    assert_eq!(e.map(|e| e.name()), Some("ObjectChanged"));
}

#[tokio::test]
async fn missing_objects_and_outages_are_told_apart() {
    let missing = mock!(Client::get_object).then_error(|| GetObjectError::NoSuchKey(NoSuchKey::builder().build()));
    let s3 = Objects::new(mock_client!(aws_sdk_s3, [&missing]));
    assert_eq!(s3.open(&object(), None).await.err().map(|e| e.name()), Some("ObjectMissing"));

    let down = mock!(Client::get_object).sequence().http_status(503, None).times(3).build();
    let s3 = Objects::new(mock_client!(aws_sdk_s3, RuleMode::Sequential, [&down], |c| c
        .retry_config(aws_sdk_s3::config::retry::RetryConfig::standard().with_max_attempts(3))));
    assert_eq!(s3.open(&object(), None).await.err().map(|e| e.name()), Some("S3Unavailable"));
    assert_eq!(down.num_calls(), 3);

    let denied = mock!(Client::get_object).sequence().http_status(403, None).build();
    let s3 = Objects::new(mock_client!(aws_sdk_s3, [&denied]));
    assert_eq!(s3.open(&object(), None).await.err().map(|e| e.name()), Some("S3Refused"));
}

#[tokio::test]
async fn an_object_known_without_its_etag_is_read_without_if_match_and_headed_for_it() {
    // S3 answers `If-Match: ""` with 412 on every GET: an inventory row without the ETag column must not send it.
    let get = mock!(Client::get_object)
        .match_requests(|r| r.if_match().is_none())
        .then_output(|| GetObjectOutput::builder().body(ByteStream::from_static(b"2345")).build());
    let head = mock!(Client::head_object).then_output(|| {
        aws_sdk_s3::operation::head_object::HeadObjectOutput::builder().e_tag("\"e9\"").content_length(42).build()
    });
    let s3 = Objects::new(mock_client!(aws_sdk_s3, RuleMode::MatchAny, [&get, &head]));
    let unknown = ObjectRef { etag: String::new(), size: 0, ..object() };
    let r = s3.open(&unknown, Some((2, 6))).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read_all(r).await, b"2345");
    let known = s3.head(&unknown).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((known.etag.as_str(), known.size), ("\"e9\"", 42));
}

#[tokio::test]
async fn lines_of_a_result_file_are_streamed_one_by_one() {
    let rule = mock!(Client::get_object).then_output(|| {
        GetObjectOutput::builder().body(ByteStream::from_static(b"{\"a\":1}\n\n{\"b\":2}\r\n{\"c\":3}")).build()
    });
    let s3 = Objects::new(mock_client!(aws_sdk_s3, [&rule]));
    let mut seen = Vec::new();
    let at = S3Location { bucket: "b".into(), key: "r.json".into() };
    s3.for_each_line(&at, |n, line| {
        seen.push((n, String::from_utf8_lossy(line).into_owned()));
        Ok(())
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(seen, vec![(1, "{\"a\":1}".into()), (3, "{\"b\":2}".into()), (4, "{\"c\":3}".into())]);
}

#[tokio::test]
async fn a_listing_streams_every_page_in_order() {
    use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output;
    use aws_sdk_s3::types::Object;
    let page = |keys: &[&str], next: Option<&str>| {
        let mut out = ListObjectsV2Output::builder().set_next_continuation_token(next.map(str::to_string));
        out = out.is_truncated(next.is_some());
        for k in keys {
            out = out.contents(Object::builder().key(*k).size(7).e_tag("\"e\"").build());
        }
        out.build()
    };
    let first = mock!(Client::list_objects_v2)
        .match_requests(|r| r.continuation_token().is_none())
        .then_output(move || page(&["a", "b"], Some("t")));
    let second = mock!(Client::list_objects_v2)
        .match_requests(|r| r.continuation_token() == Some("t"))
        .then_output(move || page(&["c"], None));
    let s3 = Objects::new(mock_client!(aws_sdk_s3, RuleMode::MatchAny, [&first, &second]));
    let mut listing = s3.list("b", "p/");
    let mut keys = Vec::new();
    while let Some(o) = listing.next().await {
        let o = o.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((o.bucket.as_str(), o.size, o.etag.as_str()), ("b", 7, "\"e\""));
        keys.push(o.key);
    }
    assert_eq!(keys, ["a", "b", "c"]);
    assert_eq!((first.num_calls(), second.num_calls()), (1, 1));
}
