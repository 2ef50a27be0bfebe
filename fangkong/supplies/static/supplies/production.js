// Production: planned versus actual per item and day. Data: <script id="production-chart-data"
// type="application/json"> ({days: [...], labels: {planned, actual}, items: [{name, planned:
// {day: n}, actual: {day: n}}]}). No inline scripts (CSP). The tables on the page give the
// figures; the chart sets data-ready="1" once drawn.
(function () {
  "use strict";
  function failed(el) { el.classList.add("map-failed"); el.textContent = el.dataset.error || ""; }

  function draw() {
    var el = document.getElementById("production-chart");
    var source = document.getElementById("production-chart-data");
    if (!el || !source) { return; }
    if (!window.echarts) { failed(el); return; }
    var chart = JSON.parse(source.textContent);
    var series = [];
    chart.items.forEach(function (item) {
      series.push({ name: item.name + " · " + chart.labels.planned, type: "line", step: "middle",
                    showSymbol: false, lineStyle: { type: "dashed" },
                    data: chart.days.map(function (d) { return d in item.planned ? item.planned[d] : 0; }) });
      series.push({ name: item.name + " · " + chart.labels.actual, type: "bar",
                    data: chart.days.map(function (d) { return d in item.actual ? item.actual[d] : null; }) });
    });
    window.fangkong.dayChart(el, chart.days, series, 56);
  }
  document.addEventListener("DOMContentLoaded", function () { window.fangkong.echarts().then(draw, draw); });
})();
