"""A real Aya app served the way ``aya serve`` serves it (``uvicorn_options``), whose model is a scripted fake (the
OpenAI boundary): ``AYA_TEST_MODEL=slow`` streams an answer over about two seconds, ``stall`` completes one message,
starts a second and then stalls. Run as a script by the graceful-shutdown test, which sends it SIGTERM."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parents[2]), str(Path(__file__).resolve().parents[1] / "chat")]

import uvicorn  # noqa: E402
from agents.testing import ModelCall, ModelStep, ScriptedModel, assistant_message  # noqa: E402
from chat_fakes import fake_assistant, scripted_events, stream_then_block  # noqa: E402

from aya.cli.serve import uvicorn_options  # noqa: E402
from aya.core.settings import load_settings  # noqa: E402
from aya.web.app import create_app  # noqa: E402

SLOW_ANSWER = " ".join(f"word{n}" for n in range(20))


def slow_step() -> ModelStep:
    async def factory(call: ModelCall) -> AsyncIterator[Any]:
        for event in await scripted_events([assistant_message(SLOW_ANSWER, item_id="slow")]):
            if event.type == "response.output_text.delta":
                await asyncio.sleep(0.1)
            yield event

    return ModelStep.stream(factory)


def main() -> None:
    settings = load_settings()
    app = create_app(settings)
    if os.environ.get("AYA_TEST_MODEL") == "stall":
        model = ScriptedModel([stream_then_block("Complete first answer.", "A second answer cut by the shutdown")])
    else:
        model = ScriptedModel([slow_step() for _ in range(10)])
    app.state.resources.extras["assistant"] = fake_assistant(model)
    uvicorn.run(app, **uvicorn_options(settings))


if __name__ == "__main__":
    main()
