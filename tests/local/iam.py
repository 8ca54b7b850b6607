"""IAM on the local stack, as the synthesized template grants it: each function's requests are judged against its
own role, with the resource ARN each request names, as IAM would judge them on AWS.

moto answers every call whatever the caller may do, and its own authorization asks about resource `*` for most
services (see shared notes), so a grant scoped to an ARN could be missing or too narrow and every local test still
pass. The router sees every request; this module tells it:

- which function sent a request: the process at the other end of the TCP connection (`/proc/net/tcp` gives the
  socket's inode, `/proc/<pid>/fd` the process holding it, `/proc/<pid>/exe` its binary). One `cargo lambda watch`
  serves every function with one environment, so credentials cannot tell them apart; the process can. Requests
  from other processes (the tests, the CLI, moto's own Step Functions interpreter) are not judged;
- what the request asks for (`action_and_resource`): the IAM action and the resource ARN, as AWS's Service
  Authorization Reference defines them for S3, CloudWatch Logs, DynamoDB, Step Functions and Lambda;
- whether the function's role allows it (`Roles.allows`): the role's inline policies from the template (their
  intrinsics resolved to the local stack's names, `resolve`), evaluated statement by statement with moto's own
  policy classes (`moto.iam.access_control.IAMPolicyStatement`: Action/NotAction, Resource wildcards, explicit Deny
  wins), given the real resource. Condition keys the router cannot know are not supplied, so a statement with a
  condition never allows here (stricter than AWS); elbship's function roles have none.

What this cannot see, the state machines' roles acting inside moto (item readers, result writers, child starts,
redrives), is checked over the template by `tests/validate/offline.py` with the same evaluator.
"""
import json
import os
import urllib.parse

from moto.iam.access_control import IAMPolicyStatement, PermissionResult

from procs import matching

REGION = "us-east-1"
ACCOUNT = "123456789012"
# The local names of the template's resources, by the last part of their construct path but one.
LOCAL_NAMES = {"source": "elbship-logs", "staging": "elbship-staging", "table": "elbship-checkpoints"}
STATE_MACHINES = {"state-machine": "elbship", "express-state-machine": "elbship-express",
                  "backfill-state-machine": "elbship-backfill"}
PSEUDO = {"AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::URLSuffix": "amazonaws.com"}


def _construct(resources, logical_id):
    path = resources[logical_id].get("Metadata", {}).get("aws:cdk:path", "")
    parts = path.split("/")
    return parts[-2] if len(parts) >= 2 else logical_id


def resolve(value, resources):
    """A template value with its intrinsics resolved to the local stack's names and ARNs."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return [resolve(v, resources) for v in value]
    if not isinstance(value, dict):
        return value
    if "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(resolve(p, resources) for p in parts)
    if "Ref" in value:
        ref = value["Ref"]
        if ref in PSEUDO:
            return PSEUDO[ref]
        return _physical(resources, ref, "Ref")
    if "Fn::GetAtt" in value:
        logical_id, attribute = value["Fn::GetAtt"]
        return _physical(resources, logical_id, attribute)
    if any(k.startswith("Fn::") for k in value):
        raise ValueError(f"cannot resolve {value}")
    return {k: resolve(v, resources) for k, v in value.items()}


def _physical(resources, logical_id, attribute):
    kind = resources[logical_id]["Type"]
    construct = _construct(resources, logical_id)
    if kind == "AWS::S3::Bucket":
        name = LOCAL_NAMES[construct]
        return {"Ref": name, "Arn": f"arn:aws:s3:::{name}"}[attribute]
    if kind == "AWS::DynamoDB::Table":
        name = LOCAL_NAMES[construct]
        return {"Ref": name, "Arn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"}[attribute]
    if kind == "AWS::StepFunctions::StateMachine":
        name = STATE_MACHINES[construct]
        return {"Ref": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}", "Name": name}[attribute]
    if kind == "AWS::Lambda::Function":
        name = "elbship-" + construct
        return {"Ref": name, "Arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"}[attribute]
    if kind == "AWS::SQS::Queue":
        name = f"elbship-{construct}"
        return {"Ref": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}",
                "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"}[attribute]
    if kind == "AWS::IAM::Role":
        return {"Ref": construct, "Arn": f"arn:aws:iam::{ACCOUNT}:role/{construct}"}[attribute]
    raise ValueError(f"cannot resolve {attribute} of {logical_id} ({kind})")


def role_statements(template):
    """Each role's statements (inline policies), resolved, by role logical id."""
    resources = template["Resources"]
    by_role = {}
    for r in resources.values():
        if r["Type"] != "AWS::IAM::Policy":
            continue
        statements = r["Properties"]["PolicyDocument"]["Statement"]
        for role in r["Properties"].get("Roles", []):
            by_role.setdefault(role["Ref"], []).extend(resolve(statements, resources))
    return by_role


def _roles_of(template, kind, role_property, local_name):
    """The statements of each resource of `kind`, by `local_name(construct)` (None: left out)."""
    resources = template["Resources"]
    statements = role_statements(template)
    out = {}
    for logical_id, r in resources.items():
        if r["Type"] != kind:
            continue
        name = local_name(_construct(resources, logical_id))
        if name is not None:
            out[name] = statements.get(r["Properties"][role_property].get("Fn::GetAtt", [None])[0], [])
    return out


def function_roles(template):
    """Each function's statements, by its binary's name (`elbship-ship`, ...); CDK's own handlers left out."""
    ours = ("start", "plan", "ship", "verify", "object")
    return _roles_of(template, "AWS::Lambda::Function", "Role", lambda c: "elbship-" + c if c in ours else None)


def state_machine_roles(template):
    """Each state machine's statements, by its local name."""
    return _roles_of(template, "AWS::StepFunctions::StateMachine", "RoleArn", STATE_MACHINES.get)


def allows(statements, action, resource):
    """Whether these statements allow `action` on `resource`: an Allow matches and no Deny does. moto's statement
    class judges each one. A statement with a condition is left out: the router has no condition context, and moto
    treats a condition without values as met."""
    allowed = False
    for st in statements:
        if st.get("Condition"):
            continue  # no condition context here: the statement is not known to apply (moto would let it)
        result = IAMPolicyStatement(st).is_action_permitted(action, resource)
        if result == PermissionResult.DENIED:
            if st.get("Effect") == "Deny":
                return False
            continue  # an Allow whose condition failed: it does not apply
        if result == PermissionResult.PERMITTED:
            allowed = True
    return allowed


def action_and_resource(command, path, headers, body):
    """The IAM action a request needs and the ARN of the resource it names."""
    target = headers.get("X-Amz-Target", "")
    if target:
        prefix, _, op = target.partition(".")
        req = json.loads(body or b"{}")
        if prefix == "Logs_20140328":
            group = req.get("logGroupName")
            group_arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}"
            if op in ("PutLogEvents", "GetLogEvents"):
                return f"logs:{op}", f"{group_arn}:log-stream:{req.get('logStreamName')}"
            if op == "DescribeLogGroups" or group is None:
                return f"logs:{op}", f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:*"
            return f"logs:{op}", group_arn
        if prefix == "DynamoDB_20120810":
            return f"dynamodb:{op}", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{req.get('TableName')}"
        if prefix == "AWSStepFunctions":
            arn = (req.get("stateMachineArn") or req.get("executionArn") or req.get("mapRunArn")
                   or f"arn:aws:states:{REGION}:{ACCOUNT}:*")
            return f"states:{op}", arn
        return f"{prefix}:{op}", "*"
    parts = urllib.parse.urlsplit(path)
    if parts.path.startswith("/2015-03-31/functions/"):
        name = urllib.parse.unquote(parts.path.split("/")[3])
        arn = name if name.startswith("arn:") else f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
        return "lambda:InvokeFunction", arn
    segments = parts.path.lstrip("/").split("/", 1)
    bucket = segments[0]
    key = urllib.parse.unquote(segments[1]) if len(segments) > 1 and segments[1] else None
    query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
    if key is None:
        if command == "GET":
            return "s3:ListBucket", f"arn:aws:s3:::{bucket}"
        if command == "POST" and "delete" in query:
            return "s3:DeleteObject", f"arn:aws:s3:::{bucket}/*"
        return {"PUT": "s3:CreateBucket", "DELETE": "s3:DeleteBucket", "HEAD": "s3:ListBucket"}.get(
            command, f"s3:{command}"), f"arn:aws:s3:::{bucket}"
    action = {"GET": "s3:GetObject", "HEAD": "s3:GetObject", "PUT": "s3:PutObject", "POST": "s3:PutObject",
              "DELETE": "s3:DeleteObject"}.get(command, f"s3:{command}")
    if command == "DELETE" and "uploadId" in query:
        action = "s3:AbortMultipartUpload"
    return action, f"arn:aws:s3:::{bucket}/{key}"


def _socket_inode(peer_port, server_port):
    """The inode of the client socket 127.0.0.1:peer_port -> 127.0.0.1:server_port."""
    want_local = f"0100007F:{peer_port:04X}"
    want_remote = f"0100007F:{server_port:04X}"
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[1] == want_local and fields[2] == want_remote:
                return fields[9]
    return None


def calling_binary(peer_port, server_port, binaries):
    """The binary name (one of `binaries`) of the process that holds this client connection, or None."""
    inode = _socket_inode(peer_port, server_port)
    if inode is None:
        return None
    link = f"socket:[{inode}]"
    for pid, exe in matching(lambda exe: os.path.basename(exe) in binaries):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == link:
                    return os.path.basename(exe)
            except OSError:
                continue
    return None


def denial(function, action, resource):
    """The message AWS gives when no identity-based policy allows the action."""
    return (f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{function}/local is not authorized to perform: {action} "
            f"on resource: {resource} because no identity-based policy allows the {action} action")
