"""The local cloud: the CDK stack deployed into moto, the gaps closed, anvil chains, the runner."""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import httpx
import pytest
from botocore.config import Config
from Crypto.Hash import keccak
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

from localcloud import LocalCloud, LocalCloudConfig, PortInUse
from localcloud.aws import AwsEndpoint
from localcloud.deployer import Deployer
from localcloud.emulator import Emulator

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
HEALTH_EVENT = REPO / "events" / "apigateway" / "get_health.json"


@pytest.fixture(scope="module")
def cloud(local_cloud: LocalCloud) -> LocalCloud:
    return local_cloud


@pytest.fixture
def held_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def _rpc(url: str, method: str) -> str:
    answer = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": []}, timeout=5)
    result: str = answer.json()["result"]
    return result


def test_tables_exist_with_their_key_schema(cloud: LocalCloud) -> None:
    # Given the deployed stack
    dynamodb = cloud.aws.client("dynamodb")
    # When its tables are described
    tables = {
        output: dynamodb.describe_table(TableName=cloud.deployment.outputs[output])["Table"]
        for output in ("AccountsTableName", "IdempotencyTableName")
    }
    # Then each has a hash key, and the accounts table a sort key too
    for table in tables.values():
        assert table["TableStatus"] == "ACTIVE"
        assert table["KeySchema"][0]["KeyType"] == "HASH"
    assert {k["KeyType"] for k in tables["AccountsTableName"]["KeySchema"]} == {"HASH", "RANGE"}


def test_dynamodb_conditional_writes_are_atomic_under_concurrency(cloud: LocalCloud) -> None:
    # Given a table big enough that a transaction's snapshot takes a while, and a client that
    # never retries (an emulator 500 must surface, not be retried away)
    table = cloud.deployment.outputs["IdempotencyTableName"]
    no_retry = Config(retries={"max_attempts": 1, "mode": "standard"}, max_pool_connections=32)
    dynamodb = boto3.session.Session().client(
        "dynamodb",
        endpoint_url=cloud.endpoint_url,
        region_name=cloud.config.region,
        config=no_retry,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    for batch in range(40):
        dynamodb.batch_write_item(
            RequestItems={
                table: [{"PutRequest": {"Item": {"id": {"S": f"fill-{batch}-{n}"}}}} for n in range(25)]
            }
        )

    def race(worker: int) -> str:
        outcome = "won"
        try:
            dynamodb.put_item(
                TableName=table,
                Item={"id": {"S": "race"}, "owner": {"S": str(worker)}},
                ConditionExpression="attribute_not_exists(id)",
            )
        except dynamodb.exceptions.ConditionalCheckFailedException:
            outcome = "lost"
        for n in range(10):
            dynamodb.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": table, "Item": {"id": {"S": f"tx-{worker}-{n}-{part}"}}}}
                    for part in range(2)
                ]
            )
        return outcome

    # When 16 workers race for one item while writing transactions of their own
    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(race, range(16)))
    # Then exactly one conditional write won, and no request failed
    assert outcomes.count("won") == 1


def test_secret_moto_skips_is_created_with_a_generated_value(cloud: LocalCloud) -> None:
    # Given the secret named by the stack's output
    name = cloud.deployment.outputs["JwtSecretName"]
    # When its value is read
    value = cloud.aws.client("secretsmanager").get_secret_value(SecretId=name)["SecretString"]
    # Then it was generated with the template's length, and the function is pointed at it
    assert len(value) == 64
    assert cloud.function_environment()["TRADEWIND_JWT_SECRET_ID"] == name


def test_signer_key_is_secp256k1(cloud: LocalCloud) -> None:
    key_id = cloud.deployment.outputs["SignerKeyId"]
    metadata = cloud.aws.client("kms").describe_key(KeyId=key_id)["KeyMetadata"]
    assert metadata["CustomerMasterKeySpec"] == "ECC_SECG_P256K1"
    assert metadata["KeyUsage"] == "SIGN_VERIFY"


def test_api_gateway_stage_and_account_are_created(cloud: LocalCloud) -> None:
    # Given the RestApi of the stack
    apigateway = cloud.aws.client("apigateway")
    api_id = cloud.deployment.outputs["ApiUrl"].split("//")[1].split(".")[0]
    # When its stages and the account settings are read
    stages = apigateway.get_stages(restApiId=api_id)["item"]
    account = apigateway.get_account()
    # Then the stage moto skipped exists on the deployment, and the ApiUrl output names it
    assert [s["stageName"] for s in stages] == ["local"]
    assert cloud.deployment.outputs["ApiUrl"].endswith("/local/")
    assert account["cloudwatchRoleArn"].startswith("arn:aws:iam::")


def test_every_template_resource_is_listed(cloud: LocalCloud) -> None:
    template = json.loads(next((cloud.config.work_dir / "cdk.out").glob("*.template.json")).read_text())
    assert set(template["Resources"]) == set(cloud.deployment.physical_ids)


def test_kms_signs_a_digest_as_given(cloud: LocalCloud) -> None:
    # Given a 32-byte keccak digest and the signer key
    digest = keccak.new(digest_bits=256, data=b"tradewind transaction").digest()
    kms = cloud.aws.client("kms")
    key_id = cloud.deployment.outputs["SignerKeyId"]
    public_key = serialization.load_der_public_key(kms.get_public_key(KeyId=key_id)["PublicKey"])
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    # When KMS signs it as a DIGEST
    signature = kms.sign(KeyId=key_id, Message=digest, MessageType="DIGEST", SigningAlgorithm="ECDSA_SHA_256")
    der = signature["Signature"]
    # Then the signature verifies against the digest itself, not against sha256(digest)
    public_key.verify(der, digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    r, s = utils.decode_dss_signature(der)
    assert r > 0
    assert s > 0
    with pytest.raises(InvalidSignature):
        public_key.verify(der, digest, ec.ECDSA(hashes.SHA256()))
    verified = kms.verify(
        KeyId=key_id, Message=digest, MessageType="DIGEST", Signature=der, SigningAlgorithm="ECDSA_SHA_256"
    )
    assert verified["SignatureValid"] is True


def test_kms_still_hashes_raw_messages(cloud: LocalCloud) -> None:
    kms = cloud.aws.client("kms")
    key_id = cloud.deployment.outputs["SignerKeyId"]
    public_key = serialization.load_der_public_key(kms.get_public_key(KeyId=key_id)["PublicKey"])
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    der = kms.sign(KeyId=key_id, Message=b"hello", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    public_key.verify(der, b"hello", ec.ECDSA(hashes.SHA256()))


def test_kms_rejects_a_digest_of_the_wrong_length(cloud: LocalCloud) -> None:
    kms = cloud.aws.client("kms")
    with pytest.raises(kms.exceptions.ClientError, match="Digest is invalid length"):
        kms.sign(
            KeyId=cloud.deployment.outputs["SignerKeyId"],
            Message=b"short",
            MessageType="DIGEST",
            SigningAlgorithm="ECDSA_SHA_256",
        )


def test_chains_answer_with_their_chain_ids(cloud: LocalCloud) -> None:
    chains = {chain.key: chain for chain in cloud.chains}
    assert int(_rpc(chains["local-l1"].rpc_url, "eth_chainId"), 16) == 31337
    assert int(_rpc(chains["local-l2"].rpc_url, "eth_chainId"), 16) == 31338
    assert json.loads(cloud.chain_environment()["TRADEWIND_RPC_URLS"]) == {
        key: [chain.rpc_url] for key, chain in chains.items()
    }


@pytest.mark.skipif(
    not (REPO / "functions" / "api" / "handler.py").exists(), reason="API handler not written yet"
)
def test_api_function_runs_in_process(cloud: LocalCloud) -> None:
    # Given the canonical API Gateway event for GET /health
    event = HEALTH_EVENT.read_text()
    # When the deployed function is invoked through the Lambda API
    started = time.monotonic()
    answer = cloud.aws.client("lambda").invoke(
        FunctionName=cloud.deployment.outputs["ApiFunctionName"], Payload=event.encode()
    )
    elapsed = time.monotonic() - started
    payload = json.loads(answer["Payload"].read())
    # Then the real handler answered, without Docker, in well under the Lambda timeout
    assert "FunctionError" not in answer, payload
    assert payload["statusCode"] == 200
    assert elapsed < 30


def test_state_machines_are_registered_where_executions_find_them(cloud: LocalCloud) -> None:
    # Given a template with a state machine (moto's CloudFormation stores it out of StartExecution's sight)
    template = {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "states.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    }
                },
            },
            "Flow": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "StateMachineName": "localcloud-test-flow",
                    "DefinitionString": json.dumps(
                        {
                            "StartAt": "Done",
                            "States": {"Done": {"Type": "Pass", "Result": {"ok": 1}, "End": True}},
                        }
                    ),
                    "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
                },
            },
        }
    }
    # When it is deployed
    deployment = Deployer(cloud.aws).deploy_template(template, "localcloud-test-sfn")
    # Then an execution runs the ASL to success
    sfn = cloud.aws.client("stepfunctions")
    arn = deployment.physical_ids["Flow"]
    execution = sfn.start_execution(stateMachineArn=arn, name=f"run-{time.time_ns()}")["executionArn"]
    for _ in range(50):
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            break
        time.sleep(0.1)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"ok": 1}
    cloud.aws.client("cloudformation").delete_stack(StackName="localcloud-test-sfn")


def test_busy_port_is_reported_in_one_line(held_port: int, tmp_path: Path) -> None:
    # Given a port someone else holds
    config = LocalCloudConfig(aws_port=0, l1_port=held_port, l2_port=0, work_dir=tmp_path)
    # When a local cloud is asked to use it
    with pytest.raises(PortInUse) as raised:
        LocalCloud(config).start()
    # Then the message is one line naming the setting
    assert str(raised.value) == f"port {held_port} is already in use; set TRADEWIND_L1_PORT to use another"


def test_emulator_port_clash_names_its_setting(held_port: int) -> None:
    with pytest.raises(PortInUse, match="TRADEWIND_AWS_PORT"):
        LocalCloud(LocalCloudConfig(aws_port=held_port, l1_port=0, l2_port=0)).start()


# Keep after the tests that read the module cloud's data: stopping any emulator resets moto's
# process-wide backends.
def test_emulator_restarts_on_the_same_port() -> None:
    with Emulator("127.0.0.1", 0) as first:
        port = first.port
    with Emulator("127.0.0.1", port) as second:
        assert (
            AwsEndpoint(endpoint_url=second.endpoint_url, region="us-east-1")
            .client("sts")
            .get_caller_identity()
        )


def test_stop_leaves_no_anvil_running(cloud: LocalCloud) -> None:
    # Given the module's local cloud with its two chains (this test runs last: it stops them)
    pids = cloud.chain_pids
    assert len(pids) == 2
    # When it is stopped (twice: stop is idempotent)
    cloud.stop()
    cloud.stop()
    # Then no process of the anvil process groups is left
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.killpg(pid, 0)
