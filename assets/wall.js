/* The wall's one socket client: joins the panel's room, applies snapshots and deltas to tiles.
 * Hot path stays out of Dash's callback cycle: values are written to the DOM directly, charts
 * are redrawn as SVG (trend_chart.js) on a one-second clock. Times: Asia/Ho_Chi_Minh; numbers: vi-VN. */
(function () {
  "use strict";
  var TZ = "Asia/Ho_Chi_Minh";
  var LOCALE = "vi-VN";
  var CHART_MS = 1000;
  var nfCache = {};
  var TEXT = {
    vi: {sec: " giây trước", min: " phút trước", hour: " giờ trước", day: " ngày trước",
         months: " tháng trước", years: " năm trước", stale: "QUÁ HẠN · ", linked: "ĐÃ KẾT NỐI",
         replay: "PHÁT LẠI · số liệu đến ", resting: " (mới nhất)", sim: "MÔ PHỎNG",
         month: "Tháng ", quarter: "Quý ", year: "Năm ", date: "Ngày ", h1: "6 tháng đầu ",
         h2: "6 tháng cuối ", prev: "so kỳ trước", yoy: "so cùng kỳ", pp: " điểm %",
         est: " · ước tính", rev: " · chính thức", live: "TRỰC TUYẾN", wait: "ĐANG KẾT NỐI…",
         down: "MẤT KẾT NỐI — đang thử lại, số liệu là lần cập nhật cuối",
         ok: "TỐT", warn: "CHẬM", off: "MẤT TÍN HIỆU", good: " tốt", lost: " mất tín hiệu",
         fc: "dự báo", noData: "Chưa có số liệu",
         proj: "Dự báo cả năm ", achieved: "Đã đạt mục tiêu",
         missed: "Không đạt mục tiêu", critical: "KHẨN", warning: "CẢNH BÁO", info: "LƯU Ý",
         acked: " · đã tiếp nhận: ", moreAlerts: " cảnh báo khác",
         storeDown: "MẤT NGUỒN DỮ LIỆU — đang thử lại, số liệu là lần cập nhật cuối"},
    en: {sec: " s ago", min: " min ago", hour: " h ago", day: " days ago", month: "",
         months: " months ago", years: " years ago", stale: "OVERDUE · ", linked: "CONNECTED",
         replay: "REPLAY · data to ", resting: " (latest)", sim: "SIMULATED",
         quarter: "Q", year: "", date: "", h1: "H1 ", h2: "H2 ", prev: "vs previous",
         yoy: "year on year", pp: " pp", est: " · estimate", rev: " · revised", live: "LIVE",
         wait: "CONNECTING…", down: "DISCONNECTED — retrying, showing the last values",
         ok: "OK", warn: "SLOW", off: "OFFLINE", good: " ok", lost: " offline",
         fc: "forecast", noData: "No data yet", proj: "Year-end forecast ",
         achieved: "Target met", missed: "Target missed", critical: "CRITICAL",
         warning: "WARNING", info: "NOTE", acked: " · acknowledged by ", moreAlerts: " more",
         storeDown: "NO DATA SOURCE — retrying, showing the last values"}
  };
  function L(k) { return TEXT[(state && state.lang) || "vi"][k]; }
  var state = null;      // per-panel state, rebuilt when the panel changes
  var socket = null;
  var connected = false;

  function nf(decimals) {
    if (!nfCache[decimals]) {
      nfCache[decimals] = new Intl.NumberFormat(LOCALE, {
        minimumFractionDigits: decimals, maximumFractionDigits: decimals});
    }
    return nfCache[decimals];
  }

  /* ---- DOM writes only when something changed (each write costs a layout and a paint) -- */
  function setText(el, text) { if (el.textContent !== text) { el.textContent = text; } }
  function setAttr(el, name, value) {
    if (el.getAttribute(name) !== value) { el.setAttribute(name, value); }
  }
  function setClass(el, name) { if (el.className !== name) { el.className = name; } }

  /* ---- pure helpers ------------------------------------------------------------------ */
  function seriesKey(o) {
    var base = o.indicator + ":" + o.area;
    var dims = o.dims || {};
    var names = Object.keys(dims).sort();
    if (!names.length) { return base; }
    return base + ":" + names.map(function (k) { return k + "=" + dims[k]; }).join("|");
  }
  function periodRank(p) {
    var m;
    if ((m = /^(\d{4})-(\d{2})$/.exec(p))) { return +m[1] * 10000 + +m[2] * 100 + 99; }
    if ((m = /^(\d{4})-Q([1-4])$/.exec(p))) { return +m[1] * 10000 + +m[2] * 300 + 99; }
    if ((m = /^(\d{4})-S([12])$/.exec(p))) { return +m[1] * 10000 + +m[2] * 600 + 99; }
    if ((m = /^(\d{4})$/.exec(p))) { return +m[1] * 10000 + 1299.5; }
    var t = Date.parse(p);
    return isNaN(t) ? 0 : 10000 * 1e4 + t / 1e10;
  }
  function newer(a, b) {   // is observation a at least as new as b?
    if (!b) { return true; }
    var ra = periodRank(a.period), rb = periodRank(b.period);
    return ra > rb || (ra === rb && (a.revision || 0) >= (b.revision || 0));
  }
  function shiftPeriod(p, back) {   // back: "prev" or "yoy"
    var m;
    if ((m = /^(\d{4})-(\d{2})$/.exec(p))) {
      var y = +m[1], mo = +m[2];
      if (back === "yoy") { y -= 1; } else { mo -= 1; if (mo === 0) { mo = 12; y -= 1; } }
      return y + "-" + (mo < 10 ? "0" : "") + mo;
    }
    if ((m = /^(\d{4})-Q([1-4])$/.exec(p))) {
      var yq = +m[1], q = +m[2];
      if (back === "yoy") { yq -= 1; } else { q -= 1; if (q === 0) { q = 4; yq -= 1; } }
      return yq + "-Q" + q;
    }
    if ((m = /^(\d{4})$/.exec(p))) { return String(+m[1] - 1); }
    return null;
  }
  function periodLabel(p) {
    var m;
    if ((m = /^(\d{4})-(\d{2})$/.exec(p))) { return L("month") + (+m[2]) + "/" + m[1]; }
    if ((m = /^(\d{4})-Q([1-4])$/.exec(p))) {
      return L("quarter") + ["I", "II", "III", "IV"][+m[2] - 1] + "/" + m[1];
    }
    if ((m = /^(\d{4})-S([12])$/.exec(p))) { return L(m[2] === "1" ? "h1" : "h2") + m[1]; }
    if ((m = /^(\d{4})$/.exec(p))) { return L("year") + m[1]; }
    if ((m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(p))) { return L("date") + m[3] + "/" + m[2] + "/" + m[1]; }
    var t = Date.parse(p);
    return isNaN(t) ? p : timeFmt.format(new Date(t));
  }
  function periodDate(p) {   // a date for charts: the middle of the period
    var m;
    if ((m = /^(\d{4})-(\d{2})$/.exec(p))) { return m[1] + "-" + m[2] + "-15"; }
    if ((m = /^(\d{4})-Q([1-4])$/.exec(p))) {
      var mo = +m[2] * 3 - 1;
      return m[1] + "-" + (mo < 10 ? "0" : "") + mo + "-15";
    }
    if ((m = /^(\d{4})$/.exec(p))) { return m[1] + "-07-01"; }
    return p;
  }
  function shown(value, d) { return value * (d.scale === undefined ? 1 : d.scale) + (d.offset || 0); }
  function formatValue(value, d) {
    var v = shown(value, d);
    var s = nf(d.decimals).format(Math.abs(v));
    if (v < 0) { return "−" + s; }
    return (d.signed && v > 0 ? "+" : "") + s;
  }
  var timeFmt = new Intl.DateTimeFormat(LOCALE, {timeZone: TZ, hour: "2-digit", minute: "2-digit",
    second: "2-digit", day: "2-digit", month: "2-digit", year: "numeric", hour12: false});
  function ageText(seconds) {
    if (seconds < 60) { return Math.max(0, Math.round(seconds)) + L("sec"); }
    if (seconds < 3600) { return Math.round(seconds / 60) + L("min"); }
    if (seconds < 86400) { return Math.round(seconds / 3600) + L("hour"); }
    if (seconds < 60 * 86400) { return Math.round(seconds / 86400) + L("day"); }
    if (seconds < 730 * 86400) { return Math.round(seconds / (30.44 * 86400)) + L("months"); }
    return Math.floor(seconds / (365.25 * 86400)) + L("years");
  }
  var VN_OFFSET_MS = 7 * 3600 * 1000;
  function vnMonthStart(y, monthIndex) { return Date.UTC(y, monthIndex, 1) - VN_OFFSET_MS; }
  function nextPeriodEnd(p) {   // when the period after p ends (Vietnam time), ms
    var m;
    if ((m = /^(\d{4})-(\d{2})$/.exec(p))) { return vnMonthStart(+m[1], +m[2] + 1); }
    if ((m = /^(\d{4})-Q([1-4])$/.exec(p))) { return vnMonthStart(+m[1], (+m[2] + 1) * 3); }
    if ((m = /^(\d{4})-S([12])$/.exec(p))) { return vnMonthStart(+m[1], (+m[2] + 1) * 6); }
    if ((m = /^(\d{4})$/.exec(p))) { return vnMonthStart(+m[1] + 2, 0); }
    return null;
  }
  function clockNow() {   // "now" for due dates: the replay's month end while replaying
    var m = state && state.mode === "replay" && /^(\d{4})-(\d{2})$/.exec(state.asof || "");
    return m ? vnMonthStart(+m[1], +m[2]) : Date.now();
  }

  /* ---- panel state ------------------------------------------------------------------- */
  function buildState(root) {
    var s = {root: root, panel: root.getAttribute("data-panel"), tiles: {}, trends: [],
             room: root.getAttribute("data-room") || root.getAttribute("data-panel"),
             lang: root.getAttribute("data-lang") === "en" ? "en" : "vi",
             mode: root.getAttribute("data-mode") || "live", asof: root.getAttribute("data-asof"),
             replayAt: Date.now(),
             simSources: JSON.parse(root.getAttribute("data-simulated-sources") || "[]"),
             maps: [], series: {}, dirtyCharts: false};
    if (root.getAttribute("data-rotate") === "1") {
      s.rotateAt = Date.now() + 1000 * +(root.getAttribute("data-rotate-seconds") || 30);
    }
    root.querySelectorAll(".kpi-tile").forEach(function (el) {
      var key = el.getAttribute("data-key");
      (s.tiles[key] = s.tiles[key] || []).push({
        el: el, value: el.querySelector(".tile-value"), unit: el.querySelector(".tile-unit"),
        prev: el.querySelector('[data-kind="prev"]'), yoy: el.querySelector('[data-kind="yoy"]'),
        period: el.querySelector(".tile-period"), age: el.querySelector(".tile-age"),
        target: el.querySelector(".tile-target"),
        projection: el.querySelector('[data-kind="projection"]'),
        targets: JSON.parse(el.getAttribute("data-targets") || "{}"),
        display: JSON.parse(el.getAttribute("data-display")),
        polarity: el.getAttribute("data-polarity"),
        frequency: el.getAttribute("data-frequency"),
        releaseLag: +(el.getAttribute("data-release-lag") || 0),
        staleAfter: +el.getAttribute("data-stale-after"), obs: null});
    });
    var refresh = root.querySelector("[data-refresh-asof]");
    s.refreshAsof = refresh ? JSON.parse(refresh.getAttribute("data-refresh-asof")) : null;
    var after = refresh && +refresh.getAttribute("data-refresh-after");
    if (after) { s.refreshAt = setTimeout(redraw, after * 1000); }
    // the charts drawn here (layouts/tiles/trend.py); not the analysis panel's Plotly blocks
    root.querySelectorAll(".trend-tile[data-targets]").forEach(function (el) {
      if (!el.querySelector(".trend-graph")) { return; }   // locked: nothing drawn here
      s.trends.push({el: el, config: JSON.parse(el.getAttribute("data-series") || "[]"),
                     drawn: {},
                     targets: JSON.parse(el.getAttribute("data-targets") || "[]"),
                     holder: el.querySelector(".trend-graph"), lines: null, fc: null});
    });
    s.cells = {};
    root.querySelectorAll(".status-cell").forEach(function (el) {
      (s.cells[el.getAttribute("data-key")] = s.cells[el.getAttribute("data-key")] || []).push(el);
    });
    root.querySelectorAll(".map-tile").forEach(function (el) {
      var holder = el.querySelector(".map-graph[data-svg]");
      if (holder) {   // the map comes as SVG markup (server-built, no script): put it in place
        holder.innerHTML = holder.getAttribute("data-svg");
        holder.removeAttribute("data-svg");
      }
      var paths = {};
      el.querySelectorAll(".map-provinces path[data-area]").forEach(function (p) {
        paths[p.getAttribute("data-area")] = p;
      });
      // dirty from the start: a map reused from the panel before shows no colours of its own
      s.maps.push({el: el, indicator: el.getAttribute("data-indicator"), paths: paths,
                   display: JSON.parse(el.getAttribute("data-display")), values: {},
                   dirty: true});
    });
    return s;
  }

  function remember(o) {   // keep a short per-series history: period -> newest observation
    var key = seriesKey(o);
    var hist = state.series[key] || (state.series[key] = {});
    if (newer(o, hist[o.period])) { hist[o.period] = o; }
    if (Object.keys(hist).length > 160) {
      var periods = sortedPeriods(hist);
      for (var i = 0; i < periods.length - 160; i++) { delete hist[periods[i]]; }
    }
    return key;
  }

  function changeText(o, base, t) {
    if (!base || base.value === null || o.value === null) { return ""; }
    var d = t.display;
    var diff = shown(o.value, d) - shown(base.value, d);
    var pctPoints = (d.unit_vi || "").indexOf("%") === 0;
    var txt, arrow = diff > 0 ? "▲ " : (diff < 0 ? "▼ " : "■ ");
    if (pctPoints) {
      txt = nf(Math.min(2, d.decimals)).format(Math.abs(diff)) + L("pp");
    } else if (d.signed || base.value <= 0) {
      txt = nf(d.decimals).format(Math.abs(diff)) + " " + (d.unit_vi || "");
    } else if (base.value !== 0) {
      txt = nf(1).format(Math.abs(100 * (o.value - base.value) / Math.abs(base.value))) + " %";
    } else { return ""; }
    var good = t.polarity === "neutral" ? "" :
      ((diff > 0) === (t.polarity === "up") ? " good" : " bad");
    return {text: arrow + txt, cls: diff === 0 ? "" : good};
  }

  /* A target tile also says where the year is heading: the projection the targets API gives
     (the worker's kept forecasts; a screen never makes the server compute). */
  function requestProjection(t, year, period) {
    var want = year + "|" + period;
    if (t.projFor === want || !window.fetch) { return; }
    t.projFor = want;
    var url = "/api/v1/targets?year=" + year + "&indicator=" +
      encodeURIComponent(t.el.getAttribute("data-indicator"));
    fetch(url, {credentials: "same-origin"}).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (body) {
      if (!body || t.projFor !== want) { return; }
      var row = (body.targets || []).filter(function (r) {
        return r.in_force && r.assignee === "VN";
      })[0];
      setText(t.projection, row ? projectionText(row) : "");
      setAttr(t.el, "data-target-status", row ? row.status : "");
    }).catch(function () { t.projFor = null; });
  }
  function projectionText(row) {
    if (row.status === "achieved" || row.status === "missed") { return L(row.status); }
    var p = row.projection;
    if (!p) { return ""; }
    var u = row.unit === "%" ? " %" : " " + row.unit, f = nf(2);
    return L("proj") + f.format(p.mean) + u + " (80 %: " + f.format(p.lo80) + "–" +
      f.format(p.hi80) + ")";
  }

  /* ---- alerts: a ticker on every screen, critical ones first and loud until acknowledged -- */
  var SEVERITY = {critical: 0, warning: 1, info: 2};
  var TICKER_ITEMS = 3;   // one row: the most severe, newest first; the console lists them all

  function drawAlerts() {
    var box = document.getElementById("alert-ticker");
    if (!box || !state) { return; }
    var list = Object.keys(state.alerts || {}).map(function (k) { return state.alerts[k]; });
    list.sort(function (a, b) {
      return (SEVERITY[a.severity] - SEVERITY[b.severity]) ||
        (a.raised_at < b.raised_at ? 1 : (a.raised_at > b.raised_at ? -1 : 0));
    });
    while (box.firstChild) { box.removeChild(box.firstChild); }
    list.slice(0, TICKER_ITEMS).forEach(function (a) {
      var el = document.createElement("span");
      el.className = "alert-item alert-" + a.severity +
        (a.severity === "critical" && a.state === "open" ? " alert-loud" : "");
      el.setAttribute("data-alert-id", a.id);
      el.setAttribute("data-severity", a.severity);
      el.setAttribute("data-indicator", a.indicator || a.source || "");
      el.setAttribute("data-state", a.state);
      el.textContent = L(a.severity) + " · " + a.message_vi +
        (a.state === "acknowledged" ? L("acked") + (a.acknowledged_by || "") : "");
      el.title = el.textContent;   // two lines on the wall; the whole text on hover
      box.appendChild(el);
    });
    if (list.length > TICKER_ITEMS) {
      var more = document.createElement("span");
      more.className = "alert-more";
      more.textContent = "+" + (list.length - TICKER_ITEMS) + L("moreAlerts");
      box.appendChild(more);
    }
    setAttr(box, "data-count", String(list.length));
  }

  function isSimulated(o) { return state.simSources.indexOf(o.source) >= 0; }
  function markSimulated(el, o) { setAttr(el, "data-simulated", isSimulated(o) ? "true" : "false"); }

  function paintTile(t, o, key) {
    if (t.obs && !newer(o, t.obs)) { return; }
    t.obs = o;
    markSimulated(t.el, o);
    if (t.target) {   // the target of the value's own year, never another year's
      var tt = t.targets[String(o.period).slice(0, 4)] || "";
      setText(t.target, tt);
      if (t.projection && tt) { requestProjection(t, String(o.period).slice(0, 4), o.period); }
      else if (t.projection) { setText(t.projection, ""); }
    }
    var v = t.value;
    setText(v, o.value === null ? "—" : formatValue(o.value, t.display));
    setAttr(v, "data-value", o.value === null ? "" : String(o.value));
    setAttr(v, "data-period", o.period);
    setAttr(v, "data-observed-at", o.observed_at);
    setText(t.period, periodLabel(o.period) + (o.status === "provisional" ? L("est") :
      (o.status === "revised" ? L("rev") : "")));
    var hist = state.series[key] || {};
    [["prev", t.prev, TEXT[state.lang].prev], ["yoy", t.yoy, TEXT[state.lang].yoy]].forEach(function (c) {
      var p = shiftPeriod(o.period, c[0]);
      var res = p ? changeText(o, hist[p], t) : "";
      setText(c[1], res ? res.text + " " + c[2] : "");
      setClass(c[1], "tile-change" + (res ? res.cls : ""));
    });
    t.el.classList.toggle("is-error", o.status === "error");
    ageTile(t, Date.now());
  }

  function ageTile(t, now) {
    if (!t.obs) { return; }
    var at = Date.parse(t.obs.observed_at || t.obs.received_at);
    var age = (now - at) / 1000;
    var due = nextPeriodEnd(t.obs.period);
    var stale = (due !== null && t.frequency !== "RT" && t.frequency !== "D") ?
      clockNow() > due + 1000 * t.releaseLag : (t.staleAfter > 0 && age > t.staleAfter);
    setText(t.age, (stale ? L("stale") : "") + ageText(age));
    t.el.classList.toggle("is-stale", stale);
    setAttr(t.el, "data-stale", stale ? "true" : "false");
  }

  var STATES = {2: ["is-ok", "ok"], 1: ["is-warn", "warn"], 0: ["is-down", "off"]};
  function paintCell(el, o) {
    var st = STATES[Math.round(o.value)] || ["is-unknown", ""];
    setClass(el, "status-cell " + st[0]);
    setText(el.querySelector(".cell-state"), st[1] ? L(st[1]) : "—");
    setAttr(el, "data-value", String(o.value));
    markSimulated(el, o);
    var img = el.querySelector(".cell-snapshot");
    if (img && o.value > 0) {
      var last = +(img.getAttribute("data-loaded") || 0);
      if (Date.now() - last > 10000) {   // at most one snapshot per camera per 10 s
        img.src = img.getAttribute("data-src") + "?t=" + Date.now();
        img.setAttribute("data-loaded", String(Date.now()));
      }
    }
    state.dirtyCells = true;
  }

  function summarise() {
    if (!state.dirtyCells) { return; }
    state.root.querySelectorAll(".status-tile").forEach(function (tile) {
      var cells = tile.querySelectorAll(".status-cell");
      var down = tile.querySelectorAll(".status-cell.is-down").length;
      var ok = tile.querySelectorAll(".status-cell.is-ok").length;
      var sims = tile.querySelectorAll('.status-cell[data-simulated="true"]').length;
      tile.querySelector(".status-summary").textContent =
        ok + "/" + cells.length + L("good") + (down ? " · " + down + L("lost") : "") +
        (sims ? " · " + (sims === cells.length ? "" : sims + " ") + L("sim") : "");
    });
    state.dirtyCells = false;
  }

  function setMode(o) {   // the replay says how far it has reached; live data says nothing
    if (o.indicator !== "REPLAY_ASOF") { return false; }
    state.mode = "replay"; state.asof = o.period; state.replayAt = Date.parse(o.received_at);
    paintMode();
    return true;
  }
  function paintMode() {
    var badge = document.getElementById("mode-badge");
    setAttr(state.root, "data-mode", state.mode);
    setAttr(state.root, "data-asof", state.mode === "replay" ? state.asof || "" : "");
    if (!badge) { return; }
    setText(badge, state.mode === "replay" ? L("replay") + periodLabel(state.asof) : "");
    setClass(badge, "mode-badge mode-" + state.mode);
    if (connected) { setStatus(true, state.mode === "replay" ? L("linked") : L("live")); }
  }

  var REFRESH_MS = 15000;
  function refreshSoon(key, o) {   // a panel computed from series redraws when one moves on
    var was = state.refreshAsof && state.refreshAsof[key];
    if (!was || periodRank(o.period) <= periodRank(was) || state.refreshAt) { return; }
    state.refreshAt = setTimeout(redraw, REFRESH_MS);
  }
  function redraw() {   // the server builds the panel again (same page, same parameters)
    var q = new URLSearchParams(window.location.search);
    q.set("r", String(Date.now()));
    if (window.dash_clientside && window.dash_clientside.set_props) {
      window.dash_clientside.set_props("_pages_location", {search: "?" + q.toString()});
    }
  }

  function apply(o) {
    if (setMode(o)) { return; }
    var key = remember(o);
    refreshSoon(key, o);
    var cells = state.cells[key];
    if (cells) { cells.forEach(function (el) { paintCell(el, o); }); }
    var tiles = state.tiles[key];
    if (tiles) { tiles.forEach(function (t) { paintTile(t, o, key); }); }
    state.maps.forEach(function (m) {
      if (m.indicator === o.indicator && o.area !== "VN" && !Object.keys(o.dims || {}).length &&
          newer(o, m.values[o.area])) {
        m.values[o.area] = o; m.dirty = true;
        if (isSimulated(o)) { setAttr(m.el, "data-simulated", "true"); }
      }
    });
    state.dirtyCharts = true;
  }

  /* ---- charts (one-second clock) ----------------------------------------------------- */
  function periodMs(p) { return Date.parse(periodDate(p)); }
  function sortedPeriods(hist) {
    return Object.keys(hist).sort(function (a, b) { return periodRank(a) - periodRank(b); });
  }

  function drawTrend(tr) {   // the series as they are now, if any changed since the last draw
    if (!window.wallTrend) { return false; }
    if (!tr.config.length) { return true; }
    var changed = false;
    var series = tr.config.map(function (c) {
      var hist = state.series[c.key] || {}, periods = sortedPeriods(hist);
      var shape = periods.length ? periods[periods.length - 1] + "#" + periods.length : "";
      var last = periods.length ? hist[periods[periods.length - 1]].value : null;
      var drawn = tr.drawn[c.key] || {};
      if (drawn.shape !== shape || drawn.last !== last) { changed = true; }
      tr.drawn[c.key] = {shape: shape, last: last};
      return {c: c, hist: hist, periods: periods};
    });
    if (!changed && tr.lines) { return true; }
    tr.lines = series.map(function (s) {
      return {key: s.c.key, name: s.c.name, colour: s.c.colour,
              periods: s.periods, xs: s.periods.map(periodMs),
              ys: s.periods.map(function (p) {
                return s.hist[p].value === null ? null : shown(s.hist[p].value, s.c.display);
              })};
    });
    renderTrend(tr);
    var lastPeriod = series[0].periods[series[0].periods.length - 1];
    if (lastPeriod && lastPeriod !== tr.fcWant) { requestForecast(tr, lastPeriod); }
    return true;
  }

  function renderTrend(tr) {
    if (!tr.lines || !tr.lines.length || !window.wallTrend) { return; }
    var periods = tr.lines[0].periods, first = 0, last = -1;
    if (periods.length) {   // a year's target band only where the data reaches it
      first = +String(periods[0]).slice(0, 4);
      last = +String(periods[periods.length - 1]).slice(0, 4);
    }
    var fc = tr.fc && tr.fc.as_of === periods[periods.length - 1] ? tr.fc : null;
    window.wallTrend.draw(tr.holder, {
      series: tr.lines, forecast: fc, lang: state.lang, empty: L("noData"),
      targets: tr.targets.filter(function (t) { return t.year >= first && t.year <= last; })});
    if (fc) {
      tr.el.setAttribute("data-forecast-asof", fc.as_of);
      tr.el.setAttribute("data-forecast-model", fc.model);
    } else { tr.el.removeAttribute("data-forecast-asof"); }
  }

  /* ---- forecasts: kept by the worker, asked for when a new period is drawn --------------- */
  var FORECAST_RETRY_MS = 15000;
  function requestForecast(tr, lastPeriod) {
    var c = tr.config[0];
    tr.fcWant = lastPeriod;
    if (!c || !c.indicator || tr.fcBusy || !window.fetch) { return; }
    tr.fcBusy = true;
    var q = ["indicator=" + encodeURIComponent(c.indicator), "area=" + encodeURIComponent(c.area),
             "cached=1"];
    Object.keys(c.dims || {}).forEach(function (k) {
      q.push(encodeURIComponent(k) + "=" + encodeURIComponent(c.dims[k]));
    });
    function again() {   // the worker has not reached this period yet: ask again later
      clearTimeout(tr.fcTimer);
      tr.fcTimer = setTimeout(function () {
        if (state && state.trends.indexOf(tr) >= 0) { requestForecast(tr, tr.fcWant); }
      }, FORECAST_RETRY_MS);
    }
    fetch("/api/v1/forecast?" + q.join("&"), {credentials: "same-origin"}).then(function (r) {
      tr.fcBusy = false;
      if (r.status === 202) { again(); return null; }
      return r.ok ? r.json() : null;   // 404/422: no forecast for this series
    }).then(function (fc) {
      if (!fc) { return; }
      drawForecast(tr, fc);
      if (fc.as_of !== tr.fcWant) { again(); }
    }).catch(function () { tr.fcBusy = false; again(); });
  }

  /* A forecast is drawn only while it starts from the latest value drawn (renderTrend checks);
     its dashed mean line starts at that value. */
  function drawForecast(tr, fc) {
    var c = tr.config[0], d = c.display;
    if (!fc.points || !fc.points.length) { return; }
    function at(p, f) { return shown(p[f], d); }
    var mean = fc.points.map(function (p) { return [periodMs(p.period), at(p, "mean")]; });
    var known = (state.series[c.key] || {})[fc.as_of], labelAt = 0;
    if (known && known.value !== null) {
      mean.unshift([periodMs(fc.as_of), shown(known.value, d)]);
      labelAt = 1;
    }
    tr.fc = {as_of: fc.as_of, model: fc.model, colour: c.colour, label: L("fc"), mean: mean,
             labelAt: labelAt,
             band95: fc.points.map(function (p) {
               return [periodMs(p.period), at(p, "lo95"), at(p, "hi95")]; }),
             band80: fc.points.map(function (p) {
               return [periodMs(p.period), at(p, "lo80"), at(p, "hi80")]; })};
    renderTrend(tr);
  }

  var NO_DATA = "#2a3a4d";   // layouts/tiles/theme.py
  var RAMP = [[0, [31, 78, 121]], [0.5, [42, 157, 143]], [1, [233, 245, 161]]];
  function ramp(f) {
    for (var i = 1; i < RAMP.length; i++) {
      if (f <= RAMP[i][0]) {
        var a = RAMP[i - 1], b = RAMP[i], k = (f - a[0]) / (b[0] - a[0]);
        return "rgb(" + [0, 1, 2].map(function (j) {
          return Math.round(a[1][j] + k * (b[1][j] - a[1][j]));
        }).join(",") + ")";
      }
    }
    return "rgb(233,245,161)";
  }
  function drawMap(m) {
    if (!m.dirty) { return; }
    // only the areas this map draws (a 34-unit map ignores the former 63 provinces' values),
    // and one period: the newest that any of them has
    var areas = Object.keys(m.values).filter(function (a) { return m.paths[a]; });
    var best = null;
    areas.forEach(function (a) {
      if (!best || periodRank(m.values[a].period) > periodRank(best)) { best = m.values[a].period; }
    });
    var vals = {}, lo = Infinity, hi = -Infinity;
    areas.forEach(function (a) {
      var o = m.values[a];
      if (o.period === best && o.value !== null) {
        var v = shown(o.value, m.display); vals[a] = v; lo = Math.min(lo, v); hi = Math.max(hi, v);
      }
    });
    Object.keys(m.paths).forEach(function (a) {
      var v = vals[a];
      m.paths[a].setAttribute("fill", v === undefined ? NO_DATA :
                              ramp(hi > lo ? (v - lo) / (hi - lo) : 1));
    });
    var d = m.display;
    function say(sel, text) {   // a map whose data layer is locked has no legend
      var el = m.el.querySelector(sel);
      if (el) { el.textContent = text; }
    }
    say(".legend-min", isFinite(lo) ? nf(d.decimals).format(lo) : "");
    say(".legend-max", isFinite(hi) ? nf(d.decimals).format(hi) : "");
    say(".map-period", best ? periodLabel(best) : "");
    m.el.setAttribute("data-areas-shown", String(Object.keys(vals).length));
    m.dirty = false;
  }

  function chartClock() {
    if (!state) { return; }
    if (state.dirtyCharts) {
      var done = true;
      state.trends.forEach(function (tr) { done = drawTrend(tr) && done; });
      state.dirtyCharts = !done;
    }
    state.maps.forEach(drawMap);
    summarise();
    // what an export waits for: the snapshot applied and every chart and map drawn from it
    var drawn = state.root.hasAttribute("data-synced") && !state.dirtyCharts &&
      state.maps.every(function (m) { return !m.dirty; });
    setAttr(state.root, "data-charts-drawn", drawn ? "1" : "0");
  }

  function secondClock() {
    var clock = document.getElementById("wall-clock");
    if (clock) { setText(clock, timeFmt.format(new Date())); }
    if (!state) { return; }
    var now = Date.now();
    if (state.mode === "replay" && now - state.replayAt > 10 * 60 * 1000) {
      state.mode = "live"; paintMode();   // the replay stopped saying so: its data is not live
    }
    Object.keys(state.tiles).forEach(function (k) {
      state.tiles[k].forEach(function (t) { ageTile(t, now); });
    });
    if (state.rotateAt && now >= state.rotateAt) { nextPage(); }
  }

  /* ---- pages: a panel with more than fits shows its pages in turn ------------------------- */
  function nextPage() {
    state.rotateAt = null;
    var pages = +state.root.getAttribute("data-pages"), page = +state.root.getAttribute("data-page");
    var q = new URLSearchParams(window.location.search);
    q.set("page", String(page % pages + 1));
    q.set("rotate", "1");
    if (window.dash_clientside && window.dash_clientside.set_props) {
      window.dash_clientside.set_props("_pages_location", {search: "?" + q.toString()});
    }
  }

  /* ---- socket ------------------------------------------------------------------------ */
  function setStatus(ok, text) {
    var el = document.getElementById("conn-status");
    if (state) { state.root.classList.toggle("is-offline", !ok); }
    if (el) { el.textContent = text; el.className = "conn " + (ok ? "conn-ok" : "conn-down"); }
  }

  /* A panel's page says which room it will join (`<meta name="wall-room">`): the socket joins
     it as soon as it connects, while Dash still fetches the panel, and the snapshot is applied
     when the panel is there; if the panel turns out to be another room, it joins that one. */
  var early = null;   // {room, screen, reply (undefined until it comes), waiting}

  function screenOfPage() {
    var m = /^\/s\/([^/]+)$/.exec(window.location.pathname);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function prejoin() {
    var meta = document.querySelector("meta[name='wall-room']");
    if (!meta || state || early || !socket || !connected) { return; }
    var e = {room: meta.getAttribute("content"), screen: screenOfPage(), reply: undefined,
             held: []};   // live events that come after the snapshot, before the panel
    early = e;
    mark("wall:join");
    socket.emit("join", {panel: e.room, screen: e.screen}, function (reply) {
      mark("wall:snapshot");
      e.reply = reply || {ok: false};
      if (early === e && e.waiting) {   // the panel came first and waits for this reply
        early = null;
        if (!joined(e.room, e.reply)) { join(); }
      }
    });
  }

  function join() {
    if (!socket || !connected || !state) { return; }
    var room = state.room;
    var screen = state.root.getAttribute("data-screen") || "";
    var e = early;
    if (e) {
      if (e.room === room && e.screen === screen) {
        if (e.reply === undefined) { e.waiting = true; return; }
        early = null;
        if (joined(room, e.reply)) {   // then what came live since, in order
          e.held.forEach(function (f) { f(); });
          return;
        }
      }
      early = null;
    }
    mark("wall:join");
    socket.emit("join", {panel: room, screen: screen}, function (reply) {
      mark("wall:snapshot");
      joined(room, reply);
    });
  }

  /* Apply a join's snapshot to the panel showing `room`; false if it does not fit. */
  function joined(room, reply) {
    if (!reply || !reply.ok || !state || state.room !== room) { return false; }
    var snap = reply.snapshot;
    Object.keys(snap.history).forEach(function (k) { snap.history[k].forEach(remember); });
    snap.latest.forEach(apply);
    state.alerts = {};
    (snap.alerts || []).forEach(function (a) { state.alerts[a.id] = a; });
    drawAlerts();
    state.dirtyCharts = true;
    setTimeout(chartClock, 0);   // fill the charts now, not at the next tick of their clock
    setStatus(true, state.mode === "replay" ? L("linked") : L("live"));
    state.root.setAttribute("data-store", "up");
    state.root.setAttribute("data-synced", String(Date.now()));
    return true;
  }

  /* A live event before the panel is there, after an early join: kept for the panel. */
  function held(f) {
    if (!state && early) { early.held.push(f); }
    return !state;
  }
  function onObs(batch) {
    if (!held(function () { onObs(batch); })) { batch.forEach(apply); }
  }
  function onAlert(a) {
    if (held(function () { onAlert(a); }) || !a || !a.id) { return; }
    state.alerts = state.alerts || {};
    if (a.state === "resolved") { delete state.alerts[a.id]; } else { state.alerts[a.id] = a; }
    drawAlerts();
  }

  /* Access withdrawn (screen token revoked, account disabled, session over): show nothing. */
  function blank(kind) {
    if (socket) { socket.io.opts.reconnection = false; socket.disconnect(); }
    state = null;
    var text = {
      screen: ["Màn hình đã bị thu hồi quyền hiển thị", "This screen's access has been revoked"],
      user: ["Phiên đăng nhập đã kết thúc — hãy đăng nhập lại",
             "Your session has ended: please log in again"],
      "": ["Không còn quyền truy cập — cần đăng nhập lại hoặc mã màn hình mới",
           "Access has ended: log in again or use a new screen link"]
    }[kind || ""] || [];
    var box = document.createElement("div");
    box.className = "screen-revoked";
    box.setAttribute("data-revoked", kind || "access");
    text.forEach(function (t) {
      var p = document.createElement("p"); p.textContent = t; box.appendChild(p);
    });
    document.body.textContent = "";
    document.body.appendChild(box);
  }

  function mark(name) {   // the page's timeline, as `opswall bench screens` reads it
    if (window.performance && performance.mark) { performance.mark(name); }
  }

  function connect() {
    if (socket || !window.io) { return; }
    mark("wall:connect");
    socket = window.io({transports: ["websocket"], reconnection: true,
      reconnectionDelay: 500, reconnectionDelayMax: 5000, timeout: 8000});
    socket.on("connect", function () {
      mark("wall:connected");
      connected = true;
      if (state) { join(); } else { prejoin(); }
    });
    socket.on("disconnect", function () {
      connected = false;
      early = null;   // a new connection joins afresh
      setStatus(false, L("down"));
    });
    socket.on("connect_error", function (err) {
      connected = false;
      if (err && err.message === "unauthorized") {   // before any panel: the page says why
        if (state) { blank(""); } else { socket.io.opts.reconnection = false; socket = null; }
        return;
      }
      setStatus(false, L("down"));
    });
    socket.on("revoked", function (why) { blank(why && why.kind); });
    socket.on("obs", onObs);
    socket.on("alert", onAlert);
    socket.on("resync", join);   // the server has Redis again: a fresh snapshot, live again
    socket.on("store_down", function () {   // connected, but no data can arrive: say so
      setStatus(false, L("storeDown"));
      if (state) { state.root.setAttribute("data-store", "down"); }
    });
    socket.on("screen", function (cmd) {   // the console switched or reloaded this screen
      if (cmd.action === "reload") { window.location.reload(); return; }
      if (window.dash_clientside && window.dash_clientside.set_props) {
        window.dash_clientside.set_props("_pages_location", {search: "?v=" + cmd.version});
      } else { window.location.reload(); }
    });
  }

  function watchPanel() {
    if (state && state.root.isConnected &&
        state.root.getAttribute("data-room") === state.room) { return; }
    var root = document.querySelector("[data-panel]");
    if (!root) { state = null; return; }
    if (state && state.root === root && state.room === root.getAttribute("data-room")) { return; }
    state = buildState(root);
    if (!connected) { setStatus(false, L("wait")); }
    connect();
    join();
  }

  function boot() {
    // on a screen's page the handshake overlaps loading the panel; it joins once that is there
    if (/^\/(screen|s)\//.test(window.location.pathname)) { connect(); }
    new MutationObserver(watchPanel).observe(document.body, {childList: true, subtree: true});
    watchPanel();
    setInterval(secondClock, 1000);
    setInterval(chartClock, CHART_MS);
    window.addEventListener("resize", function () {   // a trend is drawn at its size in pixels
      if (state) { state.trends.forEach(renderTrend); }
    });
    setInterval(function () { if (!socket) { watchPanel(); } }, 500);
  }
  window.wallClient = {seriesKey: seriesKey, periodRank: periodRank, formatValue: formatValue,
                       shiftPeriod: shiftPeriod, periodLabel: periodLabel};
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", boot);
  } else { boot(); }
})();
