// The registration form: a resident ID number fills in the sex and birth date as it is typed
// (GB 11643-1999; the server checks the same rules and has the last word). Loaded as a file:
// no inline scripts under the Content-Security-Policy. Messages come from data-* attributes,
// translated by the template.
(function () {
  "use strict";

  var WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var CHECK = "10X98765432";

  function checkCharacter(first17) {
    var total = 0;
    for (var i = 0; i < 17; i++) { total += Number(first17.charAt(i)) * WEIGHTS[i]; }
    return CHECK.charAt(total % 11);
  }

  function normalise(raw) {
    var text = raw.normalize ? raw.normalize("NFKC") : raw;
    return text.replace(/[\s-]/g, "").toUpperCase();
  }

  // {ok, sex, date} for a complete number, {error} for a wrong one, null while incomplete.
  function parse(raw) {
    var number = normalise(raw);
    if (/^\d{15}$/.test(number)) {
      var first17 = number.slice(0, 6) + "19" + number.slice(6);
      number = first17 + checkCharacter(first17);
    }
    if (!/^\d{17}[\dX]$/.test(number)) { return null; }
    var y = Number(number.slice(6, 10));
    var m = Number(number.slice(10, 12));
    var d = Number(number.slice(12, 14));
    var date = new Date(Date.UTC(y, m - 1, d));
    if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d ||
        y < 1890 || date.getTime() > Date.now()) {
      return {error: "date"};
    }
    if (checkCharacter(number.slice(0, 17)) !== number.charAt(17)) { return {error: "check"}; }
    var iso = number.slice(6, 10) + "-" + number.slice(10, 12) + "-" + number.slice(12, 14);
    return {ok: true, sex: Number(number.charAt(16)) % 2 ? "M" : "F", date: iso};
  }

  function setUp(form) {
    var type = form.querySelector("#id_doc_type");
    var number = form.querySelector("#id_doc_number");
    var sex = form.querySelector("#id_sex");
    var birth = form.querySelector("#id_birth_date");
    var hint = form.querySelector("#id-derived");
    if (!type || !number || !sex || !birth || !hint) { return; }

    function show(text, isError) {
      hint.textContent = text;
      hint.classList.toggle("error", Boolean(isError));
      hint.hidden = !text;
    }

    function update() {
      if (type.value !== "resident_id") { show(""); return; }
      var result = parse(number.value);
      if (result === null) { show(""); return; }
      if (result.error) {
        show(form.dataset[result.error === "date" ? "msgDate" : "msgCheck"], true);
        return;
      }
      sex.value = result.sex;
      birth.value = result.date;
      var label = result.sex === "M" ? form.dataset.sexM : form.dataset.sexF;
      show(form.dataset.msgDerived.replace("{sex}", label).replace("{date}", result.date), false);
    }

    number.addEventListener("input", update);
    type.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-idcard]").forEach(setUp);
  });
})();
