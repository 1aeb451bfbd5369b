"""The HTTP API: one FastAPI function behind an API Gateway REST API proxy."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from tradewind_cdk.constants import (
    API_FUNCTION_ID,
    API_MEMORY_MB,
    API_SERVICE_NAME,
    API_THROTTLE_BURST_LIMIT,
    API_THROTTLE_RATE_LIMIT,
    API_TIMEOUT_S,
    CONFIRM_POLL_S,
    DEFAULT_CONFIRM_POLL_S,
    ENV_CHAIN_EXECUTOR_FUNCTION,
    ENV_CONFIRM_POLL_S,
    ENV_JWT_SECRET_ID,
    ENV_MODEL_API_KEY_SECRET_ID,
    ENV_MODEL_BASE_URL,
    ENV_MODEL_NAME,
    ENV_SIGNER_KEY_ID,
    ENV_TRADE_STATE_MACHINE_ARN,
    ENV_YIELD_LOOKBACK_BLOCKS,
    FUNCTIONS_DIR,
    MODEL_BASE_URL_CONTEXT,
    MODEL_NAME_CONTEXT,
    REST_API_ID,
    YIELD_LOOKBACK_BLOCKS,
)
from tradewind_cdk.constructs.chain_executor import ChainExecutor
from tradewind_cdk.constructs.function import TradewindFunction
from tradewind_cdk.constructs.signer import Signer
from tradewind_cdk.constructs.trade_flow import TradeFlow
from tradewind_cdk.environment import chain_data_environment
from tradewind_cdk.grants import grant_deployments_read
from tradewind_cdk.stage import StageSettings

_APP_AUTHORIZATION = (
    "Authorization is done inside the application: FastAPI checks a JWT bearer token or an API key "
    "on every route that needs one; public routes (health, signup, login) must stay open."
)


class Api(Construct):
    """The API function (least-privilege role) and the REST API that proxies every path to it."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        layers: Sequence[lambda_.ILayerVersion],
        accounts_table: dynamodb.ITable,
        jwt_secret: secretsmanager.ISecret,
        jwt_secret_name: str,
        model_api_key: secretsmanager.ISecret,
        model_api_key_name: str,
        signer: Signer,
        chain_executor: ChainExecutor,
        trade_flow: TradeFlow,
    ) -> None:
        super().__init__(scope, construct_id)
        self.handler = TradewindFunction(
            self,
            API_FUNCTION_ID,
            settings=settings,
            code_dir=FUNCTIONS_DIR / "api",
            handler="handler.handler",
            service_name=API_SERVICE_NAME,
            description=f"Tradewind HTTP API ({settings.name})",
            layers=layers,
            memory_size=API_MEMORY_MB,
            timeout=Duration.seconds(API_TIMEOUT_S),
            environment={
                **chain_data_environment(settings, accounts_table),
                ENV_JWT_SECRET_ID: jwt_secret_name,
                ENV_SIGNER_KEY_ID: signer.key.key_id,
                ENV_CHAIN_EXECUTOR_FUNCTION: chain_executor.handler.function.function_name,
                ENV_TRADE_STATE_MACHINE_ARN: trade_flow.state_machine.state_machine_arn,
                ENV_CONFIRM_POLL_S: str(CONFIRM_POLL_S.get(settings.name, DEFAULT_CONFIRM_POLL_S)),
                ENV_MODEL_API_KEY_SECRET_ID: model_api_key_name,
                **self._model_environment(),
                **(
                    {ENV_YIELD_LOOKBACK_BLOCKS: str(YIELD_LOOKBACK_BLOCKS[settings.name])}
                    if settings.name in YIELD_LOOKBACK_BLOCKS
                    else {}
                ),
            },
        )
        accounts_table.grant_read_write_data(self.handler.role)
        jwt_secret.grant_read(self.handler.role)
        model_api_key.grant_read(self.handler.role)
        signer.grant_public_key_read(self.handler.role)
        grant_deployments_read(self.handler.role, settings.name)
        chain_executor.grant_invoke(self.handler.role)
        trade_flow.grant_start_and_answer(self.handler.role)

        self.access_log_group = logs.LogGroup(
            self,
            "AccessLogs",
            retention=settings.log_retention,
            removal_policy=settings.removal_policy,
        )
        self.rest_api = apigateway.LambdaRestApi(
            self,
            REST_API_ID,
            handler=self.handler.function,
            description=f"Tradewind HTTP API ({settings.name})",
            # Clients call one region; an edge-optimised endpoint would only add a CloudFront hop.
            endpoint_types=[apigateway.EndpointType.REGIONAL],
            cloud_watch_role=True,
            deploy_options=apigateway.StageOptions(
                stage_name=settings.name,
                throttling_rate_limit=API_THROTTLE_RATE_LIMIT,
                throttling_burst_limit=API_THROTTLE_BURST_LIMIT,
                access_log_destination=apigateway.LogGroupLogDestination(self.access_log_group),
                access_log_format=apigateway.AccessLogFormat.json_with_standard_fields(
                    caller=True,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                logging_level=apigateway.MethodLoggingLevel.INFO,
                # Request bodies hold passwords: execution logs must not copy them.
                data_trace_enabled=False,
                metrics_enabled=True,
                tracing_enabled=True,
            ),
        )
        # The stack's `ApiUrl` output is the stable one; the construct's hashed duplicate would only confuse.
        self.rest_api.node.try_remove_child("Endpoint")
        self._suppress_nag_findings()

    def _model_environment(self) -> dict[str, str]:
        """The assistant's model, when the deployment names one in its context; else the offline engine."""
        base_url = self.node.try_get_context(MODEL_BASE_URL_CONTEXT)
        name = self.node.try_get_context(MODEL_NAME_CONTEXT)
        if base_url is None and name is None:
            return {}
        if not (isinstance(base_url, str) and isinstance(name, str)):
            raise ValueError(f"set both {MODEL_BASE_URL_CONTEXT} and {MODEL_NAME_CONTEXT}, or neither")
        return {ENV_MODEL_BASE_URL: base_url, ENV_MODEL_NAME: name}

    def _suppress_nag_findings(self) -> None:
        NagSuppressions.add_resource_suppressions(
            self.rest_api,
            [
                NagPackSuppression(
                    id="AwsSolutions-IAM4",
                    reason=(
                        "cloud_watch_role=True: the account-wide role API Gateway assumes to write "
                        "execution logs uses AmazonAPIGatewayPushToCloudWatchLogs, the policy AWS "
                        "documents for exactly that role, and nothing else."
                    ),
                    applies_to=[
                        "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                        "AmazonAPIGatewayPushToCloudWatchLogs"
                    ],
                ),
                NagPackSuppression(
                    id="AwsSolutions-APIG3",
                    reason=(
                        "No WAFv2 web ACL yet: the stage is throttled (see constants), every non-public "
                        "route needs a JWT or API key, and login attempts are throttled per account in "
                        "the application."
                    ),
                ),
                NagPackSuppression(id="AwsSolutions-APIG4", reason=_APP_AUTHORIZATION),
                NagPackSuppression(id="AwsSolutions-COG4", reason=_APP_AUTHORIZATION),
                NagPackSuppression(
                    id="AwsSolutions-APIG2",
                    reason=(
                        "Requests are validated in the application: FastAPI validates every request "
                        "body, path and query parameter against its pydantic models."
                    ),
                ),
            ],
            apply_to_children=True,
        )
