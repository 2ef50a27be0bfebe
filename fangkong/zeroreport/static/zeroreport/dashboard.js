// The division dashboard (零报告): the chosen figure by child division (the Jilin map shaded by
// the figure on the province's page, bars below it) and its 30-day trend over the subtree.
// Data: the JSON in <script id="zr-data" type="application/json"> (json_script; no inline
// scripts: Content-Security-Policy). When a chart is drawn its element gets data-ready="1"
// (the browser tests wait for it).
// Colours: red is for risk, so only the abnormal figures (fever, missed check-ins, flagged
// travellers pending: data.alert) are drawn in red; counts are drawn in blue. A division
// without grids or without figures for the day is grey and reads "no data", never 0. Today is
// a day in progress: its point of the trend is drawn apart (dashed, hollow, labelled).
(function () {
  "use strict";
  var RED = "#c0392b";
  var BLUE = "#2c6fbb";
  var LIGHT = "#eef3f9";
  var NODATA = "#d5d9de";

  function fail(el) {
    el.classList.add("map-failed");
    el.textContent = el.dataset.error || "图表加载失败";
  }

  function watchResize(chart) {
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) { window.cancelAnimationFrame(pending); }
      pending = window.requestAnimationFrame(function () { chart.resize(); });
    });
  }

  function maxOf(values) {
    var m = 0;
    values.forEach(function (v) { if (typeof v === "number" && v > m) { m = v; } });
    return m;
  }

  function drawMap(el, data) {
    var byShort = {};
    data.children.forEach(function (c) { byShort[c.short_code] = c; });
    fetch(el.dataset.geojson, { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      })
      .then(function (geo) {
        window.echarts.registerMap("jilin", geo);
        var values = geo.features.map(function (f) {
          var c = byShort[f.properties.code];
          var item = { name: f.properties.name, code: f.properties.code, url: c ? c.url : "",
                       value: c && !c.no_data ? c[data.figure] : null };
          if (item.value === null) {
            item.noData = true;
            item.itemStyle = { areaColor: NODATA };
            item.emphasis = { itemStyle: { areaColor: NODATA } };
          }
          return item;
        });
        var chart = window.echarts.init(el, null, { renderer: "svg" });
        chart.setOption({
          animation: false,
          tooltip: { trigger: "item", confine: true, formatter: function (p) {
            var v = p.data && p.data.value;
            return p.name + "<br>" + data.figure_label + ": " +
              (v === null || v === undefined ? data.labels.no_data : v);
          } },
          visualMap: {
            min: 0, max: Math.max(1, maxOf(values.map(function (v) { return v.value; }))),
            calculable: true, orient: "horizontal", left: "center", bottom: 0, itemHeight: 90,
            inRange: { color: [LIGHT, data.alert ? RED : BLUE] },
            outOfRange: { color: NODATA }
          },
          series: [{
            type: "map", map: "jilin", roam: false, data: values,
            left: 6, right: 6, top: 6, bottom: 40,
            label: { show: true, fontSize: el.clientWidth < 420 ? 10 : 12 },
            itemStyle: { borderColor: "#fff", borderWidth: 1 },
            select: { disabled: true }, selectedMode: false
          }]
        });
        chart.on("click", function (p) {
          if (p.data && p.data.url) { window.location.href = p.data.url; }
        });
        watchResize(chart);
        el.dataset.ready = "1";
      })
      .catch(function () { fail(el); });
  }

  function drawBars(el, data) {
    var names = data.children.map(function (c) { return c.name; });
    var values = data.children.map(function (c) {
      return c.no_data ? { value: 0, noData: true, label: { formatter: data.labels.no_data, color: "#5b6673" } }
                       : c[data.figure];
    });
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", confine: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: names, inverse: true, axisLabel: { width: 96, overflow: "truncate" } },
      series: [{ type: "bar", name: data.figure_label, data: values, barMaxWidth: 28,
                 itemStyle: { color: data.alert ? RED : BLUE }, label: { show: true, position: "right" } }]
    });
    chart.on("click", function (p) {
      var c = data.children[p.dataIndex];
      if (c && c.url) { window.location.href = c.url; }
    });
    el.style.height = Math.max(260, 28 * names.length + 40) + "px";
    chart.resize();
    watchResize(chart);
    el.dataset.ready = "1";
  }

  function drawTrend(el, data) {
    var s = data.series;
    var color = data.alert ? RED : BLUE;
    var values = s.values[data.figure].slice();
    var series = [];
    var last = values.length - 1;
    if (s.in_progress && last >= 0) {
      // Whole days solid; today, the day so far, dashed from yesterday with a hollow point
      // and the time it covers, so that a morning is not read as a fall.
      var today = values.map(function (v, i) { return i >= last - 1 ? v : null; });
      values[last] = null;
      series.push({ type: "line", name: data.figure_label, data: values, connectNulls: false,
                    symbolSize: 5, itemStyle: { color: color } });
      series.push({ type: "line", name: data.labels.in_progress, data: today, connectNulls: false,
                    symbol: "emptyCircle", symbolSize: 8, itemStyle: { color: color },
                    lineStyle: { type: "dashed", color: color, opacity: 0.8 },
                    label: { show: true, position: "top", align: "right",
                             formatter: function (p) {
                               return p.dataIndex === last ? data.labels.in_progress : "";
                             } } });
      el.dataset.inProgress = "1";
    } else {
      series.push({ type: "line", name: data.figure_label, data: values, connectNulls: false,
                    symbolSize: 5, itemStyle: { color: color } });
    }
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", confine: true },
      xAxis: { type: "category", data: s.days.map(function (d) { return d.slice(5); }) },
      yAxis: { type: "value", minInterval: 1 },
      series: series
    });
    watchResize(chart);
    el.dataset.ready = "1";
  }

  function draw() {
    var source = document.getElementById("zr-data");
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var byChild = document.getElementById("zr-by-child");
    var trend = document.getElementById("zr-trend");
    if (!window.echarts) {
      if (byChild) { fail(byChild); }
      if (trend) { fail(trend); }
      return;
    }
    if (byChild) {
      try {
        if (byChild.dataset.kind === "map") { drawMap(byChild, data); } else { drawBars(byChild, data); }
      } catch (e) { fail(byChild); }
    }
    if (trend) {
      try { drawTrend(trend, data); } catch (e) { fail(trend); }
    }
  }
  // ECharts comes after the page has loaded (app.js: fangkong.echarts); without it, draw()
  // says the charts could not be drawn.
  document.addEventListener("DOMContentLoaded", function () { window.fangkong.echarts().then(draw, draw); });
})();
