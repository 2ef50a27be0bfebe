/* The screening form (screening/new.html): what the person look-up knows fills only the fields
   the worker has not touched, and a train or flight number picks its means of transport. */
(function () {
  "use strict";

  var TRAIN = /^[GDCZTKYSL][0-9]{1,4}$/;
  var FLIGHT = /^(?=[A-Z0-9]{2}[0-9])[A-Z0-9]{2}[0-9]{2,4}$/;

  function edited(el) { return el.dataset.edited === "1"; }

  function fillFromLookup(form) {
    var known = document.querySelector("#person-lookup [data-fill]");
    if (!known) { return; }
    ["name", "phone", "address"].forEach(function (name) {
      var input = form.querySelector("[name=" + name + "]");
      var value = known.dataset[name] || "";
      // never overwrite what the worker typed (or cleared) themselves
      if (!input || !value || edited(input) || input.value) { return; }
      input.value = value;
      input.dataset.filled = "1";
    });
  }

  function pickTransport(form) {
    var number = form.querySelector("[name=transport_number]");
    var transport = form.querySelector("[name=transport]");
    if (!number || !transport || transport.value || edited(transport)) { return; }
    var text = number.value.replace(/\s+/g, "").toUpperCase();
    var kind = TRAIN.test(text) ? "train" : (FLIGHT.test(text) ? "flight" : "");
    if (kind) { transport.value = kind; }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("screening-form");
    if (!form) { return; }
    form.addEventListener("input", function (event) {
      if (event.isTrusted) { event.target.dataset.edited = "1"; }
    });
    form.addEventListener("change", function (event) {
      if (event.isTrusted && event.target.name === "transport") { event.target.dataset.edited = "1"; }
      if (event.target.name === "transport_number") { pickTransport(form); }
    });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target && event.detail.target.id === "person-lookup") { fillFromLookup(form); }
    });
  });
})();
