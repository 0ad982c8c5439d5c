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
