"""Time tools: log_hours, get_work_hours, get_billable."""

from __future__ import annotations

from pydantic import Field

from atera_mcp.domain.views import View
from atera_mcp.domain.wire import TicketDurationsDto, TicketWorkHoursSummaryDto


def _seconds(hours: float) -> int:
    return round(hours * 3600)


class TimeTotals(View):
    """A ticket's time as Atera totals it, in hours and in seconds."""

    billable_hours: float
    non_billable_hours: float
    on_site_hours: float
    off_site_hours: float
    total_hours: float
    billable_seconds: int
    non_billable_seconds: int
    on_site_seconds: int = Field(description="Billable and non-billable time on site")
    off_site_seconds: int

    def line(self) -> str:
        return (
            f"Time: {self.billable_hours:g} h billable, {self.non_billable_hours:g} h "
            f"non-billable ({self.on_site_hours:g} h on site)"
        )


def time_totals(summary: TicketWorkHoursSummaryDto) -> TimeTotals:
    b: TicketDurationsDto = summary.billable
    n: TicketDurationsDto = summary.non_billable
    on_site = b.on_site_duration_hours + n.on_site_duration_hours
    off_site = b.off_site_duration_hours + n.off_site_duration_hours
    return TimeTotals(
        billable_hours=round(b.total_duration_hours, 4),
        non_billable_hours=round(n.total_duration_hours, 4),
        on_site_hours=round(on_site, 4),
        off_site_hours=round(off_site, 4),
        total_hours=round(b.total_duration_hours + n.total_duration_hours, 4),
        billable_seconds=_seconds(b.total_duration_hours),
        non_billable_seconds=_seconds(n.total_duration_hours),
        on_site_seconds=_seconds(on_site),
        off_site_seconds=_seconds(off_site),
    )
