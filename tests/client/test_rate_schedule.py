"""The budget's pure arithmetic (`Schedule`), driven by a fake clock and a small event simulation.

`simulate` plays many callers against one schedule the way `RateBudget.acquire` does: each asks,
sleeps the step's wait (optionally waking late, as a loaded event loop does) and asks again until
it may send, then thinks for a while and asks for its next request.
"""

from __future__ import annotations

import heapq
import itertools
import random
from dataclasses import dataclass, field

import pytest

from atera_mcp.client.ratelimit import RequestClass, Schedule, Step
from atera_mcp.sandbox.requestlog import busiest_window


@dataclass
class Caller:
    request_class: RequestClass
    think: float  # mean seconds between one send and the next request; 0 = always queued
    reserved: float | None = None
    asked_at: float | None = None


@dataclass
class Traffic:
    sends: list[tuple[float, RequestClass]] = field(default_factory=list)
    interactive_waits: list[float] = field(default_factory=list)
    pauses: list[tuple[float, float]] = field(default_factory=list)

    def times(self, request_class: RequestClass | None = None) -> list[float]:
        return [t for t, c in self.sends if request_class in (None, c)]


def simulate(
    schedule: Schedule,
    callers: list[Caller],
    *,
    until: float,
    seed: int = 7,
    late: float = 0.0,
    pauses: tuple[tuple[float, float], ...] = (),
) -> Traffic:
    """Run `callers` until `until`. `pauses` are 429s as (at, seconds); wake-ups come up to
    `late` seconds late."""
    rng = random.Random(seed)
    traffic = Traffic()
    events: list[tuple[float, int, int]] = []  # (time, order, caller index or -1 - pause index)
    order = 0

    def push(at: float, who: int) -> None:
        nonlocal order
        heapq.heappush(events, (at, order, who))
        order += 1

    def think(caller: Caller) -> float:
        return rng.expovariate(1 / caller.think) if caller.think else 0.0

    for index, caller in enumerate(callers):
        push(think(caller), index)
    for index, (at, _) in enumerate(pauses):
        push(at, -1 - index)
    while events:
        now, _, who = heapq.heappop(events)
        if now > until:
            break
        if who < 0:
            seconds = pauses[-1 - who][1]
            schedule.pause_until(now + seconds)
            traffic.pauses.append((now, now + seconds))
            continue
        caller = callers[who]
        if caller.asked_at is None:
            caller.asked_at = now
        step: Step = schedule.take(caller.request_class, now, caller.reserved)
        if step.wait > 0:
            caller.reserved = step.reserved
            push(now + step.wait + rng.uniform(0.0, late), who)
            continue
        traffic.sends.append((now, caller.request_class))
        if caller.request_class == "interactive":
            traffic.interactive_waits.append(now - caller.asked_at)
        caller.reserved = caller.asked_at = None
        push(now + think(caller), who)
    return traffic


def mixed_callers() -> list[Caller]:
    return [Caller("interactive", think=5.0) for _ in range(20)] + [
        Caller("background", think=0.0) for _ in range(10)
    ]


@pytest.mark.parametrize(("late", "margin"), [(0.0, 0.0), (0.3, 0.5)], ids=["on-time", "late"])
def test_many_callers_of_both_classes_never_exceed_either_cap_in_any_minute(
    late: float, margin: float
) -> None:
    schedule = Schedule(120, 40, burst=4, sync_burst=2, window=60.0 + margin)
    traffic = simulate(schedule, mixed_callers(), until=1800.0, late=late)
    assert len(traffic.sends) > 3000
    assert busiest_window(traffic.times()) <= 120
    assert busiest_window(traffic.times("background")) <= 40


def test_the_budget_is_used_to_the_full_when_demand_exceeds_it() -> None:
    schedule = Schedule(120, 40, burst=4, sync_burst=2, window=60.0)
    traffic = simulate(schedule, mixed_callers(), until=1800.0)
    assert len(traffic.sends) >= 0.97 * 120 * 30
    assert len(traffic.times("background")) > 0


def test_no_class_sends_inside_a_pause() -> None:
    schedule = Schedule(120, 60, burst=4, sync_burst=2, window=60.0)
    pauses = ((100.0, 5.0), (400.0, 30.0), (402.0, 3.0), (900.0, 61.0))
    traffic = simulate(schedule, mixed_callers(), until=1200.0, pauses=pauses)
    for start, end in traffic.pauses:
        assert not [t for t in traffic.times() if start <= t < end]
    assert busiest_window(traffic.times()) <= 120


def test_an_interactive_request_waits_at_most_one_slot_behind_a_long_background_queue() -> None:
    # Background may take the whole budget and 50 callers keep it queued all the time.
    schedule = Schedule(60, 60, burst=1, sync_burst=1, window=60.0)
    callers = [Caller("interactive", think=7.0)] + [Caller("background", 0.0) for _ in range(50)]
    traffic = simulate(schedule, callers, until=3600.0)
    assert len(traffic.interactive_waits) > 300
    assert max(traffic.interactive_waits) <= 1.0  # one slot: 60 s / 60 requests
    assert busiest_window(traffic.times()) <= 60


def test_background_keeps_the_interactive_burst_in_reserve() -> None:
    schedule = Schedule(600, 600, burst=10, sync_burst=10, window=60.0)
    now, sent = 0.0, 0
    while sent < 300:  # half a minute of a saturating background queue
        step = schedule.take("background", now)
        sent += step.wait == 0
        now += step.wait
    waits = [schedule.take("interactive", now).wait for _ in range(10)]
    # Background spent one slot of the burst at most: nine go at once, the tenth one slot later.
    assert waits == pytest.approx([0.0] * 9 + [0.1])


def test_a_lone_interactive_caller_never_waits_behind_a_saturating_background_queue() -> None:
    schedule = Schedule(600, 600, burst=10, sync_burst=10, window=60.0)
    callers = [Caller("interactive", think=3.0)] + [Caller("background", 0.0) for _ in range(50)]
    traffic = simulate(schedule, callers, until=600.0)
    assert len(traffic.interactive_waits) > 100
    assert max(traffic.interactive_waits) == 0.0
    assert len(traffic.sends) >= 0.97 * 600 * 10


def test_interactive_requests_queue_in_arrival_order_ahead_of_background() -> None:
    schedule = Schedule(60, 60, burst=1, sync_burst=1, window=60.0)
    assert schedule.take("background", 0.0).wait == 0.0
    slots = [schedule.take("interactive", 0.5) for _ in range(3)]
    assert [s.reserved for s in slots] == [1.0, 2.0, 3.0]
    # Background gets nothing while a reservation is pending, however often it asks.
    assert schedule.take("background", 1.5).wait == pytest.approx(2.5)
    assert schedule.take("background", 4.0).wait == 0.0


def test_pacing_is_smooth_after_a_small_burst() -> None:
    schedule = Schedule(600, 300, burst=10, sync_burst=5, window=60.0)
    slots = [schedule.take("interactive", 0.0).reserved or 0.0 for _ in range(30)]
    assert slots[:10] == [0.0] * 10
    gaps = [b - a for a, b in itertools.pairwise(slots[10:])]
    assert slots[10] == pytest.approx(0.1)
    assert gaps == pytest.approx([0.1] * 19)


def test_background_is_paced_to_its_own_share() -> None:
    schedule = Schedule(600, 60, burst=10, sync_burst=1, window=60.0)
    now, sent = 0.0, list[float]()
    while len(sent) < 5:
        step = schedule.take("background", now)
        if step.wait == 0:
            sent.append(now)
        else:
            now += step.wait
    assert sent == pytest.approx([0.0, 1.0, 2.0, 3.0, 4.0])


def test_a_pause_delays_every_class() -> None:
    schedule = Schedule(60, 30, burst=1, sync_burst=1, window=60.0)
    schedule.pause_until(5.0)
    assert schedule.take("interactive", 0.0).wait == 5.0
    assert schedule.take("background", 0.0).wait >= 5.0


def test_a_reservation_a_pause_covers_is_moved_past_it() -> None:
    schedule = Schedule(60, 30, burst=1, sync_burst=1, window=60.0)
    assert schedule.take("interactive", 0.0).wait == 0.0
    queued = schedule.take("interactive", 0.0)
    assert queued.reserved == 1.0
    schedule.pause_until(5.0)  # a 429 answered meanwhile
    again = schedule.take("interactive", 1.0, queued.reserved)
    assert again.reserved is not None
    assert again.reserved >= 5.0
    assert again.wait == again.reserved - 1.0


def test_a_reservation_is_granted_once_due_even_when_the_wake_up_is_late() -> None:
    schedule = Schedule(60, 30, burst=1, sync_burst=1, window=60.0)
    schedule.take("interactive", 0.0)
    queued = schedule.take("interactive", 0.0)
    assert schedule.take("interactive", 1.2, queued.reserved) == Step(0.0, 1.0)
    early = schedule.take("interactive", 0.9, queued.reserved)
    assert early.wait == pytest.approx(0.1)


@pytest.mark.parametrize("sync_rpm", [0, 61])
def test_the_background_share_must_fit_in_the_budget(sync_rpm: int) -> None:
    with pytest.raises(ValueError, match="sync_rpm"):
        Schedule(60, sync_rpm, burst=1, sync_burst=1, window=60.0)
