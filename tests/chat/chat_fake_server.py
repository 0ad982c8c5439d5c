"""A real Aya app whose model is a scripted fake, for tests that run a server process (``uvicorn --factory``).

``CHAT_FAKE_MODE=stall``: the first answer completes one message, starts a second, then stalls (the test kills the
process mid-stream); ``echo``: every turn echoes. Settings come from the environment (``AYA_DATA_DIR`` …).
"""

from __future__ import annotations

import os

from agents.testing import ScriptedModel
from chat_fakes import fake_assistant, fake_echo_model, stream_then_block
from fastapi import FastAPI

from aya.core.settings import load_settings
from aya.web.app import create_app


def app() -> FastAPI:
    settings = load_settings()
    application = create_app(settings)
    if os.environ.get("CHAT_FAKE_MODE", "echo") == "stall":
        model = ScriptedModel([stream_then_block("Complete first answer.", "A second answer that never ends")])
    else:
        model = fake_echo_model()
    application.state.resources.extras["assistant"] = fake_assistant(model)
    return application
