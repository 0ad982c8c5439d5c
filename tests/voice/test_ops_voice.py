"""Voice to Aya Ops over the real ``/voice/ws`` (uvicorn, offline pipeline, offline staff model): a spoken "run the
tests" starts a task and Aya Ops says its result; shoppers cannot open an Aya Ops voice session."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from aya.core.settings import Settings
from aya.voice.evaluation import with_silence
from aya.web.app import create_app

from .conftest import Speak
from .serve import serve
from .test_pipeline import Turn, _collect, _send_speech

pytestmark = pytest.mark.voice


@pytest.fixture
def ops_url(settings: Settings, tmp_path: Path) -> Iterator[str]:
    work = tmp_path / "work"
    (work / "suite").mkdir(parents=True)
    (work / "suite" / "test_ok.py").write_text("def test_ok():\n    assert True\n")
    (work / "examples").mkdir()
    (work / "examples" / "products.csv").write_text("id,title\n")
    staff_settings = settings.model_copy(
        update={
            "embedder": "none",
            "tts_engine": "espeak",
            "staff_users": ["staff-1"],
            "ops_workdir": work,
            "ops_test_paths": ["suite"],
            "ops_allow_cli": True,
        }
    )
    with serve(create_app(staff_settings)) as url:
        yield url


def _ws(base: str, user: str) -> str:
    return base.replace("http", "ws", 1) + f"/voice/ws?user_id={user}&assistant=ops"


async def test_a_spoken_command_runs_a_task_and_the_answer_is_spoken(ops_url: str, speak_piper: Speak) -> None:
    turn = Turn()
    async with connect(_ws(ops_url, "staff-1")) as ws:
        await _collect(ws, turn, until="state")
        await _send_speech(ws, with_silence(speak_piper("Run the tests."), 0.5, 1.2, noise=0.002))
        await _collect(ws, turn, until="response_done", within_s=120)
    heard = [e["text"] for e in turn.of("transcript") if e["role"] == "user" and e["final"]]
    assert heard and "test" in heard[0].lower(), heard
    answer = [e["text"] for e in turn.of("transcript") if e["role"] == "assistant" and e["final"]]
    assert answer and "Task 1 (Run the tests: suite): succeeded" in answer[0], answer
    assert len(turn.audio) > 0
    # The task's card came along (staff see it in the Voice tab), replaced in place until it ended.
    cards = turn.of("card")
    assert cards and len({c["item_id"] for c in cards}) == 1, cards
    assert "succeeded" in json.dumps(cards[-1]["widget"]) and "Task 1" in json.dumps(cards[-1]["widget"])
    assert not turn.of("products")  # a task card is not a product card


async def test_a_side_effect_said_by_voice_waits_for_approval(ops_url: str) -> None:
    turn = Turn()
    async with connect(_ws(ops_url, "staff-1")) as ws:
        await _collect(ws, turn, until="state")
        await ws.send(json.dumps({"type": "text", "text": "import examples/products.csv"}))
        await _collect(ws, turn, until="response_done", within_s=60)
    answer = [e["text"] for e in turn.of("transcript") if e["role"] == "assistant" and e["final"]]
    assert answer and "awaiting approval" in answer[0], answer
    (card,) = turn.of("card")
    widget = json.dumps(card["widget"])
    assert "ops.approve" in widget and "ops.deny" in widget  # a person decides, on the card


async def test_shoppers_cannot_talk_to_aya_ops(ops_url: str) -> None:
    with pytest.raises(InvalidStatus):  # refused at the handshake, like a missing identity
        async with connect(_ws(ops_url, "shopper-1")):
            pass
    async with connect(_ws(ops_url, "staff-1")) as ws:
        assert json.loads(await ws.recv())["type"] == "ready"
