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
    el.style.height = "320px";
    el.style.width = "100%";
    var narrow = el.clientWidth < 420;
    var drawn = window.echarts.init(el, null, { renderer: "svg" });
    drawn.setOption({
      animation: false,
      tooltip: { trigger: "axis", confine: true },
      legend: { type: "scroll", top: 0 },
      grid: { left: 56, right: 12, top: 36, bottom: 28 },
      xAxis: { type: "category", data: chart.days.map(function (d) { return d.slice(5); }),
               axisLabel: { fontSize: narrow ? 9 : 11 } },
      yAxis: { type: "value", min: 0 },
      series: series
    });
    window.addEventListener("resize", function () { drawn.resize(); });
    el.dataset.ready = "1";
  }
  document.addEventListener("DOMContentLoaded", function () { window.fangkong.echarts().then(draw, draw); });
})();
