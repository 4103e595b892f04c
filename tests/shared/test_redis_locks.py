"""Write locks across replicas on a real Redis: each `RedisLocks` below stands for one replica
(its own connection pool) on one account's keys. Time is virtual: the locks read `Time.clock`
for expiry, a waiter's poll moves it on (`advance`), a holder's renewer follows it (`follow`)
or, for a replica that died, never wakes again (`never`).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

import anyio
import anyio.abc
import anyio.lowlevel
import pytest

from atera_mcp.client import AteraClient
from atera_mcp.errors import RuleError, SharedStateUnavailable, WriteInProgress
from atera_mcp.sandbox import sandbox_state
from atera_mcp.shared.redis_link import SharedRedis
from atera_mcp.shared.redis_locks import RedisLocks
from atera_mcp.tools.concurrency import KeyedLocks
from atera_mcp.tools.context import ToolContext
from atera_mcp.tools.tickets import create_ticket
from tests.harness import API_KEY, BASE_URL, NOW, recording_transport, sandbox_app, settings
from tests.ports import free_port
from tests.shared_redis import fresh_account

KEY = ("comment", 7, 42)


class Time:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def advance(self, seconds: float) -> None:
        self.now += seconds
        await anyio.lowlevel.checkpoint()

    async def follow(self, seconds: float) -> None:
        until = self.now + seconds
        while self.now < until:
            await anyio.lowlevel.checkpoint()

    async def never(self, seconds: float) -> None:
        await anyio.sleep_forever()


Replica = Callable[..., RedisLocks]


@pytest.fixture
async def replicas(redis_url: str) -> AsyncIterator[tuple[Time, Replica]]:
    """A virtual clock and a factory of replicas' locks on one fresh account; its keys are
    deleted afterwards."""
    time = Time()
    async with fresh_account(redis_url) as connect:

        def make(
            *, wait: float = 0.0, sleep: Callable[[float], object] | None = None
        ) -> RedisLocks:
            return RedisLocks(
                connect(),
                ttl=15.0,
                wait=wait,
                clock=time.clock,
                sleep=sleep or time.advance,  # type: ignore[arg-type]
            )

        yield time, make


@pytest.mark.anyio
async def test_a_key_held_on_one_replica_turns_away_the_same_key_on_another(
    replicas: tuple[Time, Replica],
) -> None:
    time, make = replicas
    here, there = make(sleep=time.follow), make(wait=40.0)
    with anyio.fail_after(20):
        async with here.hold(KEY):
            # The waiter gives up after 40 s: the holder renewed its 15-s lock all along.
            with pytest.raises(WriteInProgress, match="Another call is making the same write"):
                async with there.hold(KEY):
                    pytest.fail("two replicas held one write lock")
            assert time.now >= 40.0
            async with there.hold(("comment", 7, 43)):
                pass  # other keys are free
        async with there.hold(KEY):
            pass  # released when the holder finished


@pytest.mark.anyio
async def test_a_waiter_on_another_replica_gets_the_lock_once_the_holder_finishes(
    replicas: tuple[Time, Replica],
) -> None:
    time, make = replicas
    finish, finished = anyio.Event(), anyio.Event()

    async def poll(seconds: float) -> None:
        finish.set()  # the holder finishes while the waiter waits for its next poll
        await finished.wait()
        await time.advance(seconds)

    here, there = make(sleep=time.never), make(wait=30.0, sleep=poll)
    holding = anyio.Event()

    async def holder() -> None:
        async with here.hold(KEY):
            holding.set()
            await finish.wait()
        finished.set()

    with anyio.fail_after(20):
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(holder)
            await holding.wait()
            async with there.hold(KEY):
                assert time.now == pytest.approx(0.1)  # the next poll, not the TTL


@pytest.mark.anyio
async def test_a_dead_replicas_lock_frees_after_its_ttl_and_its_late_release_frees_nothing(
    replicas: tuple[Time, Replica],
) -> None:
    time, make = replicas
    dead, alive, third = make(sleep=time.never), make(wait=30.0), make()
    holding, wake, released = anyio.Event(), anyio.Event(), anyio.Event()

    async def frozen() -> None:
        async with dead.hold(KEY):  # then renews nothing, ever: a replica stopped dead
            holding.set()
            await wake.wait()
        released.set()

    with anyio.fail_after(20):
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(frozen)
            await holding.wait()
            async with alive.hold(KEY):
                assert 15.0 <= time.now < 16.0
                wake.set()  # the frozen replica's release comes too late ...
                await released.wait()
                with pytest.raises(WriteInProgress):  # ... and frees nothing
                    async with third.hold(KEY):
                        pytest.fail("a stale release freed another replica's lock")


@pytest.mark.anyio
async def test_keyed_locks_on_redis_pass_errors_and_cancellation_through_and_release(
    replicas: tuple[Time, Replica],
) -> None:
    time, make = replicas
    locks, other = KeyedLocks(make(sleep=time.follow)), make()
    with anyio.fail_after(20):
        with pytest.raises(RuleError, match="duplicate"):
            async with locks.hold(KEY):
                raise RuleError("A duplicate comment.")
        async with other.hold(KEY):
            pass  # released after the error
        with anyio.CancelScope() as scope:
            async with locks.hold(KEY):
                scope.cancel()  # the tool call is cancelled (the client went away)
                await anyio.lowlevel.checkpoint()
        assert scope.cancelled_caught
        async with other.hold(KEY):
            pass  # released after the cancellation
    assert len(locks) == 0


@pytest.mark.anyio
async def test_without_redis_taking_a_lock_fails_at_once_with_a_clear_error() -> None:
    link = SharedRedis.from_url(f"redis://127.0.0.1:{free_port()}/0", "e" * 32)
    locks = KeyedLocks(RedisLocks(link))
    with anyio.fail_after(20):
        with pytest.raises(SharedStateUnavailable, match=r"write locks .*\(Redis\)"):
            async with locks.hold(KEY):
                pytest.fail("a write went ahead without its lock")
        await link.aclose()
    assert len(locks) == 0


@pytest.mark.anyio
async def test_without_redis_a_ticket_for_a_new_contact_writes_nothing_not_even_the_contact() -> (
    None
):
    # The email's lock is taken before the contact is looked up and made (one email, one
    # contact across replicas): with Redis gone, nothing is written and the error says so.
    app = sandbox_app(clock=lambda: NOW)
    store = sandbox_state(app).store
    link = SharedRedis.from_url(f"redis://127.0.0.1:{free_port()}/0", "d" * 32)
    async with AteraClient(
        api_key=API_KEY, base_url=BASE_URL, rpm=0, transport=recording_transport(app)
    ) as atera:
        ctx = ToolContext.create(
            atera, settings(), lambda: NOW, write_locks=KeyedLocks(RedisLocks(link))
        )
        with anyio.fail_after(20):
            with pytest.raises(SharedStateUnavailable) as caught:
                await create_ticket(
                    ctx,
                    "Cannot log in",
                    "Since today.",
                    end_user_email="first.timer@example.org",
                    end_user_first_name="First",
                    end_user_last_name="Timer",
                    customer_id=min(store.customers),
                )
    await link.aclose()
    assert not [c for c in store.contacts.values() if c.email == "first.timer@example.org"]
    assert "was created" not in str(caught.value)
    assert "(Redis)" in str(caught.value)


class _AnswersLost:
    """A TCP relay to Redis that passes every command on but, from a connection's first
    EVALSHA on, drops Redis's answers: the script runs, and its caller never hears so."""

    def __init__(self, redis_url: str) -> None:
        parts = redis_url.removeprefix("redis://").split("/")[0].rsplit(":", 1)
        self.host, self.port = parts[0], int(parts[1])

    async def serve(self, listener: anyio.abc.Listener[anyio.abc.SocketStream]) -> None:
        await listener.serve(self._relay)

    async def _relay(self, client: anyio.abc.SocketStream) -> None:
        lost = anyio.Event()
        async with client, await anyio.connect_tcp(self.host, self.port) as server:

            async def upstream() -> None:
                async for chunk in client:
                    if b"EVALSHA" in chunk.upper():
                        lost.set()
                    await server.send(chunk)

            async def downstream() -> None:
                async for chunk in server:
                    if not lost.is_set():
                        await client.send(chunk)

            with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
                async with anyio.create_task_group() as relay:
                    relay.start_soon(upstream)
                    relay.start_soon(downstream)


@pytest.mark.anyio
async def test_a_lock_taken_whose_answer_was_lost_is_given_back(
    redis_url: str, replicas: tuple[Time, Replica]
) -> None:
    time, make = replicas
    direct = make()
    async with direct.hold(KEY):
        pass  # Redis now knows both scripts: the relay's first EVALSHA runs at once
    relay = _AnswersLost(redis_url)
    with anyio.fail_after(20):
        async with await anyio.create_tcp_listener(local_host="127.0.0.1") as listener:
            port = listener.extra(anyio.abc.SocketAttribute.local_port)
            async with anyio.create_task_group() as serving:
                serving.start_soon(relay.serve, listener)
                link = SharedRedis.from_url(
                    f"redis://127.0.0.1:{port}/0",
                    direct.redis.prefix.split(":")[1],
                    timeout=0.1,
                )
                slow = RedisLocks(link, clock=time.clock, sleep=time.advance)
                with pytest.raises(SharedStateUnavailable):
                    async with slow.hold(KEY):
                        pytest.fail("held a lock it was never told it had")
                await link.aclose()
                serving.cancel_scope.cancel()
    # The take ran on Redis; the caller, told nothing, gave it back rather than leave a lock
    # that turns every retry of this write away until its TTL runs out.
    async with direct.hold(KEY):
        pass


@pytest.mark.anyio
async def test_one_email_makes_one_contact_when_two_replicas_create_a_ticket_for_it_at_once(
    redis_url: str,
) -> None:
    app = sandbox_app(clock=lambda: NOW)
    store = sandbox_state(app).store
    outcomes: list[object] = []
    async with (
        fresh_account(redis_url) as connect,
        AteraClient(
            api_key=API_KEY, base_url=BASE_URL, rpm=0, transport=recording_transport(app)
        ) as atera,
    ):
        # Two replicas: each its own locks and Redis connection, one Atera account.
        replica_contexts = [
            ToolContext.create(
                atera, settings(), lambda: NOW, write_locks=KeyedLocks(RedisLocks(connect()))
            )
            for _ in range(2)
        ]

        async def create(ctx: ToolContext) -> None:
            try:
                outcomes.append(
                    await create_ticket(
                        ctx,
                        "VPN refuses the new laptop",
                        "Error 809.",
                        end_user_email="second.day@example.org",
                        end_user_first_name="Second",
                        end_user_last_name="Day",
                        customer_id=min(store.customers),
                    )
                )
            except RuleError as refused:
                outcomes.append(refused)

        with anyio.fail_after(30):
            async with anyio.create_task_group() as tasks:
                for ctx in replica_contexts:
                    tasks.start_soon(create, ctx)
    assert len([c for c in store.contacts.values() if c.email == "second.day@example.org"]) == 1
    assert len([t for t in store.tickets.values() if t.title == "VPN refuses the new laptop"]) == 1
    assert ["still Open" in str(o) for o in outcomes if isinstance(o, RuleError)] == [True]
