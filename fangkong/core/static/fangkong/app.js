// Fangkong page behaviour. Loaded as a file (no inline scripts: Content-Security-Policy).
(function () {
  "use strict";

  // The phone menu: the button opens and closes the navigation; Escape or a tap outside the
  // header closes it again. On a desktop the navigation is always shown (app.css).
  function setUpMenu() {
    var toggle = document.querySelector(".menu-toggle");
    var nav = document.getElementById("mainnav");
    if (!toggle || !nav) { return; }
    function setOpen(open) {
      nav.classList.toggle("open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    }
    toggle.addEventListener("click", function () {
      setOpen(!nav.classList.contains("open"));
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("open")) {
        setOpen(false);
        toggle.focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (nav.classList.contains("open") && !event.target.closest(".topbar")) { setOpen(false); }
    });
  }

  // Mark the navigation entry of the current page (the longest matching path wins, so /staff/7/
  // marks "Grid staff" and a division page marks "Home" only when it is the home page itself).
  function markCurrent() {
    var here = window.location.pathname;
    var best = null;
    var bestLength = 0;
    document.querySelectorAll("#mainnav a[href]").forEach(function (a) {
      var path = new URL(a.href, window.location.href).pathname;
      var matches = path === "/" ? here === "/" : here.indexOf(path) === 0;
      if (matches && path.length > bestLength) { best = a; bestLength = path.length; }
    });
    if (best) { best.setAttribute("aria-current", "page"); }
  }

  // After a failed submit (_form_errors.html drew a summary): the title says so, the keyboard
  // focus goes to the first field in error (or to the summary when no field is at fault), and a
  // link of the summary moves the focus to its field, not only the scroll position.
  function focusFirstError() {
    var summary = document.querySelector(".form-errors[data-title-prefix]");
    if (!summary) { return; }
    var prefix = summary.dataset.titlePrefix;
    if (prefix && document.title.indexOf(prefix) !== 0) { document.title = prefix + document.title; }
    var controls = "input:not([type=hidden]), select, textarea";
    function focusField(id) {
      var target = document.getElementById(id);
      if (!target) { return false; }
      if (!target.matches(controls)) { target = target.querySelector(controls); }
      if (!target) { return false; }
      target.focus();
      return true;
    }
    document.querySelectorAll(".form-errors a[data-field]").forEach(function (a) {
      a.addEventListener("click", function (event) {
        if (focusField(a.dataset.field)) { event.preventDefault(); }
      });
    });
    var field = document.querySelector(".has-error");
    var control = field && field.querySelector(controls);
    if (control) { control.focus(); } else { summary.focus(); }
  }

  // ECharts (1 MB, 330 KB compressed) is fetched when a chart asks for it, and not before the
  // page has loaded: on a slow link the table and the figures are shown first, the charts after
  // (docs/web-performance.md). fangkong.echarts() gives a promise of window.echarts.
  var echartsLoading = null;
  window.fangkong = window.fangkong || {};
  window.fangkong.echarts = function () {
    if (!echartsLoading) {
      echartsLoading = new Promise(function (resolve, reject) {
        function load() {
          if (window.echarts) { resolve(window.echarts); return; }
          var meta = document.querySelector("meta[name=fangkong-echarts]");
          if (!meta) { reject(new Error("no ECharts address")); return; }
          var script = document.createElement("script");
          script.src = meta.content;
          script.onload = function () { resolve(window.echarts); };
          script.onerror = function () { reject(new Error("ECharts did not load")); };
          document.head.appendChild(script);
        }
        if (document.readyState === "complete") { load(); } else { window.addEventListener("load", load); }
      });
    }
    return echartsLoading;
  };

  // A chart of daily series over days ("YYYY-MM-DD", labelled MM-DD) in `el`: 320 px high,
  // smaller labels on a phone, redrawn on resize, data-ready set when drawn (the browser tests
  // wait for it). Used by the supplies' output plan and the warning signal's series.
  window.fangkong.dayChart = function (el, days, series, gridLeft) {
    el.style.height = "320px";
    el.style.width = "100%";
    var narrow = el.clientWidth < 420;
    var drawn = window.echarts.init(el, null, { renderer: "svg" });
    drawn.setOption({
      animation: false,
      tooltip: { trigger: "axis", confine: true },
      legend: { type: "scroll", top: 0 },
      grid: { left: gridLeft || 48, right: 12, top: 36, bottom: 28 },
      xAxis: { type: "category", data: days.map(function (d) { return d.slice(5); }),
               axisLabel: { fontSize: narrow ? 9 : 11 } },
      yAxis: { type: "value", min: 0 },
      series: series
    });
    window.addEventListener("resize", function () { drawn.resize(); });
    el.dataset.ready = "1";
  };

  document.addEventListener("DOMContentLoaded", function () {
    setUpMenu();
    markCurrent();
    focusFirstError();
    // htmx requests carry the CSRF token of the page's forms (the cookie is HttpOnly).
    document.body.addEventListener("htmx:configRequest", function (event) {
      var token = document.querySelector("input[name=csrfmiddlewaretoken]");
      if (token) { event.detail.headers["X-CSRFToken"] = token.value; }
    });
  });
})();
