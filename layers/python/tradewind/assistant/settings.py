"""Settings of the assistant, loaded like every mixin (``TRADEWIND_<NAME>``).

No model configured (the default) means the built-in offline engine answers every turn. A model is
the base URL of any OpenAI-compatible endpoint and a model name; its API key is read from the
secret store, never from the environment.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, HttpUrl, model_validator

from tradewind.config import EnvironmentSettings


class AssistantSettings(EnvironmentSettings):
    assistant_model_base_url: HttpUrl | None = None
    assistant_model_name: str | None = Field(default=None, min_length=1, max_length=200)
    assistant_model_api_key_secret_id: str | None = Field(
        default=None, min_length=1, description="Secrets Manager name or ARN of the model's API key"
    )
    assistant_model_timeout_s: float = Field(default=20.0, gt=0, le=25)  # under API Gateway's 29 s
    # Tool rounds a model may take in one turn before it must answer.
    assistant_max_tool_rounds: int = Field(default=4, ge=1, le=10)
    # Turns the model sees verbatim; older ones are summarised.
    assistant_recent_turns: int = Field(default=6, ge=1, le=50)
    # How long proposing a trade waits for the flow's risk step, to show its report in the reply.
    assistant_proposal_wait_s: float = Field(default=5.0, ge=0, le=15)

    @model_validator(mode="after")
    def _model_is_whole(self) -> Self:
        if (self.assistant_model_base_url is None) != (self.assistant_model_name is None):
            raise ValueError("a model needs both its base URL and its name, or neither")
        if self.model_configured and self.assistant_model_api_key_secret_id is None:
            raise ValueError("a model needs the secret holding its API key")
        return self

    @property
    def model_configured(self) -> bool:
        return self.assistant_model_name is not None
