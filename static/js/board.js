// The pipeline board and the move form (templates/pipeline/board.html, project_detail.html).
// Loaded as a file: no inline scripts (CSP). Everything hangs on data- attributes, so the
// board's columns can be redrawn by htmx without re-binding anything.
//
// - A card the user may move is draggable and carries data-move-url. Dropping it on another
//   column ([data-drop-stage]) asks the server for the move form for that stage (htmx) and
//   shows it in the modal; for an open stage the form is one click away from done.
// - After a move from the board the server redraws #board and sends "landfall:moved",
//   which closes the modal.
(() => {
  const MODAL_ID = "move-modal";
  const CONTENT_ID = "move-modal-content";
  let dragged = null;
  let placeholder = null;

  function modal() {
    const element = document.getElementById(MODAL_ID);
    return element ? bootstrap.Modal.getOrCreateInstance(element) : null;
  }

  function column(target) {
    return target instanceof Element ? target.closest("[data-drop-stage]") : null;
  }

  function clearTargets() {
    document
      .querySelectorAll(".lf-drop-target")
      .forEach((element) => element.classList.remove("lf-drop-target"));
  }

  document.addEventListener("dragstart", (event) => {
    const card = event.target instanceof Element ? event.target.closest("[data-move-url]") : null;
    if (!card) return;
    dragged = card;
    card.classList.add("lf-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.id);
  });

  document.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("lf-dragging");
    dragged = null;
    clearTargets();
  });

  document.addEventListener("dragover", (event) => {
    const target = column(event.target);
    if (!dragged || !target || target.dataset.dropStage === dragged.dataset.stage) return;
    event.preventDefault(); // allows the drop
    event.dataTransfer.dropEffect = "move";
    if (!target.classList.contains("lf-drop-target")) {
      clearTargets();
      target.classList.add("lf-drop-target");
    }
  });

  document.addEventListener("dragleave", (event) => {
    const target = column(event.target);
    if (target && !target.contains(event.relatedTarget)) target.classList.remove("lf-drop-target");
  });

  document.addEventListener("drop", (event) => {
    const target = column(event.target);
    if (!dragged || !target) return;
    event.preventDefault();
    clearTargets();
    const url = new URL(dragged.dataset.moveUrl, window.location.href);
    url.searchParams.set("to", target.dataset.dropStage);
    dragged.classList.remove("lf-dragging");
    dragged = null;
    htmx
      .ajax("GET", url.pathname + url.search, { target: `#${CONTENT_ID}`, swap: "innerHTML" })
      .then(() => {
        const dialog = modal();
        if (dialog) dialog.show();
      });
  });

  // A card's Move menu: the stages other than its own, each opening the move form for it.
  // Built when it opens, from the one <template id="move-stages"> of the board, so that
  // hundreds of cards do not each carry a copy.
  document.addEventListener("show.bs.dropdown", (event) => {
    const toggle = event.target;
    const menu = toggle.parentElement && toggle.parentElement.querySelector("[data-move-menu]");
    const stages = document.getElementById("move-stages");
    const card = toggle.closest("[data-move-url]");
    if (!menu || !stages || !card || menu.children.length) return;
    const base = new URL(card.dataset.moveUrl, window.location.href);
    stages.content.querySelectorAll("li").forEach((item) => {
      const link = item.querySelector("[data-to]");
      if (link.dataset.to === card.dataset.stage) return;
      const copy = item.cloneNode(true);
      const anchor = copy.querySelector("a");
      const url = new URL(base);
      url.searchParams.set("to", link.dataset.to);
      anchor.href = url.pathname + url.search;
      anchor.setAttribute("hx-get", anchor.getAttribute("href"));
      menu.appendChild(copy);
    });
    htmx.process(menu);
  });

  document.addEventListener("landfall:moved", () => {
    const dialog = modal();
    if (dialog) dialog.hide();
  });

  document.addEventListener("DOMContentLoaded", () => {
    const element = document.getElementById(MODAL_ID);
    const content = document.getElementById(CONTENT_ID);
    if (!element || !content) return;
    placeholder = content.innerHTML;
    // The next card starts from "Loading…", not from the last project's form.
    element.addEventListener("hidden.bs.modal", () => {
      content.innerHTML = placeholder;
    });
    // Once the form has arrived: focus what needs fixing, else its button or first choice.
    element.addEventListener("htmx:afterSettle", () => {
      const focus =
        content.querySelector(".is-invalid") ||
        content.querySelector("[autofocus]") ||
        content.querySelector("select, input:not([type=hidden]), textarea");
      if (focus) focus.focus();
    });
  });
})();
