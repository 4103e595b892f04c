"""Settings come from ATERA_* variables; a bad one is named in the error."""

import pytest

from atera_mcp.config import DEFAULT_BASE_URL, Settings
from atera_mcp.errors import ConfigError


def test_defaults_need_nothing_but_keep_the_key_secret() -> None:
    settings = Settings.from_env({"ATERA_API_KEY": "abc123secret"})
    assert settings.base_url == DEFAULT_BASE_URL
    assert settings.rpm == 700
    assert settings.auth == "auto"
    assert "abc123secret" not in repr(settings)


def test_every_setting_is_read() -> None:
    settings = Settings.from_env(
        {
            "ATERA_API_KEY": "k",
            "ATERA_BASE_URL": "https://api.atera.com/api/v3/",
            "ATERA_AUTH": "Bearer",
            "ATERA_TECHNICIAN_ID": "12",
            "ATERA_TECHNICIAN_EMAIL": "jane@msp.example",
            "ATERA_TECHNICIANS": "12=Jane Tech <jane@msp.example>; 13=Bob Admin",
            "ATERA_CUSTOM_STATUSES": "Waiting on vendor=pending, On hold=Pending",
            "ATERA_READ_ONLY": "yes",
            "ATERA_TOOLS": "get_ticket, search_tickets",
            "ATERA_RPM": "0",
            "ATERA_TIMEOUT": "12.5",
            "ATERA_TIMEZONE": "Europe/Berlin",
            "ATERA_LOG_LEVEL": "info",
        }
    )
    assert settings.base_url == "https://api.atera.com/api/v3"
    assert settings.auth == "bearer"
    assert settings.technician_id == 12
    assert [(t.id, t.name, t.email) for t in settings.technicians] == [
        (12, "Jane Tech", "jane@msp.example"),
        (13, "Bob Admin", None),
    ]
    assert dict(settings.custom_statuses) == {"Waiting on vendor": "Pending", "On hold": "Pending"}
    assert settings.read_only is True
    assert settings.tools == frozenset({"get_ticket", "search_tickets"})
    assert settings.rpm == 0
    assert settings.timeout == 12.5
    assert settings.time_zone == "Europe/Berlin"
    assert settings.log_level == "INFO"


def test_technicians_may_be_given_as_json() -> None:
    settings = Settings.from_env({"ATERA_TECHNICIANS": '[{"id": 5, "name": "Ann", "email": null}]'})
    assert settings.technicians[0].name == "Ann"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ATERA_BASE_URL", "ftp://atera"),
        ("ATERA_AUTH", "basic"),
        ("ATERA_TECHNICIAN_ID", "jane"),
        ("ATERA_TECHNICIAN_EMAIL", "not-an-email"),
        ("ATERA_TECHNICIANS", "Jane Tech"),
        ("ATERA_TECHNICIANS", "[{broken"),
        ("ATERA_CUSTOM_STATUSES", "Waiting=Sleeping"),
        ("ATERA_CUSTOM_STATUSES", "Open=Pending"),
        ("ATERA_READ_ONLY", "maybe"),
        ("ATERA_RPM", "-5"),
        ("ATERA_SYNC_RPM", "0"),
        ("ATERA_SYNC_RPM", "701"),
        ("ATERA_SYNC_RPM", "half"),
        ("ATERA_TIMEOUT", "forever"),
        ("ATERA_LOG_LEVEL", "chatty"),
    ],
)
def test_a_bad_value_is_refused_with_the_variable_named(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})


def test_the_sync_share_is_unset_by_default_and_read_within_the_budget() -> None:
    assert Settings.from_env({}).sync_rpm is None
    assert Settings.from_env({"ATERA_RPM": "100", "ATERA_SYNC_RPM": "100"}).sync_rpm == 100


def test_a_sync_share_without_a_budget_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"ATERA_SYNC_RPM .*ATERA_RPM"):
        Settings.from_env({"ATERA_RPM": "0", "ATERA_SYNC_RPM": "10"})


def test_shared_service_urls_are_secret_and_checked_by_scheme() -> None:
    settings = Settings.from_env(
        {
            "ATERA_API_KEY": "k",
            "ATERA_REDIS_URL": "redis://:hunter2@cache:6379/0",
            "ATERA_DATABASE_URL": "postgresql://atera:hunter2@db/atera",
            "ATERA_LOG_FORMAT": "JSON",
        }
    )
    assert settings.redis_url is not None
    assert settings.database_url is not None
    assert settings.database_url.get_secret_value() == "postgresql://atera:hunter2@db/atera"
    assert settings.log_format == "json"
    assert "hunter2" not in repr(settings)
    with pytest.raises(ConfigError, match="ATERA_REDIS_URL must be a URL starting redis://") as e:
        Settings.from_env({"ATERA_REDIS_URL": "http://:hunter2@cache"})
    assert "hunter2" not in str(e.value)
    with pytest.raises(ConfigError, match="ATERA_LOG_FORMAT must be text or json"):
        Settings.from_env({"ATERA_LOG_FORMAT": "xml"})


def test_the_account_fingerprint_names_the_account_without_the_key() -> None:
    one = Settings.from_env({"ATERA_API_KEY": "secret-one"})
    two = Settings.from_env({"ATERA_API_KEY": "secret-two"})
    assert one.account_fingerprint != two.account_fingerprint
    assert "secret" not in one.account_fingerprint
    assert len(one.account_fingerprint) == 32


@pytest.mark.parametrize(
    "url",
    [
        "redis://:hunter2@cache:abc/0",  # a port that is not a number
        "redis://:hunt/er2@cache:6379/0",  # a '/' in the password makes "hunt" the port
        "redis://:hunter2@cache:6379/0?socket_timeout=soon",
        "unix://:hunter2@/run/redis.sock?db=first",
    ],
)
def test_a_redis_url_redis_cannot_read_is_refused_at_start_without_echoing_it(url: str) -> None:
    with pytest.raises(ConfigError, match="ATERA_REDIS_URL is not a Redis URL") as e:
        Settings.from_env({"ATERA_API_KEY": "k", "ATERA_REDIS_URL": url})
    assert "hunt" not in str(e.value)


def test_the_readiness_lag_bound_defaults_to_five_minutes_and_takes_up_to_a_day() -> None:
    assert Settings.from_env({}).ready_max_lag == 300.0
    assert Settings.from_env({"ATERA_READY_MAX_LAG": "3600"}).ready_max_lag == 3600.0
    for bad in ("0", "-5", "soon", "86401"):
        with pytest.raises(ConfigError, match="ATERA_READY_MAX_LAG must be a number of seconds"):
            Settings.from_env({"ATERA_READY_MAX_LAG": bad})


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://atera:hunter2 x@db/atera",  # libpq quotes the password back
        "postgresql://atera:hunter2%zz@db/atera",
        "postgresql://atera:hunter2@x@db/atera",  # 'x@db' would be the host a failure names
        "postgresql://atera:hunt/er2@db/atera",  # "hunt" would be the port
        "postgresql://atera:hunter2@db:port/atera",
    ],
)
def test_a_database_url_libpq_cannot_read_is_refused_at_start_without_echoing_it(
    url: str,
) -> None:
    with pytest.raises(ConfigError, match="ATERA_DATABASE_URL is not a PostgreSQL URL") as e:
        Settings.from_env({"ATERA_API_KEY": "k", "ATERA_DATABASE_URL": url})
    assert "hunt" not in str(e.value)
    assert "x@db" not in str(e.value)
