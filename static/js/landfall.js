// Landfall's small behaviours. Loaded as a file: no inline scripts (CSP).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("i.bi[title]").forEach((el) => new bootstrap.Tooltip(el));
});
