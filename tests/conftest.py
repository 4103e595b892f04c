"""Shared test fixtures: every async test runs on asyncio through anyio's pytest plugin."""

from collections.abc import Iterator

import pytest

from tests.index_backends import BACKENDS, on_postgres, uses_every_backend


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


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that opens the index through the shared wiring runs on every index backend;
    one that also reaches the SQLite file itself is about that file, and stays on SQLite.
    A test may name its backend itself (`on_backend("postgres")`)."""
    chosen = any(
        "index_backend" in str(mark.args[0])
        for mark in metafunc.definition.iter_markers("parametrize")
    )
    if not chosen and uses_every_backend(metafunc.function):
        metafunc.parametrize("index_backend", BACKENDS, indirect=True)


@pytest.fixture(autouse=True)
def index_backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """The index backend of this test ("sqlite" unless parametrized): on "postgres", the
    index wiring opens schemas of the test's own on the real server, dropped afterwards."""
    backend: str = getattr(request, "param", "sqlite")
    if backend == "postgres":
        with on_postgres(request.getfixturevalue("database_url")):
            yield backend
    else:
        yield backend
