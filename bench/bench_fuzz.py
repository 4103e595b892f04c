"""Hostile tool calls at volume: how many crash, and how many reach Atera outside its contract.

Run on demand: `PYTHONPATH=. .venv/bin/python bench/bench_fuzz.py [calls]` (default 10,000).
Every tool gets the fuzz suite's sweep (each parameter with each edge value and wrong type), then
hypothesis-generated arguments (schema-valid and hostile) up to its share of the calls; all of
it through the in-memory MCP client, the real AteraClient and the seeded sandbox, with every
request checked against Atera's OpenAPI contract. Prints, per tool and in total: calls,
requests sent to Atera, unhandled exceptions (the SDK's bare "Error executing tool"), requests
outside the contract, and other answers that are not plain messages; then a few examples.
"""

from __future__ import annotations

import logging
import sys
import time
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from tests.server.fuzz import fuzz_target, sweep, tool_arguments
from tests.server.test_tool_surface import CONTRACT_TOOLS

KINDS = ("unhandled exception", "outside the contract", "not a plain message")
SHOWN = 3  # examples printed per kind


def main(total: int) -> None:
    # A crash is logged by the SDK with its traceback; the counts below are what matter here.
    logging.disable(logging.CRITICAL)
    share = -(-total // len(CONTRACT_TOOLS))
    counts: dict[str, Counter[str]] = {}
    examples: dict[str, list[str]] = {kind: [] for kind in KINDS}
    started = time.perf_counter()
    with fuzz_target() as (portal, target):
        for tool in CONTRACT_TOOLS:
            tally: Counter[str] = Counter()
            first_call, first_requests = target.calls, target.requests

            def judge(
                arguments: dict[str, Any], tool: str = tool, tally: Counter[str] = tally
            ) -> None:
                for problem in portal.call(target.call, tool, arguments):
                    kind = next((k for k in KINDS if problem.startswith(k)), "other")
                    tally[kind] += 1
                    if len(examples.setdefault(kind, [])) < SHOWN:
                        shown = ", ".join(f"{k}={v!r:.50}" for k, v in arguments.items())
                        examples[kind].append(f"{tool}({shown}): {problem[:300]}")

            for arguments in sweep(tool, target.schemas[tool]):
                judge(arguments)
            remaining = share - (target.calls - first_call)

            @settings(
                max_examples=max(remaining, 1),
                phases=[Phase.generate],
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(arguments=tool_arguments(target.schemas[tool]))
            def generated(arguments: dict[str, Any]) -> None:
                judge(arguments)

            generated()
            tally["calls"] = target.calls - first_call
            tally["requests"] = target.requests - first_requests
            counts[tool] = tally
    elapsed = time.perf_counter() - started

    columns = ("calls", "requests", *KINDS)
    print(f"{'tool':17}" + "".join(f"{c:>22}" for c in columns))
    grand: Counter[str] = Counter()
    for tool, tally in counts.items():
        grand.update(tally)
        print(f"{tool:17}" + "".join(f"{tally[c]:>22,}" for c in columns))
    print(f"{'total':17}" + "".join(f"{grand[c]:>22,}" for c in columns))
    print(f"{grand['calls']:,} calls in {elapsed:.1f} s")
    for kind, found in examples.items():
        for line in found:
            print(f"{kind}: {line}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
