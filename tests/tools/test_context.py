"""The acting technician and the directory the tools check technicians against."""

import pytest

from atera_mcp.errors import RuleError
from tests.harness import rig


@pytest.mark.anyio
async def test_the_configured_acting_technician_is_known_even_when_not_listed() -> None:
    async with rig(technicians=(), technician_id=555, technician_email="me@msp.example") as r:
        acting = r.ctx.technician(None, None, role="comment author")
        assert (acting.id, acting.email) == (555, "me@msp.example")


@pytest.mark.anyio
async def test_with_no_acting_technician_the_error_says_how_to_configure_one() -> None:
    async with rig(technician_id=None) as r:
        with pytest.raises(RuleError, match="ATERA_TECHNICIAN_ID"):
            r.ctx.technician(None, None, role="comment author")


@pytest.mark.anyio
async def test_an_unknown_technician_error_lists_the_known_ones() -> None:
    async with rig() as r:
        with pytest.raises(RuleError, match=r"not known\. Known technicians: .+\(10[1-6]\)"):
            r.ctx.technician(999, None, role="technician")
