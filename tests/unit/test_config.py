"""Settings come from TRADEWIND_* variables, validated, with clear errors."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tradewind.api.settings import ApiSettings
from tradewind.assistant.settings import AssistantSettings

REQUIRED = {
    "TRADEWIND_ACCOUNTS_TABLE": "accounts",
    "TRADEWIND_JWT_SECRET_ID": "tradewind/local/jwt-signing-key",
    "TRADEWIND_SIGNER_KEY_ID": "key-1",
    "TRADEWIND_DEPLOYMENTS_PARAMETER_PATH": "/tradewind/local/deployments",
    "TRADEWIND_CHAIN_EXECUTOR_FUNCTION": "chain-executor",
    "TRADEWIND_TRADE_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:trades",
}


def test_values_are_parsed_from_the_environment() -> None:
    settings = ApiSettings.from_environment(
        {
            **REQUIRED,
            "TRADEWIND_STAGE": "prod",
            "TRADEWIND_ACTIVE_CHAINS": "ethereum, base",
            "TRADEWIND_RPC_URLS": '{"base": ["http://10.0.0.1:8545"]}',
            "TRADEWIND_ACCESS_TOKEN_TTL_S": "60",
            "UNRELATED": "ignored",
        }
    )
    assert settings.stage == "prod"
    assert settings.active_chains == ["ethereum", "base"]
    assert settings.rpc_urls == {"base": ["http://10.0.0.1:8545"]}
    assert settings.access_token_ttl_s == 60


def test_defaults_apply_when_unset() -> None:
    settings = ApiSettings.from_environment(REQUIRED)
    assert (settings.stage, settings.active_chains, settings.login_max_attempts) == (
        "local",
        ["local-l1", "local-l2"],
        5,
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"TRADEWIND_ACCOUNTS_TABLE": None}, "accounts_table"),
        ({"TRADEWIND_STAGE": "staging"}, "stage"),
        ({"TRADEWIND_RPC_URLS": "{not json"}, "rpc_urls"),
        ({"TRADEWIND_ACCESS_TOKEN_TTL_S": "-1"}, "access_token_ttl_s"),
    ],
)
def test_bad_values_name_their_field(overrides: dict[str, str | None], field: str) -> None:
    environ = {k: v for k, v in {**REQUIRED, **overrides}.items() if v is not None}
    with pytest.raises(ValidationError) as raised:
        ApiSettings.from_environment(environ)
    assert [error["loc"][0] for error in raised.value.errors()] == [field]


def test_no_model_is_the_offline_engine_and_half_a_model_is_refused_at_cold_start() -> None:
    secret = {"TRADEWIND_ASSISTANT_MODEL_API_KEY_SECRET_ID": "tradewind/dev/model-api-key"}
    assert not AssistantSettings.from_environment(secret).model_configured
    model = {
        **secret,
        "TRADEWIND_ASSISTANT_MODEL_BASE_URL": "https://models.example.com/v1",
        "TRADEWIND_ASSISTANT_MODEL_NAME": "m-1",
    }
    assert AssistantSettings.from_environment(model).model_configured
    for missing in model:
        with pytest.raises(ValidationError):
            AssistantSettings.from_environment({k: v for k, v in model.items() if k != missing})
