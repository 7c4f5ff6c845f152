/* GOV.UK's error summary: on a page that comes back with errors, the summary at the top takes the
   focus, so a screen reader reads it first and a keyboard user starts from its links. */
(function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
})();
