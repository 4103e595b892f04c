"""What each surviving replica says about itself on its operations endpoints (/readyz and
/metrics, issue 9's ops room), when it has them: printed beside the sandbox's own figures."""

from __future__ import annotations

from collections import defaultdict

import httpx
from prometheus_client.parser import text_string_to_metric_families
from tests.replicas.cluster import Replica


def ops_lines(replicas: list[Replica]) -> list[str]:
    """One line per live replica: /readyz's status, budget waits by class, 429s seen, lag."""
    lines = []
    for replica in replicas:
        if not replica.alive():
            continue
        try:
            ready = httpx.get(f"{replica.origin}/readyz", timeout=10).status_code
            metrics = httpx.get(f"{replica.origin}/metrics", timeout=10)
        except httpx.HTTPError as exc:
            lines.append(f"  replica {replica.n}: unreachable ({type(exc).__name__})")
            continue
        if metrics.status_code != 200:
            lines.append(
                f"  replica {replica.n}: /readyz {ready}, no /metrics ({metrics.status_code})"
            )
            continue
        lines.append(f"  replica {replica.n}: /readyz {ready}, {summary(metrics.text)}")
    return lines


def summary(text: str) -> str:
    """Budget waits (count, total seconds) by class, Atera 429s and the index lag."""
    waits: defaultdict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    throttled, lag = 0.0, float("nan")
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "atera_mcp_budget_wait_seconds_count":
                waits[sample.labels.get("request_class", "?")][0] += sample.value
            elif sample.name == "atera_mcp_budget_wait_seconds_sum":
                waits[sample.labels.get("request_class", "?")][1] += sample.value
            elif sample.name == "atera_mcp_atera_throttled_total":
                throttled += sample.value
            elif sample.name == "atera_mcp_index_lag_seconds":
                lag = sample.value
    shown = ", ".join(f"{c} {n:.0f} ({s:.0f} s)" for c, (n, s) in sorted(waits.items()))
    return f"budget waits {shown or 'none'}; 429s seen {throttled:.0f}; index lag {lag:.1f} s"
