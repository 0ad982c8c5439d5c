"""OpenAI Realtime: ephemeral client secrets minted on the server.

The browser never sees the API key. ``POST /voice/realtime/session`` asks OpenAI for a client secret
(``POST {AYA_OPENAI_BASE_URL, normalised to …/v1}/realtime/client_secrets``, within ``AYA_OPENAI_TIMEOUT_S``) bound to
Aya's session configuration: model, voice, voice instructions with the shopper's name, the shop tools (strict
schemas), server VAD turn detection, input transcription (``AYA_REALTIME_TRANSCRIPTION_MODEL`` and ``_LANGUAGE``) and
tracing (off unless ``AYA_TRACING``). The secret expires after at most 10 minutes. The answer tells the browser what
its ``session.update`` must repeat, or the SDK's defaults would replace it: the transcription settings and whether
tracing is on (``RealtimeSession`` otherwise turns tracing on with ``"auto"``). Tool calls come back to
``POST /api/tools/{name}``.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import BaseModel

from aya.core.errors import AyaError, NotConfigured, RateLimited
from aya.core.settings import Settings
from aya.voice.toolschema import realtime_tools

logger = logging.getLogger("aya.voice")

SECRET_TTL_S = 600  # the secret lives at most 10 minutes
TRACING_WORKFLOW = "Aya voice"


class UpstreamError(AyaError):
    status = 502
    code = "upstream_error"


def voice_instructions(username: str | None) -> str:
    who = f"The shopper's name is {username}. " if username else ""
    return (
        "You are Aya, the friendly pet food specialist of our pet food store, talking with a shopper by voice. "
        f"{who}"
        "Speak naturally and briefly: one to three short sentences per turn, no lists, no markdown, no links. "
        "Ask one question at a time when you need to know the pet's species, age, size or health needs. "
        "Always use the tools to find products; never invent products, prices or facts. "
        "Mention at most three products by name, and say that their cards are on the screen. "
        "Say prices the way people do: '24 dollars and 99 cents' (or 'about 25 dollars'); "
        "round weights and ratings. "
        "If the shopper interrupts, stop and listen. "
        "Safety first: whenever the shopper says their pet ate something or describes a worrying symptom, or asks "
        "for something the store can't do, call safety_check with their words and say its answer; in an emergency "
        "suggest no products. Use feeding_guide, unit_prices, switch_schedule, pet_food_question and "
        "check_ingredients for amounts, prices per pound, switching, questions and ingredients; never guess."
    )


def transcription(settings: Settings) -> dict[str, Any]:
    return {"model": settings.realtime_transcription_model, "language": settings.realtime_transcription_language}


def tracing_enabled(settings: Settings) -> bool:
    return settings.tracing and settings.openai_api_key is not None


@dataclass(frozen=True)
class Persona:
    """Who the Realtime session is: its instructions and tools (default: Aya with the shop tools; the web layer
    passes Aya Ops' for staff)."""

    instructions: str
    tools: list[dict[str, Any]]
    workflow: str = TRACING_WORKFLOW


def shop_persona(username: str | None) -> Persona:
    return Persona(instructions=voice_instructions(username), tools=realtime_tools())


def session_config(settings: Settings, username: str | None, persona: Persona | None = None) -> dict[str, Any]:
    """The Realtime session bound to the client secret (GA ``client_secrets`` shape)."""
    persona = persona or shop_persona(username)
    return {
        "type": "realtime",
        "model": settings.realtime_model,
        "instructions": persona.instructions,
        "output_modalities": ["audio"],
        "audio": {
            "input": {
                "transcription": transcription(settings),
                "turn_detection": {
                    "type": "server_vad",
                    "threshold": settings.realtime_vad_threshold,
                    "prefix_padding_ms": settings.realtime_prefix_padding_ms,
                    "silence_duration_ms": settings.realtime_silence_ms,
                    "create_response": True,
                    "interrupt_response": True,
                },
            },
            "output": {"voice": settings.realtime_voice},
        },
        "tools": persona.tools,
        "tool_choice": "auto",
        "tracing": {"workflow_name": persona.workflow} if tracing_enabled(settings) else None,
    }


class RealtimeSecret(BaseModel):
    """What the browser gets: the ephemeral secret and the configuration its RealtimeAgent mirrors. No API key."""

    client_secret: str
    expires_at: int
    model: str
    voice: str
    instructions: str
    tools: list[dict[str, Any]]
    turn_detection: dict[str, Any]
    transcription: dict[str, Any]
    tracing: bool
    tracing_workflow: str | None = None


@dataclass
class RateLimiter:
    """At most ``limit`` calls per ``window_s`` per key (in process memory: a cache of recent calls)."""

    limit: int = 5
    window_s: float = 60.0
    _calls: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def check(self, key: str) -> None:
        now = time.monotonic()
        calls = self._calls[key]
        while calls and now - calls[0] > self.window_s:
            calls.popleft()
        if len(calls) >= self.limit:
            raise RateLimited(
                f"too many voice sessions: at most {self.limit} per {int(self.window_s)} s; try again shortly"
            )
        calls.append(now)


@dataclass
class RealtimeMinter:
    settings: Settings
    client: httpx.AsyncClient
    limiter: RateLimiter = field(default_factory=RateLimiter)

    async def mint(self, user_id: str, username: str | None, persona: Persona | None = None) -> RealtimeSecret:
        key = self.settings.openai_api_key
        if key is None or self.settings.effective_voice_mode != "realtime":
            raise NotConfigured("Realtime voice needs OPENAI_API_KEY and AYA_VOICE_MODE realtime or auto")
        self.limiter.check(user_id)
        config = session_config(self.settings, username, persona)
        url = f"{self.settings.openai_api_base}/realtime/client_secrets"
        try:
            response = await self.client.post(
                url,
                headers={"Authorization": f"Bearer {key.get_secret_value()}"},
                json={"expires_after": {"anchor": "created_at", "seconds": SECRET_TTL_S}, "session": config},
                timeout=self.settings.openai_timeout_s,
            )
        except httpx.HTTPError as exc:
            logger.warning("Realtime client secret request failed: %s", type(exc).__name__)
            raise UpstreamError("could not reach OpenAI to start a Realtime session") from None
        if response.status_code != 200:
            code = _error_code(response)
            logger.warning("Realtime client secret request answered HTTP %d %s", response.status_code, code or "")
            raise UpstreamError(_refusal(response.status_code, code))
        body = response.json()
        value = body.get("value") or (body.get("client_secret") or {}).get("value")
        if not isinstance(value, str) or not value:
            raise UpstreamError("OpenAI answered without a client secret")
        expires_at = int(body.get("expires_at") or time.time() + SECRET_TTL_S)
        expires_at = min(expires_at, int(time.time()) + SECRET_TTL_S)
        logger.info("minted a Realtime client secret (model %s)", self.settings.realtime_model)
        return RealtimeSecret(
            client_secret=value,
            expires_at=expires_at,
            model=self.settings.realtime_model,
            voice=self.settings.realtime_voice,
            instructions=config["instructions"],
            tools=config["tools"],
            turn_detection=config["audio"]["input"]["turn_detection"],
            transcription=config["audio"]["input"]["transcription"],
            tracing=tracing_enabled(self.settings),
            tracing_workflow=config["tracing"]["workflow_name"] if config["tracing"] else None,
        )


def _error_code(response: httpx.Response) -> str | None:
    try:
        error = response.json().get("error") or {}
    except ValueError:
        return None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) else None


def _refusal(status: int, code: str | None) -> str:
    """What the Voice tab shows when OpenAI refuses the session (documented statuses and codes)."""
    if status == 401:
        return "OpenAI refused the store's API key, so voice cannot start. Please let the store know."
    if status == 429 and code == "insufficient_quota":
        return "The store's OpenAI account has run out of credit, so voice cannot start. Please let the store know."
    if status == 429:
        return "OpenAI is very busy right now. Please try voice again in a moment."
    if status >= 500:
        return "OpenAI is having trouble right now. Please try voice again in a moment."
    return f"OpenAI refused to start a Realtime session (HTTP {status}{', ' + code if code else ''})"
