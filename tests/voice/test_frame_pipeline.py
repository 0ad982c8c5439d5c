"""The frame pipeline itself: order, interruption (cancels work in progress, drops the queue), failures, ownership."""

from __future__ import annotations

import asyncio

from aya.voice.frames import Frame, InterruptionFrame, SentenceFrame
from aya.voice.pipeline import Direction, FrameProcessor, Pipeline, QueuedProcessor


class Gate(QueuedProcessor):
    """Handles each sentence only when its gate opens; "boom" raises."""

    def __init__(self) -> None:
        super().__init__()
        self.gates: dict[str, asyncio.Event] = {}
        self.started: list[str] = []
        self.cancelled: list[str] = []
        self.interruptions = 0
        self.progress = asyncio.Condition()

    def gate(self, text: str) -> asyncio.Event:
        return self.gates.setdefault(text, asyncio.Event())

    async def handle(self, frame: Frame, direction: Direction) -> None:
        if isinstance(frame, SentenceFrame):
            async with self.progress:
                self.started.append(frame.text)
                self.progress.notify_all()
            if frame.text == "boom":
                raise RuntimeError("boom")
            try:
                await self.gate(frame.text).wait()
            except asyncio.CancelledError:
                self.cancelled.append(frame.text)
                raise
        await self.push_frame(frame, direction)

    async def on_interrupted(self) -> None:
        self.interruptions += 1


class Sink(FrameProcessor):
    def __init__(self) -> None:
        super().__init__()
        self.frames: list[Frame] = []
        self.arrived = asyncio.Condition()

    async def process_frame(self, frame: Frame, direction: Direction) -> None:
        async with self.arrived:
            self.frames.append(frame)
            self.arrived.notify_all()

    async def wait_for(self, n: int) -> None:
        async with self.arrived:
            await asyncio.wait_for(self.arrived.wait_for(lambda: len(self.frames) >= n), 5)


def texts(frames: list[Frame]) -> list[str]:
    return [f.text for f in frames if isinstance(f, SentenceFrame)]


async def _started(gate: Gate, n: int) -> None:
    async with gate.progress:
        await asyncio.wait_for(gate.progress.wait_for(lambda: len(gate.started) >= n), 5)


async def test_frames_keep_their_order() -> None:
    gate, sink = Gate(), Sink()
    pipeline = Pipeline([gate, sink])
    await pipeline.start()
    for t in ("a", "b", "c"):
        await pipeline.queue_frame(SentenceFrame(t))
    for t in ("c", "b", "a"):
        gate.gate(t).set()
    await sink.wait_for(3)
    assert texts(sink.frames) == ["a", "b", "c"]
    await pipeline.stop()
    assert len(pipeline.tasks) == 0


async def test_interruption_cancels_work_in_progress_and_drops_the_queue() -> None:
    gate, sink = Gate(), Sink()
    pipeline = Pipeline([gate, sink])
    await pipeline.start()
    for t in ("a", "b", "c"):
        await pipeline.queue_frame(SentenceFrame(t))
    await _started(gate, 1)
    await pipeline.queue_frame(InterruptionFrame())
    # The interruption reached the end of the chain at once, ahead of the queued sentences.
    assert isinstance(sink.frames[0], InterruptionFrame)
    assert gate.cancelled == ["a"] and gate.interruptions == 1
    # The worker restarted: new frames flow; "b" and "c" were dropped.
    await pipeline.queue_frame(SentenceFrame("d"))
    gate.gate("d").set()
    await sink.wait_for(2)
    assert texts(sink.frames) == ["d"] and gate.started == ["a", "d"]
    await pipeline.stop()


async def test_a_failing_frame_does_not_stop_the_stage() -> None:
    gate, sink = Gate(), Sink()
    pipeline = Pipeline([gate, sink])
    await pipeline.start()
    await pipeline.queue_frame(SentenceFrame("boom"))
    await pipeline.queue_frame(SentenceFrame("after"))
    gate.gate("after").set()
    await sink.wait_for(1)
    assert texts(sink.frames) == ["after"]
    await pipeline.stop()


async def test_stop_cancels_every_owned_task() -> None:
    gate, sink = Gate(), Sink()
    pipeline = Pipeline([gate, sink])
    await pipeline.start()
    await pipeline.queue_frame(SentenceFrame("never"))
    await _started(gate, 1)
    assert len(pipeline.tasks) == 1
    await pipeline.stop()
    assert len(pipeline.tasks) == 0 and gate.cancelled == ["never"]
