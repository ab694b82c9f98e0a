"""The provisioning row's peer: the calls a flow run made, made again one after another by the
AWS CLI, as a user scripting the stack by hand would run them. Prints one JSON object:
{"calls", "failed", "seconds", "failures": [...]}.

    cli_replay.py <history.ndjson> <endpoint-url>

Runs with the bench's own virtual environment (state/bench-venv: awscli, whose botocore has
the service models). For every TaskScheduled of an `arn:aws:states:::aws-sdk:` resource,
in the order flow scheduled them (an order that respects every data dependency), it runs
`aws <service> <operation> --cli-input-json ...`:

- the parameters are flow's, given back the model's member names (Step Functions' names
  differ from the model's only in case, at every depth; map keys are kept as they are);
- a secret reference ({"Flow.Secret": path}) is replaced by the file's text, as flow does at
  call time;
- an idempotency token flow-aws derives when the workflow omits it (Route53's
  CallerReference, say) is given a fresh one;
- the emulator was emptied after flow's run, so the replay creates the stack again: every
  string flow got back from a call (an id, an ARN) and that the replay got back differently
  is replaced, in the later calls' parameters, by the replay's own value.

Local `flow:` tasks are not AWS calls and are skipped. Timed from the first call's start to the
last call's end; a call that fails is counted (and listed), and the replay goes on.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid

try:  # awscli 1.x has carried its own copy of botocore since 1.44
    from awscli.botocore import session as botocore_session
    from awscli.botocore import xform_name
except ImportError:
    from botocore import session as botocore_session
    from botocore import xform_name

# Step Functions' service names -> the AWS CLI's (and botocore's).
CLI_SERVICE = {"elasticloadbalancingv2": "elbv2"}
SDK_PREFIX = "arn:aws:states:::aws-sdk:"
# Members flow-aws fills with a token derived from the execution and step when they are omitted.
TOKENS = {"CallerReference", "CreationToken", "ClientToken", "CreatorRequestId", "IdempotencyToken"}
# The `aws` of the virtual environment this runs in.
AWS = os.path.join(os.path.dirname(sys.executable), "aws")


def model_names(value, shape):
    """`value` with the member names of `shape` (matched case-insensitively)."""
    if shape is None:
        return value
    if shape.type_name == "structure" and isinstance(value, dict):
        members = {name.lower(): (name, member) for name, member in shape.members.items()}
        renamed = {}
        for key, item in value.items():
            name, member = members.get(key.lower(), members.get(key.lower().removesuffix("value"), (key, None)))
            renamed[name] = model_names(item, member)
        return renamed
    if shape.type_name == "list" and isinstance(value, list):
        return [model_names(item, shape.member) for item in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {key: model_names(item, shape.value) for key, item in value.items()}
    return value


def resolve_secrets(value):
    if isinstance(value, dict):
        if set(value) == {"Flow.Secret"}:
            return open(value["Flow.Secret"]).read()
        return {key: resolve_secrets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve_secrets(item) for item in value]
    return value


def learn(flow_value, cli_value, replaced):
    """Pairs the strings of flow's result with the replay's (same structure, names differing
    only in case) and records those that differ."""
    if isinstance(flow_value, dict) and isinstance(cli_value, dict):
        cli = {key.lower(): item for key, item in cli_value.items()}
        for key, item in flow_value.items():
            if key.lower() in cli:
                learn(item, cli[key.lower()], replaced)
    elif isinstance(flow_value, list) and isinstance(cli_value, list):
        for a, b in zip(flow_value, cli_value):
            learn(a, b, replaced)
    elif isinstance(flow_value, str) and isinstance(cli_value, str) and flow_value != cli_value and len(flow_value) >= 6:
        replaced[flow_value] = cli_value


def substitute(value, replaced):
    if isinstance(value, dict):
        return {key: substitute(item, replaced) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, replaced) for item in value]
    if isinstance(value, str) and replaced:
        if value in replaced:
            return replaced[value]
        # Ids inside strings the workflow built (an ARN from an id, say): longest first.
        for old in sorted(replaced, key=len, reverse=True):
            if old in value:
                value = value.replace(old, replaced[old])
    return value


def main():
    history_path, endpoint = sys.argv[1], sys.argv[2]
    events = [json.loads(line) for line in open(history_path) if line.startswith('{"id"')]
    outputs = {}  # step id -> the result flow got
    for event in events:
        if event["type"] == "TaskSucceeded":
            outputs[event.get("step")] = event["details"].get("output")
    session = botocore_session.get_session()
    calls, failures, replaced = 0, [], {}
    env = dict(os.environ, AWS_PAGER="")
    with tempfile.TemporaryDirectory() as work:
        started = time.perf_counter()
        for event in events:
            details = event.get("details", {})
            resource = details.get("resource", "")
            if event["type"] != "TaskScheduled" or not resource.startswith(SDK_PREFIX):
                continue
            service, action = resource[len(SDK_PREFIX):].split(":", 1)
            operation_name = action[0].upper() + action[1:]
            model = session.get_service_model(CLI_SERVICE.get(service, service))
            operation = model.operation_model(operation_name)
            parameters = substitute(resolve_secrets(json.loads(details["parameters"])), replaced)
            parameters = model_names(parameters, operation.input_shape)
            # flow-aws derives the idempotency tokens the caller may omit; a script passes its own.
            for name in operation.input_shape.required_members:
                if name not in parameters and name in TOKENS:
                    parameters[name] = str(uuid.uuid4())
            path = os.path.join(work, f"{calls}.json")
            with open(path, "w") as file:
                json.dump(parameters, file)
            argv = [AWS, "--endpoint-url", endpoint, "--output", "json", CLI_SERVICE.get(service, service),
                    xform_name(operation_name, "-"), "--cli-input-json", f"file://{path}"]
            calls += 1
            done = subprocess.run(argv, capture_output=True, text=True, env=env)
            if done.returncode != 0:
                failures.append({"call": f"{service}:{action}", "error": done.stderr.strip()[-300:]})
                continue
            if done.stdout.strip():
                learn(outputs.get(event.get("step")), json.loads(done.stdout), replaced)
        seconds = time.perf_counter() - started
    print(json.dumps({"calls": calls, "failed": len(failures), "seconds": seconds, "failures": failures}))


if __name__ == "__main__":
    main()
