/* The print page's button prints it (a static file: the CSP allows no inline handlers). */
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
