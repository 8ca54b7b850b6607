#!/usr/bin/env python3
"""Ask AWS itself, before a deploy, what only AWS can judge (`make validate-aws`; needs an account, not run in CI).

1. Step Functions' `ValidateStateMachineDefinition` on every state machine definition the synthesized template
   holds (its substitutions replaced by ARNs of the caller's account and Region): a result other than OK, or any
   diagnostic of severity ERROR, fails; warnings are printed.
2. IAM Access Analyzer on every policy the template holds, through AWS's `cfn-policy-validator` (PyPI), which
   resolves the template's intrinsics and calls `ValidatePolicy` for identity and resource policies alike: its
   non-zero exit (blocking findings: ERROR and SECURITY_WARNING) fails.

Needs AWS_REGION and credentials allowed `states:ValidateStateMachineDefinition`, `sts:GetCallerIdentity`,
`access-analyzer:ValidatePolicy` and what cfn-policy-validator reads (see its README). Tested against mocks in
tests/validate/test_aws.py. Usage: tests/validate/aws.py [--template T]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "local"))
import offline  # noqa: E402

CFN_POLICY_VALIDATOR = "cfn-policy-validator"


def definitions(template, account, region):
    """(logical id, type, definition) of each state machine, substitutions resolved to this account's ARN shapes."""
    found = offline.template_definitions(
        template,
        arn=lambda name: f"arn:aws:lambda:{region}:{account}:function:elbship-{name.lower()}",
        ref=lambda name: f"elbship-{name.lower()}",
    )
    for logical_id, (kind, text) in found.items():
        yield logical_id, kind, text


def validate_definitions(sfn, template, account, region):
    ok = True
    for logical_id, kind, text in definitions(template, account, region):
        answer = sfn.validate_state_machine_definition(definition=text, type=kind)
        diagnostics = answer.get("diagnostics", [])
        errors = [d for d in diagnostics if d.get("severity") == "ERROR"]
        good = answer.get("result") == "OK" and not errors
        ok &= good
        print(f"  ValidateStateMachineDefinition {'ok  ' if good else 'FAIL'} {logical_id} ({kind})")
        for d in diagnostics:
            print(f"    {d.get('severity')} {d.get('code')} at {d.get('location', '-')}: {d.get('message')}")
    return ok


def validate_policies(template_path, region, tool=CFN_POLICY_VALIDATOR):
    if shutil.which(tool) is None:
        print(f"  {tool} is not installed: pip install cfn-policy-validator==0.0.37")
        return False
    run = subprocess.run([tool, "validate", "--template-path", str(template_path), "--region", region],
                         capture_output=True, text=True)
    print(f"  IAM Access Analyzer (cfn-policy-validator): {'ok' if run.returncode == 0 else 'FAIL'}")
    output = (run.stdout + run.stderr).strip()
    if output:
        print("    " + output.replace("\n", "\n    "))
    return run.returncode == 0


def main(argv=None, sfn=None, sts=None, tool=CFN_POLICY_VALIDATOR):
    ap = argparse.ArgumentParser()
    ap.add_argument("--template", type=Path)
    a = ap.parse_args(argv)
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise SystemExit("set AWS_REGION (and credentials for the account to deploy to)")
    if sfn is None or sts is None:
        import boto3
        sfn, sts = boto3.client("stepfunctions", region_name=region), boto3.client("sts", region_name=region)
    account = sts.get_caller_identity()["Account"]
    with tempfile.TemporaryDirectory(prefix="elbship-validate-aws-") as tmp:
        if a.template:
            template_path = a.template
        else:
            from synth import synthesize
            template_path = synthesize(Path(tmp) / "cdk.out")
        template = json.loads(Path(template_path).read_text())
        print(f"== asking AWS (account {account}, {region})")
        ok = validate_definitions(sfn, template, account, region)
        ok &= validate_policies(template_path, region, tool)
    print("AWS validation: " + ("passed" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
