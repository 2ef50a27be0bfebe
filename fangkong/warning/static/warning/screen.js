// The command screen (指挥大屏): draws the map (or the tiles of the child divisions), the
// epidemic curve and Rt from <script id="screen-data" type="application/json"> (what
// GET /api/warning/screen returns), and on the wall page (data-refresh on #screen) fetches the
// same data again every data-refresh seconds and redraws every panel. No inline scripts
// (Content-Security-Policy). Each chart sets data-ready="1" once drawn, or the class map-failed.
(function () {
  "use strict";
  var GRADE = ["#d5d9de", "#23784a", "#f0a04b", "#b03427"];
  var GRADE_DARK = ["#2a3a4e", "#23784a", "#f0a04b", "#b03427"];
  var LOW = [253, 226, 196];
  var HIGH = [176, 52, 39];

  var root, data, dark, charts = {}, geoLoaded = null;

  function $(id) { return document.getElementById(id); }
  function text(el, value) { if (el) { el.textContent = value; } }
  function el(tag, cls, content) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (content !== undefined && content !== null) { node.textContent = content; }
    return node;
  }
  function fixed(v) { return v === null || v === undefined ? "—" : Number(v).toFixed(2); }
  function failed(node) { node.classList.add("map-failed"); node.textContent = node.dataset.error || ""; }
  function theme() {
    return dark ? { text: "#c4d3e3", axis: "#3b5a80", split: "#1d3350", font: 15 }
                : { text: "#1f2933", axis: "#b8c0c8", split: "#e3e7ec", font: 12 };
  }
  function chartOf(node) {
    if (!charts[node.id]) { charts[node.id] = window.echarts.init(node, null, { renderer: "svg" }); }
    return charts[node.id];
  }

  // --- shading ---------------------------------------------------------------------------------
  function shade(value, max) {
    if (!value) { return dark ? GRADE_DARK[0] : GRADE[0]; }
    var t = max > 0 ? Math.min(1, value / max) : 1;
    t = 0.15 + 0.85 * t;
    var c = LOW.map(function (lo, i) { return Math.round(lo + (HIGH[i] - lo) * t); });
    return "rgb(" + c.join(",") + ")";
  }
  // The text colour (white or near-black) with the higher WCAG contrast on ``colour``.
  function ink(colour) {
    var m = colour.match(/\d+/g);
    if (colour.charAt(0) === "#") {
      m = [1, 3, 5].map(function (i) { return parseInt(colour.substr(i, 2), 16); });
    }
    var lum = m.slice(0, 3).map(function (v) {
      var c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    var l = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2];
    return 1.05 / (l + 0.05) >= (l + 0.05) / 0.0556 ? "#fff" : "#111";
  }
  function shading() {
    var key = ($("shade-by") || {}).value || "risk";
    var kids = data.map.children;
    var max = 0;
    kids.forEach(function (c) { if (key !== "risk") { max = Math.max(max, c.values[key] || 0); } });
    return kids.map(function (c) {
      var colour = key === "risk" ? (dark ? GRADE_DARK : GRADE)[c.grade] : shade(c.values[key] || 0, max);
      var label = key === "risk" ? c.grade_label : String(c.values[key] || 0);
      return { child: c, colour: colour, label: label, value: key === "risk" ? c.grade : (c.values[key] || 0) };
    });
  }

  function drawTiles() {
    var list = $("screen-tiles");
    if (!list) { return; }
    var query = root.dataset.day ? "&day=" + root.dataset.day : "";
    var rows = shading();
    list.textContent = "";
    rows.forEach(function (r) {
      var li = el("li");
      li.dataset.id = r.child.id;
      var a = el("a");
      a.href = "?division=" + r.child.id + query;
      a.style.background = r.colour;
      a.style.color = ink(r.colour);
      a.appendChild(el("span", "tile-name", r.child.name));
      a.appendChild(document.createTextNode(" "));
      a.appendChild(el("span", "tile-value", r.label));
      li.appendChild(a);
      list.appendChild(li);
    });
  }

  function drawGeo() {
    var node = $("screen-map");
    if (!node) { return; }
    if (!geoLoaded) {
      geoLoaded = fetch(node.dataset.geojson, { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
        .then(function (geo) { window.echarts.registerMap("jilin", geo); return geo; });
    }
    geoLoaded.then(function (geo) {
      var byCode = {};
      var key = ($("shade-by") || {}).value || "risk";
      shading().forEach(function (r) { byCode[r.child.code] = r; });
      var t = theme();
      var items = geo.features.map(function (f) {
        var r = byCode[f.properties.code];
        var colour = r ? r.colour : (dark ? GRADE_DARK[0] : GRADE[0]);
        // shaded by an indicator, the map names each city's value too (not only by colour)
        var shown = r && key !== "risk" ? f.properties.name + "\n" + r.label : f.properties.name;
        return { name: f.properties.name, value: r ? r.value : 0,
                 label: { color: ink(colour), formatter: shown },
                 tip: r ? r.child.name + ": " + r.label : f.properties.name,
                 itemStyle: { areaColor: colour }, emphasis: { itemStyle: { areaColor: colour } } };
      });
      var chart = chartOf(node);
      chart.setOption({
        animation: false,
        tooltip: { trigger: "item", confine: true, formatter: function (p) { return (p.data && p.data.tip) || p.name; } },
        series: [{ type: "map", map: "jilin", roam: false, data: items, left: 4, right: 4, top: 4, bottom: 4,
                   label: { show: true, fontSize: dark ? 16 : 11, fontWeight: "bold" },
                   itemStyle: { borderColor: dark ? "#0b1622" : "#fff", borderWidth: 1 },
                   select: { disabled: true }, selectedMode: false }]
      }, true);
      node.dataset.ready = "1";
    }).catch(function () { failed(node); });
  }

  // --- the epidemic curve ------------------------------------------------------------------------
  function drawCurve() {
    var node = $("curve-chart");
    var curve = data.curve;
    var basisSelect = $("curve-basis");
    if (!node) { return; }
    var empty = !curve.days.length;
    node.hidden = empty;
    if ($("curve-empty")) { $("curve-empty").hidden = !empty; }
    if (empty) { node.dataset.ready = "1"; return; }
    var basis = basisSelect ? basisSelect.value : "onset";
    if (!curve[basis]) { basis = curve.onset ? "onset" : "report"; }
    if (basisSelect) {
      basisSelect.value = basis;
      basisSelect.options[0].disabled = !curve.onset;
      basisSelect.options[1].disabled = !curve.report;
    }
    var series = curve[basis];
    text($("curve-caption"), series.title + " · " + series.source_label);
    var range = ($("curve-range") || {}).value || "60";
    var from = range === "all" ? 0 : Math.max(0, curve.days.length - Number(range));
    var t = theme();
    var chart = chartOf(node);
    chart.setOption({
      animation: false,
      textStyle: { color: t.text, fontSize: t.font },
      tooltip: { trigger: "axis", confine: true },
      legend: { top: 0, textStyle: { color: t.text, fontSize: t.font } },
      grid: { left: 44, right: 12, top: 30, bottom: 26 },
      xAxis: { type: "category", data: curve.days.slice(from).map(function (d) { return d.slice(5); }),
               axisLine: { lineStyle: { color: t.axis } }, axisLabel: { color: t.text, fontSize: t.font } },
      yAxis: { type: "value", min: 0, minInterval: 1, splitLine: { lineStyle: { color: t.split } },
               axisLabel: { color: t.text, fontSize: t.font } },
      series: [
        { name: node.dataset.local, type: "bar", stack: "cases", barCategoryGap: "15%",
          itemStyle: { color: dark ? "#ff6b5b" : "#c0392b" }, data: series.local.slice(from) },
        { name: node.dataset.imported, type: "bar", stack: "cases",
          itemStyle: { color: dark ? "#ffc06b" : "#e39a3b" }, data: series.imported.slice(from) }
      ]
    }, true);
    node.dataset.ready = "1";
  }

  // --- Rt with its credible interval -------------------------------------------------------------
  function drawRt() {
    var node = $("rt-chart");
    var rt = data.rt;
    if (!node) { return; }
    var has = !!rt.latest;
    node.hidden = !has;
    if ($("rt-empty")) { $("rt-empty").hidden = has; }
    if (!has) { node.dataset.ready = "1"; return; }
    var from = Math.max(0, rt.dates.length - 120);
    var lower = rt.lower.slice(from);
    var upper = rt.upper.slice(from);
    // early windows have wide intervals: the axis is scaled to the last four weeks' upper
    // bounds (at least 3), so that the recent estimates around 1 stay readable; what lies above
    // is clipped
    var top = 3;
    rt.upper.slice(-28).forEach(function (v) { if (v !== null && v > top) { top = v; } });
    var band = upper.map(function (u, i) { return u === null || lower[i] === null ? "-" : +(u - lower[i]).toFixed(3); });
    var t = theme();
    var chart = chartOf(node);
    chart.setOption({
      animation: false,
      textStyle: { color: t.text, fontSize: t.font },
      tooltip: { trigger: "axis", confine: true, formatter: function (items) {
        var i = items[0].dataIndex;
        return rt.dates[from + i] + "<br>Rt " + fixed(rt.mean[from + i]) + " (" + fixed(rt.lower[from + i]) + "–" + fixed(rt.upper[from + i]) + ")";
      } },
      grid: { left: 40, right: 12, top: 12, bottom: 26 },
      xAxis: { type: "category", data: rt.dates.slice(from).map(function (d) { return d.slice(5); }),
               axisLine: { lineStyle: { color: t.axis } }, axisLabel: { color: t.text, fontSize: t.font } },
      yAxis: { type: "value", min: 0, max: top <= 3 ? 3 : top <= 4 ? 4 : top <= 6 ? 6 : Math.ceil(top / 5) * 5,
               splitLine: { lineStyle: { color: t.split } }, axisLabel: { color: t.text, fontSize: t.font } },
      series: [
        { name: "lower", type: "line", stack: "band", symbol: "none", lineStyle: { opacity: 0 },
          data: lower.map(function (v) { return v === null ? "-" : v; }) },
        { name: node.dataset.band, type: "line", stack: "band", symbol: "none", lineStyle: { opacity: 0 },
          areaStyle: { color: dark ? "rgba(140,196,255,0.30)" : "rgba(31,95,168,0.22)" }, data: band },
        { name: node.dataset.mean, type: "line", symbol: "none", lineStyle: { width: dark ? 3 : 2, color: dark ? "#8cc4ff" : "#1f5fa8" },
          data: rt.mean.slice(from).map(function (v) { return v === null ? "-" : v; }),
          markLine: { silent: true, symbol: "none", label: { show: false },
                      lineStyle: { color: dark ? "#ff8f80" : "#c0392b", type: "dashed" }, data: [{ yAxis: 1 }] } }
      ]
    }, true);
    node.dataset.ready = "1";
  }

  function drawCharts() {
    if (!window.echarts) {
      ["screen-map", "curve-chart", "rt-chart"].forEach(function (id) { if ($(id)) { failed($(id)); } });
      return;
    }
    drawGeo();
    drawCurve();
    drawRt();
  }

  // --- the panels, drawn again after a refresh ----------------------------------------------------
  function renderFigures() {
    data.figures.forEach(function (f) {
      var li = document.querySelector(".fig[data-key='" + f.key + "']");
      if (!li) { return; }
      li.classList.toggle("worse", !!f.worse);
      li.classList.toggle("better", !f.worse && f.change !== 0 && f.change !== null);
      text(li.querySelector(".fig-value"), String(f.value));
      var change = li.querySelector(".fig-change");
      if (change && change.firstChild) {
        change.firstChild.textContent = (f.change === null ? "—" : f.change > 0 ? "▲ +" + f.change : f.change < 0 ? "▼ " + f.change : "= 0") + " ";
      }
      text(li.querySelector(".fig-source"), f.source_label + (f.other ? " · " + f.other.source_label + " " + f.other.value : ""));
    });
  }
  function renderRows(list, items, line, none) {
    if (!list) { return; }
    list.textContent = "";
    if (!items.length) { list.appendChild(el("li", "muted", none)); return; }
    items.forEach(function (item) { list.appendChild(line(item)); });
  }
  function renderPanels() {
    renderFigures();
    text($("alerts-count"), String(data.alerts.count));
    var alerts = $("screen-alerts");
    var noAlerts = alerts && alerts.querySelector("li.muted") ? alerts.querySelector("li.muted").textContent : "";
    renderRows(alerts, data.alerts.items, function (a) {
      var li = el("li"), link = el("a");
      link.href = a.url;
      link.appendChild(el("span", "row-main", a.division + " · " + a.indicator));
      link.appendChild(document.createTextNode(" "));
      link.appendChild(el("span", "row-side", a.method + " · " + a.start.slice(5) + "–" + a.end.slice(5) + " · " + a.peak));
      li.appendChild(link);
      return li;
    }, noAlerts || "—");
    text($("supplies-count"), String(data.supplies.count));
    var supplies = $("screen-supplies");
    var noSupplies = supplies && supplies.querySelector("li.muted") ? supplies.querySelector("li.muted").textContent : "";
    renderRows(supplies, data.supplies.items, function (s) {
      var li = el("li");
      li.appendChild(el("span", "row-main", s.title));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", "row-side", s.since.slice(5)));
      return li;
    }, noSupplies || "—");
    var beds = document.querySelectorAll("#screen-beds tbody tr");
    data.beds.types.forEach(function (b, i) {
      if (!beds[i]) { return; }
      var cells = beds[i].querySelectorAll("td");
      text(cells[1], String(b.free));
      text(cells[2], String(b.capacity));
    });
    var box = $("screen-reports");
    if (box) { text(box.querySelector(".big"), data.reports.rate === null ? "—" : data.reports.rate + "%"); }
    var kids = document.querySelector("#rt-children tbody");
    if (kids && data.rt.children.length) {
      kids.textContent = "";
      data.rt.children.forEach(function (k) {
        var tr = el("tr", k.lower > 1 ? "worse" : (k.upper !== null && k.upper < 1 ? "better" : ""));
        tr.appendChild(el("td", "", k.name));
        tr.appendChild(el("td", "num", fixed(k.mean)));
        tr.appendChild(el("td", "num", fixed(k.lower) + "–" + fixed(k.upper)));
        kids.appendChild(tr);
      });
    }
    var now = $("rt-now");
    if (now) {
      now.textContent = "";
      if (data.rt.latest) {
        now.appendChild(document.createTextNode(fixed(data.rt.latest.mean) + " "));
        now.appendChild(el("small", "", "(" + fixed(data.rt.latest.lower) + "–" + fixed(data.rt.latest.upper) + ")"));
      }
    }
    var updated = $("screen-updated");
    if (updated) {
      var words = updated.textContent.replace(/\s*\d\d:\d\d\s*$/, "");
      updated.textContent = words + " " + data.generated_at.slice(11, 16);
    }
    text($("screen-day"), data.day);
  }

  function refresh() {
    var url = root.dataset.api + "?division=" + encodeURIComponent(root.dataset.division) +
      (root.dataset.day ? "&day=" + encodeURIComponent(root.dataset.day) : "");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (fresh) {
        data = fresh;
        renderPanels();
        drawTiles();
        if (window.echarts) { drawCharts(); }
        root.dataset.refreshed = String(Number(root.dataset.refreshed || 0) + 1);
      })
      .catch(function () { root.classList.add("stale"); });
  }

  function start() {
    root = $("screen");
    var source = $("screen-data");
    if (!root || !source) { return; }
    data = JSON.parse(source.textContent);
    dark = root.dataset.theme === "dark";
    var shadeBy = $("shade-by");
    // no county graded that day (the imported 2020 series has no grades): shade by new local
    // cases instead of an all-grey map
    var kids = data.map.children;
    if (shadeBy && kids.every(function (c) { return !c.grade; }) &&
        kids.some(function (c) { return c.values.confirmed_local; })) {
      shadeBy.value = "confirmed_local";
    }
    drawTiles();
    if (shadeBy) { shadeBy.addEventListener("change", function () { drawTiles(); if (window.echarts) { drawGeo(); } }); }
    ["curve-basis", "curve-range"].forEach(function (id) {
      if ($(id)) { $(id).addEventListener("change", function () { if (window.echarts) { drawCurve(); } }); }
    });
    window.fangkong.echarts().then(drawCharts, drawCharts);
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) { window.cancelAnimationFrame(pending); }
      pending = window.requestAnimationFrame(function () {
        Object.keys(charts).forEach(function (k) { charts[k].resize(); });
      });
    });
    var every = Number(root.dataset.refresh || 0);
    if (every > 0) { window.setInterval(refresh, every * 1000); }
    window.fangkong.screenRefresh = refresh;  // the browser tests call it instead of waiting
  }
  document.addEventListener("DOMContentLoaded", start);
})();
