"""What moto 5.2's Step Functions interpreter lacks for elbship's backfill, added as faithfully as a few lines allow.

Imported by moto_server.py before the server starts. Each patch is the smallest that makes the backfill state
machine (statemachine/elbship-backfill.asl.json) run as AWS runs it; README, "The local stack", lists what still
differs from AWS.

- State names: AWS refuses a definition that uses a name twice anywhere (`DUPLICATE_STATE_NAME`, Map
  ItemProcessors included); moto runs it. Refused here before moto parses it.
- ItemBatcher: moto's grammar has no `ItemBatcher`. The field is taken out of the definition before moto parses it
  and kept by Map state name; the Distributed Map then groups the items it read into batches of
  `MaxItemsPerBatch` (and `MaxInputBytesPerBatch`), each child getting `{"Items": [...], "BatchInput": {...}}`
  with `BatchInput` evaluated against the Map state's input (`$.path` and `$$.path` values only; anything else is
  refused, never guessed).
- `"ToleratedFailurePercentage": 0`, which moto's grammar refuses, is read as its default: no failure tolerated.
  moto never fails a Map Run for its failed children; here, as on AWS, failures beyond the tolerated count or
  percentage fail it with `States.ExceedToleratedFailureThreshold`.
- The S3 ItemReader reads every page of ListObjectsV2 (moto reads the first 1,000 keys only), and gives each item
  as AWS does (`Etag`, `Key`, `LastModified` in epoch seconds, `Size`, `StorageClass`; moto gives boto's dict).
- An S3 Inventory manifest as the ItemReader (`"InputType": "MANIFEST"`, which moto does not know): its CSV lists
  (gzip) are read and each row becomes an item named by the manifest's `fileSchema`, every value text, as AWS gives
  them.
- ResultWriter writes the children's results (moto writes an empty manifest): one `SUCCEEDED_0.json` in the shape
  the state's `WriterConfig` asks for (moto's grammar has no `WriterConfig`: it is taken out before parsing, checked
  and kept by Map state name, like `ItemBatcher`): `COMPACT` writes each child's output, otherwise its record with
  `Status` and `Output` (a JSON string); `JSONL` a line each, otherwise a JSON array. (AWS's records add the input,
  names and times, which elbship does not read.)
- ListExecutions of a Map Run (`mapRunArn`) answers an empty list: moto runs the children inline, not as
  executions (moto would fail the call).
- RedriveExecution: a FAILED, TIMED_OUT or ABORTED execution runs again under the same ARN with the same input.
  AWS re-runs only the failed or unstarted children of a Map Run; here every batch runs again, and elbship's claims
  and checkpoints make the finished objects ship nothing.
"""
import csv
import gzip
import io
import json
import threading

from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval import resource_eval_s3 as reader
from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import distributed_iteration_component as dmap
from moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval import (
    resource_eval_s3 as writer,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader import item_reader_decl
from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_output_transformer.transformer import (
    ResourceOutputTransformer,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.reader_config import input_type
from moto.stepfunctions.parser.asl.component.state.exec.state_task.credentials import StateCredentials
from moto.stepfunctions.parser.asl.parse import asl_parser
from moto.stepfunctions.parser.asl.utils.boto_client import boto_client_for
from moto.stepfunctions.parser.api import (
    ExecutionDoesNotExist,
    ExecutionFailedEventDetails,
    ExecutionNotRedrivable,
    ExecutionStatus,
    HistoryEventType,
)
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent, FailureEventException
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import StatesErrorNameType
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.models import StepFunctionsParserBackend
from moto.stepfunctions.responses import ActionResult, StepFunctionResponse

_batchers = {}  # Map state name -> its ItemBatcher
_writer_configs = {}  # Map state name -> its ResultWriter's WriterConfig
_lock = threading.Lock()
_running = threading.local()  # the Map state this thread evaluates (its ResultWriter runs in the same thread)


def _strip_batchers(states):
    for name, state in states.items():
        if state.get("Type") == "Map":
            batcher = state.pop("ItemBatcher", None)
            if batcher is not None:
                with _lock:
                    _batchers[name] = batcher
            writer_config = (state.get("ResultWriter") or {}).pop("WriterConfig", None)
            if writer_config is not None:
                _check_writer_config(name, writer_config)
                with _lock:
                    _writer_configs[name] = writer_config
            # moto's grammar refuses the integer 0 here; 0 is also the default (no failure tolerated).
            if state.get("ToleratedFailurePercentage") == 0:
                del state["ToleratedFailurePercentage"]
            processor = state.get("ItemProcessor") or state.get("Iterator") or {}
            _strip_batchers(processor.get("States", {}))
        for branch in state.get("Branches", []):
            _strip_batchers(branch.get("States", {}))


def _check_writer_config(name, config):
    """Refuses what AWS refuses in a WriterConfig (its two fields and their values), so a typo fails here too."""
    allowed = {"Transformation": {"NONE", "COMPACT", "FLATTEN"}, "OutputType": {"JSON", "JSONL"}}
    for key, value in config.items():
        if key not in allowed or value not in allowed[key]:
            raise ValueError(f"Map state {name!r}: WriterConfig {key}={value!r} is not valid")


_parse = asl_parser.AmazonStateLanguageParser.parse


def _state_names(states):
    for name, state in states.items():
        yield name
        processor = state.get("ItemProcessor") or state.get("Iterator") or {}
        yield from _state_names(processor.get("States", {}))
        for branch in state.get("Branches", []):
            yield from _state_names(branch.get("States", {}))


def _parse_without_batchers(definition):
    doc = json.loads(definition)
    seen = set()
    for name in _state_names(doc.get("States", {})):
        if name in seen:  # AWS: names are unique in the whole state machine, every ItemProcessor included
            raise ValueError(f"Invalid State Machine Definition: 'DUPLICATE_STATE_NAME at /States: {name}'")
        seen.add(name)
    _strip_batchers(doc.get("States", {}))
    return _parse(json.dumps(doc))


asl_parser.AmazonStateLanguageParser.parse = staticmethod(_parse_without_batchers)


def _value(env, path):
    if path.startswith("$$."):
        return env.states.get_context("$." + path[3:])
    if path.startswith("$."):
        return env.states.get_input(path)
    raise ValueError(f"BatchInput path {path!r}: the local stand-in reads $.path and $$.path only")


def _batch_input(env, template):
    out = {}
    for key, value in template.items():
        if key.endswith(".$"):
            out[key[:-2]] = _value(env, value)
        elif isinstance(value, dict):
            out[key] = _batch_input(env, value)
        else:
            out[key] = value
    return out


def _batches(items, batcher, batch_input):
    most = batcher.get("MaxItemsPerBatch") or len(items) or 1
    most_bytes = batcher.get("MaxInputBytesPerBatch") or 256 * 1024
    base = len(json.dumps({"Items": [], "BatchInput": batch_input}))
    batches, current, size = [], [], base
    for item in items:
        item_size = len(json.dumps(item)) + 1
        if current and (len(current) >= most or size + item_size > most_bytes):
            batches.append(current)
            current, size = [], base
        current.append(item)
        size += item_size
    if current:
        batches.append(current)
    return [{"Items": b, "BatchInput": batch_input} for b in batches]


_map_run = dmap.DistributedIterationComponent._map_run


def _map_run_batched(self, env, eval_input):
    _running.state_name = eval_input.state_name
    with _lock:
        batcher = _batchers.get(eval_input.state_name)
    if batcher is not None:
        if eval_input.item_selector is not None:
            raise ValueError("ItemSelector with ItemBatcher: the local stand-in does not apply selectors per item")
        items = env.stack.pop()
        batch_input = _batch_input(env, batcher.get("BatchInput", {}))
        env.stack.append(_batches(items, batcher, batch_input))
    _map_run(self, env, eval_input)
    _enforce_tolerance(env, eval_input)


def _enforce_tolerance(env, eval_input):
    """moto never fails a Map Run for its failed children (a TODO there); AWS does once they exceed
    ToleratedFailureCount or ToleratedFailurePercentage (both 0 unless set)."""
    counter = eval_input.map_run_record.item_counter
    failed = counter.failed.get() + counter.timed_out.get() + counter.aborted.get()
    total = max(counter.total.get(), 1)
    if failed == 0:
        return
    if failed > (eval_input.tolerated_failure_count or 0) or \
            failed * 100.0 / total > (eval_input.tolerated_failure_percentage or 0):
        name = StatesErrorName(typ=StatesErrorNameType.StatesExceedToleratedFailureThreshold)
        cause = f"The specified tolerated failure threshold was exceeded: {failed} of {total} child executions failed"
        raise FailureEventException(failure_event=FailureEvent(
            env=env, error_name=name, event_type=HistoryEventType.ExecutionFailed,
            event_details=EventDetails(executionFailedEventDetails=ExecutionFailedEventDetails(
                error=name.error_name, cause=cause))))


dmap.DistributedIterationComponent._map_run = _map_run_batched


def _list_every_page(env, resource_runtime_part, state_credentials):
    s3 = reader.ResourceEvalS3._get_s3_client(resource_runtime_part, state_credentials)
    parameters = env.stack.pop()
    contents = []
    for page in s3.get_paginator("list_objects_v2").paginate(**parameters):
        # Each item as AWS's ItemReader gives it: `Etag`, `LastModified` in epoch seconds.
        contents.extend({"Etag": o["ETag"], "Key": o["Key"], "LastModified": int(o["LastModified"].timestamp()),
                         "Size": o["Size"], "StorageClass": o.get("StorageClass", "STANDARD")}
                        for o in page.get("Contents", []))
    env.stack.append(contents)


reader.ResourceEvalS3._handle_list_objects_v2 = staticmethod(_list_every_page)


def _write_results(env, resource_runtime_part, state_credentials):
    parameters = env.stack.pop()
    results = env.stack.pop()
    s3 = writer.ResourceEvalS3._get_s3_client(resource_runtime_part, state_credentials)
    record = env.map_run_record_pool_manager.get_all()[-1]
    prefix = parameters.get("Prefix", "")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    base = prefix + record.map_run_arn.split(":")[-1] + "/"
    with _lock:
        config = dict(_writer_configs.get(getattr(_running, "state_name", None), {}))
    name, body = _result_file(results, record.map_run_arn, config)
    key = base + name
    s3.put_object(Bucket=parameters["Bucket"], Key=key, Body=body)
    manifest = {
        "DestinationBucket": parameters["Bucket"],
        "MapRunArn": record.map_run_arn,
        "ResultFiles": {"FAILED": [], "PENDING": [], "SUCCEEDED": [{"Key": key, "Size": len(body)}]},
    }
    s3.put_object(Bucket=parameters["Bucket"], Key=base + "manifest.json", Body=json.dumps(manifest).encode())
    env.stack.append({"MapRunArn": record.map_run_arn,
                      "ResultWriterDetails": {"Bucket": parameters["Bucket"], "Key": base + "manifest.json"}})


def _result_file(results, map_run_arn, config):
    """The succeeded children's result file as AWS writes it under `config` (a WriterConfig): without one (or with
    `Transformation` `NONE`) each child's record with its output as a JSON string; with `COMPACT` its output
    itself; a JSON array, or one JSON value a line with `OutputType` `JSONL`. (AWS's records also hold the
    child's input, name, ARN and times; elbship reads only `Output`. Failed children never reach a result file
    here: the Map Run fails first, as elbship's tolerates none.)"""
    compact = config.get("Transformation", "NONE") in ("COMPACT", "FLATTEN")
    rows = [r if compact else {"ExecutionArn": f"{map_run_arn}:{i}", "Status": "SUCCEEDED",
                               "Output": json.dumps(r, separators=(",", ":"))} for i, r in enumerate(results)]
    if config.get("OutputType") == "JSONL":
        return "SUCCEEDED_0.json", "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows).encode()
    return "SUCCEEDED_0.json", json.dumps(rows).encode()


writer.ResourceEvalS3._handle_put_object = staticmethod(_write_results)


def _redrive_execution(self, execution_arn):
    for machine in self.state_machines:
        for execution in machine.executions:
            if execution.exec_arn != execution_arn:
                continue
            if execution.exec_status not in (ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT,
                                              ExecutionStatus.ABORTED):
                raise ExecutionNotRedrivable(f"Execution {execution_arn} is {execution.exec_status}")
            execution.exec_worker = None
            execution.error = execution.cause = execution.stop_date = execution.output = None
            execution.start()
            return execution
    raise ExecutionDoesNotExist(f"Execution Does Not Exist: '{execution_arn}'")


StepFunctionsParserBackend.redrive_execution = _redrive_execution


def _redrive_response(self):
    execution = self.stepfunction_backend.redrive_execution(self._get_param("executionArn"))
    return ActionResult({"redriveDate": execution.start_date})


StepFunctionResponse.redrive_execution = _redrive_response


MANIFEST = "MANIFEST"
_input_type_init = input_type.InputType.__init__


def _input_type_with_manifest(self, input_type):
    if input_type == MANIFEST:
        self.input_type_value = MANIFEST
    else:
        _input_type_init(self, input_type)


input_type.InputType.__init__ = _input_type_with_manifest


class InventoryRows(ResourceOutputTransformer):
    """The rows of the CSV lists an S3 Inventory manifest names, as items."""

    def _eval_body(self, env):
        reader_config = env.stack.pop()
        manifest = json.loads(env.stack.pop())
        if manifest.get("fileFormat") != "CSV":
            raise ValueError(f"the local stand-in reads CSV inventories, not {manifest.get('fileFormat')}")
        names = [n.strip() for n in manifest["fileSchema"].split(",")]
        bucket = manifest["destinationBucket"].split(":::")[-1]
        s3 = boto_client_for(region=env.aws_execution_details.region, service="s3",
                             state_credentials=StateCredentials(role_arn=env.aws_execution_details.role_arn))
        items = []
        for f in manifest["files"]:
            body = s3.get_object(Bucket=bucket, Key=f["key"])["Body"].read()
            text = gzip.decompress(body).decode("utf-8")
            items.extend(dict(zip(names, row)) for row in csv.reader(io.StringIO(text)) if row)
        env.stack.append(items[: reader_config["MaxItemsValue"]])


_transformer_for = item_reader_decl.resource_output_transformer_for


def _transformer_with_manifest(input_type):
    return InventoryRows() if input_type.input_type_value == MANIFEST else _transformer_for(input_type=input_type)


item_reader_decl.resource_output_transformer_for = _transformer_with_manifest


_list_executions = StepFunctionResponse.list_executions


def _list_executions_of_map_runs(self):
    """A Map Run's children: none to list, since moto runs them inline (AWS lists each child execution)."""
    if self._get_param("mapRunArn"):
        return ActionResult({"executions": []})
    return _list_executions(self)


StepFunctionResponse.list_executions = _list_executions_of_map_runs
