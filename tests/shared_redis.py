"""Redis for tests of the state replicas share: each test on an account of its own (a random
fingerprint, so its keys are its alone), whose keys are deleted afterwards. For Redis being
down, point at `tests.ports.free_port()`."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from redis.asyncio import Redis

from atera_mcp.shared.redis_link import SharedRedis

Connect = Callable[[], SharedRedis]


@asynccontextmanager
async def fresh_account(redis_url: str) -> AsyncIterator[Connect]:
    """A factory of connections (one per replica, each its own pool) to one fresh account;
    afterwards the account's keys are deleted and the connections closed."""
    fingerprint = uuid.uuid4().hex
    links: list[SharedRedis] = []

    def connect() -> SharedRedis:
        link = SharedRedis.from_url(redis_url, fingerprint)
        links.append(link)
        return link

    try:
        yield connect
    finally:
        if links:
            await delete_keys(links[0].client, links[0].prefix)
        for link in links:
            await link.aclose()


async def delete_keys(client: Redis, prefix: str) -> None:
    """Delete every key under `prefix` (one account's), and no other."""
    keys = [key async for key in client.scan_iter(match=prefix + "*")]
    if keys:
        await client.delete(*keys)
