"""Writes that settle themselves: after an unclear answer, look before sending again.

Atera has no idempotency keys and nothing a tool writes can be undone (a comment, a time entry,
a ticket). When a POST comes back without a clear answer (`AmbiguousWriteError`: a dropped
connection, a timeout, a 5xx, a 2xx whose body cannot be read), `settle` looks for the write in
Atera through the tool's own `find`:

    found      -> success, with a note saying the answer was lost ("settled")
    not found  -> sent once more; never a third time
    unclear    -> the look itself failed every time, or could not see everything (`CannotTell`):
                  the ambiguity is reported, honestly, and nothing is sent again

PUTs are not handled here: they are idempotent and the client replays them itself.

Write results derive from `WriteResult`: `note` tells the model what was unusual (settled, or
written but not read back), and `audit()` reports ids and the outcome, never free text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, Self, TypeVar

from pydantic import Field, PrivateAttr

from atera_mcp.domain.views import ToolResult
from atera_mcp.errors import AmbiguousWriteError, AteraError, UpstreamError

T = TypeVar("T")

# Where a write can only be found by time (a new ticket, in the lastmodified feed), it is looked
# for from this long before the send: Atera's clock and ours may disagree a little.
CLOCK_MARGIN = timedelta(minutes=15)
# Reads that look for a write are retried on failure this many times in all.
FIND_ATTEMPTS = 3


class CannotTell(Exception):
    """Raised by a `find` whose look could not be complete (a thread longer than is read), so
    not finding the write proves nothing: it is reported as unknown, never sent again.
    `why` completes "checking could not tell: ..."."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass(frozen=True)
class Settled(Generic[T]):
    """What a settled write returned (or what finding it returned) and how it went.

    `outcome` is for the audit log: "ok", "settled after a dropped connection", "sent again
    after HTTP 502". `note` is for the model, None when nothing unusual happened.
    """

    value: T
    outcome: str = "ok"
    note: str | None = None


async def settle(
    send: Callable[[], Awaitable[T]],
    find: Callable[[], Awaitable[T | None]],
    *,
    what: str,
) -> Settled[T]:
    """Send a write once, and when its answer is unclear settle it: look, then at most resend.

    `find` returns the written object (or anything true of it) or None when it is not in
    Atera; it must tell this write apart from older ones (the caller knows what existed
    before). `what` names the write for notes and errors: "the comment", "the ticket".
    """
    try:
        return Settled(await send())
    except AmbiguousWriteError as first:
        found = await _look(find, first, what)
        if found is not None:
            return Settled(
                found,
                outcome=f"settled after {first.cause}",
                note=f"The first answer was lost ({first.cause}); {what} was found in Atera "
                "on checking, so it was not sent again.",
            )
        try:
            value = await send()
        except AmbiguousWriteError as second:
            found = await _look(find, second, what)
            if found is None:
                raise UpstreamError(
                    f"Atera did not take {what}: the first attempt met {first.cause} and the "
                    f"second {second.cause}, and checking found nothing written either time. "
                    "Try again later.",
                    status=second.status,
                ) from second
            return Settled(
                found,
                outcome=f"settled after {first.cause} and {second.cause}",
                note=f"Sent twice without a clear answer ({first.cause}, then {second.cause}); "
                f"{what} was found in Atera once, on checking.",
            )
        return Settled(
            value,
            outcome=f"sent again after {first.cause}",
            note=f"The first attempt met {first.cause} and {what} was not in Atera on "
            "checking, so it was sent once more.",
        )


async def _look(
    find: Callable[[], Awaitable[T | None]], unclear: AmbiguousWriteError, what: str
) -> T | None:
    last: AteraError | None = None
    for _ in range(FIND_ATTEMPTS):
        try:
            return await find()
        except CannotTell as blind:
            raise AmbiguousWriteError(
                f"{what[:1].upper()}{what[1:]} was sent to Atera but {unclear.cause} left its "
                f"outcome unknown, and checking could not tell: {blind.why}. It was not sent "
                "again: look in Atera before trying again, or it may be written twice.",
                cause=unclear.cause,
                status=unclear.status,
            ) from None
        except AteraError as exc:
            last = exc
    raise AmbiguousWriteError(
        f"{what[:1].upper()}{what[1:]} was sent to Atera but {unclear.cause} left its outcome "
        "unknown, and checking for it failed too. Look in Atera before trying again, or it may "
        "be written twice.",
        cause=unclear.cause,
        status=unclear.status,
    ) from last


def unread(error: AteraError, what: str) -> str:
    """The note for a write that landed but could not be read back afterwards: `what` could
    not be read ("the ticket", "the new totals") and why, in a few words."""
    why = f"HTTP {error.status}" if error.status else type(error).__name__
    return f"It was written, but reading {what} back failed ({why}), so it is shown as sent."


class WriteResult(ToolResult):
    """Base of write tools' results: an optional note, and the outcome for the audit log."""

    # A plain string, empty when nothing was unusual: tools/list pays for every null branch.
    note: str = Field("", description="What was unusual: answer lost, not read back")
    _outcome: str = PrivateAttr("ok")
    _read_back: bool = PrivateAttr(True)

    def settled_by(self, settled: Settled[Any], *, part: str | None = None) -> Self:
        """Record how a write went (outcome for the audit, note for the model). A tool that
        wrote twice (a contact, then the ticket) names the `part` an unusual outcome was of."""
        if settled.outcome != "ok":
            outcome = f"{part}: {settled.outcome}" if part else settled.outcome
            self._outcome = outcome if self._outcome == "ok" else f"{self._outcome}; {outcome}"
        self._add_note(settled.note)
        return self

    def noting(self, note: str | None) -> Self:
        """Add a note for the model (a check that could not see everything), if any."""
        self._add_note(note)
        return self

    def nothing_sent(self, note: str | None = None) -> Self:
        """Record that nothing needed writing (already so in Atera)."""
        self._outcome = "nothing sent"
        self._add_note(note)
        return self

    def not_read_back(self, error: AteraError, what: str) -> Self:
        """Record that the write landed but reading `what` back failed."""
        self._read_back = False
        self._add_note(unread(error, what))
        return self

    def _add_note(self, note: str | None) -> None:
        if note:
            self.note = f"{self.note} {note}" if self.note else note

    def with_note(self, text: str) -> str:
        """A summary line followed by the note, if any."""
        return f"{text}. {self.note}" if self.note else text

    def audit_ids(self) -> dict[str, object]:
        """The ids this write touched; each result names its own."""
        return {}

    def audit(self) -> dict[str, object]:
        entry: dict[str, object] = {**self.audit_ids(), "outcome": self._outcome}
        if not self._read_back:
            entry["read_back"] = "failed"
        return entry
