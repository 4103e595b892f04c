"""The ATERA_OAUTH_* settings: which identity provider, which claim says who the caller is, and
which scopes grant which rights. Read by `config.Settings.from_env`; used by auth/oauth.py.

Who a caller is comes only from a claim the provider vouches for:
- `ATERA_OAUTH_EMAIL_CLAIM=email` (the default) counts only with `email_verified: true`;
  any other claim named there (Entra ID's `preferred_username` or `upn`) is one the tenant
  controls, so it is taken as it is;
- `ATERA_OAUTH_SUBJECTS` maps the value of `ATERA_OAUTH_SUBJECT_CLAIM` (`sub`, or Entra's
  `oid`) to a technician id, and is looked at first.
Rights: with `ATERA_OAUTH_READ_SCOPE` and `ATERA_OAUTH_WRITE_SCOPE` set, the write scope grants
every tool, the read scope alone the read tools only (as a read-only bearer token), and a token
with neither is refused. `ATERA_OAUTH_TOOL_SCOPES` (`atera.billing=get_billable,log_hours;
...`) adds a scope per tool set: a tool named there needs its set's scope as well.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from atera_mcp.errors import ConfigError

# The email claim as OpenID Connect defines it: the user may be able to change it, so it
# counts only when the provider says it verified it (`email_verified`).
USER_EDITABLE_EMAIL = "email"


@dataclass(frozen=True)
class OAuthSettings:
    """The MSP's identity provider, whose JWT access tokens this server accepts."""

    issuer: str
    audience: str
    jwks_url: str
    email_claim: str = USER_EDITABLE_EMAIL
    scopes: tuple[str, ...] = ()  # every token must carry these (published to clients)
    subject_claim: str = "sub"
    subjects: Mapping[str, int] = field(default_factory=dict)  # claim value -> technician id
    read_scope: str | None = None
    write_scope: str | None = None
    tool_scopes: Mapping[str, frozenset[str]] = field(default_factory=dict)  # tool -> scopes

    def hidden_from(self, scopes: Sequence[str]) -> frozenset[str]:
        """The tools a token with `scopes` may not use: those of a tool set whose scope (any
        of them, for a tool in several sets) it lacks."""
        held = set(scopes)
        return frozenset(tool for tool, needs in self.tool_scopes.items() if not needs & held)


def oauth_from_env(env: Mapping[str, str]) -> OAuthSettings | None:
    """The provider's settings, None when OAuth is off; a ConfigError names a bad variable."""
    names = ("ATERA_OAUTH_ISSUER", "ATERA_OAUTH_AUDIENCE", "ATERA_OAUTH_JWKS_URL")
    given = {name: env.get(name, "").strip() for name in names}
    if not any(given.values()):
        return None
    missing = [name for name, value in given.items() if not value]
    if missing:
        raise ConfigError(
            f"OAuth needs {', '.join(names)} together; {', '.join(missing)} is not set."
        )
    issuer = urlsplit(given["ATERA_OAUTH_ISSUER"])
    if issuer.scheme not in ("http", "https") or not issuer.netloc:
        raise ConfigError(
            "ATERA_OAUTH_ISSUER must be the provider's issuer URL, exactly as tokens carry it in "
            f"'iss' (got '{given['ATERA_OAUTH_ISSUER']}')."
        )
    if not env.get("ATERA_PUBLIC_URL", "").strip():
        raise ConfigError(
            "OAuth needs ATERA_PUBLIC_URL, the address clients use to reach this server's MCP "
            "endpoint (e.g. https://mcp.msp.example/mcp): it names the protected resource."
        )
    read_scope, write_scope = _rights_scopes(env)
    return OAuthSettings(
        issuer=given["ATERA_OAUTH_ISSUER"],
        audience=given["ATERA_OAUTH_AUDIENCE"],
        jwks_url=_jwks_url(given["ATERA_OAUTH_JWKS_URL"]),
        email_claim=env.get("ATERA_OAUTH_EMAIL_CLAIM", "").strip() or USER_EDITABLE_EMAIL,
        scopes=_words(env.get("ATERA_OAUTH_SCOPES", "")),
        subject_claim=env.get("ATERA_OAUTH_SUBJECT_CLAIM", "").strip() or "sub",
        subjects=_subjects(env.get("ATERA_OAUTH_SUBJECTS", "")),
        read_scope=read_scope,
        write_scope=write_scope,
        tool_scopes=_tool_scopes(env.get("ATERA_OAUTH_TOOL_SCOPES", "")),
    )


def _words(raw: str) -> tuple[str, ...]:
    return tuple(s for s in raw.replace(",", " ").split() if s)


def _jwks_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            "ATERA_OAUTH_JWKS_URL must be an http(s) URL such as https://login.example/keys "
            f"(got '{raw}')."
        )
    return raw.rstrip("/")


def _subjects(raw: str) -> dict[str, int]:
    """`ATERA_OAUTH_SUBJECTS`: `value=technician_id` pairs separated by `,` or `;`."""
    found: dict[str, int] = {}
    for item in (p.strip() for p in raw.replace(";", ",").split(",")):
        if not item:
            continue
        value, sep, ident = (s.strip() for s in item.rpartition("="))
        if not sep or not value or not ident.isdigit() or int(ident) < 1:
            raise ConfigError(
                "ATERA_OAUTH_SUBJECTS entries look like '<subject or object id>=<technician "
                f"id>', separated by ',' (got '{item}')."
            )
        found[value] = int(ident)
    return found


def _rights_scopes(env: Mapping[str, str]) -> tuple[str | None, str | None]:
    read = env.get("ATERA_OAUTH_READ_SCOPE", "").strip() or None
    write = env.get("ATERA_OAUTH_WRITE_SCOPE", "").strip() or None
    if (read is None) != (write is None):
        raise ConfigError(
            "ATERA_OAUTH_READ_SCOPE and ATERA_OAUTH_WRITE_SCOPE go together (e.g. atera.read "
            "and atera.write): set both, or neither to give every technician every tool."
        )
    if read is not None and read == write:
        raise ConfigError(
            "ATERA_OAUTH_READ_SCOPE and ATERA_OAUTH_WRITE_SCOPE must be different scopes."
        )
    return read, write


def _tool_scopes(raw: str) -> dict[str, frozenset[str]]:
    """`ATERA_OAUTH_TOOL_SCOPES`: `scope=tool,tool` sets separated by `;`, as tool -> scopes.
    The tool names are checked against the tool table when the server is built."""
    needs: dict[str, set[str]] = {}
    for item in (p.strip() for p in raw.split(";")):
        if not item:
            continue
        scope, sep, tools = (s.strip() for s in item.partition("="))
        names = [t for t in tools.replace(" ", ",").split(",") if t]
        if not sep or not scope or " " in scope or not names:
            raise ConfigError(
                "ATERA_OAUTH_TOOL_SCOPES entries look like 'atera.billing=get_billable,log_hours'"
                f", separated by ';' (got '{item}')."
            )
        for name in names:
            needs.setdefault(name, set()).add(scope)
    return {tool: frozenset(scopes) for tool, scopes in needs.items()}
