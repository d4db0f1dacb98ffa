"""Who is asking and what they may see: principals, roles and the classification guard.

Every path that carries indicator values — API reads, the relay's snapshots and batches, page
layouts (and so Dash's page callbacks and exports) — asks `Guard` before it sends anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Literal, TypeVar

from wall.config import Catalogue

__all__ = ["CLEARANCES", "ROLES", "Guard", "Principal", "level"]

ROLES = ("viewer", "operator", "admin")
CLEARANCES = ("public", "internal", "restricted")
Kind = Literal["user", "screen", "feed", "export"]
T = TypeVar("T")


def level(clearance: str) -> int:
    """Return the rank of a clearance or classification (unknown ranks highest)."""
    return CLEARANCES.index(clearance) if clearance in CLEARANCES else len(CLEARANCES)


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a user, a screen device, a feed's key, or an export run."""

    kind: Kind
    name: str
    role: str = ""
    clearance: str = "public"
    screen: str | None = None
    source: str | None = None
    indicators: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    credential: str = ""
    expires: float = 0.0

    @property
    def who(self) -> str:
        """The name the audit stream records."""
        return self.name if self.kind == "user" else f"{self.kind}:{self.name}"

    def has_role(self, role: str) -> bool:
        """Whether this caller is a user (or an export acting for one) with at least `role`."""
        if self.kind not in ("user", "export") or self.role not in ROLES:
            return False
        return ROLES.index(self.role) >= ROLES.index(role)

    def may_write(self, indicator: str | None, area: str) -> bool:
        """Whether a feed key's scope covers this indicator (None: any) and area (`CPI_*`…)."""
        if self.kind == "user":
            return self.has_role("admin")
        return self.kind == "feed" and _matches(area, self.areas) and (
            indicator is None or _matches(indicator, self.indicators))


def _matches(value: str, patterns: Iterable[str]) -> bool:
    return any(fnmatchcase(value, p) for p in patterns)


class Guard:
    """The one place that decides whether a clearance may receive an indicator's values."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._class = {ind.code: level(ind.classification) for ind in catalogue.indicators}

    def permits(self, clearance: str, indicator: str) -> bool:
        """Whether `clearance` may see `indicator` (an uncatalogued code is restricted)."""
        return self._class.get(indicator, level("restricted")) <= level(clearance)

    def visible(self, clearance: str, items: Iterable[T]) -> list[T]:
        """Keep the observations (objects or dicts) whose indicator `clearance` may see."""
        return [o for o in items if self.permits(clearance, _indicator(o))]

    def hidden(self, clearance: str, indicators: Iterable[str]) -> set[str]:
        """Return the indicators among `indicators` that `clearance` may not see."""
        return {i for i in indicators if not self.permits(clearance, i)}


def _indicator(o: Any) -> str:
    return str(o["indicator"] if isinstance(o, dict) else o.indicator)
