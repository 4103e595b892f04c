"""The identity provider's signing keys (a JWKS), fetched over HTTP and cached.

Keys are re-fetched when the cache is older than `max_age`, and early when a token names a key
id the cache does not hold (the provider rotated its keys), but at most once per
`min_interval`, so tokens with made-up key ids cannot turn this server into a fetch loop.
A failed fetch keeps the keys already known.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import jwt

log = logging.getLogger(__name__)


class JwksCache:
    def __init__(
        self,
        url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        max_age: float = 3600.0,
        min_interval: float = 60.0,
    ) -> None:
        self.url = url
        self._transport = transport
        self._clock = clock
        self._max_age = max_age
        self._min_interval = min_interval
        self._keys: dict[str | None, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = anyio.Lock()  # concurrent requests share one fetch

    async def key(self, kid: str | None) -> jwt.PyJWK | None:
        """The signing key `kid` names (or the only key, for a token without a kid)."""
        if self._stale() or self._lookup(kid) is None:
            async with self._lock:
                if self._stale() or (self._lookup(kid) is None and self._may_refetch()):
                    await self._fetch()
        return self._lookup(kid)

    def _lookup(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys.get(kid) if kid is not None else None

    def _stale(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at >= self._max_age

    def _may_refetch(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at >= self._min_interval

    async def _fetch(self) -> None:
        self._fetched_at = self._clock()
        try:
            async with httpx.AsyncClient(transport=self._transport, timeout=10.0) as client:
                response = await client.get(self.url, headers={"Accept": "application/json"})
                response.raise_for_status()
                document: Any = response.json()
            self._keys = _signing_keys(document["keys"])
        except (httpx.HTTPError, ValueError, TypeError, KeyError) as exc:
            log.warning("could not refresh the signing keys from %s: %r", self.url, exc)


def _signing_keys(entries: Any) -> dict[str | None, jwt.PyJWK]:
    if not isinstance(entries, list):
        raise TypeError("the JWKS 'keys' member is not a list")
    keys: dict[str | None, jwt.PyJWK] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        if entry.get("use", "sig") != "sig" or entry.get("kty") not in ("RSA", "EC", "OKP"):
            continue  # encryption keys and shared secrets never verify an access token
        try:
            keys[entry.get("kid")] = jwt.PyJWK(entry)
        except jwt.PyJWTError as exc:
            log.info("skipping an unusable signing key %r: %s", entry.get("kid"), exc)
    return keys
