"""build_model picks the model class from the settings; tracing export stays off unless asked for with a key."""

from __future__ import annotations

from pathlib import Path

import pytest
from agents.models.openai_chatcompletions import OpenAIChatCompletionsModel
from agents.models.openai_responses import OpenAIResponsesModel

from aya.core.errors import NotConfigured
from aya.core.settings import Settings
from aya.shop.models import build_model, run_config
from aya.shop.offline import OfflineModel


def _settings(tmp_path: Path, **kw: object) -> Settings:
    return Settings(data_dir=tmp_path, _env_file=None, **kw)  # type: ignore[call-arg, arg-type]


def test_offline_is_the_default_without_a_key(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    assert settings.effective_model_provider == "offline"
    assert isinstance(build_model(settings), OfflineModel)
    assert run_config(settings).tracing_disabled is True


def test_openai_uses_the_responses_api(tmp_path: Path) -> None:
    settings = _settings(tmp_path, openai_api_key="sk-test-not-real", model="gpt-4.1-mini")
    model = build_model(settings)
    assert isinstance(model, OpenAIResponsesModel) and model.model == "gpt-4.1-mini"
    assert run_config(settings).tracing_disabled is True
    traced = _settings(tmp_path, openai_api_key="sk-test-not-real", tracing=True)
    config = run_config(traced)
    assert config.tracing_disabled is False and config.trace_include_sensitive_data is False
    # the settings' key exports the traces (a key from .env, not only the process environment)
    assert config.tracing == {"api_key": "sk-test-not-real"}
    assert run_config(settings).tracing is None
    # the Responses API truncates a thread past the context window instead of failing every turn
    assert config.model_settings is not None and config.model_settings.truncation == "auto"


def test_openai_client_has_the_settings_timeout_and_base_url(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path, openai_api_key="sk-test-not-real", openai_base_url="http://proxy.test:8080", openai_timeout_s=12
    )
    model = build_model(settings)
    assert isinstance(model, OpenAIResponsesModel)
    assert model._client.timeout == 12 and str(model._client.base_url) == "http://proxy.test:8080/v1/"
    assert model._client.max_retries == 2


def test_openai_compatible_uses_chat_completions_at_the_base_url(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path, model_provider="openai_compatible", model_base_url="http://127.0.0.1:11434/v1", model="llama3.1"
    )
    model = build_model(settings)
    assert isinstance(model, OpenAIChatCompletionsModel) and model.model == "llama3.1"
    assert str(model._client.base_url).startswith("http://127.0.0.1:11434/v1")
    assert run_config(settings.model_copy(update={"tracing": True})).tracing_disabled is True  # no OpenAI key
    assert model._client.timeout == settings.openai_timeout_s
    assert run_config(settings).model_settings is None  # truncation is a Responses API parameter


def test_a_provider_without_its_setting_is_refused(tmp_path: Path) -> None:
    settings = _settings(tmp_path).model_copy(update={"model_provider": "openai_compatible", "model_base_url": None})
    with pytest.raises(NotConfigured, match="AYA_MODEL_BASE_URL"):
        build_model(settings)
