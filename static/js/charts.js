// Charts: Apache ECharts, served from node_modules (never a CDN), loaded only on pages
// that have charts. A chart is an element with data-chart="<id of a json_script>"; the
// script holds a complete ECharts option built on the server (labels already translated).
// A data item with a "url" opens that list when clicked, so every bar links to the
// records behind it. Tooltips render on the canvas (richText): the HTML tooltip writes
// inline styles, which the Content-Security-Policy forbids.
function renderCharts(root) {
  root.querySelectorAll("[data-chart]").forEach((element) => {
    if (element.dataset.chartReady) return;
    const source = document.getElementById(element.dataset.chart);
    if (!source) return;
    const option = JSON.parse(source.textContent);
    if (option.tooltip) option.tooltip.renderMode = "richText";
    const chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(option);
    chart.on("click", (params) => {
      const url = params.data && params.data.url;
      if (url && url.startsWith("/")) window.location.assign(url);
    });
    element.dataset.chartReady = "1";
    window.addEventListener("resize", () => chart.resize());
  });
}

document.addEventListener("DOMContentLoaded", () => {
  if (window.htmx) {
    htmx.onLoad((element) => renderCharts(element));
  } else {
    renderCharts(document);
  }
});
