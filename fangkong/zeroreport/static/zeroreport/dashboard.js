// The division dashboard (零报告): the chosen figure by child division (the Jilin map shaded by
// the figure on the province's page, bars below it) and its 30-day trend over the subtree.
// Data: the JSON in <script id="zr-data" type="application/json"> (json_script; no inline
// scripts: Content-Security-Policy). When a chart is drawn its element gets data-ready="1"
// (the browser tests wait for it).
(function () {
  "use strict";
  var RED = "#c0392b";
  var BLUE = "#2c6fbb";

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
          return { name: f.properties.name, code: f.properties.code, url: c ? c.url : "",
                   value: c ? c[data.figure] : null };
        });
        var chart = window.echarts.init(el, null, { renderer: "svg" });
        chart.setOption({
          animation: false,
          tooltip: { trigger: "item", confine: true, formatter: function (p) {
            var v = p.data && p.data.value;
            return p.name + "<br>" + data.figure_label + ": " + (v === null || v === undefined ? "–" : v);
          } },
          visualMap: {
            min: 0, max: Math.max(1, maxOf(values.map(function (v) { return v.value; }))),
            calculable: true, orient: "horizontal", left: "center", bottom: 0, itemHeight: 90,
            inRange: { color: ["#fbeeec", data.alert ? RED : BLUE] }
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
    var values = data.children.map(function (c) { return c[data.figure]; });
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
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", confine: true },
      xAxis: { type: "category", data: s.days.map(function (d) { return d.slice(5); }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "line", name: data.figure_label, data: s.values[data.figure],
                 connectNulls: false, symbolSize: 5, itemStyle: { color: data.alert ? RED : BLUE } }]
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
  document.addEventListener("DOMContentLoaded", draw);
})();
