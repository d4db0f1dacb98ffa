"""The Observation record: parsing, errors that name the field, ordering, JSON round trip."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import obs, record
from wall.observation import (
    Observation,
    ObservationError,
    parse_observation,
    period_rank,
    stored_dict,
)


def test_round_trip_keeps_every_documented_field() -> None:
    o = obs(dims={"sector": "FDI"}, status="provisional", revision=2)
    back = Observation.from_json(o.to_json())
    assert back == o
    assert set(o.to_dict()) == {"indicator", "area", "period", "value", "unit", "source",
                                "observed_at", "received_at", "status", "revision", "dims"}
    assert back.key == "EXPORTS_M:VN:sector=FDI"


@pytest.mark.parametrize(("overrides", "field"), [
    ({"indicator": ""}, "indicator"),
    ({"indicator": "bad code!"}, "indicator"),
    ({"area": None}, "area"),
    ({"period": "2026-13"}, "period"),
    ({"period": "Q3-2026"}, "period"),
    ({"value": "12"}, "value"),
    ({"value": float("nan")}, "value"),
    ({"value": None}, "value"),
    ({"observed_at": "2026-10-01T00:00:00"}, "observed_at"),
    ({"observed_at": "yesterday"}, "observed_at"),
    ({"status": "final"}, "status"),
    ({"revision": -1}, "revision"),
    ({"dims": {"sector": 3}}, "dims"),
    ({"source": None}, "source"),
])
def test_bad_records_say_which_field_and_why(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(ObservationError) as err:
        parse_observation(record(**overrides))
    assert err.value.field == field
    assert str(err.value).startswith(f"{field}: ")


def test_error_status_may_carry_no_value() -> None:
    assert obs(value=None, status="error").value is None


def test_periods_order_by_their_end() -> None:
    order = ["2025", "2026-01", "2026-Q1", "2026-04", "2026-S1", "2026-Q3", "2026-12", "2026"]
    ranks = [period_rank(p) for p in order]
    assert ranks == sorted(ranks)
    assert period_rank("2026-Q1") == period_rank("2026-03")
    assert period_rank("2026-10-05T08:00:00+07:00") < period_rank("2026-10")


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None, max_examples=300)
@given(st.dictionaries(st.sampled_from(["indicator", "area", "period", "value", "unit",
                                        "source", "observed_at", "status", "revision", "dims"]),
                       st.one_of(st.none(), st.integers(), st.floats(), st.text(max_size=12),
                                 st.dictionaries(st.text(max_size=3), st.text(max_size=3)))))
def test_arbitrary_input_is_accepted_or_rejected_never_crashes(data: dict[str, object]) -> None:
    try:
        parse_observation(data)
    except ObservationError as exc:
        assert exc.field and exc.reason


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(value=st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)),
       unit=st.text(max_size=60), dims=st.dictionaries(
           st.text(min_size=1, max_size=10).filter(lambda k: "|" not in k and "=" not in k),
           st.text(min_size=1, max_size=20).filter(lambda v: "|" not in v), max_size=4),
       revision=st.integers(0, 10**9))
def test_to_json_is_exactly_what_json_dumps_writes(value: float | None, unit: str,
                                                   dims: dict[str, str], revision: int) -> None:
    import json

    raw = {**record(), "unit": unit, "dims": dims, "revision": revision, "value": value,
           "status": "error" if value is None else "revised"}
    try:
        o = parse_observation(raw)
    except ObservationError:  # text that is not valid Unicode is refused, not encoded
        return
    assert o.to_json() == json.dumps(o.to_dict(), ensure_ascii=False, separators=(",", ":"))
    assert Observation.from_json(o.to_json()) == o
    assert stored_dict(o.to_json()) == o.to_dict()  # what a snapshot sends, not validated again


def test_a_stored_value_of_another_shape_is_validated_and_completed() -> None:
    import json

    older = {k: v for k, v in obs().to_dict().items() if k not in ("status", "revision")}
    assert stored_dict(json.dumps(older)) == {**older, "status": "ok", "revision": 0}
    with pytest.raises(ObservationError):  # a broken one is refused, not sent to a screen
        stored_dict(json.dumps({**older, "period": "2024-13"}))


def test_received_at_is_stamped_now_to_the_millisecond_in_utc() -> None:
    import re
    from datetime import UTC, datetime, timedelta

    before = datetime.now(UTC).replace(microsecond=0)
    stamps = [parse_observation(record()).received_at for _ in range(50)]
    after = datetime.now(UTC)
    for s in stamps:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", s), s
        assert before <= datetime.fromisoformat(s) <= after + timedelta(milliseconds=1)
