/* Show a conditional material only while the answer it depends on says so (the server decides
   again on saving; without script the list follows the last saved answers). */
(function () {
  var form = document.getElementById("application");
  function answers(name) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name === name && ((el.type !== "radio" && el.type !== "checkbox") || el.checked);
    }).map(function (el) { return el.value; });
  }
  function update() {
    form.querySelectorAll("[data-applies-field]").forEach(function (row) {
      var wanted = row.getAttribute("data-applies-in").split("|");
      var on = answers(row.getAttribute("data-applies-field")).some(function (v) { return wanted.indexOf(v) >= 0; });
      row.hidden = !on;
      row.querySelectorAll("input[type=file]").forEach(function (input) { input.disabled = !on; });
    });
  }
  form.addEventListener("change", update);
  update();
})();
