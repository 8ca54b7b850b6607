#!/usr/bin/env python3
"""What AWS would refuse at deploy, refused here first, offline, by the validators AWS and its users run.

1. `asl-validator` (npm, pinned in cdk/package.json) on every state machine definition: the files in statemachine/
   and the definitions the synthesized template holds (what CloudFormation would send to Step Functions), their
   substitutions replaced by ARNs of the shape they resolve to. It refuses what Step Functions refuses at create
   (DUPLICATE_STATE_NAMES, bad paths, unknown fields) that moto runs happily.
2. `cfn-lint` (PyPI, pinned in scripts/install-deps.sh) on the synthesized templates (elbship's, and the
   organization's destination role and source bucket stacks): 0 errors; every warning must be
   one judged in JUDGED below (its rule and why it is right here), so a new warning fails until someone judges it.
3. The state machines' roles against what their definitions make Step Functions do on their behalf (invoke each
   function, start, describe, stop and redrive a Distributed Map's children as `execution:<name>/<label>:<id>`,
   list the source, write results): Step Functions acts inside moto, where the router cannot judge it, so this is
   checked over the template with the evaluator the router uses (tests/local/iam.py).

The template is synthesized as `make cdk` does (bundling skipped: the functions' code does not change what is
validated). Usage: tests/validate/offline.py [--template T] (synthesizes one when no template is given).
"""
import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests/local"))
from synth import synthesize  # noqa: E402
import iam  # noqa: E402

ASL_VALIDATOR = ROOT / "cdk/node_modules/.bin/asl-validator"
# cfn-lint warnings that are right for this template, by rule, with the reason.
JUDGED = {
    "W3005": "CDK adds an explicit DependsOn on a role (and its default policy) that a GetAtt already implies; "
             "CloudFormation accepts the redundancy, and the order it states is the one CDK needs",
}
# The organization's other stacks, as an operator synthesizes them (docs/organization.md).
ORGANIZATION_STACKS = {
    "ElbshipDestinationRole": {"elbship:stack": "destination-role"},
    "ElbshipSourceBucket": {"elbship:stack": "source-bucket", "elbship:sourceBucketName": "org-elb-logs",
                            "elbship:elbshipAccount": "111122223333", "elbship:allowedAccounts": "222233334444",
                            "elbship:deployBucketPolicy": "true"},
}
PLACEHOLDERS = {
    "Arn": "arn:aws:lambda:eu-west-1:111122223333:function:elbship-placeholder",
    "Ref": "elbship-placeholder-bucket",
}


def asl_files():
    return sorted((ROOT / "statemachine").glob("*.asl.json"))


def template_definitions(template, arn=None, ref=None):
    """Each state machine's definition as the template deploys it, by logical id, with its type: substitutions
    resolved by `arn(name)` (a `Fn::GetAtt` ... `Arn`) and `ref(name)` (anything else), placeholders by default."""
    arn = arn or (lambda name: PLACEHOLDERS["Arn"])
    ref = ref or (lambda name: PLACEHOLDERS["Ref"])
    out = {}
    for logical_id, r in template["Resources"].items():
        if r["Type"] != "AWS::StepFunctions::StateMachine":
            continue
        props = r["Properties"]
        text = props["DefinitionString"]
        if not isinstance(text, str):
            raise SystemExit(f"{logical_id}: DefinitionString is not a plain string; cannot validate it offline")
        for name, value in props.get("DefinitionSubstitutions", {}).items():
            if isinstance(value, dict) and "Fn::GetAtt" in value:
                value = arn(name)
            elif isinstance(value, dict):
                value = ref(name)
            text = text.replace("${" + name + "}", value)
        if "${" in text:
            raise SystemExit(f"{logical_id}: unresolved substitutions left in its definition")
        out[logical_id] = (props.get("StateMachineType", "STANDARD"), text)
    return out


def validate_asl(label, path):
    run = subprocess.run([str(ASL_VALIDATOR), "--json-path", str(path)], capture_output=True, text=True)
    ok = run.returncode == 0
    print(f"  asl-validator {'ok  ' if ok else 'FAIL'} {label}")
    if not ok:
        print(("    " + (run.stdout + run.stderr).strip()).replace("\n", "\n    "))
    return ok


def cfn_lint(template_path):
    run = subprocess.run(["cfn-lint", "--format", "parseable", str(template_path)],
                         capture_output=True, text=True)
    findings = [line for line in run.stdout.splitlines() if line.strip()]
    errors, judged, unjudged = [], [], []
    for line in findings:
        m = re.search(r":([EWI]\d{4}):", line)
        rule = m.group(1) if m else "?"
        if rule.startswith("E") or rule == "?":
            errors.append(line)
        elif rule in JUDGED:
            judged.append(rule)
        else:
            unjudged.append(line)
    if run.returncode not in (0, 2, 4, 6, 8, 10, 12, 14) and not findings:
        errors.append(f"cfn-lint exited {run.returncode}: {run.stderr.strip()}")
    print(f"  cfn-lint: {len(errors)} errors, {len(judged) + len(unjudged)} warnings "
          f"({len(judged)} judged right, {len(unjudged)} not judged)")
    for rule in sorted(set(judged)):
        print(f"    {rule} x{judged.count(rule)}: {JUDGED[rule]}")
    for line in errors + unjudged:
        print(f"    {line}")
    return not errors and not unjudged


def walk(states):
    for name, state in states.items():
        yield name, state
        processor = state.get("ItemProcessor") or state.get("Iterator") or {}
        yield from walk(processor.get("States", {}))
        for branch in state.get("Branches", []):
            yield from walk(branch.get("States", {}))


def state_machine_needs(template):
    """What each state machine's role must be allowed, read from its definition: (machine, what, action, ARN).
    These requests are made by Step Functions itself inside moto, where the router cannot judge them."""
    resources = template["Resources"]
    region, account = iam.REGION, iam.ACCOUNT
    for logical_id, r in resources.items():
        if r["Type"] != "AWS::StepFunctions::StateMachine":
            continue
        props = r["Properties"]
        name = iam.resolve({"Fn::GetAtt": [logical_id, "Name"]}, resources)
        text = props["DefinitionString"]
        for key, value in props.get("DefinitionSubstitutions", {}).items():
            text = text.replace("${" + key + "}", iam.resolve(value, resources))
        doc = json.loads(text)
        yield name, "execution logging", "logs:CreateLogDelivery", "*"
        for state_name, state in walk(doc["States"]):
            if state.get("Type") == "Task" and state.get("Resource") == "arn:aws:states:::lambda:invoke":
                fn = state["Parameters"]["FunctionName"]
                yield name, f"{state_name} invokes", "lambda:InvokeFunction", fn
            processor = state.get("ItemProcessor", {}).get("ProcessorConfig", {})
            if state.get("Type") != "Map" or processor.get("Mode") != "DISTRIBUTED":
                continue
            child = f"arn:aws:states:{region}:{account}:execution:{name}/{state_name}-label:0123-abcd"
            yield name, f"{state_name} starts its children", "states:StartExecution", \
                f"arn:aws:states:{region}:{account}:stateMachine:{name}"
            for action in ("states:DescribeExecution", "states:StopExecution", "states:RedriveExecution"):
                yield name, f"{state_name} child executions", action, child
            reader = state.get("ItemReader", {})
            if reader.get("Resource") == "arn:aws:states:::s3:listObjectsV2":
                yield name, f"{state_name} lists the source", "s3:ListBucket", f"arn:aws:s3:::{iam.LOCAL_NAMES['source']}"
            writer = state.get("ResultWriter", {}).get("Parameters", {})
            if writer:
                key = f"arn:aws:s3:::{writer['Bucket']}/{writer.get('Prefix', '')}/run/manifest.json"
                for action in ("s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts",
                               "s3:AbortMultipartUpload"):
                    yield name, f"{state_name} writes its results", action, key


def state_machine_roles(template):
    roles = iam.state_machine_roles(template)
    missing = [(m, what, action, arn) for m, what, action, arn in state_machine_needs(template)
               if not iam.allows(roles.get(m, []), action, arn)]
    checked = sum(1 for _ in state_machine_needs(template))
    print(f"  {checked} grants the definitions need, {len(missing)} missing")
    for m, what, action, arn in missing:
        print(f"    MISSING {m}: {what}: {action} on {arn}")
    return not missing


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--template", type=Path)
    a = ap.parse_args()
    if not ASL_VALIDATOR.exists():
        raise SystemExit("asl-validator is not installed: run scripts/install-deps.sh")
    with tempfile.TemporaryDirectory(prefix="elbship-validate-") as tmp:
        template_path = a.template or synthesize(Path(tmp) / "cdk.out")
        template = json.loads(Path(template_path).read_text())
        ok = True
        print("== state machine definitions (asl-validator)")
        # The validator must refuse what AWS refuses: a definition that names a state twice (in two Map
        # ItemProcessors, as elbship-backfill.asl.json once did) must fail here, or this check proves nothing.
        canary = Path(tmp) / "duplicate-state-name.asl.json"
        inner = {"StartAt": "Work", "States": {"Work": {"Type": "Pass", "End": True}}}
        mapped = {"Type": "Map", "ItemProcessor": inner, "End": True}
        canary.write_text(json.dumps({"StartAt": "A", "States": {"A": dict(mapped, End=None, Next="B"), "B": mapped}},
                                     default=str).replace('"End": null, ', ""))
        if subprocess.run([str(ASL_VALIDATOR), "--json-path", str(canary)], capture_output=True).returncode == 0:
            print("  asl-validator FAIL: it accepted a duplicate state name, which AWS refuses")
            ok = False
        for f in asl_files():
            ok &= validate_asl(str(f.relative_to(ROOT)), f)
        for logical_id, (_, text) in template_definitions(template).items():
            path = Path(tmp) / f"{logical_id}.asl.json"
            path.write_text(text)
            ok &= validate_asl(f"template {logical_id}", path)
        print("== the synthesized template (cfn-lint)")
        ok &= cfn_lint(template_path)
        print("== the state machines' roles, against what their definitions make Step Functions do (template)")
        ok &= state_machine_roles(template)
        for stack, context in ORGANIZATION_STACKS.items():
            print(f"== the {stack} template (cfn-lint)")
            ok &= cfn_lint(synthesize(Path(tmp) / f"cdk.out.{stack}", context, stack))
    print("offline validation: " + ("passed" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
