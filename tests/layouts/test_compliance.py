"""The compliance panel on a real store: live on a submission, periods due on the replay's clock."""

from __future__ import annotations

from typing import Any

from data_feeds.base import Submission
from layouts.registry import PanelContext, panels
from tests.helpers import walk
from wall.observation import parse_observation
from wall.report_status import INDICATOR, dims, record


def _replay_at(store: Any, month: str) -> None:
    store.write([parse_observation({
        "indicator": "REPLAY_ASOF", "area": "VN", "period": month, "value": 1, "unit": "flag",
        "source": "gso-replay", "observed_at": f"{month}-28T00:00:00+07:00"}).received_now()])


def _blocks(store: Any, settings: Any) -> dict[str, Any]:
    tree = panels(settings)["compliance"].build(PanelContext(settings, store))
    return {getattr(c, "data-regime"): c for c in walk(tree)
            if getattr(c, "data-regime", None) and "status-tile" in c.className}


def _cell(block: Any, unit: str) -> Any:
    return next(c for c in walk(block) if getattr(c, "data-unit", None) == unit)


def _submit(store: Any, settings: Any, regime: str, unit: str, period: str) -> None:
    record(store, settings, Submission(regime=regime, unit=unit, period=period,
                                       file=f"{regime}__{unit}__{period}.csv", accepted=3,
                                       rejected=0))


def test_due_periods_follow_the_replay_clock(store: Any, settings: Any) -> None:
    kinds = {r.id: r.periodicity for r in settings.regimes.regimes}
    monthly = next(r for r, p in kinds.items() if p == "M")
    quarterly = next(r for r, p in kinds.items() if p == "Q")
    _replay_at(store, "2019-03")
    blocks = _blocks(store, settings)
    assert getattr(blocks[monthly], "data-period") == "2019-03"
    assert getattr(blocks[quarterly], "data-period") == "2019-Q1"
    # the month just reached is not due yet; nobody is red for a period the replay has not left
    assert {getattr(c, "data-state") for c in walk(blocks[monthly])
            if getattr(c, "data-state", None)} == {"pending"}
    _replay_at(store, "2020-08")
    blocks = _blocks(store, settings)
    assert getattr(blocks[monthly], "data-period") == "2020-08"
    assert getattr(blocks[quarterly], "data-period") == "2020-Q2"
    assert getattr(_cell(blocks[quarterly], settings.regimes.get(quarterly).units[0]),
                   "data-state") == "missing"   # Q2 was due on 28/07/2020


def test_a_submission_changes_the_panel_without_reload(store: Any, settings: Any) -> None:
    regime = next(r for r in settings.regimes.regimes if r.periodicity == "M")
    unit, other = regime.units[0], regime.units[1]
    _replay_at(store, "2019-03")
    assert INDICATOR in panels(settings)["compliance"].subscription().indicators
    cell = _cell(_blocks(store, settings)[regime.id], unit)
    assert getattr(cell, "data-state") == "pending"

    _submit(store, settings, regime.id, unit, "2019-03")
    pushed = store.latest(INDICATOR, unit, dims(regime.id, "2019-03"))
    assert [o.value for o in pushed] == [2.0]          # on time: what the cell's key receives
    assert pushed[0].key == getattr(cell, "data-key")  # ...and the cell on screen listens to it
    rebuilt = _blocks(store, settings)[regime.id]
    assert getattr(_cell(rebuilt, unit), "data-state") == "on_time"
    assert getattr(_cell(rebuilt, other), "data-state") == "pending"

    # two months on, March's report is late on the replay's clock (not on today's date)
    _replay_at(store, "2019-05")
    _submit(store, settings, regime.id, other, "2019-03")
    late = store.latest(INDICATOR, other, dims(regime.id, "2019-03"))
    assert [o.value for o in late] == [1.0]
    assert store.latest(INDICATOR, unit, dims(regime.id, "2019-03"))[0].value == 2.0
