/* The 打印 button of a receipt: shown only where script runs, it opens the browser's print dialog
   (print.css lays the page out for A4). */
(function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
