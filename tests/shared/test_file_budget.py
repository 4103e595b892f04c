"""The rate budget shared by one machine's server processes through a file (`FileBudget`).

Each `FileBudget` below stands for one process (each step opens the file afresh, as another
process would); time is virtual (`VirtualTime`) so minutes of traffic run in a moment while
every step still goes through the file. The last test runs three real processes.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from atera_mcp.client.ratelimit import WINDOW_SECONDS, default_burst
from atera_mcp.errors import SharedStateUnavailable
from atera_mcp.shared.file_budget import FileBudget
from tests.client.test_rate_budget import Atera, client
from tests.client.virtual_time import VirtualTime

MakeBudget = Callable[..., FileBudget]


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
