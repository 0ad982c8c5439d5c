"""A small frame pipeline in the spirit of pipecat.

Processors are linked in a chain. Each implements ``process_frame(frame, direction)`` and passes frames on with
``push_frame(frame, direction)``. A :class:`QueuedProcessor` does slow work (speech-to-text, the assistant,
text-to-speech) in one worker task drained from a queue, so audio keeps flowing through the stages before it; system
frames (:class:`~aya.voice.frames.InterruptionFrame`, :class:`~aya.voice.frames.EndFrame`) jump the queue, and an
interruption cancels the work in progress and drops what is queued.

The :class:`Pipeline` owns every task its processors start (:class:`TaskOwner`): nothing is left running after
``Pipeline.stop()``.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

from aya.voice.frames import EndFrame, Frame, InterruptionFrame, SystemFrame

logger = logging.getLogger("aya.voice")


class Direction(enum.Enum):
    DOWNSTREAM = "downstream"
    UPSTREAM = "upstream"


class TaskOwner:
    """Starts tasks and is answerable for them: failures are logged, ``close()`` cancels and awaits them all."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def start(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("voice task %s failed", task.get_name(), exc_info=task.exception())

    async def close(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def __len__(self) -> int:
        return len(self._tasks)


class FrameProcessor:
    """One stage. Subclasses override :meth:`process_frame`; the default passes every frame on unchanged."""

    def __init__(self) -> None:
        self._next: FrameProcessor | None = None
        self._prev: FrameProcessor | None = None
        self._tasks: TaskOwner | None = None

    @property
    def name(self) -> str:
        return type(self).__name__

    def link(self, nxt: FrameProcessor) -> None:
        self._next = nxt
        nxt._prev = self

    async def start(self, tasks: TaskOwner) -> None:
        self._tasks = tasks

    async def process_frame(self, frame: Frame, direction: Direction) -> None:
        await self.push_frame(frame, direction)

    async def push_frame(self, frame: Frame, direction: Direction = Direction.DOWNSTREAM) -> None:
        target = self._next if direction is Direction.DOWNSTREAM else self._prev
        if target is not None:
            await target.process_frame(frame, direction)


class QueuedProcessor(FrameProcessor):
    """A stage whose slow work runs in one owned worker task, frame by frame, in order.

    Subclasses implement :meth:`handle` for data frames. System frames are forwarded at once; an
    :class:`InterruptionFrame` first cancels the frame being handled and empties the queue.
    """

    def __init__(self) -> None:
        super().__init__()
        self._queue: asyncio.Queue[tuple[Frame, Direction]] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    async def start(self, tasks: TaskOwner) -> None:
        await super().start(tasks)
        self._start_worker()

    def _start_worker(self) -> None:
        assert self._tasks is not None, "start() the processor first"
        self._worker = self._tasks.start(self._run(), name=f"{self.name}-worker")

    async def _run(self) -> None:
        while True:
            frame, direction = await self._queue.get()
            try:
                await self.handle(frame, direction)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("%s failed on %s", self.name, type(frame).__name__)
                await self.on_error(frame)

    async def process_frame(self, frame: Frame, direction: Direction) -> None:
        if isinstance(frame, InterruptionFrame):
            await self.interrupt()
            await self.push_frame(frame, direction)
        elif isinstance(frame, EndFrame):
            await self._stop_worker()
            await self.push_frame(frame, direction)
        elif isinstance(frame, SystemFrame):
            await self.push_frame(frame, direction)
        else:
            self._queue.put_nowait((frame, direction))

    async def interrupt(self) -> None:
        """Cancel the work in progress and drop queued frames; the worker starts afresh."""
        await self._stop_worker()
        while not self._queue.empty():
            self._queue.get_nowait()
        await self.on_interrupted()
        self._start_worker()

    async def on_interrupted(self) -> None:
        """Hook: reset per-turn state after an interruption."""

    async def on_error(self, frame: Frame) -> None:
        """Hook: ``handle`` raised on ``frame`` (already logged); the worker goes on with the next frame."""

    async def _stop_worker(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None and not worker.done():
            worker.cancel()
            try:
                await worker
            except asyncio.CancelledError:
                # Re-raise only when *we* are being cancelled, not the worker we just cancelled.
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise

    @property
    def busy(self) -> bool:
        return not self._queue.empty()

    async def handle(self, frame: Frame, direction: Direction) -> None:
        await self.push_frame(frame, direction)


class Pipeline:
    """A chain of processors and the owner of every task they start."""

    def __init__(self, processors: Sequence[FrameProcessor]) -> None:
        if not processors:
            raise ValueError("a pipeline needs at least one processor")
        self.processors = list(processors)
        for a, b in zip(self.processors, self.processors[1:], strict=False):
            a.link(b)
        self.tasks = TaskOwner()

    async def start(self) -> None:
        for processor in self.processors:
            await processor.start(self.tasks)

    async def queue_frame(self, frame: Frame) -> None:
        """Feed a frame in at the head of the chain."""
        await self.processors[0].process_frame(frame, Direction.DOWNSTREAM)

    async def stop(self) -> None:
        try:
            await self.queue_frame(EndFrame())
        finally:
            await self.tasks.close()
