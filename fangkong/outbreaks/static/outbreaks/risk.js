// The risk map: the Jilin city map, each city coloured by the worst grade of its counties (there
// are no county boundaries; the table beside the map gives every county). Data: <script
// id="risk-data" type="application/json">. The grade is named in the tooltip and the table, not
// only by colour. When drawn, data-ready="1".
(function () {
  "use strict";
  var COLOURS = ["#d5d9de", "#23784a", "#e67e22", "#c0392b"];

  function draw() {
    var el = document.getElementById("risk-map");
    var source = document.getElementById("risk-data");
    if (!el || !source || !window.echarts) { return; }
    var names = (el.dataset.labels || "").split("|");
    var byCode = {};
    JSON.parse(source.textContent).cities.forEach(function (c) { byCode[c.code] = c; });
    fetch(el.dataset.geojson, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (geo) {
        window.echarts.registerMap("jilin", geo);
        var data = geo.features.map(function (f) {
          var c = byCode[f.properties.code];
          var value = c ? c.value : 0;
          return { name: f.properties.name, value: value, counties: c ? c.counties : [],
                   itemStyle: { areaColor: COLOURS[value] }, emphasis: { itemStyle: { areaColor: COLOURS[value] } } };
        });
        var chart = window.echarts.init(el, null, { renderer: "svg" });
        chart.setOption({
          animation: false,
          tooltip: { trigger: "item", confine: true, formatter: function (p) {
            var lines = [p.name + ": " + (names[p.value || 0] || "")];
            return lines.concat((p.data && p.data.counties) || []).join("<br>");
          } },
          series: [{ type: "map", map: "jilin", roam: false, data: data, left: 6, right: 6, top: 6, bottom: 6,
                     label: { show: true, fontSize: 11 }, itemStyle: { borderColor: "#fff", borderWidth: 1 },
                     select: { disabled: true }, selectedMode: false }]
        });
        window.addEventListener("resize", function () { chart.resize(); });
        el.dataset.ready = "1";
      })
      .catch(function () { el.classList.add("map-failed"); el.textContent = el.dataset.error; });
  }
  document.addEventListener("DOMContentLoaded", function () { window.fangkong.echarts().then(draw, draw); });
})();
