"""Virtual time for concurrent tasks: `sleep` parks a task, the clock jumps to the next wake-up.

`run(*jobs)` starts the jobs and, whenever every one of them is parked in `sleep` (or done),
moves the clock to the earliest wake-up and wakes that sleeper. Nothing really sleeps: a minute
of traffic takes milliseconds. The jobs may only wait through `sleep` (MockTransport never
blocks), which is what lets the driver tell "all parked" from "still running".
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Awaitable, Callable

import anyio
import anyio.lowlevel


class VirtualTime:
    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, anyio.Event]] = []
        self._order = itertools.count()
        self._running = 0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        wake = anyio.Event()
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), next(self._order), wake))
        self._running -= 1
        await wake.wait()

    async def run(self, *jobs: Callable[[], Awaitable[None]], real_seconds: float = 20.0) -> None:
        """Run `jobs` concurrently to the end in virtual time (bounded in real time)."""

        async def job_done(job: Callable[[], Awaitable[None]]) -> None:
            try:
                await job()
            finally:
                self._running -= 1

        with anyio.fail_after(real_seconds):
            async with anyio.create_task_group() as tasks:
                self._running = len(jobs)
                for job in jobs:
                    tasks.start_soon(job_done, job)
                while True:
                    while self._running > 0:
                        await anyio.lowlevel.checkpoint()
                    if not self._sleepers:
                        break
                    when, _, wake = heapq.heappop(self._sleepers)
                    self.now = max(self.now, when)
                    self._running += 1
                    wake.set()
