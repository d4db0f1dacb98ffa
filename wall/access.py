"""Who is asking and what they may see: principals, roles and the classification guard.

Every path that carries indicator values — API reads, the relay's snapshots and batches, page
layouts (and so Dash's page callbacks and exports) — asks `Guard` before it sends anything.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Literal

from wall.config import Catalogue

__all__ = ["CLEARANCES", "ROLES", "Guard", "Principal", "Scope", "level"]

ROLES = ("viewer", "operator", "admin")
CLEARANCES = ("public", "internal", "restricted")
Kind = Literal["user", "screen", "feed", "export"]


def level(clearance: str) -> int:
    """Return the rank of a clearance or classification (unknown ranks highest)."""
    return CLEARANCES.index(clearance) if clearance in CLEARANCES else len(CLEARANCES)


@dataclass(frozen=True)
class Scope:
    """What a feed key may write: indicator and area patterns (`CUSTOMS_*`, `79`, `*`)."""

    indicators: tuple[str, ...]
    areas: tuple[str, ...]

    def allows(self, indicator: str | None, area: str) -> bool:
        """Whether this scope covers the indicator (None: any) in the area."""
        return _matches(area, self.areas) and (
            indicator is None or _matches(indicator, self.indicators))

    def to_json(self) -> str:
        """The form kept beside a quarantined record, so a replay stays within it."""
        return json.dumps({"indicators": self.indicators, "areas": self.areas})

    @classmethod
    def from_json(cls, text: str) -> Scope | None:
        """Read `to_json`'s form back (None for none)."""
        if not text:
            return None
        d = json.loads(text)
        return cls(tuple(d["indicators"]), tuple(d["areas"]))


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

    @property
    def scope(self) -> Scope | None:
        """A feed key's scope (None for anyone else)."""
        return Scope(self.indicators, self.areas) if self.kind == "feed" else None

    def may_write(self, indicator: str | None, area: str) -> bool:
        """Whether a feed key's scope covers this indicator (None: any) and area (`CPI_*`…)."""
        if self.kind == "user":
            return self.has_role("admin")
        return self.scope is not None and self.scope.allows(indicator, area)


def _matches(value: str, patterns: Iterable[str]) -> bool:
    return any(fnmatchcase(value, p) for p in patterns)


class Guard:
    """The one place that decides whether a clearance may receive an indicator's values."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._class = {ind.code: level(ind.classification) for ind in catalogue.indicators}
        self._hidden_by: dict[str, frozenset[str]] = {}

    def knows(self, indicator: str) -> bool:
        """Whether the catalogue has this indicator."""
        return indicator in self._class

    def permits(self, clearance: str, indicator: str) -> bool:
        """Whether `clearance` may see `indicator` (an uncatalogued code is restricted)."""
        return self._class.get(indicator, level("restricted")) <= level(clearance)

    def writable(self, clearance: str, indicator: str | None) -> bool:
        """Whether a person with `clearance` may write rows of `indicator` (None: any).

        An uncatalogued code is only ever quarantined, and its replay is checked again.
        """
        return indicator is None or indicator not in self._class or \
            self.permits(clearance, indicator)

    def _hidden(self, clearance: str) -> frozenset[str]:
        """The catalogued indicators `clearance` may not see (worked out once per clearance)."""
        if clearance not in self._hidden_by:
            self._hidden_by[clearance] = frozenset(
                c for c in self._class if not self.permits(clearance, c))
        return self._hidden_by[clearance]

    def redact(self, clearance: str, text: str) -> bool:
        """Whether free text (a raw record, an error) names an indicator `clearance` may not see.

        A JSON record is read first (so escapes cannot hide a code); other text is searched.
        """
        try:
            found = json.loads(text)
            found = json.loads(found) if isinstance(found, str) else found
        except ValueError:
            found = None
        if isinstance(found, dict):
            code = found.get("indicator") or found.get("indicator_code")
            if isinstance(code, str) and not self.permits(clearance, code):
                return True
            text = json.dumps(found, ensure_ascii=False)
        return any(code in text for code in self._hidden(clearance))
