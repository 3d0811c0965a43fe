// The milestone form (templates/crm/milestone_form.html): show only the fieldset of the
// kind chosen. The server drops what was typed into another kind's fields anyway.
function showMilestoneKind(form) {
  const select = form.querySelector("select[data-milestone-kind-select]");
  if (!select) return;
  const update = () => {
    form.querySelectorAll("fieldset[data-milestone-kind]").forEach((fieldset) => {
      fieldset.hidden = Boolean(select.value) && fieldset.dataset.milestoneKind !== select.value;
    });
  };
  select.addEventListener("change", update);
  update();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-milestone-form]").forEach(showMilestoneKind);
});
