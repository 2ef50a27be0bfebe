// The bed board (集中资源): the Jilin city map coloured by the free beds of the chosen type, and
// the trend of free beds per city. Data: <script id="beds-map-data" type="application/json">
// ({cities: [{code, name, free, capacity}]}) and <script id="beds-trend-data">
// ({days: [...], series: [{name, points: {day: free}}]}). No inline scripts (CSP). The table on
// the page gives every figure; each chart sets data-ready="1" once drawn.
(function () {
  "use strict";
  // the legend's colours (medical.css .swatch): no beds, none free, 1-9, 10-49, 50 or more
  var NONE = "#f1f3f5", OUT = "#962d22", LOW = "#e67e22", SOME = "#f4c542", MANY = "#23784a";

  function colour(c) {
    if (!c || !c.capacity) { return NONE; }
    if (c.free <= 0) { return OUT; }
    if (c.free < 10) { return LOW; }
    if (c.free < 50) { return SOME; }
    return MANY;
  }

  function failed(el) { el.classList.add("map-failed"); el.textContent = el.dataset.error || ""; }

  function drawMap() {
    var el = document.getElementById("beds-map");
    var source = document.getElementById("beds-map-data");
    if (!el || !source) { return; }
    if (!window.echarts) { failed(el); return; }
    var byCode = {};
    JSON.parse(source.textContent).cities.forEach(function (c) { byCode[c.code] = c; });
    fetch(el.dataset.geojson, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (geo) {
        window.echarts.registerMap("jilin", geo);
        var data = geo.features.map(function (f) {
          var c = byCode[f.properties.code];
          var fill = colour(c);
          return { name: f.properties.name, value: c ? c.free : 0, city: c || null,
                   itemStyle: { areaColor: fill }, emphasis: { itemStyle: { areaColor: fill } },
                   label: { color: fill === OUT || fill === MANY ? "#fff" : "#1f2933" } };
        });
        var chart = window.echarts.init(el, null, { renderer: "svg" });
        chart.setOption({
          animation: false,
          tooltip: { trigger: "item", confine: true, formatter: function (p) {
            var c = p.data && p.data.city;
            if (!c) { return p.name; }
            return p.name + ": " + c.free + " " + (el.dataset.free || "") + " / " + c.capacity + " " + (el.dataset.beds || "");
          } },
          series: [{ type: "map", map: "jilin", roam: false, data: data, left: 6, right: 6, top: 6, bottom: 6,
                     label: { show: true, fontSize: el.clientWidth < 420 ? 10 : 11 },
                     itemStyle: { borderColor: "#fff", borderWidth: 1 },
                     select: { disabled: true }, selectedMode: false }]
        });
        window.addEventListener("resize", function () { chart.resize(); });
        el.dataset.ready = "1";
      })
      .catch(function () { failed(el); });
  }

  function drawTrend() {
    var el = document.getElementById("beds-trend");
    var source = document.getElementById("beds-trend-data");
    if (!el || !source) { return; }
    if (!window.echarts) { failed(el); return; }
    var chart = JSON.parse(source.textContent);
    var series = chart.series.map(function (s) {
      return { name: s.name, type: "line", connectNulls: false, showSymbol: false,
               data: chart.days.map(function (d) { return d in s.points ? s.points[d] : null; }) };
    });
    var narrow = el.clientWidth < 420;
    var drawn = window.echarts.init(el, null, { renderer: "svg" });
    drawn.setOption({
      animation: false,
      tooltip: { trigger: "axis", confine: true },
      legend: { type: "scroll", top: 0 },
      grid: { left: 40, right: 12, top: 36, bottom: 28 },
      xAxis: { type: "category", data: chart.days.map(function (d) { return d.slice(5); }),
               axisLabel: { fontSize: narrow ? 9 : 11 } },
      yAxis: { type: "value", minInterval: 1 },
      series: series
    });
    window.addEventListener("resize", function () { drawn.resize(); });
    el.dataset.ready = "1";
  }

  function draw() { drawMap(); drawTrend(); }
  // ECharts comes after the page has loaded (app.js: fangkong.echarts).
  document.addEventListener("DOMContentLoaded", function () { window.fangkong.echarts().then(draw, draw); });
})();
