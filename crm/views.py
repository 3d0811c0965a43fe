"""Pages of the register. Thin: parse the request, call a selector or service, render."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.audit import history_of

from . import permissions, personal_data, selectors, services
from .forms import ContactForm, InstitutionForm, InteractionForm, MergeForm, MilestoneForm
from .models import Contact, Institution, Milestone, MilestoneKind
from .names import search_fold

PAGE_SIZE = 50


def _require(allowed: bool) -> None:
    """Refuse a change the user may not make. Seeing a record is the selectors' business."""
    if not allowed:
        raise PermissionDenied


# ---------------------------------------------------------------- list


def institution_list(request: HttpRequest) -> HttpResponse:
    filterset, page = selectors.institution_list_page(
        user=request.user, params=request.GET, page=request.GET.get("page"), per_page=PAGE_SIZE
    )
    params = request.GET.copy()
    params.pop("page", None)
    sort_params = params.copy()
    sort_params.pop("sort", None)
    template = "crm/_institution_results.html" if request.htmx else "crm/institution_list.html"
    return render(
        request,
        template,
        {
            "filter": filterset,
            "page": page,
            "query_string": params.urlencode(),
            "sort_query": sort_params.urlencode(),
            "sort": request.GET.get("sort", ""),
        },
    )


# ---------------------------------------------------------------- create and edit


def institution_create(request: HttpRequest) -> HttpResponse:
    _require(permissions.can_create_institution(request.user))
    return _institution_form(request, Institution())


def institution_edit(request: HttpRequest, pk: int) -> HttpResponse:
    institution = get_object_or_404(selectors.institutions_visible_to(request.user), pk=pk)
    _require(permissions.can_edit_institution(request.user, institution))
    return _institution_form(request, institution)


def _institution_form(request: HttpRequest, institution: Institution) -> HttpResponse:
    creating = institution.pk is None
    duplicates: list[selectors.Duplicate] = []
    conflict_changes: list = []
    if request.method == "POST":
        form = InstitutionForm(request.POST, instance=institution, user=request.user)
        # Looked up from what was typed, valid or not, so the warning shows at once.
        duplicates = _typed_duplicates(request, request.POST, exclude_pk=institution.pk)
        if form.is_valid() and (not duplicates or form.cleaned_data["confirm_not_duplicate"]):
            data = form.cleaned_data
            try:
                services.institution_save(
                    institution=form.save(commit=False),
                    categories=data["categories"],
                    aliases=data["aliases"],
                    actor=request.user,
                    expected_version=data["version"] if not creating else None,
                )
            except ValidationError as error:
                form.add_error(None, error)
            except services.EditConflict as conflict:
                conflict_changes = conflict.changes
                form.accept_current_version()
            else:
                message = (
                    _("Institution “%(name)s” created.")
                    if creating
                    else _("Institution “%(name)s” saved.")
                )
                messages.success(request, message % {"name": institution.name})
                return redirect(institution)
    else:
        form = InstitutionForm(instance=institution, user=request.user)
    return render(
        request,
        "crm/institution_form.html",
        {
            "form": form,
            "institution": institution,
            "creating": creating,
            "duplicates": duplicates,
            "conflict_changes": conflict_changes,
        },
    )


def _typed_duplicates(request: HttpRequest, data, exclude_pk: int | None):
    return selectors.institution_duplicates(
        user=request.user,
        name_zh=data.get("name_zh", "")[:200],
        name_en=data.get("name_en", "")[:200],
        aliases=data.get("aliases", "")[:2000].splitlines(),
        uscc=data.get("uscc", "")[:40],
        lei=data.get("lei", "")[:40],
        exclude_pk=exclude_pk,
    )


def institution_duplicates(request: HttpRequest) -> HttpResponse:
    """The likely duplicates of what is being typed into the institution form (htmx)."""
    exclude = request.GET.get("pk", "")
    duplicates = _typed_duplicates(
        request, request.GET, exclude_pk=int(exclude) if exclude.isdigit() else None
    )
    return render(request, "crm/_duplicates.html", {"duplicates": duplicates, "live": True})


# ---------------------------------------------------------------- the institution page


def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _visible_institution(request, pk))


def _visible_institution(request: HttpRequest, pk: int) -> Institution:
    return get_object_or_404(
        selectors.institutions_visible_to(request.user).select_related(
            "owner", "team", "building", "created_by"
        ),
        pk=pk,
    )


def _detail_page(
    request: HttpRequest, institution: Institution, form: InteractionForm | None = None, **extra
) -> HttpResponse:
    """The institution page, or its interaction panel for htmx; a fresh form unless given."""
    page = selectors.institution_page(user=request.user, institution=institution)
    if form is None:
        form = InteractionForm(
            user=request.user,
            institution=institution,
            projects=page.projects,
            contacts=page.contacts,
        )
    template = "crm/_interaction_panel.html" if request.htmx else "crm/institution_detail.html"
    return render(
        request,
        template,
        {
            "institution": institution,
            "page": page,
            "form": form,
            "can_edit": permissions.can_edit_institution(request.user, institution),
            "can_log": permissions.can_log_interaction(request.user),
            "can_merge": permissions.can_merge(request.user),
            "is_admin": permissions.can_handle_personal_data(request.user),
            "milestones": _milestones(request, institution),
            "can_record_milestone": permissions.can_record_milestone(request.user, institution),
            **extra,
        },
    )


def institution_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The institution's history tab: every change to the record, who made it and when."""
    institution = _visible_institution(request, pk)
    return render(
        request,
        "crm/institution_history.html",
        {"institution": institution, "history": history_of(institution)[:200]},
    )


@require_POST
def interaction_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Log an interaction from the institution page; htmx gets the refreshed panel back."""
    institution = _visible_institution(request, pk)
    _require(permissions.can_log_interaction(request.user))
    form = InteractionForm(request.POST, user=request.user, institution=institution)
    if form.is_valid():
        data = form.cleaned_data
        try:
            logged = services.interaction_log(
                institution=institution,
                actor=request.user,
                kind=data["kind"],
                date=data["date"],
                summary=data["summary"],
                outcome=data["outcome"],
                next_step=data["next_step"],
                officers=data["officers"],
                contacts=data["contacts"],
                project=data.get("project"),
                follow_up=form.follow_up_draft(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if not request.htmx:
                messages.success(request, _("Interaction logged."))
                return redirect(institution)
            return _detail_page(request, institution, logged=logged)
    return _detail_page(request, institution, form)


@require_POST
def follow_up_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = get_object_or_404(
        selectors.follow_ups_visible_to(request.user).select_related("assignee", "institution"),
        pk=pk,
    )
    _require(permissions.can_change_follow_up(request.user, follow_up))
    services.follow_up_set_done(follow_up=follow_up, done=request.POST.get("done") == "1")
    if request.htmx:
        return render(
            request,
            "crm/_follow_up_row.html",
            {"follow_up": follow_up, "show_institution": request.POST.get("context") == "work"},
        )
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(back)
    return redirect(follow_up.institution)


# ---------------------------------------------------------------- contacts


def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    institution = get_object_or_404(selectors.institutions_visible_to(request.user), pk=pk)
    _require(permissions.can_edit_institution(request.user, institution))
    return _contact_form(request, Contact(institution=institution))


def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(
        selectors.contacts_visible_to(request.user)
        .filter(erased_at__isnull=True)
        .select_related("institution"),
        pk=pk,
    )
    _require(permissions.can_edit_contact(request.user, contact))
    return _contact_form(request, contact)


def _contact_form(request: HttpRequest, contact: Contact) -> HttpResponse:
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_save(contact=form.save(commit=False))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Contact saved."))
            return redirect(contact.institution)
    return render(request, "crm/contact_form.html", {"form": form, "contact": contact})


def contact_personal_data(request: HttpRequest, pk: int) -> HttpResponse:
    """An admin's page for one person's data: export it, or erase it."""
    _require(permissions.can_handle_personal_data(request.user))
    contact = get_object_or_404(
        selectors.contacts_visible_to(request.user).select_related("institution"), pk=pk
    )
    if request.method == "POST":
        if request.POST.get("confirm") != contact.institution.name:
            messages.error(
                request, _("Type the institution's name exactly to confirm the erasure.")
            )
        else:
            services.contact_erase(contact=contact)
            messages.success(request, _("The contact's personal data has been erased."))
            return redirect(contact.institution)
    return render(
        request,
        "crm/contact_personal_data.html",
        {
            "contact": contact,
            "record": personal_data.contact_record(user=request.user, contact=contact),
        },
    )


def contact_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    _require(permissions.can_handle_personal_data(request.user))
    contact = get_object_or_404(
        selectors.contacts_visible_to(request.user).select_related("institution"), pk=pk
    )
    record = personal_data.contact_record(user=request.user, contact=contact)
    filename = "contact-%s" % contact.pk
    if fmt == "json":
        response = HttpResponse(
            json.dumps(record, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="%s.json"' % filename
        return response
    if fmt == "xlsx":
        response = HttpResponse(
            personal_data.contact_workbook(record),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="%s.xlsx"' % filename
        return response
    raise Http404


# ---------------------------------------------------------------- merge


def institution_merge(request: HttpRequest, pk: int) -> HttpResponse:
    _require(permissions.can_merge(request.user))
    visible = selectors.institutions_visible_to(request.user).select_related(
        "owner", "team", "building"
    )
    a = get_object_or_404(visible, pk=pk)
    other = request.POST.get("other") or request.GET.get("other")
    if not other:
        return render(request, "crm/institution_merge_pick.html", {"institution": a})
    if not str(other).isdigit() or int(other) == a.pk:
        messages.error(request, _("Choose another institution to merge with."))
        return render(request, "crm/institution_merge_pick.html", {"institution": a})
    b = get_object_or_404(visible, pk=int(other))
    form = MergeForm(request.POST if request.method == "POST" else None, a=a, b=b)
    if request.method == "POST" and form.is_valid():
        keep, drop, take = form.keep_and_drop()
        try:
            services.institution_merge(
                keep=keep, drop=drop, take_from_drop=take, actor=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("“%(drop)s” was merged into “%(keep)s”.")
                % {"drop": drop.name, "keep": keep.name},
            )
            return redirect(keep)
    return render(
        request,
        "crm/institution_merge.html",
        {
            "a": a,
            "b": b,
            "form": form,
            "counts": {
                "a": selectors.related_counts(user=request.user, institution=a),
                "b": selectors.related_counts(user=request.user, institution=b),
            },
        },
    )


# ---------------------------------------------------------------- my work


def my_work(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("days", "")
    days = int(raw) if raw.isdigit() and 0 < int(raw) <= 3650 else settings.LANDFALL_STALE_DAYS
    work = selectors.my_work(user=request.user, stale_days=days)
    return render(request, "crm/my_work.html", {"work": work})


# ---------------------------------------------------------------- autocomplete


def _autocomplete(items) -> JsonResponse:
    return JsonResponse({"results": [{"value": str(pk), "text": text} for pk, text in items]})


def autocomplete_users(request: HttpRequest) -> JsonResponse:
    term = request.GET.get("q", "").strip()[:50]
    qs = selectors.users_choosable_by(request.user)
    if term:
        qs = qs.filter(
            Q(username__icontains=term)
            | Q(display_name__icontains=term)
            | Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
        )
    users = qs.order_by("username")[:20]
    return _autocomplete((user.pk, str(user)) for user in users)


def autocomplete_buildings(request: HttpRequest) -> JsonResponse:
    term = request.GET.get("q", "").strip()[:50]
    qs = selectors.buildings_visible_to(request.user)
    if term:
        qs = qs.filter(Q(name_zh__icontains=term) | Q(name_en__icontains=term))
    return _autocomplete((b.pk, b.name) for b in qs.order_by("name_zh")[:20])


def autocomplete_institutions(request: HttpRequest) -> JsonResponse:
    term = request.GET.get("q", "").strip()[:100]
    qs = selectors.institutions_visible_to(request.user)
    exclude = request.GET.get("exclude", "")
    if exclude.isdigit():
        qs = qs.exclude(pk=int(exclude))
    if not search_fold(term).strip():
        return _autocomplete([])
    qs = selectors.institutions_matching(qs, term).order_by("name_zh")[:20]
    return _autocomplete((i.pk, i.name) for i in qs)


# ---------------------------------------------------------------- landing milestones


def _milestones(request: HttpRequest, institution: Institution) -> list[Milestone]:
    """The institution's milestones, newest first (its projects are not shown with them)."""
    found = selectors.milestones_visible_to(request.user).filter(institution=institution)
    return list(found.select_related("created_by", "building"))


def milestone_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a landing milestone from the institution page; no project is needed."""
    institution = _visible_institution(request, pk)
    _require(permissions.can_record_milestone(request.user, institution))
    kind = request.GET.get("kind", "")
    form = MilestoneForm(
        request.POST if request.method == "POST" else None,
        instance=Milestone(institution=institution),
        user=request.user,
        institution=institution,
        initial={"kind": kind} if kind in MilestoneKind.values else {},
    )
    if request.method == "POST" and form.is_valid():
        try:
            milestone = services.milestone_record(
                institution=institution,
                actor=request.user,
                confirm_uscc=form.cleaned_data["confirm_uscc"],
                **form.milestone_fields(),
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                _("Milestone “%(milestone)s” recorded.")
                % {"milestone": milestone.get_kind_display()},
            )
            return redirect(institution)
    return render(
        request,
        "crm/milestone_form.html",
        {"form": form, "institution": institution, "milestones": _milestones(request, institution)},
    )


@require_POST
def milestone_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a milestone recorded in error (its recorder or an admin)."""
    milestone = get_object_or_404(
        selectors.milestones_visible_to(request.user).select_related("institution"),
        pk=pk,
    )
    _require(permissions.can_delete_milestone(request.user, milestone))
    services.milestone_delete(milestone=milestone, actor=request.user)
    messages.success(
        request,
        _("Milestone “%(milestone)s” of %(date)s deleted.")
        % {"milestone": milestone.get_kind_display(), "date": milestone.date.isoformat()},
    )
    return redirect(milestone.institution)
