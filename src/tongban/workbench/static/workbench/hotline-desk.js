// The agent desk's knowledge search, updated while typing: the same page is asked for its
// results fragment (?fragment=1), which replaces the list. Without script the form submits.
(function () {
  "use strict";
  var form = document.querySelector("[data-knowledge-search]");
  if (!form) return;
  var input = form.querySelector("input[name=q]");
  var timer = null;
  var asked = 0;
  function wire() {
    var answer = document.getElementById("id_answer");
    document.querySelectorAll("#knowledge-results [data-quote]").forEach(function (b) {
      b.hidden = !answer;
      b.addEventListener("click", function () {
        answer.value = (answer.value ? answer.value + "\n" : "") + b.getAttribute("data-quote");
        answer.focus();
      });
    });
  }
  function search() {
    var mine = ++asked;
    var url = form.getAttribute("action") || window.location.pathname;
    fetch(url + "?fragment=1&q=" + encodeURIComponent(input.value), {
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null || mine !== asked) return;
        var box = document.getElementById("knowledge-results");
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("knowledge-results");
        if (box && fresh) { box.replaceWith(fresh); wire(); }
      })
      .catch(function () {});
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  wire();
})();
