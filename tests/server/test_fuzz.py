"""Hostile input is an answer, never a crash: every tool, generated and hostile arguments.

Two passes per tool, each on one server and one seeded sandbox:
- a sweep: every parameter with every edge value of its kind and every wrong type, one at a
  time in an otherwise good call (deterministic, a few hundred calls);
- hypothesis: arguments drawn from the tool's input schema and hostile ones. A few dozen per
  tool in CI (derandomized: no flakiness); ATERA_FUZZ_EXAMPLES=2000 runs longer and random.
`bench/bench_fuzz.py` counts instead of failing, over 10,000 calls or more.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from tests.server.fuzz import BASE_CALLS, fuzz_target, sweep, tool_arguments
from tests.server.mcp_rig import text_of
from tests.server.test_tool_surface import CONTRACT_TOOLS

ON_DEMAND = os.environ.get("ATERA_FUZZ_EXAMPLES")
EXAMPLES = int(ON_DEMAND or "25")
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,  # a slow call is the bench's business, never a flaky failure here
    derandomize=ON_DEMAND is None,
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)


@pytest.mark.parametrize("tool", CONTRACT_TOOLS)
def test_the_base_calls_the_sweep_starts_from_succeed(tool: str) -> None:
    # Otherwise the sweep's values would be refused early and never reach the tool's code.
    with fuzz_target() as (portal, target):
        for arguments in BASE_CALLS[tool]:
            result = portal.call(target.rig.client.call_tool, tool, arguments)
            assert not result.is_error, text_of(result)


@pytest.mark.parametrize("tool", CONTRACT_TOOLS)
def test_every_parameter_answers_every_edge_value_and_wrong_type_plainly(tool: str) -> None:
    with fuzz_target() as (portal, target):
        problems = [
            f"{tool}({_shown(arguments)}): {problem}"
            for arguments in sweep(tool, target.schemas[tool])
            for problem in portal.call(target.call, tool, arguments)
        ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("tool", CONTRACT_TOOLS)
def test_generated_arguments_get_a_result_or_a_plain_error_and_stay_in_contract(
    tool: str,
) -> None:
    with fuzz_target() as (portal, target):

        @FUZZ_SETTINGS
        @given(arguments=tool_arguments(target.schemas[tool]))
        def call(arguments: dict[str, Any]) -> None:
            problems = portal.call(target.call, tool, arguments)
            assert not problems, "\n".join(problems)

        call()
        assert target.calls >= min(EXAMPLES, 10)


def _shown(arguments: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r:.60}" for k, v in arguments.items())
