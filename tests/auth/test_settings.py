"""The shared server's settings: OAuth needs its three values and a public URL, and the tokens
file defaults under XDG_CONFIG_HOME."""

from __future__ import annotations

from pathlib import Path

import pytest

from atera_mcp.config import Settings
from atera_mcp.errors import ConfigError

OAUTH_ENV = {
    "ATERA_OAUTH_ISSUER": "https://login.microsoftonline.com/t/v2.0",
    "ATERA_OAUTH_AUDIENCE": "api://atera-mcp",
    "ATERA_OAUTH_JWKS_URL": "https://login.microsoftonline.com/t/discovery/v2.0/keys",
    "ATERA_PUBLIC_URL": "https://mcp.msp.example/mcp",
}


def test_the_shared_server_settings_are_read() -> None:
    settings = Settings.from_env(
        {
            **OAUTH_ENV,
            "ATERA_OAUTH_EMAIL_CLAIM": "preferred_username",
            "ATERA_OAUTH_SCOPES": "access_as_user, other",
            "ATERA_TOKENS_FILE": "/etc/atera-mcp/tokens.json",
            "ATERA_ALLOWED_HOSTS": "MCP.msp.example; mcp.msp.example:8443",
            "ATERA_AUDIT_LOG": "/var/log/atera-mcp/audit.jsonl",
        }
    )
    assert settings.oauth is not None
    assert settings.oauth.issuer == OAUTH_ENV["ATERA_OAUTH_ISSUER"]  # compared exactly: kept as is
    assert settings.oauth.email_claim == "preferred_username"
    assert settings.oauth.scopes == ("access_as_user", "other")
    assert settings.public_url == "https://mcp.msp.example/mcp"
    assert settings.tokens_file == Path("/etc/atera-mcp/tokens.json")
    assert settings.allowed_hosts == ("mcp.msp.example", "mcp.msp.example:8443")
    assert settings.audit_log == Path("/var/log/atera-mcp/audit.jsonl")


def test_the_tokens_file_defaults_under_xdg_config_home() -> None:
    settings = Settings.from_env({"XDG_CONFIG_HOME": "/home/jane/.config"})
    assert settings.tokens_file == Path("/home/jane/.config/atera-mcp/tokens.json")
    assert Settings.from_env({}).tokens_file == Path.home() / ".config/atera-mcp/tokens.json"
    assert Settings.from_env({}).oauth is None


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("ATERA_OAUTH_AUDIENCE", "ATERA_OAUTH_AUDIENCE is not set"),
        ("ATERA_OAUTH_JWKS_URL", "ATERA_OAUTH_JWKS_URL is not set"),
        ("ATERA_PUBLIC_URL", "OAuth needs ATERA_PUBLIC_URL"),
    ],
)
def test_partial_oauth_settings_name_what_is_missing(missing: str, message: str) -> None:
    env = {k: v for k, v in OAUTH_ENV.items() if k != missing}
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_bad_hosts_and_urls_are_named() -> None:
    with pytest.raises(ConfigError, match="ATERA_ALLOWED_HOSTS"):
        Settings.from_env({"ATERA_ALLOWED_HOSTS": "https://mcp.msp.example/"})
    with pytest.raises(ConfigError, match="ATERA_OAUTH_ISSUER must be the provider's issuer URL"):
        Settings.from_env({**OAUTH_ENV, "ATERA_OAUTH_ISSUER": "my-tenant"})
    with pytest.raises(ConfigError, match="ATERA_OAUTH_JWKS_URL must be an http"):
        Settings.from_env({**OAUTH_ENV, "ATERA_OAUTH_JWKS_URL": "keys.json"})


def test_identity_and_rights_settings_are_read() -> None:
    settings = Settings.from_env(
        {
            **OAUTH_ENV,
            "ATERA_OAUTH_SUBJECT_CLAIM": "oid",
            "ATERA_OAUTH_SUBJECTS": "9f1c-aa=12345; 77b0-bb=12346",
            "ATERA_OAUTH_READ_SCOPE": "atera.read",
            "ATERA_OAUTH_WRITE_SCOPE": "atera.write",
        }
    )
    assert settings.oauth is not None
    assert settings.oauth.email_claim == "email"
    assert settings.oauth.subject_claim == "oid"
    assert settings.oauth.subjects == {"9f1c-aa": 12345, "77b0-bb": 12346}
    assert (settings.oauth.read_scope, settings.oauth.write_scope) == ("atera.read", "atera.write")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ATERA_OAUTH_SUBJECTS": "9f1c-aa=jane"}, "ATERA_OAUTH_SUBJECTS entries look like"),
        ({"ATERA_OAUTH_READ_SCOPE": "atera.read"}, "go together"),
        (
            {"ATERA_OAUTH_READ_SCOPE": "atera", "ATERA_OAUTH_WRITE_SCOPE": "atera"},
            "must be different",
        ),
    ],
)
def test_bad_identity_and_rights_settings_are_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({**OAUTH_ENV, **env})


def test_tool_set_scopes_are_read_and_bad_ones_named() -> None:
    settings = Settings.from_env(
        {
            **OAUTH_ENV,
            "ATERA_OAUTH_TOOL_SCOPES": "atera.billing=get_billable,log_hours; atera.time=log_hours",
        }
    )
    assert settings.oauth is not None
    assert settings.oauth.tool_scopes == {
        "get_billable": frozenset({"atera.billing"}),
        "log_hours": frozenset({"atera.billing", "atera.time"}),
    }
    assert settings.oauth.hidden_from(["atera.time"]) == {"get_billable"}
    with pytest.raises(ConfigError, match="ATERA_OAUTH_TOOL_SCOPES entries look like"):
        Settings.from_env({**OAUTH_ENV, "ATERA_OAUTH_TOOL_SCOPES": "get_billable"})
