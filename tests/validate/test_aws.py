"""tests/validate/aws.py against mocks of Step Functions and STS (botocore's Stubber, the real client's request
validation) and of cfn-policy-validator (a stand-in executable): what AWS answers decides the exit code."""
import io
import json
import os
import stat
import sys
import tempfile
import unittest
from contextlib import redirect_stdout
from pathlib import Path

import boto3
from botocore.stub import Stubber

sys.path.insert(0, str(Path(__file__).resolve().parent))
import aws  # noqa: E402

TEMPLATE = {"Resources": {
    "Sm": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
        "StateMachineType": "EXPRESS",
        "DefinitionString": '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",'
                            '"Parameters":{"FunctionName":"${ObjectFunctionArn}"},"End":true}}}',
        "DefinitionSubstitutions": {"ObjectFunctionArn": {"Fn::GetAtt": ["Fn", "Arn"]}}}},
}}


class AskingAws(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.template = Path(self.tmp.name) / "t.json"
        self.template.write_text(json.dumps(TEMPLATE))
        os.environ["AWS_REGION"] = "eu-west-1"

    def tearDown(self):
        self.tmp.cleanup()

    def tool(self, exit_code):
        path = Path(self.tmp.name) / "cfn-policy-validator"
        path.write_text(f"#!/bin/sh\necho '{{\"BlockingFindings\": []}}'\nexit {exit_code}\n")
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
        return str(path)

    def run_with(self, answer, policy_exit=0):
        sfn = boto3.client("stepfunctions", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
        sts = boto3.client("sts", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
        with Stubber(sfn) as s, Stubber(sts) as t:
            t.add_response("get_caller_identity", {"Account": "111122223333", "Arn": "arn:aws:iam::111122223333:user/u",
                                                   "UserId": "u"})
            expected = {"definition": json.dumps(json.loads(TEMPLATE["Resources"]["Sm"]["Properties"]["DefinitionString"]
                                                            .replace("${ObjectFunctionArn}",
                                                                     "arn:aws:lambda:eu-west-1:111122223333:function:elbship-objectfunctionarn")),
                                                 separators=(",", ":")),
                        "type": "EXPRESS"}
            s.add_response("validate_state_machine_definition", answer, expected)
            out = io.StringIO()
            with redirect_stdout(out):
                code = aws.main(["--template", str(self.template)], sfn=sfn, sts=sts, tool=self.tool(policy_exit))
            s.assert_no_pending_responses()
        return code, out.getvalue()

    def test_a_definition_and_policies_aws_accepts_pass(self):
        code, out = self.run_with({"result": "OK", "diagnostics": []})
        self.assertEqual(code, 0, out)

    def test_a_definition_aws_refuses_fails_with_its_diagnostic(self):
        diag = {"severity": "ERROR", "code": "DUPLICATE_STATE_NAME", "message": "x", "location": "/States/A"}
        code, out = self.run_with({"result": "FAIL", "diagnostics": [diag]})
        self.assertEqual(code, 1)
        self.assertIn("DUPLICATE_STATE_NAME", out)

    def test_access_analyzer_findings_fail(self):
        code, out = self.run_with({"result": "OK", "diagnostics": []}, policy_exit=2)
        self.assertEqual(code, 1, out)


if __name__ == "__main__":
    unittest.main()
