from __future__ import annotations

import pytest
from pydantic import ValidationError

from aya.core.settings import Settings


def test_env_prefix_and_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("AYA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("AYA_PORT", "8123")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.data_dir == tmp_path
    assert s.port == 8123
    assert s.effective_model_provider == "offline"
    assert s.effective_voice_mode == "offline"


def test_openai_key_selects_openai_and_stays_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-123456")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.effective_model_provider == "openai"
    assert "sk-test-123456" not in repr(s)
    assert "sk-test-123456" not in s.model_dump_json()


def test_token_mode_refuses_to_start_without_secret() -> None:
    with pytest.raises(ValidationError, match="AYA_SECRET_KEY"):
        Settings(auth_mode="token", _env_file=None)  # type: ignore[call-arg]


def test_production_refuses_dev_auth() -> None:
    with pytest.raises(ValidationError, match="production"):
        Settings(env="production", _env_file=None)  # type: ignore[call-arg]


def test_lists_accept_json_or_commas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AYA_CORS_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("AYA_MCP_ALLOWED_HOSTS", '["shop.example:443"]')
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.cors_origins == ["https://a.example", "https://b.example"]
    assert s.mcp_allowed_hosts == ["shop.example:443"]


def test_hosted_chatkit_ui_needs_a_real_domain_key_outside_development() -> None:
    prod = {"env": "production", "auth_mode": "token", "secret_key": "x" * 32, "chatkit_ui": "hosted"}
    for key in (None, "", "domain_pk_localhost_dev"):
        with pytest.raises(ValidationError, match="AYA_CHATKIT_DOMAIN_KEY"):
            Settings(**prod, chatkit_domain_key=key, _env_file=None)  # type: ignore[arg-type]
    assert Settings(**prod, chatkit_domain_key="domain_pk_6789", _env_file=None).chatkit_ui == "hosted"  # type: ignore[arg-type]
    assert Settings(chatkit_ui="hosted", _env_file=None).chatkit_domain_key is None  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("url", "base"),
    [
        (None, "https://api.openai.com/v1"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/v1"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/v1"),
        ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1"),
        ("https://gateway.example/openai/v1/", "https://gateway.example/openai/v1"),
    ],
)
def test_one_normalised_openai_base_url(url: str | None, base: str) -> None:
    assert Settings(openai_base_url=url, _env_file=None).openai_api_base == base  # type: ignore[call-arg]


def test_openai_model_defaults_are_not_announced_for_shutdown() -> None:
    """The SDK's model literals list announced shutdowns in their docstrings: no default may be among them."""
    import inspect

    import openai.types.realtime.audio_transcription as transcription
    import openai.types.realtime.realtime_session_create_request as realtime
    import openai.types.shared.chat_model as chat

    s = Settings(_env_file=None)  # type: ignore[call-arg]
    defaults = ((chat, s.model), (realtime, s.realtime_model), (transcription, s.realtime_transcription_model))
    for module, model in defaults:
        text = inspect.getsource(module)
        deprecated = text[text.index("Deprecated values") :] if "Deprecated values" in text else ""
        assert f'"{model}"' in text, f"{model} is not a model the SDK knows"
        assert f'"{model}"' not in deprecated, f"{model} has an announced shutdown date"
