// Landfall's small behaviours. Loaded as a file: no inline scripts (CSP).

// Choosers that search the server as you type ([data-autocomplete-url]) and long
// multi-selects made searchable ([data-enhance=multi]). Run on every htmx swap too.
function enhanceSelects(root) {
  root.querySelectorAll("select[data-autocomplete-url]").forEach((select) => {
    if (select.tomselect) return;
    const url = select.dataset.autocompleteUrl;
    new TomSelect(select, {
      valueField: "value",
      labelField: "text",
      searchField: [],
      maxOptions: 20,
      loadThrottle: 250,
      allowEmptyOption: true,
      plugins: select.multiple ? ["remove_button"] : [],
      load(query, callback) {
        const separator = url.includes("?") ? "&" : "?";
        fetch(`${url}${separator}q=${encodeURIComponent(query)}`, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        })
          .then((response) => response.json())
          .then((data) => callback(data.results))
          .catch(() => callback());
      },
      // Searching happens on the server (width- and case-folded); show what it sends.
      score() {
        return () => 1;
      },
    });
  });
  root.querySelectorAll("select[data-enhance=multi]").forEach((select) => {
    if (!select.tomselect) new TomSelect(select, { plugins: ["remove_button"] });
  });
  root.querySelectorAll("i.bi[title]").forEach((el) => bootstrap.Tooltip.getOrCreateInstance(el));
}

document.addEventListener("DOMContentLoaded", () => {
  if (window.htmx) {
    htmx.onLoad((element) => enhanceSelects(element));
  } else {
    enhanceSelects(document);
  }
});
