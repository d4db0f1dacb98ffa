"""HTTP API: ingest observations, read latest values and series, report health."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request
from werkzeug.utils import secure_filename

from data_feeds.base import Rejected
from wall.access import Guard, Principal
from wall.accounts import Accounts
from wall.alerting.actions import AlertActionError, act
from wall.auth import audit_limited, current
from wall.config import WallSettings
from wall.corrections import CorrectionError, correct, retract
from wall.env import env_int
from wall.ingest import ingest_records
from wall.locale import TZ as VN_TZ
from wall.observation import ObservationError, series_key
from wall.screens import ScreenError, ScreenRegistry
from wall.store import Store
from wall.tasks import INDICATOR as TASK_INDICATOR
from wall.tasks import SCOPE_INDICATOR, kept, parse_task, summarise
from wall.tasks import state as task_state

__all__ = ["api_blueprint", "screens_blueprint"]

_RESERVED = {"indicator", "area", "limit", "horizon", "cached", "year"}
MAX_BATCH = 10_000
SERIES_PER_KEY = 20_000  # distinct series one feed key may write (WALL_SERIES_PER_KEY)
MAX_EXPORTS = 2
CAMERA_INDICATOR = "CAMERA_STATUS"  # camera images are classified as the cameras' status


def _caller() -> Principal:
    p = current()
    assert p is not None, "wall.auth admits no anonymous caller to the API"
    return p


def _where() -> str:
    return request.remote_addr or ""


def _own_base() -> str:
    """Where this server listens, for its own headless browser (never from the Host header)."""
    configured = os.environ.get("WALL_EXPORT_BASE")
    if configured:
        return configured.rstrip("/")
    host = str(request.environ.get("SERVER_NAME") or "127.0.0.1")
    port = str(request.environ.get("SERVER_PORT") or "8050")
    if host in ("0.0.0.0", "::", "localhost"):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _out_of_scope(p: Principal, records: list[Any]) -> list[int]:
    """Indexes of records a caller may not write (malformed ones are left to quarantine)."""
    return [i for i, r in enumerate(records) if isinstance(r, dict)
            and isinstance(r.get("indicator"), str) and isinstance(r.get("area"), str)
            and not p.may_write(r["indicator"], r["area"])]


def _dims() -> dict[str, str] | None:
    dims = {k: v for k, v in request.args.items() if k not in _RESERVED}
    return dims or None


class BadQuery(ValueError):
    """A request the API refuses, with its HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _may_wait(p: Principal) -> bool:
    """Whether a caller may make the server fit models: people yes; screens never wait."""
    return p.kind not in ("screen", "export")


def _target_series(t: Any) -> list[str]:
    """Every indicator a target's figure is computed from (all must be cleared)."""
    m = t.measure
    return [c for c in (t.indicator, m.series if m else "", m.of if m else "") if c]


def _error(status: int, message: str) -> tuple[Response, int]:
    return jsonify({"error": message}), status


def api_blueprint(store: Store, settings: WallSettings, guard: Guard,
                  health_extra: Any = None,
                  shows_cameras: Callable[[str], bool] | None = None) -> Blueprint:
    """Return the blueprint bound to a store; reads pass through the classification guard."""
    bp = Blueprint("api", __name__)

    from wall.analysis.service import Forecaster

    forecaster = Forecaster(store, settings.catalogue)
    kept_only = Forecaster(store, settings.catalogue, compute=False)

    def cleared(indicator: str) -> bool:
        return guard.permits(_caller().clearance, indicator)

    def series_query(number: str) -> tuple[str, str, int | None]:
        """indicator, area (required, cleared) and an optional whole number argument."""
        indicator, area = request.args.get("indicator"), request.args.get("area")
        if not indicator or not area:
            raise BadQuery(400, "query parameters 'indicator' and 'area' are required")
        if not cleared(indicator):
            raise BadQuery(403, f"not cleared for {indicator}")
        try:
            return indicator, area, int(request.args.get(number, "0")) or None
        except ValueError:
            raise BadQuery(400, f"{number} must be an integer") from None
    reports_dir = Path(os.environ.get("WALL_REPORTS_DIR", "var/reports"))

    @bp.post("/api/v1/reports")
    def upload_report() -> Any:
        from data_feeds.base import FeedError
        from data_feeds.report_file import REPORT_SUFFIXES, TooManyRows, ingest_file, scan_scope

        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return _error(400, "multipart field 'file' is required")
        name = secure_filename(upload.filename)
        if Path(name).suffix.lower() not in REPORT_SUFFIXES:
            return _error(415, f"report files are {sorted(REPORT_SUFFIXES)}")
        p = _caller()  # a key writes within its scope; a person within their clearance
        allow = p.may_write if p.scope else lambda ind, _: guard.writable(p.clearance, ind)

        def refused(status: int, why: str) -> Any:
            audit_limited(store, p.who, "report.refused", {"file": name, "reason": why})
            return _error(status, why)

        try:  # read as it goes, before anything is kept: the first row outside refuses
            scan_scope(upload.stream, name, allow)
        except PermissionError as exc:
            return refused(403, str(exc))
        except TooManyRows as exc:
            return refused(413, str(exc))
        except FeedError:
            pass  # unreadable: kept and quarantined whole below, and answered 400
        upload.stream.seek(0)
        folder = reports_dir / datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        upload.save(path)  # the file is kept, whatever its rows hold
        source = p.source if p.kind == "feed" else f"upload:{name}"
        try:
            result = ingest_file(store, settings, path, source or name,
                                 request.form.get("regime") or None, allow=allow,
                                 scope=p.scope.to_json() if p.scope else "")
        except PermissionError as exc:  # refused: nothing of it is kept, on disk either
            path.unlink(missing_ok=True)
            folder.rmdir()
            return refused(403, str(exc))
        store.audit(p.who, "report.upload", {"file": name, "accepted": result.accepted,
                                             "quarantined": result.quarantined}, _where())
        unreadable = [i.reason for i in result.items
                      if isinstance(i, Rejected) and i.kind == "file"]
        body = {"file": name, "kept_as": str(path), "accepted": result.accepted,
                "quarantined": result.quarantined,
                "submission": asdict(result.submission) if result.submission else None}
        if unreadable:  # the file as a whole could not be read: quarantined with the reason
            return jsonify({**body, "error": unreadable[0]}), 400
        return jsonify(body)

    def _audit_write(p: Principal, action: str, source: str, result: dict[str, Any]) -> None:
        """Every accepted write on record: each request of a person; a feed key's once a
        minute with that minute's count (a machine posting every second would flood it)."""
        n = store.throttle_hit(f"writes:{action}:{p.who}", 60) if p.kind == "feed" else 1
        if n == 1:
            store.audit(p.who, action, {"source": source, "accepted": result["accepted"],
                                        "quarantined": result["quarantined"],
                                        **({"summary": "first request this minute"}
                                           if p.kind == "feed" else {})}, _where())

    series_cap = env_int("WALL_SERIES_PER_KEY", SERIES_PER_KEY, minimum=1)

    def json_batch(what: str) -> list[Any]:
        """The request's JSON object or array of at most MAX_BATCH (a body that is not JSON is
        quarantined); raises BadQuery."""
        try:
            data = request.get_json(silent=True)
        except RecursionError:  # nested deeper than any record is
            data = None
        if not isinstance(data, list | dict):
            why = "body is not JSON" if data is None else "body is not a JSON object or array"
            store.quarantine("api", why, request.get_data(as_text=True)[:100_000])
        if isinstance(data, dict):
            data = [data]
        if not isinstance(data, list):
            raise BadQuery(400, f"body must be a JSON array of {what}")
        if len(data) > MAX_BATCH:
            store.quarantine("api", f"more than {MAX_BATCH} {what} in one request",
                             request.get_data(as_text=True)[:100_000], kind="request")
            raise BadQuery(413, f"at most {MAX_BATCH} {what} per request")
        return data

    @bp.post("/api/v1/observations")
    def ingest() -> Any:
        data = json_batch("observations")
        p = _caller()
        if p.scope and not all(isinstance(r, dict) for r in data):
            return _error(400, "each record must be a JSON object; nothing was stored")
        outside = _out_of_scope(p, data)
        for i in outside[:1000]:  # refused, and kept with the reason (within the key's scope)
            store.quarantine(p.source or "api", "outside this key's indicators or areas",
                             data[i], scope=p.scope.to_json() if p.scope else "")
        if outside:
            audit_limited(store, p.who, "ingest.refused", {"records": len(data),
                                                           "outside": outside[:20]})
            return jsonify({"error": "records outside this key's indicators or areas; nothing "
                                     "was stored", "outside": outside[:100]}), 403
        source = p.source if p.kind == "feed" else request.headers.get("X-Wall-Source", "api")
        if p.kind == "feed":  # traceable: a key's records carry the key's source, whatever they say
            data = [{**r, "source": source} if isinstance(r, dict) else r for r in data]
        result = ingest_records(store, source or "api", data,
                                scope=p.scope.to_json() if p.scope else "",
                                series_cap=series_cap if p.kind == "feed" else None)
        _audit_write(p, "ingest", source or "api", result)
        return jsonify(result), (200 if result["accepted"] or not data else 422)

    @bp.get("/api/v1/observations/latest")
    def latest() -> Any:
        indicator = request.args.get("indicator")
        if not indicator:
            return _error(400, "query parameter 'indicator' is required")
        if not cleared(indicator):
            return _error(403, f"not cleared for {indicator}")
        area = request.args.get("area")
        rows = store.latest(indicator, area, _dims() if area else None)
        dims = _dims()
        if dims:
            rows = [o for o in rows if all(o.dims.get(k) == v for k, v in dims.items())]
        return jsonify({"indicator": indicator, "observations": [o.to_dict() for o in rows]})

    @bp.get("/api/v1/series")
    def series() -> Any:
        indicator, area, limit = series_query("limit")
        dims = _dims()
        points = store.series(indicator, area, dims, limit)
        return jsonify({"indicator": indicator, "area": area,
                        "series": series_key(indicator, area, dims) if dims else None,
                        "points": [o.to_dict() for o in points]})

    @bp.get("/api/v1/forecast")
    def forecast() -> Any:
        from wall.analysis.service import InsufficientData, UnknownSeries, api_body

        indicator, area, horizon = series_query("horizon")
        if horizon is not None and not 1 <= horizon <= 60:
            return _error(400, "horizon must be between 1 and 60 periods")
        compute = request.args.get("cached") != "1" and _may_wait(_caller())
        try:  # a screen takes what the worker has kept; a person may wait for a computation
            fc = forecaster.get(indicator, area, _dims() or {}, horizon, compute=compute)
        except UnknownSeries as exc:
            return _error(404, str(exc))
        except InsufficientData as exc:
            return _error(422, f"cannot forecast this series: {exc}")
        if fc is None:
            return jsonify({"status": "pending"}), 202
        ind = settings.catalogue.get(indicator)
        return jsonify(api_body(fc, ind.unit if ind else ""))

    @bp.get("/api/v1/targets")
    def targets() -> Any:
        from wall.analysis.targets import progress_all

        try:
            year = int(request.args.get("year", "0")) or datetime.now(VN_TZ).year
        except ValueError:
            return _error(400, "year must be an integer")
        p = _caller()
        only = request.args.get("indicator")
        config = settings.targets if not only else settings.targets.model_copy(update={
            "targets": [t for t in settings.targets.targets if t.indicator == only]})
        f = forecaster if _may_wait(p) else kept_only
        rows = [r.to_api() for r in progress_all(f, config, settings.catalogue, year,
                                                 datetime.now(VN_TZ).date())
                if all(guard.permits(p.clearance, c) for c in _target_series(r.target))]
        return jsonify({"year": year, "targets": rows})

    @bp.get("/api/v1/alerts")
    def alerts() -> Any:
        state = request.args.get("state") or None
        if state not in (None, "open", "acknowledged", "resolved"):
            return _error(400, "state is open, acknowledged or resolved")
        p = _caller()
        rows = [a for a in store.alerts(state)
                if not a.get("indicator") or guard.permits(p.clearance, a["indicator"])]
        return jsonify({"alerts": rows})

    @bp.post("/api/v1/observations/<action>")
    def correct_or_retract(action: str) -> Any:
        """`correct` (a new value as the next revision) or `retract` one stored period."""
        if action not in ("correct", "retract"):
            return _error(404, f"no such action {action!r}: correct or retract")
        body = request.get_json(silent=True)
        p = _caller()
        indicator = str(body.get("indicator") or "") if isinstance(body, dict) else ""
        if not guard.knows(indicator):
            return _error(400, f"no indicator {indicator!r} in the catalogue")
        if not guard.permits(p.clearance, indicator):
            return _error(403, f"not cleared for {indicator}")
        try:
            done = (correct if action == "correct" else retract)(store, body, p.who, _where())
        except CorrectionError as exc:
            return _error(exc.status, str(exc))
        return jsonify(done)

    @bp.post("/api/v1/alerts/<alert_id>/<action>")
    def act_on_alert(alert_id: str, action: str) -> Any:
        body = request.get_json(silent=True) or {}
        note = str(body.get("note") or "")[:2000]
        found = store.alert(alert_id)
        p = _caller()
        if found is None or (found.get("indicator") and not guard.permits(
                p.clearance, found["indicator"])):
            return _error(404, f"no open or acknowledged alert {alert_id}")
        try:
            changed = act(store, alert_id, action, p.who, _where(), note,
                          str(body.get("agency") or ""))
        except AlertActionError as exc:
            return _error(400, str(exc))
        return jsonify(changed)

    @bp.get("/api/v1/tasks")
    def list_tasks() -> Any:
        if not cleared(TASK_INDICATOR):
            return _error(403, "not cleared for direction tasks")
        today = datetime.now(VN_TZ).date()
        units = settings.regimes.reporting_units
        tasks = kept(store.tasks(), units)
        agency, wanted = request.args.get("agency"), request.args.get("state")
        rows = [{**t.model_dump(mode="json"), "state": task_state(t, today),
                 "days_to_due": (t.due_on - today).days} for t in tasks
                if (not agency or t.agency == agency)
                and (not wanted or task_state(t, today) == wanted)]
        return jsonify({"today": today.isoformat(), "tasks": rows, "agencies": [
            {**asdict(s), "name_vi": units.get(s.agency, s.agency), "on_time_rate": s.on_time_rate}
            for s in summarise(tasks, today)]})

    @bp.post("/api/v1/tasks")
    def post_tasks() -> Any:
        data = json_batch("tasks")
        p = _caller()
        outside = [i for i, r in enumerate(data) if not p.may_write(
            SCOPE_INDICATOR, str(r.get("issued_by") or "?") if isinstance(r, dict) else "?")]
        if outside:
            audit_limited(store, p.who, "tasks.refused", {"records": len(data),
                                                          "outside": outside[:20]})
            return jsonify({"error": "tasks of an office this key may not assign for; nothing "
                                     "was stored", "outside": outside[:100]}), 403
        source = (p.source if p.kind == "feed" else "api") or "api"
        units = settings.regimes.reporting_units
        result = ingest_records(store, source, data, p.scope.to_json() if p.scope else "",
                                parse=lambda r: parse_task(r, units, source), kind="task")
        _audit_write(p, "tasks.post", source, result)
        return jsonify(result), (200 if result["accepted"] or not data else 422)

    @bp.get("/api/v1/cameras/<camera>/snapshot")
    def camera_snapshot(camera: str) -> Any:
        p = _caller()
        if not cleared(CAMERA_INDICATOR) or (p.kind == "screen" and not (
                shows_cameras and shows_cameras(p.screen or ""))):
            return _error(403, "not cleared for camera images")
        found = store.snapshot(camera)
        if found is None:  # none yet: nothing to draw, and nothing for a screen to call an error
            return Response(status=204, headers={"Cache-Control": "no-store"})
        content_type, data, at = found
        return Response(data, mimetype=content_type or "application/octet-stream",
                        headers={"Last-Modified": at, "Cache-Control": "no-store"})

    @bp.get("/healthz")
    def healthz() -> Any:
        body: dict[str, Any] = {"status": "ok"}
        caller = _caller()
        detail = caller.has_role("operator")  # feed errors may quote what a source sent
        try:
            body["redis"] = {"up": True, "ping_ms": round(store.ping(), 2)}
            if store.replicas:  # acknowledged writes wait for replicas: say how many there are
                attached = store.attached_replicas()
                body["redis"]["replicas"] = {"wanted": store.replicas, "attached": attached}
                if attached < store.replicas:
                    body["redis"]["warning"] = "no copy of new writes on a replica"
            if detail:  # an error that quotes a record the caller may not see is withheld
                body["feeds"] = {f: {**h, "last_error": "(hạn chế / restricted)"}
                                 if guard.redact(caller.clearance, h.get("last_error", ""))
                                 else h for f, h in store.feeds_health().items()}
                by_source = store.quarantine_counts()
                body["quarantine"] = sum(by_source.values())
                body["quarantine_by_source"] = by_source
        except Exception as exc:
            body["status"] = "degraded"
            body["redis"] = {"up": False, "error": str(exc) if detail else "unreachable"}
        if health_extra is not None and detail:
            body.update(health_extra())
        return jsonify(body), (200 if body["status"] == "ok" else 503)

    @bp.get("/api/v1/audit")
    def audit() -> Any:
        try:
            count = min(int(request.args.get("count", "100")), 10_000)
        except ValueError:
            return _error(400, "count must be an integer")
        return jsonify({"entries": store.audit_log(count)})

    @bp.route("/api/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def unknown_api(rest: str) -> Any:
        return _error(404, f"no API path /api/{rest}")

    @bp.errorhandler(ObservationError)
    def bad_record(exc: ObservationError) -> Any:
        return _error(400, str(exc))

    @bp.errorhandler(BadQuery)
    def bad_query(exc: BadQuery) -> Any:
        return _error(exc.status, str(exc))

    return bp


def screens_blueprint(registry: ScreenRegistry, accounts: Accounts, guard: Guard) -> Blueprint:
    """Return the screens API: what each screen shows, switching it (as the console does),
    focusing the wall on one indicator, and exports."""
    bp = Blueprint("screens", __name__)
    exports = threading.BoundedSemaphore(MAX_EXPORTS)  # each runs a 4K headless browser

    @bp.get("/api/v1/screens")
    def list_screens() -> Any:
        return jsonify({"screens": [v.to_dict() for v in registry.all()]})

    @bp.get("/api/v1/export")
    def export() -> Any:
        from wall.export import ExportError, render

        fmt = request.args.get("format", "png")
        target = request.args.get("target", "wall")
        if fmt not in ("png", "pdf"):
            return _error(400, "format must be png or pdf")
        base = _own_base()
        if target == "wall":
            views = registry.all()
            width = max((v.spec.col + 1) * v.spec.width for v in views)
            height = max((v.spec.row + 1) * v.spec.height for v in views)
            url, wait = f"{base}/wall", "[data-synced]"
        elif target.startswith("screen:"):
            try:
                spec = registry.view(target[7:]).spec
            except ScreenError as exc:
                return _error(404, str(exc))
            url, wait = f"{base}/s/{spec.id}", "[data-synced]"
            width, height = spec.width, spec.height
        elif target.startswith("panel:") and target[6:] in registry.panel_ids:
            url, wait, width, height = f"{base}/screen/{target[6:]}", "[data-synced]", 3840, 2160
        elif target == "meeting" and fmt == "pdf":
            if not _caller().has_role("operator"):
                return _error(403, "the meeting pack is for operators")
            url, wait, width, height = f"{base}/meeting-pack", "[data-synced]", 1123, 794
        else:
            return _error(400, "target is wall, screen:<id>, panel:<id> or meeting (pdf)")
        p = _caller()  # the headless browser sees what the caller may see, for three minutes
        url += "?" + urlencode({"token": accounts.issue_export_token(p)})
        if not exports.acquire(blocking=False):
            return _error(429, "exports are already running: try again in a moment")
        try:
            data = render(url, fmt, width, height, wait, paper=target == "meeting")
        except ExportError as exc:
            return _error(503, str(exc))
        finally:
            exports.release()
        registry.store.audit(p.who, "export", {"target": target, "format": fmt}, _where())
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        name = f"{target.replace(':', '-')}-{stamp}.{fmt}"
        return Response(data, mimetype="application/pdf" if fmt == "pdf" else "image/png",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @bp.post("/api/v1/screens/<screen_id>")
    def switch_screen(screen_id: str) -> Any:
        body = request.get_json(silent=True) or {}
        ids = [screen_id] if screen_id != "all" else [s.id for s in registry.wall.screens]
        who = _caller().who
        try:
            if body.get("action") == "reload":
                registry.reload(ids, who=who, where=_where())
            elif body.get("playlist"):
                registry.start_playlist(ids, str(body["playlist"]), who=who, where=_where())
            else:
                registry.assign(ids, str(body.get("panel", "")), body.get("params") or {},
                                body.get("lang"), who=who, where=_where())
        except ScreenError as exc:
            return _error(400, str(exc))
        return jsonify({"screens": [registry.view(i).to_dict() for i in ids]})

    @bp.post("/api/v1/focus")
    def focus() -> Any:
        body = request.get_json(silent=True) or {}
        indicator, area = str(body.get("indicator") or ""), str(body.get("area") or "")
        compare = str(body.get("compare") or "")
        screens = body.get("screens") or None
        p = _caller()
        if not guard.knows(indicator):
            return _error(400, f"no indicator {indicator!r} in the catalogue")
        if not guard.permits(p.clearance, indicator):
            return _error(403, f"not cleared for {indicator}")
        if screens is not None and not (isinstance(screens, list)
                                        and all(isinstance(s, str) for s in screens)):
            return _error(400, "screens is a list of screen ids")
        try:
            ids = registry.focus(indicator, area, screens, who=p.who, where=_where(),
                                 compare=compare)
        except ScreenError as exc:
            return _error(400, str(exc))
        return jsonify({"focused": ids, "indicator": indicator, "area": area or None,
                        "compare": compare or None})

    @bp.post("/api/v1/focus/clear")
    def clear_focus() -> Any:
        body = request.get_json(silent=True) or {}
        cleared = registry.clear_focus(body.get("screens") or None, who=_caller().who,
                                       where=_where())
        return jsonify({"cleared": cleared,
                        "screens": [v.to_dict() for v in registry.all()]})

    return bp
