"""Smoke tests of each stand-in patch (router.py, distributed_map.py): each refuses or answers what AWS does, on the
inputs that once passed locally and failed on AWS. Run by `make validate` (python3 -m unittest)."""
import json
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import distributed_map  # noqa: E402
import router  # noqa: E402

NOW = 1_800_000_000_000


def events(*stamps):
    return json.dumps({"logEvents": [{"timestamp": t, "message": f"m{i}"} for i, t in enumerate(stamps)]}).encode()


class PutLogEvents(unittest.TestCase):
    def test_rejections_are_aws_indices_not_motos(self):
        old, new = NOW - 15 * router.DAY_MS, NOW + 3 * 3600 * 1000
        self.assertEqual(router.rejected_log_events_info(events(old, old, NOW, new, new), NOW),
                         {"tooOldLogEventEndIndex": 2, "tooNewLogEventStartIndex": 3})
        self.assertEqual(router.rejected_log_events_info(events(NOW, NOW), NOW), {})
        moto = json.dumps({"rejectedLogEventsInfo": {"tooOldLogEventEndIndex": 0}}).encode()
        self.assertEqual(json.loads(router.with_aws_rejections(moto, events(old, NOW), NOW)),
                         {"rejectedLogEventsInfo": {"tooOldLogEventEndIndex": 1}})

    def test_batches_aws_refuses_are_refused(self):
        self.assertIsNone(router.put_log_events_refusal(events(NOW, NOW + 1)))
        self.assertIn("chronological", router.put_log_events_refusal(events(NOW + 1, NOW)))
        self.assertIn("24 hours", router.put_log_events_refusal(events(NOW, NOW + router.DAY_MS + 1)))
        self.assertIn("at least 1", router.put_log_events_refusal(events()))


class Definitions(unittest.TestCase):
    def backfill(self):
        return json.loads((Path(__file__).resolve().parents[2] / "statemachine/elbship-backfill.asl.json").read_text())

    def test_a_state_name_used_twice_is_refused_as_aws_refuses_it(self):
        doc = self.backfill()
        inventory = doc["States"]["ShipInventory"]["ItemProcessor"]
        inventory["States"] = {"ShipBatch": inventory["States"].pop("ShipInventoryBatch")}
        inventory["StartAt"] = "ShipBatch"
        with self.assertRaisesRegex(ValueError, "DUPLICATE_STATE_NAME"):
            distributed_map._parse_without_batchers(json.dumps(doc))

    def test_writer_config_and_item_batcher_are_taken_out_and_kept(self):
        doc = self.backfill()
        distributed_map._strip_batchers(doc["States"])
        for name in ("ShipObjects", "ShipInventory"):
            self.assertNotIn("ItemBatcher", doc["States"][name])
            self.assertNotIn("WriterConfig", doc["States"][name]["ResultWriter"])
            self.assertEqual(distributed_map._writer_configs[name], {"Transformation": "COMPACT", "OutputType": "JSONL"})
            self.assertEqual(distributed_map._batchers[name]["MaxItemsPerBatch"], 25)

    def test_a_writer_config_aws_refuses_is_refused(self):
        with self.assertRaises(ValueError):
            distributed_map._check_writer_config("M", {"Transformation": "SMALL"})


class ResultFiles(unittest.TestCase):
    results = [{"objects": 1}, {"objects": 2}]

    def test_compact_jsonl_is_one_output_a_line(self):
        name, body = distributed_map._result_file(self.results, "arn:run", {"Transformation": "COMPACT",
                                                                          "OutputType": "JSONL"})
        self.assertEqual([json.loads(line) for line in body.decode().splitlines()], self.results)

    def test_without_a_writer_config_each_child_is_a_record_in_a_json_array(self):
        name, body = distributed_map._result_file(self.results, "arn:run", {})
        rows = json.loads(body)
        self.assertEqual([json.loads(r["Output"]) for r in rows], self.results)
        self.assertEqual({r["Status"] for r in rows}, {"SUCCEEDED"})


class Batcher(unittest.TestCase):
    def test_batches_hold_at_most_max_items_and_bytes(self):
        items = [{"Key": f"k{i}", "Size": i} for i in range(60)]
        batches = distributed_map._batches(items, {"MaxItemsPerBatch": 25, "MaxInputBytesPerBatch": 131072}, {})
        self.assertEqual([len(b["Items"]) for b in batches], [25, 25, 10])
        small = distributed_map._batches(items, {"MaxItemsPerBatch": 25, "MaxInputBytesPerBatch": 300}, {})
        self.assertTrue(all(len(json.dumps(b)) <= 300 + 40 for b in small))


if __name__ == "__main__":
    unittest.main()


class Iam(unittest.TestCase):
    import iam

    def test_each_request_names_its_action_and_resource(self):
        iam = self.iam
        put = json.dumps({"logGroupName": "/elbship/g", "logStreamName": "s"}).encode()
        self.assertEqual(iam.action_and_resource("POST", "/", {"X-Amz-Target": "Logs_20140328.PutLogEvents"}, put),
                         ("logs:PutLogEvents", f"arn:aws:logs:{iam.REGION}:{iam.ACCOUNT}:log-group:/elbship/g:log-stream:s"))
        self.assertEqual(iam.action_and_resource("HEAD", "/b/AWSLogs/k%20x.log", {}, b""),
                         ("s3:GetObject", "arn:aws:s3:::b/AWSLogs/k x.log"))
        self.assertEqual(iam.action_and_resource("GET", "/b?list-type=2&prefix=x", {}, b""),
                         ("s3:ListBucket", "arn:aws:s3:::b"))
        upd = json.dumps({"TableName": "t"}).encode()
        self.assertEqual(iam.action_and_resource("POST", "/", {"X-Amz-Target": "DynamoDB_20120810.UpdateItem"}, upd),
                         ("dynamodb:UpdateItem", f"arn:aws:dynamodb:{iam.REGION}:{iam.ACCOUNT}:table/t"))

    def test_scoped_grants_allow_only_their_resources_and_deny_wins(self):
        allows = self.iam.allows
        grants = [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*AWSLogs/*"}]
        self.assertTrue(allows(grants, "s3:GetObject", "arn:aws:s3:::b/p/AWSLogs/x"))
        self.assertFalse(allows(grants, "s3:GetObject", "arn:aws:s3:::b/other"))
        self.assertFalse(allows(grants, "s3:PutObject", "arn:aws:s3:::b/p/AWSLogs/x"))
        deny = grants + [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]
        self.assertFalse(allows(deny, "s3:GetObject", "arn:aws:s3:::b/p/AWSLogs/x"))
        conditioned = [dict(grants[0], Condition={"StringEquals": {"aws:SourceAccount": "1"}})]
        self.assertFalse(allows(conditioned, "s3:GetObject", "arn:aws:s3:::b/p/AWSLogs/x"))

    def test_the_calling_process_is_found_from_the_connection(self):
        import os
        import socket
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        client = socket.create_connection(server.getsockname())
        me = os.path.basename(os.readlink("/proc/self/exe"))
        found = self.iam.calling_binary(client.getsockname()[1], server.getsockname()[1], {me})
        client.close()
        server.close()
        self.assertEqual(found, me)


class StateLimit(unittest.TestCase):
    def test_a_state_output_over_256_kib_fails_with_states_data_limit_exceeded(self):
        """moto's interpreter enforces Step Functions' 256 KiB state payload limit itself (quotas.py): this pins it,
        so a moto upgrade that dropped it would fail here first."""
        import time

        import boto3
        from moto import mock_aws
        from moto.core.config import default_user_config

        default_user_config["stepfunctions"] = {"execute_state_machine": True}
        definition = {"StartAt": "Big", "States": {"Big": {"Type": "Pass", "Result": {"v": "x" * (257 * 1024)},
                                                           "End": True}}}
        with mock_aws():
            sfn = boto3.client("stepfunctions", region_name="us-east-1")
            arn = sfn.create_state_machine(name="limit", definition=json.dumps(definition),
                                           roleArn="arn:aws:iam::123456789012:role/r")["stateMachineArn"]
            execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
            for _ in range(100):
                d = sfn.describe_execution(executionArn=execution)
                if d["status"] != "RUNNING":
                    break
                time.sleep(0.05)
        self.assertEqual((d["status"], d.get("error")), ("FAILED", "States.DataLimitExceeded"))
