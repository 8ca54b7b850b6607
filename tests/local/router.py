#!/usr/bin/env python3
"""The local stack's router, on 127.0.0.1: what moto's Step Functions interpreter and the functions talk to.

- POST /2015-03-31/functions/{name-or-arn}/invocations goes to `cargo lambda watch`, the ARN turned into the
  binary name. cargo-lambda's HTTP 5xx with an errorType body becomes real Lambda semantics (200 with
  X-Amz-Function-Error: Unhandled), so the state machine's Retry and Catch see the function's error name.
  An unknown function is 404 ResourceNotFoundException at once.
- Everything else goes to moto. PutLogEvents calls that AWS would refuse but moto accepts (over 10,000 events,
  over 1,048,576 bytes counting 26 per event, an event over 1 MB, more than 24 hours in a batch, an empty
  message or batch, events out of order) are refused here like AWS does, so a local run fails where AWS would.

Usage: router.py --port P --moto-port M --lambda-port L --functions a,b,c
"""
import argparse
import http.client
import json
import re
import sys
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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


class Router(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "elbship-router"

    def log_message(self, fmt, *args):  # quiet: the stack's log has the functions' own output
        pass

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
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        conn.request(self.command, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, resp.getheaders(), data

    def _invoke(self, name, body):
        name = urllib.parse.unquote(name)
        function = name.split(":function:")[-1].split(":")[0] if ":function:" in name else name
        if function not in self.server.functions:
            err = {"Type": "User", "Message": f"Function not found: {name}"}
            return self._send(404, [("x-amzn-ErrorType", "ResourceNotFoundException"), ("Content-Type", "application/json"),
                                    ("x-amzn-RequestId", str(uuid.uuid4()))],
                              json.dumps(err).encode())
        status, headers, data = self._forward(self.server.lambda_port, f"/2015-03-31/functions/{function}/invocations", body)
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

    def _handle(self):
        body = self._body()
        m = INVOKE.match(self.path)
        if m and self.command == "POST":
            return self._invoke(m.group(1), body)
        if self.headers.get("X-Amz-Target", "").endswith(".PutLogEvents"):
            why = put_log_events_refusal(body)
            if why:
                err = {"__type": "InvalidParameterException", "message": why}
                return self._send(400, [("x-amzn-ErrorType", "InvalidParameterException"),
                                        ("Content-Type", "application/x-amz-json-1.1"),
                                        ("x-amzn-RequestId", str(uuid.uuid4()))], json.dumps(err).encode())
        status, headers, data = self._forward(self.server.moto_port, self.path, body)
        return self._send(status, headers, data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--moto-port", type=int, required=True)
    ap.add_argument("--lambda-port", type=int, required=True)
    ap.add_argument("--functions", required=True)
    a = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", a.port), Router)
    server.daemon_threads = True
    server.moto_port, server.lambda_port = a.moto_port, a.lambda_port
    server.functions = set(a.functions.split(","))
    print(f"router on 127.0.0.1:{a.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
