#!/usr/bin/env python3
"""The local stack's router, on 127.0.0.1: what moto's Step Functions interpreter and the functions talk to.

- POST /2015-03-31/functions/{name-or-arn}/invocations goes to `cargo lambda watch`, the ARN turned into the
  binary name. cargo-lambda's HTTP 5xx with an errorType body becomes real Lambda semantics (200 with
  X-Amz-Function-Error: Unhandled), so the state machine's Retry and Catch see the function's error name.
  An unknown function is 404 ResourceNotFoundException at once.
- PutLogEvents answers carry AWS's `rejectedLogEventsInfo` (exclusive end of the too-old events, first too-new
  one), not moto's (the last of each).
- Everything else goes to moto. PutLogEvents calls that AWS would refuse but moto accepts (over 10,000 events,
  over 1,048,576 bytes counting 26 per event, an event over 1 MB, more than 24 hours in a batch, an empty
  message or batch, events out of order) are refused here like AWS does, so a local run fails where AWS would.

Faults, for the fault tests: POST /_elbship/faults with {"rules": [...]} adds rules, GET reports every rule with
how often it applied, DELETE clears them (with {"match": M}, only the rules whose match contains M). A rule applies to one target, to requests whose body or path contains `match`,
after `skip` such requests pass untouched, `count` times or for `seconds` (and with probability `ratio`):

  target "logs"    PutLogEvents. action "throttle": 400 ThrottlingException, not stored; "status": HTTP `status`
                   (a 5xx outage; a 4xx refusal with `code`), not stored; "lost": stored by moto, then answered 500 (a lost response); "drop":
                   stored, then the connection closes unanswered; "kill": stored, then `cargo lambda watch` and
                   every function instance are killed (SIGKILL), as a crash would, the pending invokes answered
                   as Lambda does (Unhandled, Runtime.ExitError), and cargo lambda watch started again (it never
                   restarts a killed instance), as Lambda gives the retry a fresh sandbox.
  target "lambda"  an invoke (matched on the function's name and payload). action "throttle": 429
                   TooManyRequestsException, the function not called (a throttled or concurrency-starved account).
  target "dynamodb" a DynamoDB call (matched on its body: a checkpoint's key holds the object's id). action
                   "throttle": 400 `code` (default ProvisionedThroughputExceededException), not applied; "status": HTTP
                   `status` (default 500 InternalServerError), not applied; "lost": applied by moto, then answered 500
                   (the SDK retries a write that already took effect).
  target "states"  a StartExecution (matched on its body: the execution's name and input). action "throttle": 400
                   ThrottlingException, nothing started.
  target "s3"      a GetObject with a Range header. action "slowdown": 503 SlowDown; "reset": the status line and
                   half the body, then the connection closes.

Asynchronous invokes (X-Amz-Invocation-Type: Event, as EventBridge invokes the start function): answered 202 at
once, then run as Lambda runs them: a function error is retried the template's MaximumRetryAttempts times (2), after
`--async-retry-seconds` (1 s and 2 s here; about one and two minutes on AWS), and an invoke that fails every attempt
is sent to the function's on-failure queue (moto's SQS) as Lambda's destination record (`requestContext`,
`requestPayload`, `responseContext`, `responsePayload`). Lambda also retries throttled asynchronous invokes for up to
6 hours without counting them; here a throttle counts as an attempt. GET /_elbship/async reports what was invoked,
retried, succeeded and queued.

Read visibility: CloudWatch Logs is eventually consistent for reads, so an event a function reads back with
GetLogEvents or FilterLogEvents is hidden from it until `--visibility-ms` after it was stored (its ingestionTime):
elbship's read-back meets the same race as on AWS. Readers other than the functions (the tests) see everything.

Express: ListExecutions and DescribeExecution of an Express state machine's executions are refused as AWS refuses
them (moto answers); tests observe Express executions on moto's own port (ELBSHIP_LOCAL_OBSERVER_URL).

Limits: each function runs within its deployed timeout (an invoke past it is answered Sandbox.Timedout, as Lambda
does, and the instances are killed); its peak memory and slowest invoke are measured, GET /_elbship/limits.

IAM: every request a function sends is judged against that function's own role as the synthesized template
grants it (tests/local/iam.py: the calling process tells the function, the request its action and resource ARN);
what the role does not allow is answered AccessDenied, as AWS would. GET /_elbship/iam reports what was judged
and denied; DELETE clears it.

Figures, for `make bench`: GET /_elbship/calls reports every request by API (`logs:PutLogEvents`, `s3:GetObject`,
`dynamodb:UpdateItem`, `states:StartExecution`, `lambda:Invoke`, ...) and each function's invocations and their time;
DELETE resets them.

Quotas, for `make scale`: POST /_elbship/quotas with {"rates": {"logs:CreateLogGroup": [5, 5], ...}} (requests per
second, burst) enforces AWS's per-API rates as token buckets: a call over its rate gets ThrottlingException (S3:
503 SlowDown), as from AWS. GET reports how many each refused; DELETE lifts them.

Usage: router.py --port P --moto-port M --lambda-port L --functions a,b,c
"""
import argparse
import http.client
import json
import os
import pathlib
import random
import signal
import subprocess
import re
import socket
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import iam
from procs import kill_matching, matching

MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD = 26
MAX_EVENTS = 10_000
MAX_MESSAGE = MAX_BATCH_BYTES - EVENT_OVERHEAD
DAY_MS = 24 * 3600 * 1000
INVOKE = re.compile(r"^/2015-03-31/functions/([^/]+)/invocations")
HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


def put_log_events_refusal(body):
    """Why AWS would refuse this PutLogEvents body, or None."""
    try:
        req = json.loads(body)
    except ValueError:
        return "request body is not JSON"
    events = req.get("logEvents") or []
    if not events:
        return "1 validation error: logEvents must have at least 1 element"
    if len(events) > MAX_EVENTS:
        return f"{len(events)} events: at most {MAX_EVENTS} in a batch"
    total = 0
    for i, e in enumerate(events):
        msg = e.get("message", "")
        size = len(msg.encode("utf-8"))
        if size == 0:
            return f"event {i}: empty message"
        if size > MAX_MESSAGE:
            return f"event {i}: {size} bytes, larger than {MAX_MESSAGE}"
        total += size + EVENT_OVERHEAD
    if total > MAX_BATCH_BYTES:
        return f"batch of {total} bytes (26 per event counted) is larger than {MAX_BATCH_BYTES}"
    stamps = [e.get("timestamp", 0) for e in events]
    if any(a > b for a, b in zip(stamps, stamps[1:])):
        return "log events in a single PutLogEvents request must be in chronological order"
    if stamps[-1] - stamps[0] > DAY_MS:
        return "a batch of log events in a single request cannot span more than 24 hours"
    return None


FOURTEEN_DAYS_MS = 14 * DAY_MS
TWO_HOURS_MS = 2 * 3600 * 1000


def rejected_log_events_info(body, now_ms):
    """AWS's `rejectedLogEventsInfo` for a PutLogEvents body (events in order): `tooOldLogEventEndIndex` is the
    exclusive end of the events older than 14 days, `tooNewLogEventStartIndex` the first event more than 2 hours
    ahead (inclusive). moto gives the last too-old index and the last too-new one instead. (Expired events, older
    than the group's retention, moto never reports; neither does this.)"""
    stamps = [e.get("timestamp", 0) for e in json.loads(body).get("logEvents") or []]
    info = {}
    too_old = sum(1 for t in stamps if t < now_ms - FOURTEEN_DAYS_MS)
    if too_old:
        info["tooOldLogEventEndIndex"] = too_old
    too_new = next((i for i, t in enumerate(stamps) if t > now_ms + TWO_HOURS_MS), None)
    if too_new is not None:
        info["tooNewLogEventStartIndex"] = too_new
    return info


def with_aws_rejections(data, body, now_ms):
    """moto's PutLogEvents answer with its `rejectedLogEventsInfo` replaced by AWS's."""
    try:
        answer = json.loads(data or b"{}")
    except ValueError:
        return data
    answer.pop("rejectedLogEventsInfo", None)
    info = rejected_log_events_info(body, now_ms)
    if info:
        answer["rejectedLogEventsInfo"] = info
    return json.dumps(answer).encode()


class Faults:
    """The fault rules in force and what they injected."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []
        self.injected = []

    def add(self, rules):
        with self.lock:
            self.rules += [dict(r, seen=0, applied=0, since=None) for r in rules]

    def clear(self, match=None):
        """Drops every rule, or only those whose `match` contains `match` (a test's own load balancer)."""
        with self.lock:
            if match is None:
                self.rules, self.injected = [], []
            else:
                self.rules = [r for r in self.rules if match not in r.get("match", "")]

    def report(self):
        with self.lock:
            return {"rules": [{k: v for k, v in r.items()} for r in self.rules], "injected": list(self.injected)}

    def pick(self, target, text):
        """The action to inject into this request, or None."""
        with self.lock:
            for r in self.rules:
                if r["target"] != target or r.get("match", "") not in text:
                    continue
                r["seen"] += 1
                if r["seen"] <= r.get("skip", 0):
                    continue
                now = time.time()
                if r.get("seconds") is not None:
                    r["since"] = r["since"] or now
                    if now - r["since"] > r["seconds"]:
                        continue
                elif r["applied"] >= r.get("count", 1):
                    continue
                if random.random() >= r.get("ratio", 1.0):
                    continue
                r["applied"] += 1
                self.injected.append({"target": target, "action": r["action"], "at": now})
                return r
        return None

    def unpick(self, rule):
        """Takes back an injection that could not be made (a "lost" answer for a call that stored nothing)."""
        with self.lock:
            rule["applied"] -= 1
            if self.injected:
                self.injected.pop()


class Calls:
    """What the stack was asked, by API (`logs:PutLogEvents`, `s3:GetObject`, `lambda:Invoke`, ...), with each
    function's invocations and their time: the figures of `make bench`'s cost section."""

    def __init__(self):
        self.lock = threading.Lock()
        self.clear()

    def clear(self):
        self.counts, self.functions = {}, {}

    def add(self, op):
        with self.lock:
            self.counts[op] = self.counts.get(op, 0) + 1

    def invoked(self, function, seconds):
        with self.lock:
            n, total = self.functions.get(function, (0, 0.0))
            self.functions[function] = (n + 1, total + seconds)

    def report(self):
        with self.lock:
            return {"calls": dict(self.counts),
                    "functions": {f: {"invocations": n, "seconds": t} for f, (n, t) in self.functions.items()}}


class Quotas:
    """AWS's per-API request rates, as token buckets (rate per second, burst): a call over its rate is refused with
    `ThrottlingException`, as the service would. Off until a test or `make scale` sets them."""

    def __init__(self):
        self.lock = threading.Lock()
        self.buckets = {}

    def set(self, rates):
        with self.lock:
            now = time.time()
            self.buckets = {op: {"rate": float(r), "burst": float(b), "tokens": float(b), "at": now, "refused": 0}
                            for op, (r, b) in rates.items()}

    def report(self):
        with self.lock:
            return {op: {"rate": b["rate"], "burst": b["burst"], "refused": b["refused"]} for op, b in self.buckets.items()}

    def take(self, op):
        """False when `op` is over its rate."""
        with self.lock:
            b = self.buckets.get(op)
            if b is None:
                return True
            now = time.time()
            b["tokens"] = min(b["burst"], b["tokens"] + (now - b["at"]) * b["rate"])
            b["at"] = now
            if b["tokens"] >= 1:
                b["tokens"] -= 1
                return True
            b["refused"] += 1
            return False


def operation(command, path, headers):
    """The API a request calls, as `service:Operation`."""
    target = headers.get("X-Amz-Target", "")
    if target:
        prefix, _, op = target.partition(".")
        service = {"Logs_20140328": "logs", "AWSStepFunctions": "states", "DynamoDB_20120810": "dynamodb"}.get(prefix, prefix)
        return f"{service}:{op}"
    if INVOKE.match(path):
        return "lambda:Invoke"
    parts = urllib.parse.urlsplit(path)
    has_key = len([p for p in parts.path.split("/") if p]) >= 2
    if command == "GET":
        return "s3:GetObject" if has_key else "s3:ListObjects"
    return {"PUT": "s3:PutObject" if has_key else "s3:CreateBucket", "DELETE": "s3:DeleteObject",
            "HEAD": "s3:HeadObject", "POST": "s3:Post"}.get(command, f"s3:{command}")


def kill_function_processes(functions):
    """SIGKILLs every running instance of the functions (cargo lambda watch runs them in process groups of their
    own, so killing its group leaves them running)."""
    kill_matching(lambda exe: os.path.basename(exe) in functions)


def restart_lambda(state_dir, port, functions):
    """Kills cargo lambda watch's process group and every function instance, as a crash would, and starts it
    again, once the old one is gone, on the same port; returns when the new one listens."""
    spec = json.loads((state_dir / "lambda.json").read_text())
    pid_file = state_dir / "lambda.pid"
    kill_function_processes(functions)
    try:
        old = int(pid_file.read_text())
        os.killpg(old, signal.SIGKILL)
        for _ in range(100):  # until the group is gone and its port released
            os.killpg(old, 0)
            time.sleep(0.05)
    except (OSError, ValueError):
        pass
    for _ in range(3):
        log = open(spec["log"], "ab")
        proc = subprocess.Popen(spec["cmd"], cwd=spec["cwd"], env=spec["env"], stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        pid_file.write_text(str(proc.pid))
        for _ in range(600):
            if proc.poll() is not None:
                break
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.1)
        time.sleep(1)
    raise RuntimeError("cargo lambda watch did not start again; see its log")


class StateFile:
    """A JSON object stack.py writes into the state directory, read again whenever it changes."""

    def __init__(self, path):
        self.path, self.lock = path, threading.Lock()
        self.value, self.mtime = {}, None

    def all(self):
        with self.lock:
            try:
                mtime = self.path.stat().st_mtime
            except OSError:
                return {}
            if mtime != self.mtime:
                self.value, self.mtime = json.loads(self.path.read_text()), mtime
            return self.value

    def get(self, key):
        return self.all().get(key)

    def loaded(self):
        return self.mtime is not None


class Iam:
    """The functions' roles as the synthesized template grants them (`roles.json` in the state directory, written by
    stack.py; read again when it changes), and what was judged and denied."""

    def __init__(self, state_dir):
        self.roles = StateFile(state_dir / "roles.json")
        self.lock = threading.Lock()
        self.judged, self.denied = 0, []

    def statements(self, function):
        """The function's statements; None before stack.py wrote the roles (nothing judged); a function the
        template grants nothing gets none, so everything it asks is denied."""
        roles = self.roles.all()
        return roles.get(function, []) if self.roles.loaded() else None

    def judge(self, function, action, resource):
        statements = self.statements(function)
        if statements is None:
            return True
        ok = iam.allows(statements, action, resource)
        with self.lock:
            self.judged += 1
            if not ok:
                self.denied.append({"function": function, "action": action, "resource": resource})
        return ok

    def report(self):
        with self.lock:
            return {"enforcing": self.roles.loaded(), "judged": self.judged, "denied": list(self.denied)}

    def clear(self):
        with self.lock:
            self.judged, self.denied = 0, []


class Limits:
    """Each function's deployed timeout and memory (`functions.json` in the state directory, from the template), and
    what the router measured: peak memory (the largest VmHWM of the function's processes after each invoke) and the
    slowest invoke. An invoke past its timeout is ended as Lambda ends it (`Sandbox.Timedout`)."""

    def __init__(self, state_dir):
        self.spec = StateFile(state_dir / "functions.json")
        self.lock = threading.Lock()
        self.seen = {}

    def of(self, function):
        return self.spec.get(function)

    def measured(self, function, seconds, timed_out=False):
        peak_kb = 0
        for pid, _ in matching(lambda exe: os.path.basename(exe) == function):
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            peak_kb = max(peak_kb, int(line.split()[1]))
            except (OSError, ValueError):
                continue
        with self.lock:
            m = self.seen.setdefault(function, {"peak_mb": 0.0, "slowest_s": 0.0, "timed_out": 0, "invokes": 0})
            m["peak_mb"] = max(m["peak_mb"], peak_kb / 1024)
            m["slowest_s"] = max(m["slowest_s"], seconds)
            m["invokes"] += 1
            m["timed_out"] += int(timed_out)

    def report(self):
        with self.lock:
            return {f: {**spec, **self.seen.get(f, {})} for f, spec in self.spec.all().items()}


class AsyncReport:
    """What the asynchronous invokes came to."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {"invoked": 0, "retried": 0, "succeeded": 0, "queued": 0}

    def add(self, what):
        with self.lock:
            self.counts[what] += 1

    def report(self):
        with self.lock:
            return dict(self.counts)


def run_async_invoke(server, function, path, body, headers):
    """Runs one asynchronous invoke to its end: through the router itself (so every fault and limit applies), retried
    after a function error, and its destination record sent to the on-failure queue when every attempt failed."""
    configs = StateFile(server.state_dir / "async.json")
    config = configs.get(function) or {"retries": 2}
    delays = server.async_retry_seconds
    server.async_report.add("invoked")
    status, error, data = 0, None, b""
    attempts = config["retries"] + 1
    for attempt in range(attempts):
        if attempt:
            server.async_report.add("retried")
            time.sleep(delays[min(attempt, len(delays)) - 1])
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=960)
        try:
            conn.request("POST", path, body=body, headers=headers)
            resp = conn.getresponse()
            status, error, data = resp.status, resp.getheader("X-Amz-Function-Error"), resp.read()
        except (OSError, http.client.HTTPException) as e:
            status, error, data = 0, "Unhandled", json.dumps({"errorMessage": str(e)}).encode()
        finally:
            conn.close()
        if status == 200 and not error:
            server.async_report.add("succeeded")
            return
    url = config.get("on_failure_queue_url")
    if not url:
        return
    try:
        response = json.loads(data or b"null")
    except ValueError:
        response = data.decode("utf-8", "replace")
    record = {
        "version": "1.0",
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        "requestContext": {"requestId": str(uuid.uuid4()), "condition": "RetriesExhausted",
                           "functionArn": f"arn:aws:lambda:us-east-1:123456789012:function:{function}:$LATEST",
                           "approximateInvokeCount": attempts},
        "requestPayload": json.loads(body or b"{}"),
        "responseContext": {"statusCode": status or 200, "executedVersion": "$LATEST",
                            "functionError": error or "Unhandled"},
        "responsePayload": response,
    }
    import boto3  # installed with moto
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=f"http://127.0.0.1:{server.moto_port}",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(record))
    server.async_report.add("queued")


class Router(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "elbship-router"

    def log_message(self, fmt, *args):  # quiet: the stack's log has the functions' own output
        pass

    def setup(self):
        super().setup()
        # Headers and body go out as separate writes: without TCP_NODELAY, Nagle's algorithm and the client's
        # delayed ACK hold every answer back 40 ms, ten times what moto takes.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _caller(self):
        """The function whose process sent this connection's requests, or None (cached for the connection)."""
        if not hasattr(self, "_calling_function"):
            self._calling_function = iam.calling_binary(self.client_address[1], self.server.server_address[1],
                                                        self.server.functions)
        return self._calling_function

    def _authorized(self, body):
        """Judges a function's request against its role; answers AccessDenied as the service would and returns
        False when the role does not allow it."""
        function = self._caller()
        if function is None:
            return True
        action, resource = iam.action_and_resource(self.command, self.path, self.headers, body)
        if self.server.iam.judge(function, action, resource):
            return True
        message = iam.denial(function, action, resource)
        if action.startswith("s3:"):
            xml = f"<Error><Code>AccessDenied</Code><Message>{message}</Message></Error>".encode()
            self._send(403, [("Content-Type", "application/xml")], xml)
        else:
            content_type = "application/x-amz-json-1.0" if action.startswith(("states:", "dynamodb:")) \
                else "application/x-amz-json-1.1"
            self._error(400, "AccessDeniedException", message, content_type)
        return False

    EXPRESS_REFUSED = {"ListExecutions": "StateMachineTypeNotSupported", "DescribeExecution": "InvalidArn",
                       "GetExecutionHistory": "InvalidArn", "DescribeStateMachineForExecution": "InvalidArn"}

    def _express_refused(self, body):
        """AWS keeps no history of Express executions (their record is their log group): listing or describing one
        is refused, as here; moto would answer. (A Map Run's Express children are the exception; elbship has none.)"""
        op = self.headers.get("X-Amz-Target", "").partition(".")[2]
        code = self.EXPRESS_REFUSED.get(op)
        if code is None:
            return False
        machines = self.server.machines.all()
        req = json.loads(body or b"{}")
        arn = req.get("stateMachineArn") or req.get("executionArn") or ""
        parts = arn.split(":")
        name = parts[6] if len(parts) > 6 else ""
        if machines.get(name) != "EXPRESS":
            return False
        self._error(400, code, f"{op} does not support EXPRESS state machines ({arn})", "application/x-amz-json-1.0")
        return True

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _send(self, status, headers, body):
        self.send_response(status)
        length = str(len(body))
        for k, v in headers:
            if k.lower() == "content-length" and self.command == "HEAD":
                length = v  # a HEAD answer says how long the body would be
            elif k.lower() not in HOP:
                self.send_header(k, v)
        self.send_header("Content-Length", length)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _forward(self, port, path, body):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        conn.request(self.command, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, resp.getheaders(), data

    def _invoke_async(self, function, body):
        """Lambda's asynchronous invoke: accepted at once (202), run with retries, then the on-failure queue."""
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in HOP and k.lower() != "x-amz-invocation-type"}
        path = f"/2015-03-31/functions/{function}/invocations"
        threading.Thread(target=run_async_invoke, args=(self.server, function, path, body, headers),
                         daemon=True).start()
        return self._send(202, [("x-amzn-RequestId", str(uuid.uuid4()))], b"")

    def _invoke(self, name, body):
        name = urllib.parse.unquote(name)
        function = name.split(":function:")[-1].split(":")[0] if ":function:" in name else name
        if function not in self.server.functions:
            err = {"Type": "User", "Message": f"Function not found: {name}"}
            return self._send(404, [("x-amzn-ErrorType", "ResourceNotFoundException"), ("Content-Type", "application/json"),
                                    ("x-amzn-RequestId", str(uuid.uuid4()))],
                              json.dumps(err).encode())
        if self.headers.get("X-Amz-Invocation-Type") == "Event":
            return self._invoke_async(function, body)
        rule = self.server.faults.pick("lambda", function + " " + body.decode("utf-8", "replace"))
        if rule is not None:  # "throttle": Lambda's 429, which the state machine sees as Lambda.TooManyRequestsException
            err = {"Type": "User", "message": "Rate Exceeded.", "Reason": "ConcurrentInvocationLimitExceeded"}
            return self._send(429, [("x-amzn-ErrorType", "TooManyRequestsException"), ("Content-Type", "application/json"),
                                    ("x-amzn-RequestId", str(uuid.uuid4()))], json.dumps(err).encode())
        with self.server.pending_lock:
            pending = {"generation": self.server.kills, "conn": None}
            self.server.pending.append(pending)
        started = time.time()
        limits = self.server.limits.of(function)
        timeout = limits["timeout"] if limits else None
        try:
            status, headers, data = self._forward_invoke(f"/2015-03-31/functions/{function}/invocations", body, pending,
                                                         timeout)
            self.server.calls.invoked(function, time.time() - started)
            self.server.limits.measured(function, time.time() - started)
        except TimeoutError:
            # Past its deployed timeout: Lambda stops the sandbox and reports Sandbox.Timedout. Here the instance is
            # killed with every other (cargo lambda watch never restarts one): their invokes end Runtime.ExitError.
            self.server.limits.measured(function, time.time() - started, timed_out=True)
            with self.server.pending_lock:
                self.server.pending.remove(pending)
            err = {"errorType": "Sandbox.Timedout",
                   "errorMessage": f"RequestId: local Error: Task timed out after {timeout:.2f} seconds"}
            self._send(200, [("x-amzn-RequestId", str(uuid.uuid4())), ("X-Amz-Executed-Version", "$LATEST"),
                             ("X-Amz-Function-Error", "Unhandled"), ("Content-Type", "application/json")],
                       json.dumps(err).encode())
            self._kill_functions()
            return None
        except (OSError, http.client.HTTPException):
            with self.server.pending_lock:
                # Under way when the functions were killed, or broken while they were coming back: a crash, as
                # Lambda reports it, not a lost connection to moto's interpreter.
                killed = (self.server.kills > pending["generation"]
                          or time.time() - self.server.last_kill_at < 30)
            if not killed:
                raise
            err = {"errorType": "Runtime.ExitError",
                   "errorMessage": "RequestId: local Error: Runtime exited with error: signal: killed"}
            return self._send(200, [("x-amzn-RequestId", str(uuid.uuid4())), ("X-Amz-Executed-Version", "$LATEST"),
                                    ("X-Amz-Function-Error", "Unhandled"), ("Content-Type", "application/json")],
                              json.dumps(err).encode())
        finally:
            with self.server.pending_lock:
                if pending in self.server.pending:
                    self.server.pending.remove(pending)
        # Real Lambda answers carry a request id and the version run; boto3 (moto's interpreter) relies on them.
        headers = [h for h in headers if h[0].lower() != "x-amzn-requestid"]
        headers += [("x-amzn-RequestId", str(uuid.uuid4())), ("X-Amz-Executed-Version", "$LATEST")]
        if status >= 500:
            try:
                payload = json.loads(data)
            except ValueError:
                payload = None
            if isinstance(payload, dict) and "errorType" in payload:
                return self._send(200, headers[-2:] + [("X-Amz-Function-Error", "Unhandled"),
                                                       ("Content-Type", "application/json")], data)
        return self._send(status, headers, data)

    def _forward_invoke(self, path, body, pending, timeout=None):
        """Forwards an invoke to cargo lambda watch, waiting (up to 2 minutes) for one restarted after a kill; a
        function that answers nothing within its deployed `timeout` (seconds, plus 2 of grace) raises TimeoutError."""
        deadline = time.time() + 120
        while True:
            conn = http.client.HTTPConnection("127.0.0.1", self.server.lambda_port,
                                              timeout=(timeout + 2) if timeout else 900)
            try:
                conn.connect()
                conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                break
            except ConnectionRefusedError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        pending["conn"] = conn
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        conn.request("POST", path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, resp.getheaders(), data

    def _kill_functions(self):
        with self.server.pending_lock:
            self.server.kills += 1  # every invoke under way now was answered by an instance that is about to die
            self.server.last_kill_at = time.time()
            pending = list(self.server.pending)
        restart_lambda(self.server.state_dir, self.server.lambda_port, self.server.functions)
        with self.server.pending_lock:
            self.server.kills += 1  # and so was any invoke that began while it died
            self.server.last_kill_at = time.time()
        for p in pending:  # their workers are gone: end the wait for an answer that will never come
            conn = p.get("conn")
            if conn is not None and conn.sock is not None:
                try:
                    conn.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _error(self, status, code, message, content_type="application/x-amz-json-1.1"):
        err = {"__type": code, "message": message}
        return self._send(status, [("x-amzn-ErrorType", code), ("Content-Type", content_type),
                                   ("x-amzn-RequestId", str(uuid.uuid4()))], json.dumps(err).encode())

    def _faults(self, body):
        faults = self.server.faults
        if self.command == "POST":
            faults.add(json.loads(body or b"{}").get("rules", []))
        elif self.command == "DELETE":
            faults.clear(json.loads(body or b"{}").get("match"))
        return self._send(200, [("Content-Type", "application/json")], json.dumps(faults.report()).encode())

    def _put_log_events(self, body):
        why = put_log_events_refusal(body)
        if why:
            return self._error(400, "InvalidParameterException", why)
        rule = self.server.faults.pick("logs", body.decode("utf-8", "replace"))
        action = rule and rule["action"]
        if action == "throttle":
            return self._error(400, "ThrottlingException", "Rate exceeded")
        if action == "status":
            return self._error(rule.get("status", 500), rule.get("code", "ServiceUnavailableException"), "injected")
        now_ms = int(time.time() * 1000)
        status, headers, data = self._forward(self.server.moto_port, self.path, body)
        if status == 200:
            data = with_aws_rejections(data, body, now_ms)
        if action in ("lost", "kill", "drop") and status != 200:
            # These faults mean "stored, then the answer was lost": a call that stored nothing (a stream not created
            # yet) gets its real answer, and the fault waits for the next call.
            self.server.faults.unpick(rule)
            return self._send(status, headers, data)
        if action == "lost":
            return self._error(500, "InternalFailure", "injected: stored, then the answer was lost")
        if action == "kill":
            self._kill_functions()
            return None
        if action == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        return self._send(status, headers, data)

    def _dynamodb(self, body):
        rule = self.server.faults.pick("dynamodb", body.decode("utf-8", "replace"))
        action = rule and rule["action"]
        json10 = "application/x-amz-json-1.0"
        if action == "throttle":
            return self._error(400, rule.get("code", "ProvisionedThroughputExceededException"), "injected", json10)
        if action == "status":
            return self._error(rule.get("status", 500), rule.get("code", "InternalServerError"), "injected", json10)
        status, headers, data = self._forward(self.server.moto_port, self.path, body)
        if action == "lost":
            if status != 200:
                self.server.faults.unpick(rule)
                return self._send(status, headers, data)
            return self._error(500, "InternalServerError", "injected: applied, then the answer was lost", json10)
        return self._send(status, headers, data)

    def _read_log_events(self, body):
        """GetLogEvents or FilterLogEvents for a function: what was stored less than the visibility delay ago is not
        readable yet."""
        status, headers, data = self._forward(self.server.moto_port, self.path, body)
        delay = self.server.visibility_ms
        if status != 200 or delay <= 0 or self._caller() is None:
            return self._send(status, headers, data)
        out = json.loads(data or b"{}")
        visible_before = int(time.time() * 1000) - delay
        out["events"] = [e for e in out.get("events", []) if e.get("ingestionTime", 0) <= visible_before]
        return self._send(status, headers, json.dumps(out).encode())

    def _ranged_get(self, body):
        rule = self.server.faults.pick("s3", self.path)
        action = rule and rule["action"]
        if action == "slowdown":
            xml = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
            return self._send(503, [("Content-Type", "application/xml")], xml)
        status, headers, data = self._forward(self.server.moto_port, self.path, body)
        if action == "reset" and status in (200, 206) and len(data) > 1:
            self.send_response(status)
            for k, v in headers:
                if k.lower() not in HOP:
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        return self._send(status, headers, data)

    def _stats(self, body):
        if self.path.startswith("/_elbship/calls"):
            if self.command == "DELETE":
                with self.server.calls.lock:
                    self.server.calls.clear()
            report = self.server.calls.report()
        else:
            if self.command == "POST":
                self.server.quotas.set(json.loads(body or b"{}").get("rates", {}))
            elif self.command == "DELETE":
                self.server.quotas.set({})
            report = self.server.quotas.report()
        return self._send(200, [("Content-Type", "application/json")], json.dumps(report).encode())

    def _throttled(self, op):
        if op.startswith("s3:"):
            xml = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
            return self._send(503, [("Content-Type", "application/xml")], xml)
        content_type = "application/x-amz-json-1.0" if op.startswith(("states:", "dynamodb:")) else "application/x-amz-json-1.1"
        return self._error(400, "ThrottlingException", f"Rate exceeded ({op})", content_type)

    def _handle(self):
        body = self._body()
        if self.path.startswith("/_elbship/faults"):
            return self._faults(body)
        if self.path.startswith(("/_elbship/calls", "/_elbship/quotas")):
            return self._stats(body)
        if self.path.startswith("/_elbship/limits"):
            return self._send(200, [("Content-Type", "application/json")],
                              json.dumps(self.server.limits.report()).encode())
        if self.path.startswith("/_elbship/async"):
            return self._send(200, [("Content-Type", "application/json")],
                              json.dumps(self.server.async_report.report()).encode())
        if self.path.startswith("/_elbship/iam"):
            if self.command == "DELETE":
                self.server.iam.clear()
            return self._send(200, [("Content-Type", "application/json")], json.dumps(self.server.iam.report()).encode())
        if not self.path.startswith("/moto-api") and not self._authorized(body):
            return None
        if self.headers.get("X-Amz-Target", "").startswith("AWSStepFunctions.") and self._express_refused(body):
            return None
        if self.headers.get("X-Amz-Target", "") == "AWSStepFunctions.StartExecution" and \
                self.server.faults.pick("states", body.decode("utf-8", "replace")):
            return self._error(400, "ThrottlingException", "Rate exceeded", "application/x-amz-json-1.0")
        if not self.path.startswith("/moto-api"):
            op = operation(self.command, self.path, self.headers)
            self.server.calls.add(op)
            if not self.server.quotas.take(op):
                return self._throttled(op)
        m = INVOKE.match(self.path)
        if m and self.command == "POST":
            return self._invoke(m.group(1), body)
        if self.headers.get("X-Amz-Target", "").endswith(".PutLogEvents"):
            return self._put_log_events(body)
        if self.headers.get("X-Amz-Target", "").startswith("DynamoDB_"):
            return self._dynamodb(body)
        if self.headers.get("X-Amz-Target", "").endswith((".GetLogEvents", ".FilterLogEvents")):
            return self._read_log_events(body)
        if self.command == "GET" and self.headers.get("Range"):
            return self._ranged_get(body)
        status, headers, data = self._forward(self.server.moto_port, self.path, body)
        return self._send(status, headers, data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--moto-port", type=int, required=True)
    ap.add_argument("--lambda-port", type=int, required=True)
    ap.add_argument("--functions", required=True)
    ap.add_argument("--state-dir", type=pathlib.Path, required=True)
    ap.add_argument("--visibility-ms", type=int, default=0)
    ap.add_argument("--async-retry-seconds", default="60,120")
    a = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", a.port), Router)
    server.daemon_threads = True
    server.moto_port, server.lambda_port = a.moto_port, a.lambda_port
    server.functions = set(a.functions.split(","))
    server.visibility_ms = a.visibility_ms
    server.async_retry_seconds = [float(v) for v in a.async_retry_seconds.split(",")]
    server.async_report = AsyncReport()
    server.faults = Faults()
    server.calls, server.quotas = Calls(), Quotas()
    server.pending, server.pending_lock, server.kills, server.last_kill_at = [], threading.Lock(), 0, 0.0
    server.state_dir = a.state_dir
    server.iam = Iam(a.state_dir)
    server.limits = Limits(a.state_dir)
    server.machines = StateFile(a.state_dir / "machines.json")  # state machine name -> type, for Express refusals
    print(f"router on 127.0.0.1:{a.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
