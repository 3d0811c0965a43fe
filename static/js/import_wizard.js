// The import wizard: choosing another sheet reads its columns at once (the "Read the
// columns again" button does the same without JavaScript).
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-resubmit]");
  if (!select) return;
  const button = document.getElementById(select.dataset.resubmit);
  if (button) select.form.requestSubmit(button);
});
