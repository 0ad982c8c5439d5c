"""Which model thinks for Aya, chosen by ``settings.effective_model_provider``:

- ``openai``: the OpenAI Responses API (``AYA_MODEL``, base URL override ``AYA_OPENAI_BASE_URL``);
- ``openai_compatible``: Chat Completions at ``AYA_MODEL_BASE_URL`` (Ollama, vLLM, llama.cpp server) with tool calls;
- ``offline`` (the default without a key): :class:`~aya.shop.offline.OfflineModel`.

Tracing export is off unless ``AYA_TRACING`` is set and an OpenAI key is configured (see :func:`run_config`).
"""

from __future__ import annotations

from collections.abc import Sequence

from agents import Model, RunConfig
from agents.models.openai_chatcompletions import OpenAIChatCompletionsModel
from agents.models.openai_responses import OpenAIResponsesModel
from openai import AsyncOpenAI

from aya.core.errors import NotConfigured
from aya.core.settings import Settings
from aya.shop.offline import OfflineModel


def build_model(settings: Settings, *, brands: Sequence[str] = ()) -> Model:
    provider = settings.effective_model_provider
    match provider:
        case "openai":
            if settings.openai_api_key is None:
                raise NotConfigured("the openai model provider needs OPENAI_API_KEY")
            client = AsyncOpenAI(
                api_key=settings.openai_api_key.get_secret_value(),
                base_url=settings.openai_base_url,  # None: the client's default (or OPENAI_BASE_URL)
            )
            return OpenAIResponsesModel(model=settings.model, openai_client=client)
        case "openai_compatible":
            if not settings.model_base_url:
                raise NotConfigured("the openai_compatible model provider needs AYA_MODEL_BASE_URL")
            key = settings.model_api_key.get_secret_value() if settings.model_api_key else "not-needed"
            client = AsyncOpenAI(api_key=key, base_url=settings.model_base_url)
            return OpenAIChatCompletionsModel(model=settings.model, openai_client=client)
        case "offline":
            return OfflineModel(brands)
        case _:
            raise NotConfigured(f"unknown model provider {provider!r}")


def run_config(settings: Settings) -> RunConfig:
    """Per-run settings: traces are exported only when asked for and an OpenAI key exists to send them with."""
    tracing = settings.tracing and settings.openai_api_key is not None
    return RunConfig(tracing_disabled=not tracing, trace_include_sensitive_data=False, workflow_name="Aya chat")
