"""Writes on the pipeline: creating, editing and moving projects, with their history.

A project's stage changes only through ``project_move``, so that every change is kept
(who, when, from, to, note) and the institution's status follows the pipeline.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.audit import actor_as
from crm.identifiers import check_uscc
from crm.models import Institution, InstitutionStatus, Milestone, MilestoneKind
from crm.services import (
    EditConflict,
    changes_since,
    institution_save,
    milestone_delete,
    milestone_record,
    record_team_id,
)
from plans.models import Category

from .models import LostReason, Project, Stage, StageChange, StageKind, first_open_stage

# Kept by the services alone: neither create nor update takes them.
SERVICE_FIELDS = frozenset(
    {"id", "pk", "institution", "stage", "stage_entered_at", "version", "created_at"}
)


@dataclass(frozen=True)
class Registration:
    """The evidence of a landing: the date on the business licence and the USCC.

    ``uscc`` may be left empty when the institution already has one. A code that fails its
    check (GB 32100-2015) is taken only with ``confirm_uscc``, as on the institution form.
    """

    date: datetime.date
    uscc: str = ""
    confirm_uscc: bool = False


# ---------------------------------------------------------------- institution status


LANDED_STATUSES = (InstitutionStatus.LANDED, InstitutionStatus.AFTERCARE)


def _status_after(
    *, institution: Institution, project: Project, stage: Stage, undoes_landing: bool
) -> str:
    """The institution's status once ``project`` stands at ``stage``.

    A landed institution (or one in aftercare) stays so when it starts or moves another
    project, unless this move takes back the landing and no other project of it is won.
    A lost project makes the institution lost only when none of its other projects is
    still open or on hold.
    """
    others = Project.objects.filter(institution=institution).exclude(pk=project.pk)
    if stage.kind == StageKind.WON:
        if institution.status == InstitutionStatus.AFTERCARE:
            return institution.status
        return InstitutionStatus.LANDED
    if institution.status in LANDED_STATUSES and (
        not undoes_landing or others.filter(stage__kind=StageKind.WON).exists()
    ):
        return institution.status
    if stage.kind == StageKind.LOST:
        alive = others.filter(stage__kind__in=[StageKind.OPEN, StageKind.HOLD]).exists()
        return InstitutionStatus.IN_PIPELINE if alive else InstitutionStatus.LOST
    return InstitutionStatus.IN_PIPELINE  # open, or on hold: still in the pipeline


def _institution_follow(
    *,
    project: Project,
    stage: Stage,
    actor: User | None,
    uscc: str | None = None,
    undoes_landing: bool = False,
) -> None:
    """Bring the institution's status (and, on landing, its USCC) in line with the move.

    Through ``institution_save``, so that the institution's version moves and an edit
    begun before the move cannot silently put the old status back.
    """
    institution = Institution.objects.get(pk=project.institution_id)
    status = _status_after(
        institution=institution, project=project, stage=stage, undoes_landing=undoes_landing
    )
    if status == institution.status and not uscc:
        return
    institution.status = status
    if uscc:
        institution.uscc = uscc
    institution_save(institution=institution, actor=actor)


# ---------------------------------------------------------------- create and update


def _when(at: datetime.datetime | None) -> datetime.datetime:
    """When a change happened: now, or an earlier moment a history gives (never the future)."""
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now:
        raise ValidationError(_("A change cannot be dated in the future."))
    return at


def _check_fields(fields: dict[str, Any]) -> None:
    kept = SERVICE_FIELDS & set(fields)
    if kept:
        raise TypeError("kept by the services, not settable: %s" % ", ".join(sorted(kept)))


@transaction.atomic
def project_create(
    *,
    institution: Institution,
    title: str,
    actor: User,
    categories: Iterable[Category] | None = None,
    note: str = "",
    at: datetime.datetime | None = None,
    **fields: Any,
) -> Project:
    """Create a project at the first open stage, its creation the first entry of its history.

    Without ``categories`` it takes the institution's; without an owner, the actor's; without
    a team, the one its records would belong to (``crm.services.record_team_id``). ``at``
    dates a project begun earlier (a ledger's history, the demo); it cannot be in the future.
    """
    _check_fields(fields)
    now = _when(at)
    stage = first_open_stage()
    if stage is None:
        raise ValidationError(_("There is no open stage for a new project to start at."))
    fields.setdefault("owner", actor)
    if "team" not in fields and "team_id" not in fields:
        fields["team_id"] = record_team_id(actor=actor, institution=institution)
    project = Project(
        institution=institution,
        title=title,
        stage=stage,
        probability=stage.default_probability,
        stage_entered_at=now,
        **fields,
    )
    project.full_clean()
    with actor_as(actor):
        project.save()
        if at is not None:  # created_at is auto_now_add: date it as the history says
            Project.objects.filter(pk=project.pk).update(created_at=now)
            project.created_at = now
        project.categories.set(
            institution.categories.all() if categories is None else list(categories)
        )
        StageChange.objects.create(
            project=project, from_stage=None, to_stage=stage, changed_at=now, actor=actor, note=note
        )
        _institution_follow(project=project, stage=stage, actor=actor)
    return project


@transaction.atomic
def project_update(
    *,
    project: Project,
    actor: User,
    expected_version: int,
    categories: Iterable[Category] | None = None,
    **fields: Any,
) -> Project:
    """Validate and save changes to a project's fields (not its stage: see ``project_move``).

    Raises ``EditConflict`` when someone saved the project since ``expected_version``.
    """
    _check_fields(fields)
    stored = Project.objects.select_for_update().get(pk=project.pk)
    if stored.version != expected_version:
        raise EditConflict(changes_since(stored, expected_version))
    for name, value in fields.items():
        setattr(stored, name, value)
    stored.version += 1
    stored.full_clean()
    with actor_as(actor):
        stored.save()
        if categories is not None:
            stored.categories.set(list(categories))
    project.refresh_from_db()
    return project


# ---------------------------------------------------------------- moves


def _landing_uscc(
    *, institution: Institution, registration: Registration | None
) -> tuple[str | None, dict[str, str]]:
    """The USCC a landing records (None when the institution's own stands), and the errors."""
    errors: dict[str, str] = {}
    if registration is None or registration.date is None:
        errors["registration_date"] = _("A landing needs the date of registration.")
    elif registration.date > timezone.localdate():
        errors["registration_date"] = _("The registration date cannot be in the future.")
    given = (registration.uscc or "").strip() if registration else ""
    if not given:
        if not institution.uscc:
            errors["uscc"] = _(
                "A landing needs the unified social credit code of the registered institution."
            )
        return None, errors
    check = check_uscc(given)
    if institution.uscc and institution.uscc != check.value:
        errors["uscc"] = _(
            "The institution already has the code %(uscc)s; correct it on the institution."
        ) % {"uscc": institution.uscc}
    elif not check.valid and not registration.confirm_uscc:
        errors["uscc"] = _("%(problem)s Confirm to record the code as it is.") % {
            "problem": check.problem
        }
    return (None if institution.uscc else check.value), errors


@transaction.atomic
def project_move(
    *,
    project: Project,
    to: Stage,
    actor: User,
    note: str = "",
    registration: Registration | None = None,
    lost_reason: str = "",
    lost_note: str = "",
    hold_reason: str = "",
    at: datetime.datetime | None = None,
    landing: dict[str, Any] | None = None,
) -> StageChange:
    """Move a project to another stage and keep the change in its history.

    Landing (a won stage) needs a registration date and a USCC; losing needs a reason.
    ``landing`` adds what else the licence says to the "registered" milestone a landing
    records (a ledger's ``registered_capital``, ``registered_capital_currency``,
    ``building``; empty values are left out).
    Moving back is allowed and recorded like any other move; staying put is refused.
    ``at`` dates a move made earlier (a ledger's history, the demo): not in the future, and
    not before the project's last move, so that the history stays in order.
    """
    now = _when(at)
    locked = Project.objects.select_for_update().select_related("stage").get(pk=project.pk)
    if locked.stage_id == to.pk:
        raise ValidationError(_("The project is already at the stage %(stage)s.") % {"stage": to})
    if now < locked.stage_entered_at:
        raise ValidationError(
            _("A move cannot be dated before the project's last move, on %(date)s.")
            % {"date": timezone.localtime(locked.stage_entered_at).strftime("%Y-%m-%d %H:%M")}
        )
    institution = Institution.objects.get(pk=locked.institution_id)
    errors: dict[str, str] = {}
    uscc = registration_date = None
    if to.kind == StageKind.WON:
        uscc, errors = _landing_uscc(institution=institution, registration=registration)
        registration_date = registration.date if registration else None
    elif to.kind == StageKind.LOST:
        if not lost_reason:
            errors["lost_reason"] = _("Say why the project was lost.")
        elif lost_reason not in LostReason.values:
            errors["lost_reason"] = _("Unknown reason: %(reason)s") % {"reason": lost_reason}
        locked.lost_reason, locked.lost_note = lost_reason, lost_note
    elif to.kind == StageKind.HOLD and hold_reason:
        locked.hold_reason = hold_reason
    if errors:
        raise ValidationError(errors)

    undoes_landing = locked.stage.kind == StageKind.WON
    change = StageChange(
        project=locked,
        from_stage=locked.stage,
        to_stage=to,
        changed_at=now,
        actor=actor,
        note=note,
        registration_date=registration_date,
    )
    locked.stage = to
    locked.probability = to.default_probability
    locked.stage_entered_at = now
    locked.version += 1
    locked.full_clean()
    change.full_clean()
    with actor_as(actor):
        locked.save()
        change.save()
        _institution_follow(
            project=locked, stage=to, actor=actor, uscc=uscc, undoes_landing=undoes_landing
        )
        _landing_milestone(
            project=locked, to=to, actor=actor, registration=registration, details=landing
        )
    project.refresh_from_db()
    return change


def _landing_milestone(
    *,
    project: Project,
    to: Stage,
    actor: User,
    registration: Registration | None,
    details: dict[str, Any] | None = None,
) -> None:
    """Keep the project's "registered" milestone in step with its landing.

    Landing records the registration, which is what count targets count; moving the
    project back out of a won stage takes back the registration that landing recorded.
    """
    recorded = Milestone.objects.filter(project=project, kind=MilestoneKind.REGISTERED)
    if to.kind == StageKind.WON:
        if registration is not None and not recorded.exists():
            institution = Institution.objects.get(pk=project.institution_id)
            milestone_record(
                institution=institution,
                kind=MilestoneKind.REGISTERED,
                date=registration.date,
                actor=actor,
                project=project,
                uscc=(registration.uscc or institution.uscc or ""),
                confirm_uscc=registration.confirm_uscc,
                **{k: v for k, v in (details or {}).items() if v not in (None, "")},
            )
    else:
        for milestone in recorded:
            milestone_delete(milestone=milestone, actor=actor)


# ---------------------------------------------------------------- imports


@dataclass
class ProjectDraft:
    """A new project an import creates, standing where its ledger says.

    ``project`` is unsaved and validated by the caller, its ``stage`` the one it stands at
    (not a won one: a landing goes through ``project_move`` with its registration) and its ``probability`` the
    ledger's or the stage's. ``created_at`` and ``moved_at`` date its history as
    ``project_create(at=)`` and ``project_move(at=)`` would; ``None`` is now.
    """

    project: Project
    category_ids: list[int] | None = None  # None: the institution's, as project_create
    created_at: datetime.datetime | None = None
    moved_at: datetime.datetime | None = None


@transaction.atomic
def projects_import(*, drafts: list[ProjectDraft], actor: User, note: str = "") -> list[Project]:
    """Create many projects at once, each with the history and audit trail that
    ``project_create`` and then ``project_move`` to its stage would give it.

    For imports: a project at a time through the services runs some thirty queries; this
    runs a handful per batch, plus one status check per institution.
    """
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    if not drafts:
        return []
    first = first_open_stage()
    if first is None:
        raise ValidationError(_("There is no open stage for a new project to start at."))
    projects = []
    for draft in drafts:
        project = draft.project
        if project.stage.kind == StageKind.WON:
            raise ValueError("a landing goes through project_move, with its registration")
        created = _when(draft.created_at)
        moved = _when(draft.moved_at) if project.stage_id != first.pk else created
        if moved < created:
            raise ValidationError(
                _("A move cannot be dated before the project's last move, on %(date)s.")
                % {"date": timezone.localtime(created).strftime("%Y-%m-%d %H:%M")}
            )
        if project.owner_id is None:
            project.owner = actor
        if project.team_id is None:
            project.team_id = record_team_id(actor=actor, institution=project.institution)
        project.created_at, project.stage_entered_at = created, moved
        projects.append(project)
    created = [project.created_at for project in projects]
    Project.objects.bulk_create(projects, batch_size=1000)
    # auto_now_add stamped them all with now: put back the dates their histories give.
    for project, moment in zip(projects, created, strict=True):
        project.created_at = moment
    Project.objects.bulk_update(projects, ["created_at"], batch_size=1000)

    institution_ids = {p.institution_id for p in projects}
    held: dict[int, list[int]] = {}
    through = Institution.categories.through.objects.filter(institution_id__in=institution_ids)
    for institution_id, category_id in through.values_list("institution_id", "category_id"):
        held.setdefault(institution_id, []).append(category_id)
    links = Project.categories.through
    links.objects.bulk_create(
        [
            links(project_id=draft.project.pk, category_id=category_id)
            for draft in drafts
            for category_id in (
                held.get(draft.project.institution_id, [])
                if draft.category_ids is None
                else draft.category_ids
            )
        ],
        batch_size=1000,
    )
    changes = []
    for project in projects:
        changes.append(
            StageChange(
                project=project,
                from_stage=None,
                to_stage=first,
                changed_at=project.created_at,
                actor=actor,
                note=note,
            )
        )
        if project.stage_id != first.pk:
            changes.append(
                StageChange(
                    project=project,
                    from_stage=first,
                    to_stage=project.stage,
                    changed_at=project.stage_entered_at,
                    actor=actor,
                    note=note,
                )
            )
    StageChange.objects.bulk_create(changes, batch_size=1000)

    # bulk_create sends no signal: the trail is written here, one entry per record.
    entries = []
    audited = (
        (Project, projects, [f.name for f in Project._meta.concrete_fields]),
        (StageChange, changes, ["project", "from_stage", "to_stage", "changed_at", "actor"]),
    )
    for model, records, names in audited:
        content_type = ContentType.objects.get_for_model(model)
        for record in records:
            values = {}
            for name in names:
                value = getattr(record, model._meta.get_field(name).attname)
                if value not in (None, "", []) and name != "id":
                    values[name] = ["None", str(value)]
            entries.append(
                LogEntry(
                    content_type=content_type,
                    object_pk=str(record.pk),
                    object_id=record.pk,
                    object_repr=str(record)[:255],
                    action=LogEntry.Action.CREATE,
                    changes=values,
                    actor=actor if actor is not None and actor.is_authenticated else None,
                )
            )
    LogEntry.objects.bulk_create(entries, batch_size=1000)

    _institutions_follow(projects=projects, actor=actor)
    return projects


def _institutions_follow(*, projects: list[Project], actor: User) -> None:
    """``_institution_follow`` for many new projects (none of them won), in a few queries.

    A landed institution (or one in aftercare) keeps its status; one with a new open or
    on-hold project is in the pipeline; one whose new projects are all lost is lost, unless
    another of its projects is still open or on hold.
    """
    from django.db.models import F

    from core.audit import log_bulk_update

    lively = {StageKind.OPEN, StageKind.HOLD}
    alive_new = {p.institution_id for p in projects if p.stage.kind in lively}
    ids = {p.institution_id for p in projects}
    alive = alive_new | set(
        Project.objects.filter(institution_id__in=ids - alive_new, stage__kind__in=lively)
        .values_list("institution_id", flat=True)
        .distinct()
    )
    moves: dict[tuple[str, str], list[int]] = {}
    statuses = Institution.objects.filter(pk__in=ids).values_list("pk", "status")
    for pk, status in statuses:
        if status in LANDED_STATUSES:
            continue
        after = InstitutionStatus.IN_PIPELINE if pk in alive else InstitutionStatus.LOST
        if after != status:
            moves.setdefault((status, after), []).append(pk)
    for (before, after), pks in moves.items():
        Institution.objects.filter(pk__in=pks).update(status=after, version=F("version") + 1)
        log_bulk_update(
            model=Institution, pks=pks, field="status", before=before, after=after, actor=actor
        )
