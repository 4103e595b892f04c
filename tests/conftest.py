"""Shared test fixtures: every async test runs on asyncio through anyio's pytest plugin."""

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# Real Redis and PostgreSQL, started by `scripts/services.sh up` (which `make test` runs). The
# URLs default to the script's; a missing server fails the test that needs it, never skips it.
def _service_url(variable: str, default: str) -> str:
    import os

    return os.environ.get(variable, default)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A Redis server for tests; each test uses its own key prefix or flushes what it made."""
    url = _service_url("ATERA_TEST_REDIS_URL", "redis://127.0.0.1:56379/0")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(f"no Redis at {url} ({exc}): run `bash scripts/services.sh up` first")
    return url


@pytest.fixture(scope="session")
def database_url() -> str:
    """A PostgreSQL database for tests; each test uses a schema of its own."""
    url = _service_url("ATERA_TEST_DATABASE_URL", "postgresql://atera@127.0.0.1:55432/atera_test")
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=2).close()
    except psycopg.Error as exc:
        pytest.fail(f"no PostgreSQL at {url} ({exc}): run `bash scripts/services.sh up` first")
    return url
