// Early warning: one daily series with the upper bound of a method and the alarm days marked.
// Data: <script id="warning-chart-data" type="application/json"> ({days: [...], values: [...],
// observed: [...], upper: [...], method, method_label, indicator_label, alarm_label, alarms: [{day, method,
// observed, threshold}]}). No inline scripts (CSP). The tables on the page give the figures; the
// chart sets data-ready="1" once drawn.
(function () {
  "use strict";
  function failed(el) { el.classList.add("map-failed"); el.textContent = el.dataset.error || ""; }

  function draw() {
    var el = document.getElementById("warning-chart");
    var source = document.getElementById("warning-chart-data");
    if (!el || !source) { return; }
    if (!window.echarts) { failed(el); return; }
    var chart = JSON.parse(source.textContent);
    var own = {};
    chart.alarms.forEach(function (a) { if (a.method === chart.method) { own[a.day] = a; } });
    var sevenDay = chart.method === "MPM";
    var marks = chart.days.map(function (d, i) {
      return own[d] ? (sevenDay ? chart.observed[i] : chart.values[i]) : null;
    });
    var series = [
      { name: chart.indicator_label, type: "bar", data: chart.values, itemStyle: { color: "#5470c6" } },
      { name: chart.method_label, type: "line", step: "middle", showSymbol: false, connectNulls: false,
        lineStyle: { type: "dashed", color: "#c23531" }, itemStyle: { color: "#c23531" }, data: chart.upper },
      { name: chart.alarm_label, type: "scatter", symbol: "triangle", symbolSize: 12, itemStyle: { color: "#c23531" },
        data: marks }
    ];
    if (sevenDay) {
      series.splice(1, 0, { name: chart.method_label + " · 7d", type: "line", showSymbol: false,
                            data: chart.observed, lineStyle: { color: "#91cc75" } });
    }
    window.fangkong.dayChart(el, chart.days, series, 48);
  }
  document.addEventListener("DOMContentLoaded", function () { window.fangkong.echarts().then(draw, draw); });
})();
