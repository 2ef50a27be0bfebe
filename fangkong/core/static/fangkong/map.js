// The Jilin map on a division's home page: prefecture boundaries, the user's area highlighted,
// a click on a prefecture opens its page. Data: /map/jilin.geojson (see regions/data/README.md).
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("map");
    if (!el || !window.echarts) { return; }
    var focus = el.dataset.focus || "";
    fetch(el.dataset.geojson, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (geo) {
        window.echarts.registerMap("jilin", geo);
        var data = geo.features.map(function (f) {
          return { name: f.properties.name, code: f.properties.code, value: f.properties.code === focus ? 1 : 0 };
        });
        var chart = window.echarts.init(el, null, { renderer: "svg" });
        chart.setOption({
          tooltip: { trigger: "item", formatter: function (p) { return p.name; } },
          visualMap: { show: false, min: 0, max: 1, inRange: { color: ["#f3d9d6", "#c0392b"] } },
          series: [{
            type: "map", map: "jilin", roam: false, data: data,
            label: { show: true, fontSize: 10, color: "#1f2933" },
            emphasis: { label: { show: true }, itemStyle: { areaColor: "#e57368" } },
            itemStyle: { borderColor: "#fff", borderWidth: 1 },
            select: { disabled: true }
          }]
        });
        chart.on("click", function (p) {
          if (p.data && p.data.code && el.dataset.link) {
            window.location.href = el.dataset.link.replace("0000", p.data.code.padEnd(12, "0"));
          }
        });
        window.addEventListener("resize", function () { chart.resize(); });
        el.dataset.ready = "1";
      })
      .catch(function () { el.textContent = el.dataset.error || "地图加载失败"; });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
