"""The 34 provincial units of 2025 computed from values of the 63 former provinces.

A value published for a former province (2008 – June 2025 boundaries) is stored under area
`63-<code>` (wall.geo.area_63); a plain two-digit area is a 34-edition unit. This module turns
63-edition Observations into 34-edition ones by the indicator's `aggregation` in the catalogue:

* `sum` — additive counts and amounts: the sum, only where every former province of the unit
  reported that series (same indicator, period and dims);
* `mean` — person-based rates and per-capita figures: the mean weighted by the same year's
  average population (`POP_AVG`, headline), only where every former province reported and its
  population is known;
* `none` — scores and indices: never rolled up (kept in the 63 edition only).

A unit made of one former province takes that province's value unchanged (sum or mean).
Before 2008 Hà Nội (01) also held Hà Tây (28, merged on 1 August 2008), which the 63-province
files do not carry: Hà Nội's unit is not computed for those years. Pure functions: no Redis,
no files.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace

from wall.config import Catalogue
from wall.geo import area_63, code_of_area_63, predecessors, successor
from wall.observation import Observation

__all__ = ["POPULATION", "Population", "edition_63_areas", "former_provinces",
           "population_index", "rollup", "rollup_value"]

POPULATION = "POP_AVG"
Population = Mapping[tuple[str, str], float]  # (63-edition code, year) -> population
# Provinces dissolved before the 63 edition: unit -> (former code, first year without it)
DISSOLVED = {"01": ("28", 2008)}


def former_provinces(new_code: str, year: str) -> set[str]:
    """Return the provinces whose territory made up a 34-edition unit in `year`."""
    olds = set(predecessors(new_code))
    gone = DISSOLVED.get(new_code)
    if gone and year.isdigit() and int(year) < gone[1]:
        olds.add(gone[0])
    return olds


def population_index(observations: Iterable[Observation]) -> dict[tuple[str, str], float]:
    """Return {(63 code, year): population} from the headline POP_AVG values among them."""
    out: dict[tuple[str, str], float] = {}
    for o in observations:
        old = code_of_area_63(o.area)
        if o.indicator == POPULATION and old and not o.dims and o.value is not None:
            out[(old, o.period[:4])] = o.value
    return out


def rollup_value(rule: str, values: Mapping[str, float], olds: set[str], year: str,
                 population: Population) -> float | None:
    """Return the unit's value from its former provinces' `values`, or None if not allowed."""
    if rule not in ("sum", "mean") or not olds or not olds <= values.keys():
        return None
    if len(olds) == 1:
        return values[next(iter(olds))]
    if rule == "sum":
        return round(sum(values[o] for o in olds), 9)
    weights = [population.get((o, year)) for o in olds]
    if any(w is None or w <= 0 for w in weights):
        return None
    total = sum(w for w in weights if w is not None)
    return round(sum(values[o] * (population[(o, year)] / total) for o in olds), 9)


def _status(parts: list[Observation]) -> tuple[str, int]:
    statuses = {p.status for p in parts}
    status = next((s for s in ("provisional", "revised") if s in statuses), "ok")
    return status, max(p.revision for p in parts)


def rollup(observations: Iterable[Observation], catalogue: Catalogue,
           population: Population | None = None) -> list[Observation]:
    """Return the 34-edition Observations the declared rules allow from 63-edition ones.

    `population` adds known populations to those found among `observations` (for a file of
    rates without POP_AVG, say). Only the newest revision of each series and period counts.
    """
    series: dict[tuple[str, str, tuple[tuple[str, str], ...]], dict[str, Observation]]
    series = defaultdict(dict)
    obs = list(observations)
    for o in obs:
        old = code_of_area_63(o.area)
        ind = catalogue.get(o.indicator)
        if old is None or o.value is None or ind is None or ind.aggregation == "none":
            continue
        slot = series[(o.indicator, o.period, tuple(sorted(o.dims.items())))]
        if old not in slot or o.rank >= slot[old].rank:
            slot[old] = o
    pop = {**(population or {}), **population_index(obs)}
    out: list[Observation] = []
    for (code, period, dims), by_old in series.items():
        ind = catalogue.get(code)
        assert ind is not None
        for new in sorted({successor(old) for old in by_old} - {None}):
            olds = former_provinces(str(new), period[:4])
            values = {old: float(o.value) for old, o in by_old.items()  # type: ignore[arg-type]
                      if old in olds}
            value = rollup_value(ind.aggregation, values, olds, period[:4], pop)
            if value is None:
                continue
            parts = [by_old[o] for o in olds]
            status, revision = _status(parts)
            first = parts[0]
            out.append(replace(first, area=str(new), value=value, unit=ind.unit, status=status,
                               revision=revision, dims=dict(dims),
                               observed_at=max(p.observed_at for p in parts)))
    return out


def edition_63_areas(new_code: str) -> list[str]:
    """Return the store areas of the former provinces of a 34-edition unit."""
    return [area_63(o) for o in sorted(predecessors(new_code))]
