"""Names, construct ids, output ids and limits shared by the stack, its constructs and its tests."""

from __future__ import annotations

from pathlib import Path
from typing import Final

REPO_ROOT: Final = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR: Final = REPO_ROOT / "functions"
# The shared package asset: `layers/python/tradewind` lands at /opt/python/tradewind in Lambda.
SHARED_LAYER_DIR: Final = REPO_ROOT / "layers"
DEPENDENCIES_LAYER_DIR: Final = SHARED_LAYER_DIR / "dependencies"
DEPENDENCIES_REQUIREMENTS: Final = "requirements.txt"
# .gitignore syntax (assets use IgnoreMode.GIT): a leading "/" anchors at the asset root.
ASSET_EXCLUDES: Final = ("__pycache__/", "*.pyc", ".pytest_cache/", ".mypy_cache/")

STACK_NAME_PREFIX: Final = "Tradewind"
PRODUCTION_STAGE: Final = "prod"
LOCAL_STAGE: Final = "local"
STAGES: Final = (LOCAL_STAGE, "dev", PRODUCTION_STAGE)

# Lambda runs the interpreter the tests run (the machine's Python 3.11), so both see the same code.
PYTHON_VERSION: Final = "3.11"
# Wheel platforms the python3.11 runtime (Amazon Linux 2, glibc 2.26) can load. manylinux2014 alone
# is not enough: argon2-cffi-bindings 26.x ships manylinux_2_26 wheels only.
LAMBDA_PLATFORMS: Final = ("manylinux2014_x86_64", "manylinux_2_26_x86_64")

# Powertools
METRICS_NAMESPACE: Final = "Tradewind"
API_SERVICE_NAME: Final = "tradewind-api"

# Chains the API serves: two anvil chains locally, the public networks everywhere else.
LOCAL_CHAINS: Final = ("local-l1", "local-l2")
PUBLIC_CHAINS: Final = ("ethereum", "arbitrum", "optimism", "base", "polygon")

# Environment variable names read by tradewind.config (prefix TRADEWIND_).
ENV_STAGE: Final = "TRADEWIND_STAGE"
ENV_ACCOUNTS_TABLE: Final = "TRADEWIND_ACCOUNTS_TABLE"
ENV_JWT_SECRET_ID: Final = "TRADEWIND_JWT_SECRET_ID"  # noqa: S105 - a variable name, not a secret
ENV_SIGNER_KEY_ID: Final = "TRADEWIND_SIGNER_KEY_ID"
ENV_ACTIVE_CHAINS: Final = "TRADEWIND_ACTIVE_CHAINS"
ENV_DEPLOYMENTS_PATH: Final = "TRADEWIND_DEPLOYMENTS_PARAMETER_PATH"
ENV_CHAIN_TABLE: Final = "TRADEWIND_CHAIN_TABLE"
ENV_CHAIN_EXECUTOR_FUNCTION: Final = "TRADEWIND_CHAIN_EXECUTOR_FUNCTION"
ENV_CONFIRMATION_TIMEOUT_S: Final = "TRADEWIND_CONFIRMATION_TIMEOUT_S"
ENV_SYNC_QUEUE_URL: Final = "TRADEWIND_SYNC_QUEUE_URL"
ENV_TRADE_STATE_MACHINE_ARN: Final = "TRADEWIND_TRADE_STATE_MACHINE_ARN"
ENV_CONFIRM_POLL_S: Final = "TRADEWIND_CONFIRM_POLL_S"
ENV_MODEL_API_KEY_SECRET_ID: Final = "TRADEWIND_ASSISTANT_MODEL_API_KEY_SECRET_ID"  # noqa: S105 - a name
ENV_MODEL_BASE_URL: Final = "TRADEWIND_ASSISTANT_MODEL_BASE_URL"
ENV_MODEL_NAME: Final = "TRADEWIND_ASSISTANT_MODEL_NAME"
ENV_YIELD_LOOKBACK_BLOCKS: Final = "TRADEWIND_YIELD_LOOKBACK_BLOCKS"
ENV_IDEMPOTENCY_TABLE: Final = "TRADEWIND_IDEMPOTENCY_TABLE"
ENV_EVENT_BUS_NAME: Final = "TRADEWIND_EVENT_BUS_NAME"
ENV_TRADE_TOPIC_ARN: Final = "TRADEWIND_TRADE_TOPIC_ARN"

# Construct ids
DATA_ID: Final = "Data"
ACCOUNTS_TABLE_ID: Final = "AccountsTable"
IDEMPOTENCY_TABLE_ID: Final = "IdempotencyTable"
CHAIN_TABLE_ID: Final = "ChainTable"
SECRETS_ID: Final = "Secrets"
JWT_SIGNING_KEY_ID: Final = "JwtSigningKey"
SIGNER_ID: Final = "Signer"
SIGNER_KEY_ID: Final = "SignerKey"
LAYERS_ID: Final = "Layers"
API_ID: Final = "Api"
CHAIN_EXECUTOR_ID: Final = "ChainExecutor"
CHAIN_EXECUTOR_SERVICE_NAME: Final = "tradewind-chain-executor"
# Long enough to wait out a chain's confirmation depth; the sender gives up a little earlier.
CHAIN_EXECUTOR_TIMEOUT_S: Final = 300
CHAIN_EXECUTOR_CONFIRMATION_TIMEOUT_S: Final = 240
PORTFOLIO_SYNC_ID: Final = "PortfolioSync"
SYNC_PLANNER_SERVICE_NAME: Final = "tradewind-sync-planner"
PORTFOLIO_SYNC_SERVICE_NAME: Final = "tradewind-portfolio-sync"
PRICE_RECORDER_ID: Final = "PriceRecorder"
PRICE_RECORDER_SERVICE_NAME: Final = "tradewind-price-recorder"
# Both schedules: the portfolio's value history and the price history get a point this often.
SYNC_RATE_MINUTES: Final = 5
PRICE_RECORD_RATE_MINUTES: Final = 5
# A holder's refresh reads one chain; the queue hides a message six times that while it is worked on.
PORTFOLIO_SYNC_TIMEOUT_S: Final = 60
SYNC_BATCH_SIZE: Final = 10
SYNC_BATCHING_WINDOW_S: Final = 5
# A message that failed this often goes to the dead-letter queue (a chain down for three tries).
SYNC_MAX_RECEIVE_COUNT: Final = 3
TRADE_FLOW_ID: Final = "TradeFlow"
TRADE_FLOW_SERVICE_NAME: Final = "tradewind-trade-flow"
STATEMACHINES_DIR: Final = REPO_ROOT / "statemachines"
TRADE_STATE_MACHINE_FILE: Final = "trade.asl.json"
# Analyze quotes every route and Risk simulates the vault call: a few RPC batches each.
TRADE_FLOW_TIMEOUT_S: Final = 30
# The flow's own ceiling: approval waits at most an hour (the API's default), confirmation minutes.
TRADE_EXECUTION_TIMEOUT: Final = 2 * 3600
# Seconds between confirmation checks: anvil mines each transaction at once, real chains in blocks.
CONFIRM_POLL_S: Final = {LOCAL_STAGE: 1}
DEFAULT_CONFIRM_POLL_S: Final = 4
# A vault's APY is measured over this many blocks. The local chains mine a block per transaction:
# sixty are a couple of minutes of the market simulator. Elsewhere the code's default (a week) holds.
YIELD_LOOKBACK_BLOCKS: Final = {LOCAL_STAGE: 60}
# CDK context keys naming the assistant's model (`cdk deploy -c tradewind:model_base_url=...`);
# without them the API answers with the built-in offline engine.
MODEL_BASE_URL_CONTEXT: Final = "tradewind:model_base_url"
MODEL_NAME_CONTEXT: Final = "tradewind:model_name"
MODEL_API_KEY_ID: Final = "ModelApiKey"
API_FUNCTION_ID: Final = "ApiFunction"
REST_API_ID: Final = "RestApi"

# DynamoDB attribute names
PARTITION_KEY: Final = "pk"
SORT_KEY: Final = "sk"
TTL_ATTRIBUTE: Final = "expires_at"
# Powertools' DynamoDBPersistenceLayer defaults
IDEMPOTENCY_KEY: Final = "id"
IDEMPOTENCY_TTL_ATTRIBUTE: Final = "expiration"

JWT_SECRET_LENGTH: Final = 64

# API Gateway stage throttling, per stage (all clients together)
API_THROTTLE_RATE_LIMIT: Final = 50
API_THROTTLE_BURST_LIMIT: Final = 100
API_MEMORY_MB: Final = 512
# API Gateway's integration timeout is 29 s; the function must not outlive the request.
API_TIMEOUT_S: Final = 29

# CfnOutput ids: stable, the local cloud and the tests look them up.
OUTPUT_API_URL: Final = "ApiUrl"
OUTPUT_API_FUNCTION_NAME: Final = "ApiFunctionName"
OUTPUT_ACCOUNTS_TABLE_NAME: Final = "AccountsTableName"
OUTPUT_IDEMPOTENCY_TABLE_NAME: Final = "IdempotencyTableName"
OUTPUT_CHAIN_TABLE_NAME: Final = "ChainTableName"
OUTPUT_JWT_SECRET_NAME: Final = "JwtSecretName"  # noqa: S105 - an output id, not a secret
OUTPUT_SIGNER_KEY_ID: Final = "SignerKeyId"
OUTPUT_SIGNER_KEY_ALIAS: Final = "SignerKeyAlias"
OUTPUT_DEPLOYMENTS_PATH: Final = "DeploymentsParameterPath"
OUTPUT_CHAIN_EXECUTOR_FUNCTION_NAME: Final = "ChainExecutorFunctionName"
OUTPUT_SYNC_QUEUE_URL: Final = "SyncQueueUrl"
OUTPUT_SYNC_DEAD_LETTER_QUEUE_URL: Final = "SyncDeadLetterQueueUrl"
OUTPUT_SYNC_PLANNER_FUNCTION_NAME: Final = "SyncPlannerFunctionName"
OUTPUT_PORTFOLIO_SYNC_FUNCTION_NAME: Final = "PortfolioSyncFunctionName"
OUTPUT_PRICE_RECORDER_FUNCTION_NAME: Final = "PriceRecorderFunctionName"
OUTPUT_TRADE_STATE_MACHINE_ARN: Final = "TradeStateMachineArn"
OUTPUT_TRADE_FLOW_FUNCTION_NAME: Final = "TradeFlowFunctionName"
OUTPUT_EVENT_BUS_NAME: Final = "EventBusName"
OUTPUT_TRADE_TOPIC_ARN: Final = "TradeTopicArn"


def stack_name(stage: str) -> str:
    """The CloudFormation stack name of a stage, e.g. ``Tradewind-local``."""
    return f"{STACK_NAME_PREFIX}-{stage}"


def jwt_secret_name(stage: str) -> str:
    """The Secrets Manager name of the JWT signing key of a stage."""
    return f"tradewind/{stage}/jwt-signing-key"


def model_api_key_secret_name(stage: str) -> str:
    """The Secrets Manager name of the assistant model's API key (an operator puts the key in it)."""
    return f"tradewind/{stage}/model-api-key"


def signer_key_alias(stage: str) -> str:
    """The KMS alias of the service's signing key of a stage."""
    return f"alias/tradewind-{stage}-signer"


def event_bus_name(stage: str) -> str:
    """The event bus trade outcomes (and later alerts) are published on."""
    return f"tradewind-{stage}"


def deployments_parameter_path(stage: str) -> str:
    """The SSM path under which each chain's deployment manifest is published (one parameter per chain)."""
    return f"/tradewind/{stage}/deployments"
