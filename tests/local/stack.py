#!/usr/bin/env python3
"""The local AWS stack: moto server (S3, CloudWatch Logs, Step Functions executing the ASL), `cargo lambda watch`
serving the five functions, and the router between them, all on 127.0.0.1.

  stack.py up     start everything in the background, create the buckets and the state machine, print the
                  environment to use as `export NAME=value` lines (also written to .local/env)
  stack.py down   stop exactly what `up` started
  stack.py env    print the environment of the running stack
  stack.py iam    what the router judged against the functions' roles; exits 1 if it denied anything
  stack.py limits each function's peak memory and slowest invoke against its deployed size and timeout

Settings (environment): ELBSHIP_LOCAL_SPAN_SIZE (default 1MiB, so that small objects get several spans),
ELBSHIP_LOCAL_CONCURRENCY (default 4), ELBSHIP_LOCAL_RELEASE=1 (functions built with --release),
ELBSHIP_LOCAL_EXPRESS_MAX (default 256KiB, so that the tests' larger objects take the Standard route),
ELBSHIP_LOCAL_DEFINITION (a definition file to run instead of the one the CDK app synthesizes),
ELBSHIP_LOCAL_VISIBILITY_MS (default 1500: how long a stored event stays unreadable to the functions, as CloudWatch
Logs reads are eventually consistent) and ELBSHIP_LOCAL_SETTLE_SECONDS (default 4: the functions'
ELBSHIP_READBACK_SETTLE_SECONDS, which must outlast it).

The state machines are the ones `cdk synth` produces (cdk/, bundling skipped), their Fn::GetAtt substitutions resolved
to the local functions' ARNs: what runs locally is what deploys.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from procs import kill_matching

VISIBILITY_MS = os.environ.get("ELBSHIP_LOCAL_VISIBILITY_MS", "1500")
# Lambda retries a failed asynchronous invoke after about one minute, then two: locally after 1 s, then 2 s.
ASYNC_RETRY_SECONDS = os.environ.get("ELBSHIP_LOCAL_ASYNC_RETRY_SECONDS", "1,2")
ON_FAILURE_QUEUE = "elbship-start-on-failure"
from synth import synthesize
import iam

ROOT = Path(__file__).resolve().parents[2]
STATE = ROOT / ".local"
REGION = "us-east-1"
ACCOUNT = "123456789012"
FUNCTIONS = ["elbship-start", "elbship-plan", "elbship-ship", "elbship-verify", "elbship-object"]
LOG_BUCKET = "elbship-logs"
STAGING_BUCKET = "elbship-staging"
CHECKPOINT_TABLE = "elbship-checkpoints"
STATE_MACHINE = "elbship"
EXPRESS_STATE_MACHINE = "elbship-express"
BACKFILL_STATE_MACHINE = "elbship-backfill"
# The CDK app's construct id of each state machine -> (local name, type).
MACHINES = {"state-machine": (STATE_MACHINE, "STANDARD"), "express-state-machine": (EXPRESS_STATE_MACHINE, "EXPRESS"),
            "backfill-state-machine": (BACKFILL_STATE_MACHINE, "STANDARD")}
# The local stand-in's deadlines (feature `cargo-lambda-watch` of elbship-app, through elbship-ship and elbship-object): never
# deployed.
LOCAL_FEATURES = "elbship-ship/cargo-lambda-watch,elbship-object/cargo-lambda-watch"
CREDS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": REGION,
         "AWS_DEFAULT_REGION": REGION}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, what, proc, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with {proc.returncode}; see {STATE}/{what}.log")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"{what} did not listen on {port} within {timeout}s; see {STATE}/{what}.log")


def spawn(name, cmd, env):
    log = open(STATE / f"{name}.log", "ab")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    return proc


def function_arn(name):
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def synthesized_template():
    """The template as `cdk synth` writes it (bundling skipped); the functions' roles from it go to roles.json,
    which the router enforces."""
    template = json.loads(synthesize(STATE / "cdk.out").read_text())
    (STATE / "roles.json").write_text(json.dumps(iam.function_roles(template)))
    (STATE / "functions.json").write_text(json.dumps(function_limits(template)))
    return template


def function_limits(template):
    """Each function's deployed timeout (seconds) and memory (MB), by binary name: the router ends an invoke past
    its timeout as Lambda does and measures each function's peak memory against its size."""
    out = {}
    for r in template["Resources"].values():
        if r["Type"] != "AWS::Lambda::Function":
            continue
        name = "elbship-" + r["Metadata"]["aws:cdk:path"].split("/")[-2]
        if name in FUNCTIONS:
            out[name] = {"timeout": r["Properties"].get("Timeout", 3), "memory_mb": r["Properties"].get("MemorySize", 128)}
    return out


def async_invoke_configs(template):
    """Each function's asynchronous invoke configuration (retries, on-failure destination) as the template deploys
    it, by binary name: the router's stand-in for Lambda's asynchronous invokes follows it."""
    functions = {lid: "elbship-" + r["Metadata"]["aws:cdk:path"].split("/")[-2]
                 for lid, r in template["Resources"].items() if r["Type"] == "AWS::Lambda::Function"}
    out = {}
    for r in template["Resources"].values():
        if r["Type"] != "AWS::Lambda::EventInvokeConfig":
            continue
        props = r["Properties"]
        name = functions.get(props["FunctionName"].get("Ref", ""))
        if name in FUNCTIONS:
            out[name] = {"retries": props.get("MaximumRetryAttempts", 2),
                         "on_failure": bool(props.get("DestinationConfig", {}).get("OnFailure"))}
    return out


def synthesized_definitions(template):
    """The definitions as `cdk synth` deploys them, by construct id, their substitutions resolved to local function
    ARNs and buckets."""
    resources = template["Resources"]
    machines = [r for r in resources.values() if r["Type"] == "AWS::StepFunctions::StateMachine"]
    definitions = {}
    for machine in machines:
        props = machine["Properties"]
        construct = machine["Metadata"]["aws:cdk:path"].split("/")[-2]  # Elbship/workflow/state-machine/Resource
        if construct not in MACHINES or MACHINES[construct][1] != props["StateMachineType"]:
            raise SystemExit(f"an unknown state machine in the synthesized template: {construct}")
        text = props["DefinitionString"]
        for name, value in props.get("DefinitionSubstitutions", {}).items():
            text = text.replace("${" + name + "}", resolve(resources, name, value))
        definitions[construct] = text
    if sorted(definitions) != sorted(MACHINES):
        raise SystemExit(f"expected the state machines {sorted(MACHINES)}, found {sorted(definitions)}")
    return definitions


def resolve(resources, name, value):
    """A substitution's local value: a function's ARN, the staging bucket, or a literal."""
    if isinstance(value, str):
        return value
    if "Ref" in value and "staging" in resources[value["Ref"]]["Metadata"]["aws:cdk:path"]:
        return STAGING_BUCKET
    logical_id, attribute = value.get("Fn::GetAtt", [None, None])
    path = resources.get(logical_id, {}).get("Metadata", {}).get("aws:cdk:path", "")
    function = "elbship-" + path.split("/")[-2] if path else None
    if attribute != "Arn" or function not in FUNCTIONS:
        raise SystemExit(f"cannot resolve substitution {name} = {value} ({path})")
    return function_arn(function)


def definitions(template):
    custom = os.environ.get("ELBSHIP_LOCAL_DEFINITION")
    found = synthesized_definitions(template)
    if custom:
        text = Path(custom).read_text()
        for key, fn in [("PlanFunctionArn", "elbship-plan"), ("ShipFunctionArn", "elbship-ship"),
                        ("VerifyFunctionArn", "elbship-verify")]:
            text = text.replace("${" + key + "}", function_arn(fn))
        found["state-machine"] = text
    for text in found.values():
        if "${" in text:
            raise SystemExit("a state machine definition has unresolved substitutions")
        json.loads(text)
    return found


def invoke(router, name, payload):
    req = urllib.request.Request(f"http://127.0.0.1:{router}/2015-03-31/functions/{name}/invocations",
                                 data=json.dumps(payload).encode(), method="POST")
    with urllib.request.urlopen(req, timeout=900) as resp:
        return resp.status, resp.headers.get("X-Amz-Function-Error"), resp.read()


def up():
    if (STATE / "stack.json").exists():
        down(quiet=True)
    STATE.mkdir(exist_ok=True)
    template = synthesized_template()
    moto, router, lam = free_port(), free_port(), free_port()
    endpoint = f"http://127.0.0.1:{router}"
    base = {**os.environ, **CREDS}
    pids = {}
    try:
        p = spawn("moto", [sys.executable, str(ROOT / "tests/local/moto_server.py"), "-H", "127.0.0.1", "-p", str(moto)], {**base, "MOTO_PORT": str(router)})
        pids["moto"] = p.pid
        wait_port(moto, "moto", p)
        config = urllib.request.Request(f"http://127.0.0.1:{moto}/moto-api/config", method="POST",
                                        data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode())
        urllib.request.urlopen(config, timeout=30).read()

        p = spawn("router", [sys.executable, str(ROOT / "tests/local/router.py"), "--port", str(router), "--moto-port",
                             str(moto), "--lambda-port", str(lam), "--functions", ",".join(FUNCTIONS),
                             "--state-dir", str(STATE), "--visibility-ms", VISIBILITY_MS,
                             "--async-retry-seconds", ASYNC_RETRY_SECONDS], base)
        pids["router"] = p.pid
        wait_port(router, "router", p)

        sm_arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{STATE_MACHINE}"
        express_arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{EXPRESS_STATE_MACHINE}"
        express_max = os.environ.get("ELBSHIP_LOCAL_EXPRESS_MAX", "256KiB")
        fenv = {
            "AWS_ENDPOINT_URL": endpoint,
            "ELBSHIP_STAGING_BUCKET": STAGING_BUCKET,
            "ELBSHIP_CHECKPOINT_TABLE": CHECKPOINT_TABLE,
            "ELBSHIP_ACCOUNT": ACCOUNT,
            "ELBSHIP_STATE_MACHINE_ARN": sm_arn,
            "ELBSHIP_EXPRESS_STATE_MACHINE_ARN": express_arn,
            "ELBSHIP_EXPRESS_MAX_BYTES": express_max,
            "ELBSHIP_SPAN_SIZE": os.environ.get("ELBSHIP_LOCAL_SPAN_SIZE", "1MiB"),
            "ELBSHIP_MAP_CONCURRENCY": os.environ.get("ELBSHIP_LOCAL_CONCURRENCY", "4"),
            "ELBSHIP_READBACK_SETTLE_SECONDS": os.environ.get("ELBSHIP_LOCAL_SETTLE_SECONDS", "4"),
            "AWS_LAMBDA_LOG_LEVEL": "info",
            "ELBSHIP_LOCAL_TIMEOUTS": ",".join(f"{f}={v['timeout']}" for f, v in function_limits(template).items()),
            **CREDS,
        }
        env_args = [a for k, v in fenv.items() for a in ("--env-var", f"{k}={v}")]
        concurrency = os.environ.get("ELBSHIP_LOCAL_CONCURRENCY", "4")
        release = ["--release"] if os.environ.get("ELBSHIP_LOCAL_RELEASE") == "1" else []
        cmd = ["cargo", "lambda", "watch", "-A", "127.0.0.1", "-P", str(lam), "--ignore-changes",
               "--concurrency", str(int(concurrency) + 2), "--features", LOCAL_FEATURES, *release, *env_args]
        p = spawn("lambda", cmd, base)
        pids["lambda"] = p.pid
        # The router restarts cargo lambda watch after a "kill" fault (it never restarts killed workers itself).
        (STATE / "lambda.json").write_text(json.dumps({"cmd": cmd, "env": base, "cwd": str(ROOT),
                                                       "log": str(STATE / "lambda.log")}))
        (STATE / "lambda.pid").write_text(str(p.pid))
        wait_port(lam, "lambda", p)
        for fn in FUNCTIONS:  # the first invoke of each function builds and starts it
            invoke(router, fn, {"warmup": True})

        import boto3  # installed with moto
        session = boto3.session.Session(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
        s3 = session.client("s3", endpoint_url=endpoint)
        for bucket in (LOG_BUCKET, STAGING_BUCKET):
            s3.create_bucket(Bucket=bucket)
        # The checkpoint table as the CDK app creates it: partition key pk, on demand, TTL on expires_at.
        ddb = session.client("dynamodb", endpoint_url=endpoint)
        ddb.create_table(TableName=CHECKPOINT_TABLE, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        ddb.update_time_to_live(TableName=CHECKPOINT_TABLE,
                                TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"})
        sfn = session.client("stepfunctions", endpoint_url=endpoint)
        found = definitions(template)
        for construct, (name, kind) in MACHINES.items():
            sfn.create_state_machine(name=name, definition=found[construct], type=kind,
                                     roleArn=f"arn:aws:iam::{ACCOUNT}:role/elbship-state-machine")
        # The start function's on-failure queue, and how its asynchronous invokes are retried, as deployed.
        sqs = session.client("sqs", endpoint_url=endpoint)
        queue_url = sqs.create_queue(QueueName=ON_FAILURE_QUEUE)["QueueUrl"]
        configs = async_invoke_configs(template)
        for config in configs.values():
            if config.pop("on_failure"):
                config["on_failure_queue_url"] = queue_url
        (STATE / "async.json").write_text(json.dumps(configs))
        # The router refuses to list or describe Express executions, as AWS does.
        (STATE / "machines.json").write_text(json.dumps({name: kind for name, kind in MACHINES.values()}))
    except BaseException:
        (STATE / "stack.json").write_text(json.dumps({"pids": pids}))
        down(quiet=True)
        raise
    exports = {
        **CREDS,
        "AWS_ENDPOINT_URL": endpoint,
        "ELBSHIP_BUCKET": LOG_BUCKET,
        "ELBSHIP_STAGING_BUCKET": STAGING_BUCKET,
        "ELBSHIP_CHECKPOINT_TABLE": CHECKPOINT_TABLE,
        "ELBSHIP_STATE_MACHINE_ARN": sm_arn,
        "ELBSHIP_EXPRESS_STATE_MACHINE_ARN": express_arn,
        "ELBSHIP_BACKFILL_STATE_MACHINE_ARN": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{BACKFILL_STATE_MACHINE}",
        "ELBSHIP_EXPRESS_MAX_BYTES": express_max,
        "ELBSHIP_LAMBDA_ENDPOINT": endpoint,
        "ELBSHIP_ON_FAILURE_QUEUE_URL": queue_url,
        # moto itself, past the router: for tests to observe what AWS shows only in logs (Express executions).
        "ELBSHIP_LOCAL_OBSERVER_URL": f"http://127.0.0.1:{moto}",
    }
    (STATE / "stack.json").write_text(json.dumps({"pids": pids, "ports": {"moto": moto, "router": router, "lambda": lam},
                                                  "exports": exports}))
    text = "".join(f"export {k}={v}\n" for k, v in exports.items())
    (STATE / "env").write_text(text)
    print(text, end="")


def down(quiet=False):
    path = STATE / "stack.json"
    if not path.exists():
        if not quiet:
            print("no local stack is running", file=sys.stderr)
        return
    pids = json.loads(path.read_text()).get("pids", {})
    # The router first, so that it restarts nothing while the stack goes down; then cargo lambda watch as the
    # router last restarted it.
    if "router" in pids:
        stop_all({"router": pids.pop("router")})
    restarted = STATE / "lambda.pid"
    if restarted.exists():
        pids["lambda"] = int(restarted.read_text())
        restarted.unlink()
    stop_all(pids)
    stray_functions()
    path.unlink()
    (STATE / "env").unlink(missing_ok=True)
    if not quiet:
        print("local stack stopped", file=sys.stderr)


def stop_all(pids):
    """SIGTERM to each process group, in reverse order of start; SIGKILL to those still there after 10 s."""
    for name, pid in reversed(list(pids.items())):
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    deadline = time.time() + 10
    for pid in pids.values():
        while time.time() < deadline:
            try:
                os.killpg(pid, 0)
                time.sleep(0.1)
            except ProcessLookupError:
                break
        else:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def stray_functions():
    """Stops function instances of this checkout that outlived cargo lambda watch (after the router restarted it,
    instances it started can be left behind)."""
    target = str((ROOT / os.environ.get("CARGO_TARGET_DIR", "target")).resolve())
    kill_matching(lambda exe: exe.startswith(target) and os.path.basename(exe) in FUNCTIONS)


def iam_report():
    """Prints what the router judged against the functions' roles; exits 1 when it denied anything, or judged
    nothing (IAM not enforced), so a missing or too-narrow grant fails the run that met it."""
    ports = json.loads((STATE / "stack.json").read_text())["ports"]
    with urllib.request.urlopen(f"http://127.0.0.1:{ports['router']}/_elbship/iam", timeout=30) as resp:
        report = json.loads(resp.read())
    print(f"IAM on the local stack: {report['judged']} function requests judged against their roles, "
          f"{len(report['denied'])} denied")
    for d in report["denied"][:20]:
        print(f"  denied: {d['function']} {d['action']} on {d['resource']}")
    if report["denied"] or not report["enforcing"] or report["judged"] == 0:
        sys.exit(1)


def limits_report():
    """Prints each function's peak memory and slowest invoke against its deployed size and timeout (as the router
    measured them); exits 1 when one went past its memory (Lambda would have killed it) or its timeout."""
    ports = json.loads((STATE / "stack.json").read_text())["ports"]
    with urllib.request.urlopen(f"http://127.0.0.1:{ports['router']}/_elbship/limits", timeout=30) as resp:
        report = json.loads(resp.read())
    over = False
    for name, f in sorted(report.items()):
        peak, size = f.get("peak_mb", 0), f["memory_mb"]
        slowest, timeout = f.get("slowest_s", 0), f["timeout"]
        flag = ""
        if peak > size or f.get("timed_out", 0):
            flag, over = "  OVER", True
        print(f"  {name:16} peak {peak:7.1f} MB of {size:5} MB, slowest invoke {slowest:6.1f} s of {timeout:4} s, "
              f"{f.get('timed_out', 0)} timed out{flag}")
    if over:
        sys.exit(1)


def env():
    path = STATE / "env"
    if not path.exists():
        raise SystemExit("no local stack is running: make local-up")
    print(path.read_text(), end="")


if __name__ == "__main__":
    {"up": up, "down": down, "env": env, "iam": iam_report, "limits": limits_report,
     "features": lambda: print(LOCAL_FEATURES)}.get(sys.argv[1] if len(sys.argv) > 1 else "", lambda: sys.exit(__doc__))()
