// A transmission chain as an ECharts graph: x = generation (the index case at the left), the
// nodes of a generation stacked top to bottom. Data: <script id="chain-data"
// type="application/json"> (json_script; no inline scripts: Content-Security-Policy), the answer
// of GET /api/cases/{id}/chain. Above 300 nodes no labels are drawn: the tooltip names a node.
// A node of kind "outside" stands for records of another jurisdiction (ADR 0015): no name, no
// number, no link. When drawn, data-ready="1".
(function () {
  "use strict";
  var CASE = { confirmed: "#c0392b", asymptomatic: "#e67e22", suspected: "#d4a017", excluded: "#8a939b" };
  var CONTACT = { close: "#2c6fbb", secondary: "#7fa7d6", general: "#b8c7d9" };
  var OUTSIDE = "#d5d9de";

  function draw() {
    var el = document.getElementById("chain");
    var source = document.getElementById("chain-data");
    if (!el || !source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var labels = el.dataset.labels === "1";
    var rows = {};
    var height = 1;
    var nodes = data.nodes.map(function (n) {
      var row = rows[n.generation] || 0;
      rows[n.generation] = row + 1;
      height = Math.max(height, row + 1);
      var colour = !n.visible ? OUTSIDE : (n.kind === "case" ? (CASE[n.category] || "#c0392b") : (CONTACT[n.category] || "#2c6fbb"));
      return {
        id: n.id, name: n.label, x: n.generation * 200, y: row * 24,
        symbol: n.kind === "case" ? "circle" : (n.kind === "outside" ? "diamond" : "rect"),
        symbolSize: n.kind === "case" ? (n.focus ? 22 : 16) : (n.kind === "outside" ? 12 : 8),
        itemStyle: { color: colour, borderColor: n.focus ? "#1f2933" : colour, borderWidth: n.focus ? 3 : 0 },
        label: { show: labels, position: "right", fontSize: 11 },
        value: n.generation, ref: n.ref, kind: n.kind
      };
    });
    var chart = window.echarts.init(el, null, { renderer: nodes.length > 300 ? "canvas" : "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "item", confine: true, formatter: function (p) {
        if (p.dataType !== "node") { return ""; }
        if (p.data.kind === "outside") { return el.dataset.outside; }
        var kind = p.data.kind === "case" ? el.dataset.case : el.dataset.contact;
        return p.name + "<br>" + kind + " · " + el.dataset.generation + " " + p.data.value;
      } },
      series: [{
        type: "graph", layout: "none", roam: true, data: nodes,
        edges: data.edges.map(function (e) { return { source: e.source, target: e.target }; }),
        lineStyle: { color: "#9aa5b1", width: 1, curveness: 0.1, opacity: 0.6 },
        edgeSymbol: ["none", "arrow"], edgeSymbolSize: 5,
        emphasis: { focus: "adjacency", label: { show: true } },
        left: 20, right: labels ? 140 : 20, top: 20, bottom: 20
      }]
    });
    chart.on("click", function (p) {
      if (p.dataType !== "node" || !p.data.ref) { return; }
      var link = data.links && data.links[p.data.kind];
      if (link) { window.location.href = link.replace("{ref}", p.data.ref); }
    });
    window.addEventListener("resize", function () { chart.resize(); });
    el.dataset.ready = "1";
  }
  document.addEventListener("DOMContentLoaded", function () {
    window.fangkong.echarts().then(draw, function () {
      var el = document.getElementById("chain");
      if (el) { el.classList.add("map-failed"); el.textContent = el.dataset.error; }
    });
  });
})();
