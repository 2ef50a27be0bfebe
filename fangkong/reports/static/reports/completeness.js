// Completeness of the daily reports: the submitted share per level over 30 days. Data:
// <script id="reports-trend-data" type="application/json"> ({days: [...], series: [{name,
// points: {day: percent}}]}). No inline scripts (CSP). The table on the page gives the day's
// figures; the chart sets data-ready="1" once drawn.
(function () {
  "use strict";
  function failed(el) { el.classList.add("map-failed"); el.textContent = el.dataset.error || ""; }

  function draw() {
    var el = document.getElementById("reports-trend");
    var source = document.getElementById("reports-trend-data");
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
      yAxis: { type: "value", min: 0, max: 100 },
      series: series
    });
    window.addEventListener("resize", function () { drawn.resize(); });
    el.dataset.ready = "1";
  }
  // ECharts comes after the page has loaded (app.js: fangkong.echarts).
  document.addEventListener("DOMContentLoaded", function () { window.fangkong.echarts().then(draw, draw); });
})();
