"""Settings from ATERA_* environment variables, validated once at start.

Every error names the variable and says what is valid. The API key is held as a SecretStr so
it never shows in a repr, a log line or an error message.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import SecretStr

from atera_mcp.config_oauth import OAuthSettings, oauth_from_env
from atera_mcp.domain.directory import Technician
from atera_mcp.domain.policy import BASE_STATUSES, BaseStatus
from atera_mcp.errors import ConfigError

DEFAULT_BASE_URL = "https://app.atera.com/api/v3"
AuthMode = Literal["auto", "x-api-key", "bearer"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LogFormat = Literal["text", "json"]
LOG_LEVELS: tuple[LogLevel, ...] = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Settings:
    api_key: SecretStr | None = None
    base_url: str = DEFAULT_BASE_URL
    auth: AuthMode = "auto"
    technician_id: int | None = None
    technician_email: str | None = None
    technicians: tuple[Technician, ...] = ()
    custom_statuses: Mapping[str, BaseStatus] = field(default_factory=dict)
    read_only: bool = False
    tools: frozenset[str] | None = None
    rpm: int = 700
    sync_rpm: int | None = None  # the index sync's share of rpm; None: half of it
    timeout: float = 30.0
    connect_timeout: float = 10.0
    max_retry_seconds: float = 60.0
    time_zone: str | None = None
    log_level: LogLevel = "WARNING"
    # The shared HTTP server (see auth/): who may call it and what is written down.
    tokens_file: Path | None = None  # None: no bearer tokens (tests); from_env always sets one
    oauth: OAuthSettings | None = None
    public_url: str | None = None
    allowed_hosts: tuple[str, ...] = ()
    audit_log: Path | None = None
    # The local ticket index (ATERA_INDEX). No path (off, or no key to name the file by) means
    # search_tickets falls back to its bounded scan of Atera.
    index_enabled: bool = True
    index_path: Path | None = None
    index_refresh: float = 15.0
    # Replicas (issue 9): one Atera budget and in-flight write locks on Redis, one index on
    # PostgreSQL. Secrets: their URLs may carry passwords, so they never show in a repr or log.
    redis_url: SecretStr | None = None
    # Without Redis, the processes of one machine share the budget through this file.
    budget_path: Path | None = None
    database_url: SecretStr | None = None
    log_format: LogFormat = "text"
    # /readyz fails while the index, in use, has not read Atera's change feed for this long.
    ready_max_lag: float = 300.0

    @property
    def account_fingerprint(self) -> str:
        """Names this account in shared stores (Redis keys, PostgreSQL schema): a hash of the
        base URL and key, never the key itself."""
        key = self.api_key.get_secret_value() if self.api_key is not None else ""
        return index_fingerprint(self.base_url, key)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Read and validate every ATERA_* variable; raise ConfigError naming the bad one."""
        key = env.get("ATERA_API_KEY", "").strip()
        rpm = _int(env, "ATERA_RPM", 700, minimum=0) or 0
        base_url = _url(env, "ATERA_BASE_URL", DEFAULT_BASE_URL)
        return cls(
            api_key=SecretStr(key) if key else None,
            base_url=base_url,
            auth=_auth(env),
            technician_id=_int(env, "ATERA_TECHNICIAN_ID", None, minimum=1),
            technician_email=_email(env, "ATERA_TECHNICIAN_EMAIL"),
            technicians=parse_technicians(env.get("ATERA_TECHNICIANS", "")),
            custom_statuses=parse_custom_statuses(env.get("ATERA_CUSTOM_STATUSES", "")),
            read_only=_bool(env, "ATERA_READ_ONLY"),
            tools=_tool_list(env),
            rpm=rpm,
            sync_rpm=_sync_rpm(env, rpm),
            timeout=_seconds(env, "ATERA_TIMEOUT", 30.0),
            connect_timeout=_seconds(env, "ATERA_CONNECT_TIMEOUT", 10.0),
            max_retry_seconds=_seconds(env, "ATERA_MAX_RETRY_SECONDS", 60.0),
            time_zone=env.get("ATERA_TIMEZONE", "").strip() or None,
            log_level=_log_level(env),
            tokens_file=_path(env, "ATERA_TOKENS_FILE") or default_tokens_file(env),
            oauth=oauth_from_env(env),
            public_url=_public_url(env),
            allowed_hosts=_hosts(env),
            audit_log=_path(env, "ATERA_AUDIT_LOG"),
            index_enabled=_index_enabled(env),
            index_path=_index_path(env, base_url, key),
            index_refresh=_seconds(env, "ATERA_INDEX_REFRESH", 15.0),
            redis_url=_redis_url(env),
            budget_path=_budget_path(env, base_url, key),
            database_url=_database_url(env),
            log_format=_log_format(env),
            ready_max_lag=_seconds(env, "ATERA_READY_MAX_LAG", 300.0, maximum=86_400),
        )


def default_tokens_file(env: Mapping[str, str]) -> Path:
    """`$XDG_CONFIG_HOME/atera-mcp/tokens.json`, `~/.config/...` when XDG_CONFIG_HOME is unset."""
    base = env.get("XDG_CONFIG_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".config") / "atera-mcp" / "tokens.json"


def _path(env: Mapping[str, str], name: str) -> Path | None:
    raw = env.get(name, "").strip()
    return Path(raw).expanduser() if raw else None


def _public_url(env: Mapping[str, str]) -> str | None:
    if not env.get("ATERA_PUBLIC_URL", "").strip():
        return None
    return _url(env, "ATERA_PUBLIC_URL", "https://mcp.msp.example/mcp")


def _hosts(env: Mapping[str, str]) -> tuple[str, ...]:
    raw = env.get("ATERA_ALLOWED_HOSTS", "").replace(";", ",")
    hosts = tuple(h.strip().lower() for h in raw.split(",") if h.strip())
    for host in hosts:
        if "/" in host or " " in host or "@" in host:
            raise ConfigError(
                "ATERA_ALLOWED_HOSTS lists host names clients use, like "
                f"'mcp.msp.example' or 'mcp.msp.example:8443' (got '{host}')."
            )
    return hosts


def index_fingerprint(base_url: str, api_key: str) -> str:
    """Names an account's index file: a hash of where and as whom, never the key itself."""
    return hashlib.sha256(f"{base_url}\n{api_key}".encode()).hexdigest()[:32]


def _index_enabled(env: Mapping[str, str]) -> bool:
    raw = env.get("ATERA_INDEX", "").strip().lower() or "on"
    if raw not in ("on", "off"):
        raise ConfigError(f"ATERA_INDEX must be on or off (got '{raw}').")
    return raw == "on"


def _index_path(env: Mapping[str, str], base_url: str, key: str) -> Path | None:
    if not _index_enabled(env):
        return None
    override = env.get("ATERA_INDEX_PATH", "").strip()
    if override:
        path = Path(override).expanduser()
        if path.exists() and path.is_dir():
            raise ConfigError(f"ATERA_INDEX_PATH must name a file, not a folder ('{override}').")
        return path
    if not key:
        return None
    return _cache_dir(env) / f"{index_fingerprint(base_url, key)}.sqlite3"


def _budget_path(env: Mapping[str, str], base_url: str, key: str) -> Path | None:
    """ATERA_BUDGET_PATH, else a file beside the default index named by the same fingerprint
    (one per account, whatever index each process uses); None without a key."""
    override = env.get("ATERA_BUDGET_PATH", "").strip()
    if override:
        path = Path(override).expanduser()
        if path.is_dir():
            raise ConfigError(f"ATERA_BUDGET_PATH must name a file, not a folder ('{override}').")
        return path
    if not key:
        return None
    return _cache_dir(env) / f"{index_fingerprint(base_url, key)}.budget.sqlite3"


def _cache_dir(env: Mapping[str, str]) -> Path:
    # The XDG base directory spec: a relative XDG_CACHE_HOME is invalid and ignored.
    cache = env.get("XDG_CACHE_HOME", "").strip()
    base = Path(cache) if cache and Path(cache).is_absolute() else Path.home() / ".cache"
    return base / "atera-mcp"


def _service_url(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> SecretStr | None:
    """An optional URL of a shared service (Redis, PostgreSQL). It may hold a password, so a
    bad one is described by its scheme only, never echoed."""
    raw = env.get(name, "").strip()
    if not raw:
        return None
    scheme = urlsplit(raw).scheme
    if scheme not in schemes:
        valid = " or ".join(f"{s}://" for s in schemes)
        shown = f"'{scheme}://'" if scheme else "no scheme"
        raise ConfigError(f"{name} must be a URL starting {valid} (got {shown}).")
    return SecretStr(raw)


def _database_url(env: Mapping[str, str]) -> SecretStr | None:
    """ATERA_DATABASE_URL, read here by libpq's own parser: libpq's complaints about a URL
    quote it, password and all (a space or a stray '%' in the password), and an unencoded '@'
    makes the rest of the password the host, which a failed connection then names."""
    url = _service_url(env, "ATERA_DATABASE_URL", ("postgresql", "postgres"))
    if url is None:
        return None
    # Imported only when a database is configured: psycopg costs a third of a second.
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(url.get_secret_value())
    except psycopg.ProgrammingError:
        parts = {"host": "@"}  # refused below, with the same advice
    ports = str(parts.get("port") or "5432").split(",")
    if "@" in str(parts.get("host") or "") or not all(p.strip().isdigit() for p in ports):
        raise ConfigError(
            "ATERA_DATABASE_URL is not a PostgreSQL URL libpq can read (a port that is not a "
            "number, or an '@', '/', '%' or space in the password not percent-encoded); the "
            "form is postgresql://user:password@host[:port]/database."
        )
    return url


def _redis_url(env: Mapping[str, str]) -> SecretStr | None:
    """ATERA_REDIS_URL, read here by redis-py's own parser: one it cannot read would otherwise
    crash the server as it starts, with redis-py's message, which can quote part of the password
    (a '/' in the password makes what precedes it the port)."""
    url = _service_url(env, "ATERA_REDIS_URL", ("redis", "rediss", "unix"))
    if url is not None:
        from redis.connection import parse_url  # redis-py only when Redis is configured

        try:
            parse_url(url.get_secret_value())  # type: ignore[no-untyped-call]  # redis-py: untyped
        except ValueError:
            raise ConfigError(
                "ATERA_REDIS_URL is not a Redis URL redis-py can read (a port, database or "
                "option that is not a number, or a '/' in the password not percent-encoded as "
                "%2F); the form is redis://[:password@]host[:port][/db]."
            ) from None
    return url


def _log_format(env: Mapping[str, str]) -> LogFormat:
    raw = env.get("ATERA_LOG_FORMAT", "").strip().lower() or "text"
    if raw == "json":
        return "json"
    if raw == "text":
        return "text"
    raise ConfigError(f"ATERA_LOG_FORMAT must be text or json (got '{raw}').")


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name, "").strip() or default
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name} must be an http(s) URL such as {default} (got '{raw}').")
    return raw.rstrip("/")


def _auth(env: Mapping[str, str]) -> AuthMode:
    raw = env.get("ATERA_AUTH", "auto").strip().lower() or "auto"
    if raw == "auto":
        return "auto"
    if raw == "x-api-key":
        return "x-api-key"
    if raw == "bearer":
        return "bearer"
    raise ConfigError(f"ATERA_AUTH must be one of auto, x-api-key, bearer (got '{raw}').")


def _log_level(env: Mapping[str, str]) -> LogLevel:
    raw = env.get("ATERA_LOG_LEVEL", "").strip().upper() or "WARNING"
    match = next((level for level in LOG_LEVELS if level == raw), None)
    if match is None:
        raise ConfigError(f"ATERA_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)} (got '{raw}').")
    return match


def _int(env: Mapping[str, str], name: str, default: int | None, *, minimum: int) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number >= {minimum} (got '{raw}').") from None
    if value < minimum:
        raise ConfigError(f"{name} must be a whole number >= {minimum} (got '{raw}').")
    return value


def _sync_rpm(env: Mapping[str, str], rpm: int) -> int | None:
    raw = env.get("ATERA_SYNC_RPM", "").strip()
    if not raw:
        return None
    if rpm == 0:
        raise ConfigError(
            "ATERA_SYNC_RPM needs a budget to share: set ATERA_RPM above 0, or unset "
            f"ATERA_SYNC_RPM (got '{raw}')."
        )
    valid = f"ATERA_SYNC_RPM must be a whole number from 1 to ATERA_RPM ({rpm}) (got '{raw}')."
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(valid) from None
    if not 1 <= value <= rpm:
        raise ConfigError(valid)
    return value


def _seconds(env: Mapping[str, str], name: str, default: float, maximum: float = 600) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= maximum:
        raise ConfigError(
            f"{name} must be a number of seconds between 0 and {maximum:g} (got '{raw}')."
        )
    return value


def _bool(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false (got '{raw}').")


def _email(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(name, "").strip()
    if raw and ("@" not in raw or " " in raw):
        raise ConfigError(f"{name} must be an email address (got '{raw}').")
    return raw or None


def _tool_list(env: Mapping[str, str]) -> frozenset[str] | None:
    raw = env.get("ATERA_TOOLS", "").strip()
    if not raw:
        return None
    return frozenset(t.strip() for t in raw.replace(";", ",").split(",") if t.strip())


def parse_custom_statuses(raw: str) -> dict[str, BaseStatus]:
    """`Waiting on vendor=Pending; On hold=Pending` -> {name: base status}."""
    result: dict[str, BaseStatus] = {}
    for item in (p.strip() for p in raw.replace(";", ",").split(",")):
        if not item:
            continue
        name, sep, base = (s.strip() for s in item.partition("="))
        match = next((b for b in BASE_STATUSES if b.lower() == base.lower()), None)
        if not sep or not name or match is None:
            raise ConfigError(
                "ATERA_CUSTOM_STATUSES entries look like 'Waiting on vendor=Pending', each "
                f"mapped to one of {', '.join(BASE_STATUSES)} (got '{item}')."
            )
        if name.lower() in (b.lower() for b in BASE_STATUSES):
            raise ConfigError(f"ATERA_CUSTOM_STATUSES cannot redefine the status '{name}'.")
        result[name] = match
    return result


def parse_technicians(raw: str) -> tuple[Technician, ...]:
    """`12=Jane Tech <jane@msp.com>; 13=Bob Admin` or a JSON list of {id, name, email}."""
    raw = raw.strip()
    if not raw:
        return ()
    if raw.startswith("["):
        return _technicians_from_json(raw)
    found: list[Technician] = []
    for item in (p.strip() for p in raw.split(";")):
        if not item:
            continue
        ident, sep, rest = (s.strip() for s in item.partition("="))
        name, _, email = (s.strip() for s in rest.partition("<"))
        email = email.rstrip(">").strip()
        if not sep or not ident.isdigit() or not name or (email and "@" not in email):
            raise ConfigError(
                "ATERA_TECHNICIANS entries look like '12=Jane Tech <jane@msp.com>', separated "
                f"by ';' (got '{item}')."
            )
        found.append(Technician(id=int(ident), name=name, email=email or None))
    return tuple(found)


def _technicians_from_json(raw: str) -> tuple[Technician, ...]:
    try:
        data = json.loads(raw)
        return tuple(
            Technician(id=int(t["id"]), name=str(t["name"]), email=t.get("email")) for t in data
        )
    except (ValueError, TypeError, KeyError):
        raise ConfigError(
            'ATERA_TECHNICIANS as JSON must be a list like [{"id": 12, "name": "Jane Tech", '
            '"email": "jane@msp.com"}].'
        ) from None
