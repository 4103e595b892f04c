"""The rate budget shared by one machine's server processes through a file (`FileBudget`).

Each `FileBudget` below stands for one process (each step opens the file afresh, as another
process would); time is virtual (`VirtualTime`) so minutes of traffic run in a moment while
every step still goes through the file. The last test runs three real processes.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import pytest

from atera_mcp.client import AteraClient, RateBudget
from atera_mcp.client.ratelimit import WINDOW_SECONDS, default_burst
from atera_mcp.errors import RateLimitedError, SharedStateUnavailable
from atera_mcp.sandbox.requestlog import busiest_window
from atera_mcp.shared.file_budget import FileBudget
from tests.client.test_rate_budget import Atera, client, reads
from tests.client.virtual_time import VirtualTime

MakeBudget = Callable[..., FileBudget]


@asynccontextmanager
async def clients(atera: Atera, budgets: list[FileBudget]) -> AsyncIterator[list[AteraClient]]:
    """One client per budget (per process), all talking to the same `atera`."""
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(client(atera, each)) for each in budgets]


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[tuple[VirtualTime, MakeBudget]]:
    """A virtual clock and a factory of processes' budgets sharing one file."""
    time = VirtualTime()
    made: list[FileBudget] = []

    def make(
        rpm: int, sync_rpm: int | None = None, *, burst: int | None = None, margin: float = 1.0
    ) -> FileBudget:
        path = tmp_path / "cache" / "account.budget.sqlite3"
        made.append(FileBudget(path, rpm, sync_rpm, burst=burst, margin=margin, clock=time.clock))
        return made[-1]

    yield time, make
    for budget in made:
        budget.close()


@pytest.mark.anyio
async def test_three_processes_never_send_more_than_rpm_in_any_window_together(
    processes: tuple[VirtualTime, MakeBudget],
) -> None:
    time, make = processes
    atera = Atera(time)
    budgets = [make(60, 20) for _ in range(3)]
    async with clients(atera, budgets) as (a, b, c):
        jobs = [reads(each, 15) for each in (a, b, c)] * 2
        jobs += [reads(each, 10, background=True) for each in (a, b, c)]
        await time.run(*jobs)
    assert len(atera.log) == 3 * 2 * 15 + 3 * 10
    assert busiest_window(atera.times(), 61.0 - 1e-6) <= 60
    assert busiest_window(atera.times("background"), 61.0 - 1e-6) <= 20
    # Shared, not split: three processes together get about the pace of one budget.
    assert max(atera.times()) < 3 * 61.0


@pytest.mark.anyio
async def test_background_in_every_process_is_capped_together(
    processes: tuple[VirtualTime, MakeBudget],
) -> None:
    time, make = processes
    atera = Atera(time)
    budgets = [make(60, 6, burst=1, margin=0) for _ in range(3)]
    async with clients(atera, budgets) as (a, b, c):
        jobs = [reads(each, 4, background=True) for each in (a, b, c)]
        await time.run(*jobs, reads(a, 6), reads(c, 6))
    background = atera.times("background")
    assert len(background) == 12
    assert busiest_window(background) == 6
    assert background[6] >= background[0] + 60.0
    assert max(atera.times("interactive")) < 15.0
    assert busiest_window(atera.times()) <= 60


@pytest.mark.anyio
async def test_interactive_waiting_in_one_process_makes_background_in_another_yield(
    processes: tuple[VirtualTime, MakeBudget],
) -> None:
    time, make = processes
    atera = Atera(time)
    assistant, sync = make(60, 60, burst=1, margin=0), make(60, 60, burst=1, margin=0)
    async with client(atera, assistant) as here, client(atera, sync) as there:
        await time.run(*[reads(there, 10, background=True)] * 5, reads(here, 5))
    first_six = [s.request_class for s in atera.log[:6]]
    assert first_six.count("interactive") == 5
    assert busiest_window(atera.times()) <= 60


@pytest.mark.anyio
async def test_a_429_in_one_process_pauses_every_process_until_retry_after(
    processes: tuple[VirtualTime, MakeBudget],
) -> None:
    time, make = processes
    atera = Atera(time, throttle={12: "5"})
    budgets = [make(600, 300, margin=0) for _ in range(3)]
    async with clients(atera, budgets) as (a, b, c):
        jobs = [reads(each, 5) for each in (a, b, c)] * 2
        jobs += [reads(each, 5, background=True) for each in (a, b, c)]
        await time.run(*jobs)
    throttled = next(i for i, sent in enumerate(atera.log) if sent.status == 429)
    after = atera.log[throttled + 1 :]
    assert {s.request_class for s in after} == {"interactive", "background"}
    assert min(s.at for s in after) >= atera.log[throttled].at + 5.0
    assert len(atera.log) == 6 * 5 + 3 * 5 + 1


@pytest.mark.anyio
async def test_a_long_pause_set_by_one_process_makes_a_call_in_another_fail_at_once(
    processes: tuple[VirtualTime, MakeBudget],
) -> None:
    time, make = processes
    atera = Atera(time)
    here, there = make(600), make(600)
    await here.pause_for(250.0)
    time.now += 10.0
    assert await there.pause_left() == pytest.approx(240.0)
    async with client(atera, there) as other:
        with pytest.raises(RateLimitedError, match="wait 240 seconds"):
            await other.get_ticket(7)
    assert atera.log == []
    await there.pause_for(1.0)  # a shorter pause never shortens a running one
    assert await here.pause_left() == pytest.approx(240.0)


@pytest.mark.anyio
async def test_one_process_on_the_file_sends_when_the_in_process_budget_would(
    processes: tuple[VirtualTime, MakeBudget],
) -> None:
    async def traffic(time: VirtualTime, one: AteraClient) -> None:
        await time.run(*[reads(one, 10)] * 3)
        time.now += 120.0
        await time.run(*[reads(one, 5, background=True)] * 2)

    time, make = processes
    on_file = Atera(time)
    async with client(on_file, make(60, 6, burst=3)) as one:
        await traffic(time, one)
    local_time = VirtualTime()
    in_process = Atera(local_time)
    async with client(in_process, RateBudget(60, 6, burst=3, clock=local_time.clock)) as one:
        await traffic(local_time, one)
    assert on_file.times() == pytest.approx(in_process.times())


@pytest.mark.anyio
async def test_a_state_written_before_the_machine_restarted_is_dropped(
    processes: tuple[VirtualTime, MakeBudget],
) -> None:
    time, make = processes
    before = make(60, burst=1)
    time.now = 5_000.0
    assert await before.acquire(_no_sleep) == 0.0
    await before.pause_for(300.0)
    time.now = 12.0  # the monotonic clock began again at boot
    after = make(60, burst=1)
    assert await after.pause_left() == 0.0
    assert await after.acquire(_no_sleep) == 0.0


async def _no_sleep(seconds: float) -> None:
    pytest.fail(f"asked to wait {seconds} s with a fresh budget")


@pytest.mark.anyio
async def test_a_file_that_cannot_be_written_stops_the_call_before_anything_is_sent(
    tmp_path: Path,
) -> None:
    time = VirtualTime()
    atera = Atera(time)
    (tmp_path / "not-a-folder").write_text("")
    budget = FileBudget(tmp_path / "not-a-folder" / "budget.sqlite3", 700, clock=time.clock)
    async with client(atera, budget) as one:
        with pytest.raises(SharedStateUnavailable, match="nothing was sent"):
            await one.get_ticket(7)
    assert atera.log == []


def test_a_file_budget_needs_sane_rates(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="rpm"):
        FileBudget(tmp_path / "b", 0)
    with pytest.raises(ValueError, match="sync_rpm"):
        FileBudget(tmp_path / "b", 700, 701)


# Each process waits for "go" on stdin, acquires `count` slots and prints when it got each.
_PROCESS = """
import sys, time, anyio
from pathlib import Path
from atera_mcp.shared.file_budget import FileBudget

async def main() -> None:
    budget = FileBudget(Path(sys.argv[1]), int(sys.argv[2]))
    print("ready", flush=True)
    sys.stdin.readline()
    for _ in range(int(sys.argv[3])):
        await budget.acquire(anyio.sleep)
        print(time.monotonic(), flush=True)
    budget.close()

anyio.run(main)
"""


def test_three_real_processes_on_one_file_keep_one_pace_together(tmp_path: Path) -> None:
    rpm, count = 1200, 20  # a slot every 61/1200 s; a burst of 20 saved up
    path = tmp_path / "budget.sqlite3"
    command = [sys.executable, "-c", _PROCESS, str(path), str(rpm), str(count)]
    children = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    try:
        for child in children:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        outputs = [child.communicate(timeout=60)[0] for child in children]
    finally:
        for child in children:
            child.kill()
    times = sorted(float(line) for out in outputs for line in out.split())
    assert len(times) == 3 * count
    # One budget: past the burst, every slot waits its turn at one pace. Three budgets would
    # have let all sixty go at once (each has a burst of 20).
    interval = (WINDOW_SECONDS + 1.0) / rpm
    assert times[-1] - times[0] >= (3 * count - default_burst(rpm)) * interval * 0.9
