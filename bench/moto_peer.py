"""The peer of scripts/bench: runs one definition on moto's Step Functions interpreter (moto's
"parser" backend, the offline reference implementation of the States Language), end to end
through boto3, and prints one JSON object: {"status", "seconds", "output_bytes"}.

    moto_peer.py <definition.json> <input.json>

moto interprets executions only when its config says
stepfunctions.execute_state_machine = True (moto/stepfunctions/responses.py, get_backend);
mock_aws(config=...) sets it. The clock runs from StartExecution until DescribeExecution
reports a final status (the state machine's creation is not counted).
"""

import json
import sys
import time

from moto import mock_aws
import boto3


def main() -> None:
    definition = open(sys.argv[1]).read()
    payload = open(sys.argv[2]).read()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = boto3.client("stepfunctions", region_name="us-east-1")
        machine = client.create_state_machine(
            name="bench", definition=definition, roleArn="arn:aws:iam::123456789012:role/bench"
        )["stateMachineArn"]
        started = time.perf_counter()
        execution = client.start_execution(stateMachineArn=machine, input=payload)["executionArn"]
        while True:
            described = client.describe_execution(executionArn=execution)
            if described["status"] != "RUNNING":
                break
            time.sleep(0.005)
        seconds = time.perf_counter() - started
    print(json.dumps({
        "status": described["status"],
        "seconds": seconds,
        "output_bytes": len(described.get("output", "")),
    }))


if __name__ == "__main__":
    main()
