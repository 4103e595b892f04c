"""Who the technicians are. Atera has no technician endpoint, so the directory is built from
configuration (ATERA_TECHNICIANS) plus every technician that reads reveal (tickets, comments,
work hours)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Technician:
    id: int
    name: str
    email: str | None = None
    configured: bool = True


class TechnicianDirectory:
    """Configured technicians first; observed ones fill the gaps. Lookups by id or email."""

    def __init__(self, configured: Iterable[Technician] = ()) -> None:
        self._by_id: dict[int, Technician] = {t.id: t for t in configured}

    def observe(self, ident: int | None, name: str | None, email: str | None) -> None:
        """Remember a technician seen in Atera's data; configuration is never overwritten."""
        if ident is None or ident <= 0:
            return
        known = self._by_id.get(ident)
        if known is not None and (known.configured or (known.email and not email)):
            return
        self._by_id[ident] = Technician(
            id=ident,
            name=(name or "").strip() or f"Technician {ident}",
            email=email or None,
            configured=False,
        )

    def by_id(self, ident: int) -> Technician | None:
        return self._by_id.get(ident)

    def by_email(self, email: str) -> Technician | None:
        folded = email.strip().casefold()
        return next(
            (t for t in self._by_id.values() if t.email and t.email.casefold() == folded), None
        )

    def all(self) -> list[Technician]:
        return sorted(self._by_id.values(), key=lambda t: (t.name.casefold(), t.id))

    def describe(self, limit: int = 10) -> str:
        """`Jane Tech (12), Bob Admin (13)`: for error messages that list valid technicians."""
        known = self.all()
        shown = ", ".join(f"{t.name} ({t.id})" for t in known[:limit])
        more = f" and {len(known) - limit} more" if len(known) > limit else ""
        return (shown + more) or "none known yet"
