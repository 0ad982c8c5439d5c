"""A real Aya app whose model is a scripted fake that stalls mid-answer, for the kill -9 test (``uvicorn --factory``).

The first answer completes one message, starts a second, then stalls until the test kills the process.
Settings come from the environment (``AYA_DATA_DIR`` …).
"""

from __future__ import annotations

from agents.testing import ScriptedModel
from chat_fakes import fake_assistant, stream_then_block
from fastapi import FastAPI

from aya.core.settings import load_settings
from aya.web.app import create_app


def app() -> FastAPI:
    application = create_app(load_settings())
    model = ScriptedModel([stream_then_block("Complete first answer.", "A second answer that never ends")])
    application.state.resources.extras["assistant"] = fake_assistant(model)
    return application
