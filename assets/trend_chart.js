/* Trend charts as plain SVG (layouts/tiles/trend.py): series lines, the first series' forecast
 * band and its National Assembly target bands, axes with vi-VN numbers. Text is sized from the
 * chart's CSS font-size, so it scales with the screen (4K wall or 1920×1080 meeting room).
 * wall.js calls window.wallTrend.draw(holder, spec) whenever what a chart shows changes;
 * a draw replaces the holder's SVG whole (a few milliseconds at 4K, against 0.1–0.3 s for a
 * Plotly redraw). Times are UTC milliseconds of each period's middle. */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var GRID = "rgba(159,179,200,0.18)", MUTED = "#9fb3c8", TARGET = "#f2c14e";
  var YEAR_MS = 365.25 * 864e5;
  var MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                   "Dec"];
  var numberFormats = {};

  function node(name, attrs, parent, text) {
    var e = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) {
      if (attrs[k] !== undefined && attrs[k] !== null) { e.setAttribute(k, attrs[k]); }
    });
    if (text !== undefined) { e.textContent = text; }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function fmt(v, decimals) {
    var f = numberFormats[decimals] || (numberFormats[decimals] = new Intl.NumberFormat(
      "vi-VN", {minimumFractionDigits: decimals, maximumFractionDigits: decimals}));
    return f.format(v);
  }
  function decimalsOf(step) {
    for (var d = 0; d < 6; d++) {
      var k = step * Math.pow(10, d);
      if (Math.abs(k - Math.round(k)) < 1e-6 * Math.max(1, k)) { return d; }
    }
    return 6;
  }
  function niceStep(span, count) {   // 1, 2, 2.5 or 5 times a power of ten
    var raw = span / Math.max(1, count), mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
  }
  function valueTicks(lo, hi, count) {
    var step = niceStep(hi - lo, count), ticks = [];
    for (var v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
      ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    }
    return {ticks: ticks, decimals: decimalsOf(step)};
  }
  function timeTicks(lo, hi, count, lang) {   // whole years, or months for spans under a year
    var out = [], years = (hi - lo) / YEAR_MS, s, step, i;
    if (years >= 1) {
      var ysteps = [1, 2, 5, 10, 20, 50];
      for (s = 0; s < ysteps.length - 1 && years / ysteps[s] > count; s++) { /* next */ }
      step = ysteps[s];
      for (i = Math.ceil(new Date(lo).getUTCFullYear() / step) * step; Date.UTC(i, 0, 1) <= hi;
           i += step) {
        if (Date.UTC(i, 0, 1) >= lo) { out.push({t: Date.UTC(i, 0, 1), label: String(i)}); }
      }
      return out;
    }
    var msteps = [1, 2, 3, 6, 12], months = years * 12;
    for (s = 0; s < msteps.length - 1 && months / msteps[s] > count; s++) { /* next */ }
    step = msteps[s];
    var first = new Date(lo), m = first.getUTCFullYear() * 12 + first.getUTCMonth();
    for (m = Math.ceil(m / step) * step; Date.UTC(Math.floor(m / 12), m % 12, 1) <= hi; m += step) {
      var t = Date.UTC(Math.floor(m / 12), m % 12, 1), y = Math.floor(m / 12), mo = m % 12;
      if (t >= lo) {
        out.push({t: t, label: lang === "en" ? MONTHS_EN[mo] + " " + y : "T" + (mo + 1) + "/" + y});
      }
    }
    return out;
  }

  function extent(spec) {   // every time and value drawn: lines, forecast, visible targets
    var ts = [], vs = [];
    spec.series.forEach(function (s) {
      s.xs.forEach(function (t, i) { if (s.ys[i] !== null) { ts.push(t); vs.push(s.ys[i]); } });
    });
    var fc = spec.forecast;
    if (fc) {
      fc.band95.forEach(function (p) { ts.push(p[0]); vs.push(p[1], p[2]); });
      fc.mean.forEach(function (p) { ts.push(p[0]); vs.push(p[1]); });
    }
    spec.targets.forEach(function (tg) {
      ts.push(Date.UTC(tg.year, 0, 1), Date.UTC(tg.year, 11, 31)); vs.push(tg.low, tg.high);
    });
    if (!ts.length) { return null; }
    var t0 = Math.min.apply(null, ts), t1 = Math.max.apply(null, ts);
    var v0 = Math.min.apply(null, vs), v1 = Math.max.apply(null, vs);
    var tp = t1 > t0 ? (t1 - t0) * 0.02 : YEAR_MS / 2;
    var vp = v1 > v0 ? (v1 - v0) * 0.06 : Math.abs(v0) * 0.1 || 1;
    return {t0: t0 - tp, t1: t1 + tp, v0: v0 - vp, v1: v1 + vp};
  }

  function linePath(xs, ys, X, Y) {   // a gap where a value is missing
    var d = "", pen = false;
    xs.forEach(function (t, i) {
      if (ys[i] === null || ys[i] === undefined) { pen = false; return; }
      d += (pen ? "L" : "M") + X(t).toFixed(1) + " " + Y(ys[i]).toFixed(1);
      pen = true;
    });
    return d;
  }
  function lonePoints(xs, ys) {   // values with no neighbour to draw a line to
    function has(i) { return i >= 0 && i < ys.length && ys[i] !== null && ys[i] !== undefined; }
    var out = [];
    xs.forEach(function (t, i) { if (has(i) && !has(i - 1) && !has(i + 1)) { out.push([t, ys[i]]); } });
    return out;
  }
  function rgba(hex, alpha) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  function legend(svg, spec, w, fs) {   // right-aligned rows of swatch and name
    if (spec.series.length < 2) { return 0; }
    var rows = [[]], width = 0, max = w - fs;
    spec.series.forEach(function (s) {
      var g = node("g", {"class": "trend-legend"}, svg);
      node("line", {x1: 0, x2: 1.4 * fs, y1: 0, y2: 0, stroke: s.colour,
                    "stroke-width": Math.max(2, 0.2 * fs)}, g);
      var text = node("text", {x: 1.8 * fs, y: 0, "dominant-baseline": "central", fill: "#e8eef6"},
                      g, s.name);
      var iw = 1.8 * fs + text.getComputedTextLength() + 1.2 * fs;
      if (width + iw > max && rows[rows.length - 1].length) { rows.push([]); width = 0; }
      rows[rows.length - 1].push({g: g, w: iw});
      width += iw;
    });
    rows.forEach(function (row, r) {
      var x = w - row.reduce(function (a, it) { return a + it.w; }, 0) + 0.6 * fs;
      row.forEach(function (it) {
        it.g.setAttribute("transform", "translate(" + x.toFixed(1) + "," +
                          ((r + 0.75) * 1.5 * fs).toFixed(1) + ")");
        x += it.w;
      });
    });
    return rows.length * 1.5 * fs + 0.4 * fs;
  }

  function draw(holder, spec) {
    var w = holder.clientWidth, h = holder.clientHeight;
    if (!w || !h) { return false; }
    var fs = parseFloat(window.getComputedStyle(holder).fontSize) || 16;
    var svg = node("svg", {"class": "trend-svg", width: w, height: h,
                           viewBox: "0 0 " + w + " " + h, "font-size": fs.toFixed(1)});
    var old = holder.querySelector("svg.trend-svg");
    holder.appendChild(svg);   // in the document: text can be measured
    if (old) { holder.removeChild(old); }
    var top = legend(svg, spec, w, fs) || 0.8 * fs;
    var ext = extent(spec);
    if (!ext) {
      node("text", {x: w / 2, y: h / 2, "text-anchor": "middle", "dominant-baseline": "central",
                    fill: MUTED, "class": "trend-empty"}, svg, spec.empty);
      return true;
    }
    var vt = valueTicks(ext.v0, ext.v1, Math.max(2, Math.round((h - top) / (3.2 * fs))));
    var labels = node("g", {fill: MUTED, "text-anchor": "end", "dominant-baseline": "central"},
                      svg);
    var left = 0;
    var yLabels = vt.ticks.map(function (v) {
      var t = node("text", {x: 0, y: 0}, labels, fmt(v, vt.decimals));
      left = Math.max(left, t.getComputedTextLength());
      return t;
    });
    left += 0.7 * fs;
    var right = w - 0.8 * fs, bottom = h - 1.8 * fs;
    function X(t) { return left + (t - ext.t0) / (ext.t1 - ext.t0) * (right - left); }
    function Y(v) { return bottom - (v - ext.v0) / (ext.v1 - ext.v0) * (bottom - top); }
    var grid = node("g", {stroke: GRID, "stroke-width": 1}, svg);
    svg.insertBefore(grid, labels);
    vt.ticks.forEach(function (v, i) {
      node("line", {x1: left, x2: right, y1: Y(v).toFixed(1), y2: Y(v).toFixed(1)}, grid);
      yLabels[i].setAttribute("x", (left - 0.4 * fs).toFixed(1));
      yLabels[i].setAttribute("y", Y(v).toFixed(1));
    });
    var xt = timeTicks(ext.t0, ext.t1, Math.max(2, Math.floor((right - left) / (6 * fs))),
                       spec.lang);
    var xl = node("g", {"class": "trend-xticks", fill: MUTED, "text-anchor": "middle"}, svg);
    xt.forEach(function (tick) {
      var x = X(tick.t);
      node("line", {x1: x.toFixed(1), x2: x.toFixed(1), y1: top, y2: bottom}, grid);
      var t = node("text", {x: x.toFixed(1), y: (h - 0.45 * fs).toFixed(1)}, xl, tick.label);
      var half = t.getComputedTextLength() / 2;
      if (x + half > w) { t.setAttribute("text-anchor", "end"); t.setAttribute("x", w); }
    });
    spec.targets.forEach(function (tg) {   // a year's band, across that year only
      var x0 = X(Date.UTC(tg.year, 0, 1)), x1 = X(Date.UTC(tg.year, 11, 31));
      var y0 = Y(tg.high), y1 = Y(tg.low), thin = Math.max(3, 0.25 * fs);
      if (y1 - y0 < thin) { y0 = (y0 + y1 - thin) / 2; y1 = y0 + thin; }
      node("rect", {"class": "trend-target", "data-year": tg.year, x: x0.toFixed(1),
                    y: y0.toFixed(1), width: (x1 - x0).toFixed(1), height: (y1 - y0).toFixed(1),
                    fill: TARGET, "fill-opacity": 0.28}, svg);
    });
    var fc = spec.forecast;
    if (fc) {
      [["95", fc.band95, 0.12], ["80", fc.band80, 0.22]].forEach(function (b) {
        var pts = b[1].map(function (p) { return X(p[0]).toFixed(1) + "," + Y(p[2]).toFixed(1); })
          .concat(b[1].slice().reverse().map(function (p) {
            return X(p[0]).toFixed(1) + "," + Y(p[1]).toFixed(1); }));
        node("polygon", {"class": "trend-fc-band", "data-level": b[0], points: pts.join(" "),
                         fill: rgba(fc.colour, b[2])}, svg);
      });
    }
    var width = Math.max(2, 0.2 * fs);
    spec.series.forEach(function (s) {
      node("path", {"class": "trend-line", "data-key": s.key, d: linePath(s.xs, s.ys, X, Y),
                    fill: "none", stroke: s.colour, "stroke-width": width.toFixed(1),
                    "stroke-linejoin": "round", "stroke-linecap": "round"}, svg);
      lonePoints(s.xs, s.ys).forEach(function (p) {
        node("circle", {cx: X(p[0]).toFixed(1), cy: Y(p[1]).toFixed(1), r: (1.5 * width).toFixed(1),
                        fill: s.colour}, svg);
      });
    });
    if (fc && fc.mean.length) {
      node("path", {"class": "trend-fc-mean", "data-n": fc.mean.length, fill: "none",
                    d: linePath(fc.mean.map(function (p) { return p[0]; }),
                                fc.mean.map(function (p) { return p[1]; }), X, Y),
                    stroke: fc.colour, "stroke-width": (0.8 * width).toFixed(1),
                    "stroke-dasharray": (0.6 * fs).toFixed(1) + " " + (0.4 * fs).toFixed(1)},
           svg);
      var at = fc.mean[fc.labelAt || 0];
      // under the line: a target's label is above its band, often at the same place
      node("text", {"class": "trend-fc-label", x: X(at[0]).toFixed(1),
                    y: (Y(at[1]) + 0.9 * fs).toFixed(1), "text-anchor": "middle",
                    "dominant-baseline": "hanging", fill: fc.colour}, svg, fc.label);
    }
    spec.targets.forEach(function (tg) {   // its label above the band, kept inside the chart
      var x = Math.max(left, X(Date.UTC(tg.year, 0, 1)));
      var t = node("text", {"class": "trend-target-label", x: x.toFixed(1),
                            y: Math.max(top + fs, Y(tg.high) - 0.4 * fs).toFixed(1),
                            fill: TARGET, "font-size": (1.05 * fs).toFixed(1)}, svg, tg.label);
      var over = x + t.getComputedTextLength() - right;
      if (over > 0) { t.setAttribute("x", Math.max(left, x - over).toFixed(1)); }
    });
    return true;
  }

  window.wallTrend = {draw: draw, valueTicks: valueTicks, timeTicks: timeTicks};
})();
