"""Which model thinks for Aya, chosen by ``settings.effective_model_provider``:

- ``openai``: the OpenAI Responses API (``AYA_MODEL``; client from :func:`aya.core.openai_api.openai_client`: the
  key, base URL and timeout of the settings), with ``truncation="auto"`` so a long thread drops its oldest items
  instead of failing past the context window;
- ``openai_compatible``: Chat Completions at ``AYA_MODEL_BASE_URL`` (Ollama, vLLM, llama.cpp server) with tool calls;
- ``offline`` (the default without a key): :class:`~aya.shop.offline.OfflineModel`.

Tracing export is off unless ``AYA_TRACING`` is set and an OpenAI key is configured (see :func:`run_config`); the key
comes from the settings (a key in ``.env`` exports traces too), never model data.
"""

from __future__ import annotations

from collections.abc import Sequence

from agents import Model, ModelSettings, RunConfig
from agents.models.openai_chatcompletions import OpenAIChatCompletionsModel
from agents.models.openai_responses import OpenAIResponsesModel
from openai import AsyncOpenAI

from aya.core.errors import NotConfigured
from aya.core.openai_api import MAX_RETRIES, openai_client
from aya.core.settings import Settings
from aya.shop.offline import OfflineModel


def build_model(settings: Settings, *, brands: Sequence[str] = ()) -> Model:
    provider = settings.effective_model_provider
    match provider:
        case "openai":
            if settings.openai_api_key is None:
                raise NotConfigured("the openai model provider needs OPENAI_API_KEY")
            return OpenAIResponsesModel(model=settings.model, openai_client=openai_client(settings))
        case "openai_compatible":
            if not settings.model_base_url:
                raise NotConfigured("the openai_compatible model provider needs AYA_MODEL_BASE_URL")
            key = settings.model_api_key.get_secret_value() if settings.model_api_key else "not-needed"
            base, timeout = settings.model_base_url, settings.openai_timeout_s
            client = AsyncOpenAI(api_key=key, base_url=base, timeout=timeout, max_retries=MAX_RETRIES)
            return OpenAIChatCompletionsModel(model=settings.model, openai_client=client)
        case "offline":
            return OfflineModel(brands)
        case _:
            raise NotConfigured(f"unknown model provider {provider!r}")


def run_config(settings: Settings) -> RunConfig:
    """Per-run settings: traces are exported only when asked for, with the settings' OpenAI key; the Responses API
    truncates a thread too long for the context window (``truncation="auto"``) instead of failing every turn."""
    key = settings.openai_api_key
    tracing = settings.tracing and key is not None
    model_settings = ModelSettings(truncation="auto") if settings.effective_model_provider == "openai" else None
    return RunConfig(
        tracing_disabled=not tracing,
        tracing={"api_key": key.get_secret_value()} if tracing and key is not None else None,
        trace_include_sensitive_data=False,
        workflow_name="Aya chat",
        model_settings=model_settings,
    )
