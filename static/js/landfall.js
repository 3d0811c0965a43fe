// Landfall's small behaviours. Loaded as a file: no inline scripts (CSP).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[title]").forEach((el) => {
    if (el.matches("i.bi")) {
      new bootstrap.Tooltip(el);
    }
  });
});
