"""Group commit for socket frames: the frames that arrive while a batch is being written go together
in the next one.

At one visitor message per transaction a Daphne process pays the fixed costs of a write (a trip to a
socket thread, the transaction's round trips, the publish, the Celery enqueue of the turn) once per
message, and tops out near 125 messages a second with a core to itself. A `GroupCommit` hands frames
to its `write` as they come while fewer than `max_in_flight` batches are being written (a frame on a
quiet process is written at once, alone: no added latency); otherwise they wait, and the next batch
takes up to `max_batch` of them. Each frame's sender gets its own result (or its own exception) back.

A socket's frames stay in order: its consumer awaits each frame's result before reading the next.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any


class GroupCommit:
    def __init__(self, write: Callable[[list[Any]], Awaitable[list[Any]]], *, max_batch: int, max_in_flight: int):
        """`write` takes the batch's items and returns per item, in order, its result or an exception
        (which only that item's sender sees); an exception `write` raises goes to every sender."""
        self._write = write
        self._max_batch = max(1, max_batch)
        self._max_in_flight = max(1, max_in_flight)
        self._waiting: list[tuple[Any, asyncio.Future]] = []
        self._in_flight = 0
        self._tasks: set[asyncio.Task] = set()  # asyncio keeps only weak references to tasks

    async def submit(self, item: Any) -> Any:
        """`item` written with the others that arrive meanwhile; its own result, or its own exception raised."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._waiting.append((item, future))
        if self._in_flight < self._max_in_flight:
            self._in_flight += 1
            task = loop.create_task(self._drain())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _drain(self) -> None:
        """Write batches until no frame waits."""
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:self._max_batch], self._waiting[self._max_batch:]
                try:
                    outcomes = await self._write([item for item, _ in batch])
                except Exception as exc:
                    outcomes = [exc] * len(batch)
                for (_, future), outcome in zip(batch, outcomes):
                    if future.done():  # its socket closed meanwhile
                        continue
                    if isinstance(outcome, BaseException):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
        finally:
            self._in_flight -= 1
