"""Aya's settings: one typed object built once at start-up and passed down.

Never instantiate ``Settings`` at import time; call :func:`load_settings` in an entry point (CLI, app factory).
Every field is read from the environment with the ``AYA_`` prefix (``AYA_DATA_DIR``), or from a ``.env`` file.
``OPENAI_API_KEY`` is honoured without the prefix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ModelProvider = Literal["openai", "openai_compatible", "offline"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="AYA_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    # --- general -------------------------------------------------------------------------------------------------
    env: Literal["development", "production"] = Field("development", description="Deployment environment.")
    data_dir: Path = Field(Path("data"), description="Directory holding every embedded data file.")
    host: str = Field("127.0.0.1", description="Address `aya serve` binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port `aya serve` listens on.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Log level.")
    log_format: Literal["text", "json"] = Field(
        "text", description="Log lines as readable text or as one JSON object per line (with the request id)."
    )
    workers: int = Field(1, ge=1, le=64, description="Web worker processes `aya serve` starts (uvicorn workers).")
    shutdown_timeout_s: float = Field(
        30.0,
        ge=0,
        description="On SIGTERM: seconds running streams get to finish before they are cancelled (their partial "
        "messages are saved).",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["http://localhost:8000", "http://127.0.0.1:8000", "http://localhost:5173"],
        description="Origins allowed by CORS (JSON list or comma-separated).",
    )

    # --- catalog and search --------------------------------------------------------------------------------------
    sample_catalog_size: int = Field(5000, ge=10, description="Products generated for the sample catalog.")
    sample_catalog_seed: int = Field(7, description="Seed of the deterministic sample catalog generator.")
    brands_file: Path | None = Field(
        None,
        description="Brands `aya ingest` also knows (one a line), to fill a missing brand from the start of a title.",
    )
    search_backend: Literal["sqlite", "opensearch"] = Field("sqlite", description="Product search backend.")
    opensearch_url: str | None = Field(
        None, description="OpenSearch URL (search_backend=opensearch); several nodes comma-separated."
    )
    opensearch_index: str = Field("aya-products", description="OpenSearch index name.")
    opensearch_timeout: float = Field(
        10.0, gt=0, description="Seconds an OpenSearch request may take before it fails with a clear error."
    )
    opensearch_shards: int = Field(1, ge=1, le=64, description="Primary shards of a new OpenSearch index.")
    opensearch_replicas: int = Field(0, ge=0, le=8, description="Replicas of each shard of a new OpenSearch index.")
    embedder: Literal["minilm", "openai", "none"] = Field(
        "minilm", description="Embedding model: bundled MiniLM (offline), OpenAI, or none (keyword search only)."
    )
    openai_embedding_model: str = Field("text-embedding-3-small", description="OpenAI embedding model.")
    openai_embedding_dimensions: int | None = Field(
        None,
        ge=1,
        description="Dimensions asked of text-embedding-3 models (sent with every request). Default: the model's own "
        "(1536 small, 3072 large).",
    )
    search_semantic_weight: float = Field(
        0.6, ge=0.0, le=1.0, description="Weight of the vector side in hybrid rank fusion (keyword gets 1 - w)."
    )
    search_min_results: int = Field(3, ge=0, description="Fewer hits than this triggers filter relaxation.")
    intent_similarity_threshold: float = Field(
        0.45,
        ge=0.0,
        le=1.0,
        description="Offline model: least cosine similarity between a message no rule reads and the nearest example "
        "utterance (src/aya/shop/understanding/data/intents.toml) for its intent to count (MiniLM; keywords without "
        "an embedder).",
    )

    # --- models --------------------------------------------------------------------------------------------------
    openai_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("OPENAI_API_KEY", "AYA_OPENAI_API_KEY"),
        description="OpenAI API key (read from OPENAI_API_KEY). Never sent to the browser or logged.",
    )
    openai_base_url: str | None = Field(
        None,
        description="Override of the OpenAI API base URL, with or without /v1 (a proxy; tests point it at a "
        "local stand-in). Default: https://api.openai.com/v1.",
    )
    openai_timeout_s: float = Field(
        60.0,
        gt=0,
        le=600,
        description="Timeout of every OpenAI request in seconds (responses, embeddings, Realtime secrets); "
        "a turn that times out says so in the thread.",
    )
    model_provider: ModelProvider | None = Field(
        None, description="openai | openai_compatible | offline. Default: openai when a key is set, else offline."
    )
    model: str = Field("gpt-5.4-mini", description="Model name for the openai / openai_compatible providers.")
    model_base_url: str | None = Field(None, description="Base URL of an OpenAI-compatible server (Ollama, vLLM).")
    model_api_key: SecretStr | None = Field(None, description="API key of the OpenAI-compatible server, if any.")
    tracing: bool = Field(
        False, description="Export Agents SDK traces, text and Realtime voice (only with an OpenAI key, which is used)."
    )
    history_max_items: int = Field(40, ge=2, description="Stored items replayed to the model when rebuilding history.")

    # --- chat server ---------------------------------------------------------------------------------------------
    database_url: str | None = Field(
        None, description="postgresql://… selects PostgresStore for threads; unset keeps SQLite in the data dir."
    )
    auth_mode: Literal["dev", "token"] = Field(
        "dev", description="dev: identity from user-id/username headers; token: bearer tokens or signed cookies."
    )
    secret_key: SecretStr | None = Field(None, description="Secret for signed tokens/cookies (required in token mode).")
    max_request_bytes: int = Field(1024 * 1024, ge=1024, description="Largest JSON request body accepted.")
    max_attachment_bytes: int = Field(10 * 1024 * 1024, ge=1024, description="Largest attachment accepted.")
    chatkit_ui: Literal["builtin", "hosted"] = Field("builtin", description="Text tab UI: our client or OpenAI's.")
    chatkit_domain_key: str | None = Field(
        None,
        description="Domain key for the hosted ChatKit UI (required outside development; without one the UI only "
        "works on localhost).",
    )
    max_running_turns: int | None = Field(
        None,
        ge=1,
        description="Assistant turns running at once per process; more wait, their first events already sent. "
        "Default: 2 per CPU core with the offline model, 64 with a remote model.",
    )
    attachments_path: Path | None = Field(
        None,
        description="Directory of uploaded attachments; with several web servers, one volume they all mount "
        "(default: <data_dir>/attachments).",
    )
    frontend_dist: Path | None = Field(
        None, description="Built web app served at / (default: frontend/dist of the source tree)."
    )

    # --- voice ---------------------------------------------------------------------------------------------------
    voice_mode: Literal["auto", "realtime", "offline"] = Field(
        "auto", description="auto: realtime when an OpenAI key is set, else the offline pipeline."
    )
    realtime_model: str = Field("gpt-realtime-2.1", description="OpenAI Realtime model.")
    realtime_transcription_model: str = Field(
        "gpt-realtime-whisper", description="Model transcribing the shopper's speech in Realtime sessions."
    )
    realtime_transcription_language: str = Field(
        "en", min_length=2, max_length=8, description="Language of the shopper's speech (ISO-639-1) for transcription."
    )
    realtime_voice: str = Field("marin", description="OpenAI Realtime voice.")
    realtime_vad_threshold: float = Field(0.5, ge=0.0, le=1.0, description="Realtime server VAD threshold.")
    realtime_prefix_padding_ms: int = Field(300, ge=0, description="Realtime server VAD prefix padding.")
    realtime_silence_ms: int = Field(700, ge=100, description="Realtime server VAD silence duration.")
    tts_engine: Literal["piper", "espeak"] = Field("piper", description="Offline text-to-speech engine.")

    # --- mcp -----------------------------------------------------------------------------------------------------
    mcp_token: SecretStr | None = Field(None, description="Bearer token required by /mcp when set.")
    mcp_allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["localhost:*", "127.0.0.1:*"],
        description="Hosts the MCP endpoint accepts (JSON list or comma-separated).",
    )
    mcp_servers_file: Path | None = Field(
        None, description="TOML file listing external MCP servers (default: <data_dir>/mcp_servers.toml)."
    )
    store_policy_file: Path | None = Field(
        None,
        description="TOML file of what Aya cannot do and the honest answers (default: the bundled store policy).",
    )

    # --- security ------------------------------------------------------------------------------------------------
    admin_users: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="User ids with the admin role (MCP servers, tools, settings). In dev mode only from loopback.",
    )
    staff_users: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="User ids with the staff role. In dev mode only from loopback."
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["localhost", "127.0.0.1", "[::1]"],
        description="Host headers the app answers (any port; `*.example.com` for subdomains, `*` turns the check off).",
    )
    image_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="HTTPS hosts product images and markdown images may come from (others are not shown).",
    )
    session_rate_per_ip: str = Field("20/minute", description="New identities (POST /api/session) per client address.")
    session_rate_global: str = Field("600/minute", description="New identities (POST /api/session) in all.")
    realtime_rate_per_user: str = Field("5/minute", description="Realtime voice sessions minted per user.")
    realtime_rate_per_ip: str = Field("10/minute", description="Realtime voice sessions minted per client address.")
    realtime_daily_budget: int = Field(
        500, ge=0, description="Realtime voice sessions minted per day in all (the OpenAI bill's ceiling)."
    )
    message_rate_per_user: str = Field(
        "60/minute;2000/day", description="ChatKit requests that run the assistant, per user."
    )
    message_rate_per_ip: str = Field(
        "300/minute;20000/day",
        description="ChatKit requests that run the assistant, per client address (identities are free).",
    )
    attachment_rate_per_user: str = Field("20/minute;200/day", description="Attachments created per user.")
    attachment_rate_per_ip: str = Field(
        "60/minute;600/day", description="Attachments created per client address (identities are free)."
    )
    attachment_quota_bytes: int = Field(
        50 * 1024 * 1024, ge=1024, description="Bytes of attachments one user may keep stored."
    )
    unattached_upload_ttl_s: int = Field(
        3600, ge=60, description="Uploads not used in any message are deleted after this many seconds."
    )
    signed_link_ttl_s: int = Field(3600, ge=60, description="Lifetime of signed attachment preview links (seconds).")
    json_max_depth: int = Field(64, ge=4, le=1000, description="Deepest nesting accepted in a JSON request body.")
    json_max_number_digits: int = Field(
        64, ge=16, le=4000, description="Longest number (in characters) accepted in a JSON request body."
    )

    # --- staff assistant (Aya Ops) -------------------------------------------------------------------------------
    ops_allow_cli: bool = Field(False, description="Aya Ops may run the allow-listed commands (`run_command`).")
    ops_commands: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=lambda: {
            "catalog_stats": "aya catalog stats",
            "ingest": "aya ingest {file}",
            "pytest": "pytest -q {path}",
        },
        description="Commands Aya Ops may run: JSON object of name → argv template (`{file}`, `{path}`, `{word}` "
        "are validated arguments; no shell).",
    )
    ops_approve_commands: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["ingest"], description="Commands with side effects: they wait for an approval."
    )
    ops_workdir: Path | None = Field(
        None, description="Directory commands run in and `{file}`/`{path}` arguments must stay inside (default: cwd)."
    )
    ops_command_timeout_s: float = Field(300.0, gt=0, description="A command or test run longer than this is killed.")
    ops_max_tasks: int = Field(4, ge=1, description="Aya Ops tasks running at once; more wait in the queue.")
    ops_heartbeat_s: float = Field(
        2.0,
        gt=0,
        description="Each worker's task-manager heartbeat (seconds); the same loop picks up cancels from other workers "
        "when no notification arrived.",
    )
    ops_worker_timeout_s: float = Field(
        30.0,
        gt=0,
        description="A worker silent this long (seconds, at least three heartbeats) is gone: its queued and running "
        "tasks are marked failed (interrupted).",
    )
    ops_browse: bool = Field(False, description="Aya Ops may open web pages (`browse`, system Chromium).")
    ops_browse_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Hosts `browse` may open (`host` or `host:port`); loopback only when listed.",
    )
    ops_test_paths: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["tests"], description="Test paths `run_tests` may run (inside the work directory)."
    )
    ops_docs_dir: Path | None = Field(
        None,
        description="Store documents `research` cites (Markdown, CSV, text, PDF by page; "
        "default: <data_dir>/store_docs).",
    )
    ops_research_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Web pages `research` reads and cites by URL, only with `AYA_OPS_BROWSE=true` and only on "
        "`AYA_OPS_BROWSE_HOSTS` (redirects off the list are refused).",
    )

    @field_validator("ops_browse_hosts", "ops_test_paths", "ops_approve_commands", "ops_research_urls", mode="before")
    @classmethod
    def _split_ops_list(cls, v: object) -> object:
        if isinstance(v, str):
            text = v.strip()
            if text.startswith("["):
                import json

                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return v

    @field_validator("ops_commands", mode="before")
    @classmethod
    def _ops_commands_json(cls, v: object) -> object:
        if isinstance(v, str):
            import json

            return json.loads(v)
        return v

    @field_validator("openai_api_key", "model_api_key", "secret_key", "mcp_token", mode="before")
    @classmethod
    def _empty_is_unset(cls, v: object) -> object:
        """``OPENAI_API_KEY=`` (an empty or blank value) means "not set", not a key."""
        if isinstance(v, str) and not v.strip():
            return None
        if isinstance(v, SecretStr) and not v.get_secret_value().strip():
            return None
        return v

    @field_validator(
        "cors_origins", "mcp_allowed_hosts", "admin_users", "staff_users", "allowed_hosts", "image_hosts", mode="before"
    )
    @classmethod
    def _split_list(cls, v: object) -> object:
        if isinstance(v, str):
            text = v.strip()
            if text.startswith("["):
                import json

                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return v

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Settings:
        if self.auth_mode == "token" and (self.secret_key is None or len(self.secret_key.get_secret_value()) < 16):
            raise ValueError("AYA_AUTH_MODE=token needs AYA_SECRET_KEY (at least 16 characters)")
        if self.env == "production" and self.auth_mode == "dev":
            raise ValueError("AYA_ENV=production refuses AYA_AUTH_MODE=dev: set AYA_AUTH_MODE=token and AYA_SECRET_KEY")
        if self.search_backend == "opensearch" and not self.opensearch_url:
            raise ValueError("AYA_SEARCH_BACKEND=opensearch needs AYA_OPENSEARCH_URL")
        if self.model_provider == "openai_compatible" and not self.model_base_url:
            raise ValueError("AYA_MODEL_PROVIDER=openai_compatible needs AYA_MODEL_BASE_URL")
        if self.model_provider == "openai" and self.openai_api_key is None:
            raise ValueError("AYA_MODEL_PROVIDER=openai needs OPENAI_API_KEY")
        if self.ops_worker_timeout_s < 3 * self.ops_heartbeat_s:
            raise ValueError("AYA_OPS_WORKER_TIMEOUT_S must be at least three AYA_OPS_HEARTBEAT_S")
        if self.env != "development" and self.chatkit_ui == "hosted" and not _real_domain_key(self.chatkit_domain_key):
            raise ValueError(
                "AYA_CHATKIT_UI=hosted outside development needs AYA_CHATKIT_DOMAIN_KEY, the domain key OpenAI issued "
                "for this site's domain (platform.openai.com, Settings, Security, Domain allowlist)"
            )
        from aya.core.ratelimits import parse_rates  # a leaf module: settings only checks the syntax

        for name in (
            "session_rate_per_ip",
            "session_rate_global",
            "realtime_rate_per_user",
            "realtime_rate_per_ip",
            "message_rate_per_user",
            "message_rate_per_ip",
            "attachment_rate_per_user",
            "attachment_rate_per_ip",
        ):
            try:
                parse_rates(getattr(self, name))
            except ValueError as exc:
                raise ValueError(f"AYA_{name.upper()}: {exc}") from None
        for host in self.image_hosts:
            if "/" in host or not host.strip():
                raise ValueError(f"AYA_IMAGE_HOSTS: {host!r} must be a host name (e.g. images.example.com)")
        return self

    # --- derived -------------------------------------------------------------------------------------------------
    @property
    def effective_model_provider(self) -> ModelProvider:
        if self.model_provider is not None:
            return self.model_provider
        return "openai" if self.openai_api_key is not None else "offline"

    @property
    def effective_voice_mode(self) -> Literal["realtime", "offline"]:
        if self.voice_mode == "auto":
            return "realtime" if self.openai_api_key is not None else "offline"
        return self.voice_mode

    @property
    def openai_api_base(self) -> str:
        """The OpenAI API base URL ending in ``/v1``, the one place it is normalised (clients, Realtime minting)."""
        return openai_api_base(self.openai_base_url)

    @property
    def catalog_db_path(self) -> Path:
        return self.data_dir / "catalog.sqlite3"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def threads_db_path(self) -> Path:
        return self.data_dir / "threads.sqlite3"

    @property
    def attachments_dir(self) -> Path:
        return self.attachments_path or self.data_dir / "attachments"

    @property
    def embeddings_cache_path(self) -> Path:
        return self.data_dir / "embeddings_cache.sqlite3"

    @property
    def ops_db_path(self) -> Path:
        return self.data_dir / "ops.sqlite3"


OPENAI_API_BASE = "https://api.openai.com/v1"
_DEV_DOMAIN_KEY = "domain_pk_localhost_dev"  # accepted by the hosted ChatKit UI on localhost only


def _real_domain_key(key: str | None) -> bool:
    return bool(key and key.strip() and key.strip() != _DEV_DOMAIN_KEY)


def openai_api_base(url: str | None) -> str:
    """``https://host[/path]`` with or without a trailing ``/v1`` (or slash) -> ``https://host[/path]/v1``."""
    if not url or not url.strip():
        return OPENAI_API_BASE
    base = url.strip().rstrip("/")
    return base if base.endswith("/v1") else f"{base}/v1"


def load_settings(**overrides: object) -> Settings:
    """Build the settings once (environment, ``.env``, then explicit overrides)."""
    return Settings(**overrides)  # type: ignore[arg-type]
