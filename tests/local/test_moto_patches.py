"""Smoke tests of each moto patch (moto_server.py, distributed_map.py), each in process against moto itself, with the
patches loaded as moto_server.py loads them: a moto upgrade that changes what a patch replaces fails here, by name,
before an end-to-end test fails for a reason that takes an hour to find. Run by `make validate`."""
import gzip
import json
import sys
import threading
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402
from moto.core.config import default_user_config  # noqa: E402

import moto_server  # noqa: E402,F401  (the deep-copy fix, and distributed_map's patches)

ROLE = "arn:aws:iam::123456789012:role/r"
REGION = "us-east-1"


def finished(sfn, arn, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        d = sfn.describe_execution(executionArn=arn)
        if d["status"] != "RUNNING":
            return d
        time.sleep(0.05)
    raise AssertionError(f"{arn} still running")


def distributed(processor_states, reader, writer=None, tolerated=None):
    """A definition with one Distributed Map over `reader`, 25 items a batch, children of `processor_states`."""
    m = {"Type": "Map", "ItemReader": reader,
         "ItemBatcher": {"MaxItemsPerBatch": 25, "BatchInput": {"run.$": "$$.Execution.Id"}},
         "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                           "StartAt": "Child", "States": processor_states},
         "End": True}
    if writer:
        m["ResultWriter"] = writer
    if tolerated is not None:
        m["ToleratedFailurePercentage"] = tolerated
    return json.dumps({"StartAt": "Fill", "States": {"Fill": m}})


class MotoPatches(unittest.TestCase):
    def setUp(self):
        default_user_config["stepfunctions"] = {"execute_state_machine": True}
        self.mock = mock_aws()
        self.mock.start()
        self.sfn = boto3.client("stepfunctions", region_name=REGION)
        self.s3 = boto3.client("s3", region_name=REGION)
        self.s3.create_bucket(Bucket="elb-logs")
        self.s3.create_bucket(Bucket="elb-staging")

    def tearDown(self):
        self.mock.stop()

    def run_definition(self, definition, name="m"):
        arn = self.sfn.create_state_machine(name=name, definition=definition, roleArn=ROLE)["stateMachineArn"]
        execution = self.sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
        return arn, execution, finished(self.sfn, execution)

    def put_objects(self, n):
        for i in range(n):
            self.s3.put_object(Bucket="elb-logs", Key=f"AWSLogs/{i:05d}.log", Body=b"x")

    def test_executions_run_side_by_side(self):
        # moto_server.py: a second StartExecution while one runs used to fail deep-copying the first's lock.
        definition = json.dumps({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}})
        arn = self.sfn.create_state_machine(name="w", definition=definition, roleArn=ROLE)["stateMachineArn"]
        first = self.sfn.start_execution(stateMachineArn=arn, name="a")["executionArn"]
        second = self.sfn.start_execution(stateMachineArn=arn, name="b")["executionArn"]
        self.assertEqual([finished(self.sfn, e)["status"] for e in (first, second)], ["SUCCEEDED", "SUCCEEDED"])

    def test_every_page_is_listed_batched_and_written_as_compact_json_lines(self):
        self.put_objects(1_030)  # more than one page of ListObjectsV2
        reader = {"Resource": "arn:aws:states:::s3:listObjectsV2", "Parameters": {"Bucket": "elb-logs", "Prefix": "AWSLogs/"}}
        writer = {"Resource": "arn:aws:states:::s3:putObject",
                  "WriterConfig": {"Transformation": "COMPACT", "OutputType": "JSONL"},
                  "Parameters": {"Bucket": "elb-staging", "Prefix": "results"}}
        _, _, d = self.run_definition(distributed({"Child": {"Type": "Pass", "End": True}}, reader, writer))
        self.assertEqual(d["status"], "SUCCEEDED", d.get("cause"))
        details = json.loads(d["output"])["ResultWriterDetails"]
        manifest = json.loads(self.s3.get_object(Bucket=details["Bucket"], Key=details["Key"])["Body"].read())
        [result] = manifest["ResultFiles"]["SUCCEEDED"]
        lines = self.s3.get_object(Bucket="elb-staging", Key=result["Key"])["Body"].read().decode().splitlines()
        batches = [json.loads(line) for line in lines]
        self.assertEqual(len(batches), 42)  # 1,030 objects, 25 a batch
        self.assertEqual(sum(len(b["Items"]) for b in batches), 1_030)
        item = batches[0]["Items"][0]
        self.assertEqual(sorted(item), ["Etag", "Key", "LastModified", "Size", "StorageClass"])
        self.assertIsInstance(item["LastModified"], int)
        self.assertTrue(batches[0]["BatchInput"]["run"].startswith("arn:aws:states:"))

    def test_a_failed_child_fails_the_map_run_and_a_redrive_runs_it_again(self):
        self.put_objects(30)
        reader = {"Resource": "arn:aws:states:::s3:listObjectsV2", "Parameters": {"Bucket": "elb-logs"}}
        child = {"Child": {"Type": "Fail", "Error": "Boom", "Cause": "a child failed"}}
        arn, execution, d = self.run_definition(distributed(child, reader, tolerated=0))
        self.assertEqual((d["status"], d.get("error")), ("FAILED", "States.ExceedToleratedFailureThreshold"))
        self.assertEqual(self.sfn.list_executions(mapRunArn=f"{arn}:run".replace("stateMachine", "mapRun"))["executions"], [])
        self.sfn.redrive_execution(executionArn=execution)
        self.assertEqual(finished(self.sfn, execution)["error"], "States.ExceedToleratedFailureThreshold")

    def test_an_inventory_manifest_is_read_row_by_row(self):
        rows = "".join(f'"elb-logs","AWSLogs/{i}.log","{i}","etag{i}"\n' for i in range(40))
        self.s3.put_object(Bucket="elb-staging", Key="inv/data/a.csv.gz", Body=gzip.compress(rows.encode()))
        manifest = {"sourceBucket": "elb-logs", "destinationBucket": "arn:aws:s3:::elb-staging", "fileFormat": "CSV",
                    "fileSchema": "Bucket, Key, Size, ETag", "files": [{"key": "inv/data/a.csv.gz"}]}
        self.s3.put_object(Bucket="elb-staging", Key="inv/manifest.json", Body=json.dumps(manifest).encode())
        reader = {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "MANIFEST"},
                  "Parameters": {"Bucket": "elb-staging", "Key": "inv/manifest.json"}}
        _, _, d = self.run_definition(distributed({"Child": {"Type": "Pass", "End": True}}, reader))
        self.assertEqual(d["status"], "SUCCEEDED", d.get("cause"))
        batches = json.loads(d["output"])
        self.assertEqual([len(b["Items"]) for b in batches], [25, 15])
        self.assertEqual(batches[0]["Items"][3], {"Bucket": "elb-logs", "Key": "AWSLogs/3.log", "Size": "3", "ETag": "etag3"})


if __name__ == "__main__":
    unittest.main()
