"""The deployment files (Dockerfile, deploy/) stay true to the server: they set only variables
the server reads, the replicas share one account, one budget and one index, and the proxy
sends traffic to every replica that is ready and keeps /metrics inside.

No Docker engine, Caddy or systemd is needed: the files are read as text (compose.yaml
with PyYAML). `scripts/check_deploy.sh` runs the real validators where they
are installed.
"""

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
REPLICAS = ("atera-mcp-1", "atera-mcp-2", "atera-mcp-3")
# Compose's `${NAME}`, `${NAME:-default}`, `${NAME:?error}` (and the forms without the colon).
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?][^}]*)?\}")


def config_reads() -> set[str]:
    """The ATERA_* variables Settings.from_env reads (config.py and its config_*.py parts)."""
    package = ROOT / "src" / "atera_mcp"
    source = "".join(p.read_text("utf-8") for p in sorted(package.glob("config*.py")))
    return set(re.findall(r"[\"'](ATERA_[A-Z_]+)[\"']", source))


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / "compose.yaml").read_text("utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def services() -> dict[str, Any]:
    found = compose()["services"]
    assert isinstance(found, dict)
    return found


def interpolate(value: str) -> str:
    """What compose makes of a value, with a sample for each variable from deploy/.env."""
    return INTERPOLATION.sub(lambda m: f"sample-{m.group(1).lower().replace('_', '-')}", value)


def env_example() -> dict[str, str]:
    """deploy/env.example's assignments, the commented-out ones included."""
    found: dict[str, str] = {}
    for line in (DEPLOY / "env.example").read_text("utf-8").splitlines():
        match = re.fullmatch(r"#?\s*([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            found[match.group(1)] = match.group(2)
    return found


def caddyfile() -> str:
    return (DEPLOY / "Caddyfile").read_text("utf-8")


def unit(name: str) -> dict[str, list[str]]:
    """A systemd unit's settings, every value of each key (sections merged: names differ)."""
    found: dict[str, list[str]] = {}
    for line in (DEPLOY / name).read_text("utf-8").splitlines():
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_compose_runs_three_replicas_redis_postgres_and_a_proxy() -> None:
    assert set(services()) == {*REPLICAS, "redis", "postgres", "caddy"}


@pytest.mark.parametrize("replica", REPLICAS)
def test_replicas_set_only_variables_the_server_reads(replica: str) -> None:
    environment = services()[replica]["environment"]
    set_here = {name for name in environment if name.startswith("ATERA_")}
    assert set_here <= config_reads(), set_here - config_reads()


def test_replicas_share_one_account_one_budget_and_one_index() -> None:
    replicas = [services()[name] for name in REPLICAS]
    environments = [dict(r["environment"]) for r in replicas]
    audit_logs = [env.pop("ATERA_AUDIT_LOG") for env in environments]
    assert len(set(audit_logs)) == len(REPLICAS), "each replica writes its own audit file"
    assert all(env == environments[0] for env in environments)
    assert all(r["env_file"] == ".env" for r in replicas), "the account comes from deploy/.env"
    assert len({r["image"] for r in replicas}) == 1
    shared = environments[0]
    assert urlsplit(interpolate(shared["ATERA_REDIS_URL"])).hostname == "redis"
    assert urlsplit(interpolate(shared["ATERA_DATABASE_URL"])).hostname == "postgres"
    assert shared["ATERA_LOG_FORMAT"] == "json"


@pytest.mark.parametrize("replica", REPLICAS)
def test_replicas_start_after_redis_and_postgres_and_report_readiness(replica: str) -> None:
    service = services()[replica]
    assert service["depends_on"] == {
        "redis": {"condition": "service_healthy"},
        "postgres": {"condition": "service_healthy"},
    }
    assert "http://127.0.0.1:8000/readyz" in " ".join(service["healthcheck"]["test"])


def test_postgres_keeps_its_data_in_a_volume_and_its_password_in_deploy_env() -> None:
    postgres = services()["postgres"]
    assert "postgres:/var/lib/postgresql/data" in postgres["volumes"]
    assert "postgres" in compose()["volumes"]
    assert INTERPOLATION.fullmatch(postgres["environment"]["POSTGRES_PASSWORD"])


def test_only_the_proxy_publishes_ports_and_redis_and_postgres_have_no_way_out() -> None:
    assert {name for name, s in services().items() if "ports" in s} == {"caddy"}
    assert compose()["networks"]["backend"]["internal"] is True
    assert services()["redis"]["networks"] == ["backend"]
    assert services()["postgres"]["networks"] == ["backend"]


def test_env_example_names_every_variable_compose_needs_and_holds_no_secret() -> None:
    example = env_example()
    needed = set(INTERPOLATION.findall((DEPLOY / "compose.yaml").read_text("utf-8")))
    assert needed <= set(example), needed - set(example)
    atera = {name for name in example if name.startswith("ATERA_")}
    assert atera <= config_reads(), atera - config_reads()
    for secret in ("ATERA_API_KEY", "POSTGRES_PASSWORD", "REDIS_PASSWORD"):
        assert example[secret] == "", f"env.example must not carry a value for {secret}"


def test_proxy_balances_over_every_replica_and_checks_readiness() -> None:
    text = caddyfile()
    upstreams = re.findall(r"^\s*reverse_proxy\s+([^{]+)\{", text, re.MULTILINE)
    assert len(upstreams) == 1
    assert set(upstreams[0].split()) == {f"{name}:8000" for name in REPLICAS}
    assert re.search(r"^\s*health_uri /readyz$", text, re.MULTILINE)
    sticky = re.search(r"lb_policy\s+(cookie|ip_hash|client_ip_hash|header)", text)
    assert sticky is None, "stateless HTTP needs no sticky sessions"


def test_proxy_image_retries_a_refused_post_on_another_replica() -> None:
    # Caddy before 2.11.4 answers 502 when the replica it picked refuses a POST's connection.
    tag = services()["caddy"]["image"].removeprefix("caddy:")
    assert tuple(int(part) for part in tag.split(".")[:2]) >= (2, 11), tag


def test_proxy_answers_metrics_itself_before_any_proxying() -> None:
    text = caddyfile()
    blocked = re.search(r"handle /metrics\*\s*\{\s*respond 404\s*\}", text)
    assert blocked is not None
    assert blocked.start() < text.index("reverse_proxy")


def dockerfile_instruction(name: str) -> str:
    lines = (ROOT / "Dockerfile").read_text("utf-8").replace("\\\n", " ").splitlines()
    found = [line.split(None, 1)[1] for line in lines if line.startswith(f"{name} ")]
    return found[-1]  # the runtime stage's


def test_image_runs_the_http_server_as_an_unprivileged_user_with_a_liveness_check() -> None:
    assert dockerfile_instruction("FROM").startswith("python:3.11-slim")
    assert json.loads(dockerfile_instruction("ENTRYPOINT")) == ["atera-mcp"]
    command = json.loads(dockerfile_instruction("CMD"))
    assert command == ["serve", "--transport", "http", "--host", "0.0.0.0", "--port", "8000"]
    assert dockerfile_instruction("USER") not in ("root", "0")
    assert "http://127.0.0.1:8000/healthz" in dockerfile_instruction("HEALTHCHECK")


@pytest.mark.parametrize("name", ["atera-mcp.service", "atera-mcp@.service"])
def test_systemd_units_run_hardened_as_their_own_user(name: str) -> None:
    settings = unit(name)
    for key, value in {
        "User": "atera-mcp",
        "EnvironmentFile": "/etc/atera-mcp/env",
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "Restart": "on-failure",
    }.items():
        assert settings[key] == [value], key
    environment = dict(v.split("=", 1) for v in settings["Environment"])
    atera = {n for n in environment if n.startswith("ATERA_")}
    assert atera <= config_reads(), atera - config_reads()
    writable = settings["ReadWritePaths"][0].split()
    for path in (environment["ATERA_TOKENS_FILE"], environment["ATERA_AUDIT_LOG"]):
        assert str(Path(path).parent) in writable, path


def test_systemd_template_takes_its_port_from_the_instance_name() -> None:
    single, template = unit("atera-mcp.service"), unit("atera-mcp@.service")
    assert template["ExecStart"][0].endswith("--port %i")
    differing = {key for key in single.keys() | template.keys() if single[key] != template[key]}
    assert differing == {"Description", "ExecStart", "Environment"}, "units drifted apart"
