// The Jilin map on a division's home page: prefecture boundaries with the user's area
// highlighted. Data: /map/jilin.geojson (see regions/data/README.md). The page passes, as data-
// attributes of #map (no inline scripts: Content-Security-Policy):
//   data-focus  the 4-digit prefecture code to highlight, or "*" for the whole province;
//   data-links  the prefectures a click may open: "*" all, one 4-digit code, or "" none
//               (a prefecture outside the user's jurisdiction would only answer 404);
//   data-link   the URL of a division page with "0000" standing for the 12-digit code.
// When the chart is drawn, data-ready="1" is set (the browser tests wait for it).
// Red means risk in this field, so the user's area is not painted red: it is a light blue with
// a dark blue outline, the rest neutral grey (highlighted prefectures have value 1).
(function () {
  "use strict";
  var FOCUS = "#dbe8f6";
  var FOCUS_LINE = "#1f5fa8";
  var FOCUS_HOVER = "#c3d8f0";
  var OTHER = "#f1f3f5";
  var OTHER_HOVER = "#e2e6ea";

  function draw() {
    var el = document.getElementById("map");
    if (!el || !window.echarts) { return; }
    var focus = el.dataset.focus || "";
    var links = el.dataset.links || "";
    function highlighted(code) { return focus === "*" || code === focus; }
    function opens(code) { return !!code && !!el.dataset.link && (links === "*" || links === code); }

    fetch(el.dataset.geojson, { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      })
      .then(function (geo) {
        window.echarts.registerMap("jilin", geo);
        var data = geo.features.map(function (f) {
          var code = f.properties.code;
          var on = highlighted(code);
          return {
            name: f.properties.name,
            code: code,
            value: on ? 1 : 0,
            itemStyle: on ? { areaColor: FOCUS, borderColor: FOCUS_LINE, borderWidth: 2 }
                          : { areaColor: OTHER },
            label: { color: "#1f2933", fontWeight: on ? "bold" : "normal" },
            emphasis: { itemStyle: { areaColor: opens(code) ? (on ? FOCUS_HOVER : OTHER_HOVER) : (on ? FOCUS : OTHER) } }
          };
        });
        var chart = window.echarts.init(el, null, { renderer: "svg" });
        var narrow = el.clientWidth < 420;
        chart.setOption({
          animation: false,
          tooltip: { trigger: "item", confine: true, formatter: function (p) { return p.name; } },
          series: [{
            type: "map", map: "jilin", roam: false, data: data,
            // Fill the element edge to edge; the map keeps its aspect ratio inside this box.
            left: 6, right: 6, top: 6, bottom: 6,
            label: { show: true, fontSize: narrow ? 10 : 12 },
            emphasis: { label: { show: true } },
            itemStyle: { borderColor: "#b8c0c8", borderWidth: 1 },
            select: { disabled: true },
            selectedMode: false
          }]
        });
        chart.on("click", function (p) {
          var code = p.data && p.data.code;
          if (opens(code)) {
            window.location.href = el.dataset.link.replace("0000", code.padEnd(12, "0"));
          }
        });
        // Only prefectures the user may open look clickable. zrender sets the cursor before it
        // dispatches mousemove, so this runs after it and wins.
        chart.on("mousemove", function (p) {
          chart.getZr().setCursorStyle(opens(p.data && p.data.code) ? "pointer" : "default");
        });
        var pending = null;
        window.addEventListener("resize", function () {
          if (pending) { window.cancelAnimationFrame(pending); }
          pending = window.requestAnimationFrame(function () { chart.resize(); });
        });
        el.dataset.ready = "1";
      })
      .catch(function () {
        el.classList.add("map-failed");
        el.textContent = el.dataset.error || "地图加载失败";
      });
  }
  // ECharts comes after the page has loaded (app.js: fangkong.echarts); without it, no map.
  document.addEventListener("DOMContentLoaded", function () { window.fangkong.echarts().then(draw, draw); });
})();
