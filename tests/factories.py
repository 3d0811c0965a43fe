"""factory_boy factories shared by the suite."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from accounts.models import Membership, Role, Team, User
from crm.models import (
    Building,
    Contact,
    FollowUp,
    Institution,
    InstitutionType,
    LawfulBasis,
    Ownership,
)
from crm.services import institution_save

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"招商{n}部")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = Role.OFFICER


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    name_zh = factory.Sequence(lambda n: f"测试{n}资产管理有限公司")
    name_en = factory.Sequence(lambda n: f"Test {n} Asset Management Co., Ltd.")
    institution_type = InstitutionType.PUBLIC_FUND
    ownership = Ownership.WFOE
    country = "US"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Through the service, so that name keys and search text are filled as in use.
        return institution_save(institution=model_class(*args, **kwargs))


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    name_zh = factory.Sequence(lambda n: f"陆家嘴{n}号大厦")
    name_en = factory.Sequence(lambda n: f"Lujiazui Tower {n}")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    title = "总经理"
    email = factory.Sequence(lambda n: f"contact{n}@example.com")
    phone = "+86 21 5000 0000"
    lawful_basis = LawfulBasis.PUBLIC


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    title = "寄送政策材料"
    assignee = factory.SubFactory(UserFactory)
    due_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=3))
    institution = factory.SubFactory(InstitutionFactory)


def milestone(institution, kind, date, **fields):
    """Record a milestone straight into the table, as an import of old ledgers would."""
    from crm.models import Milestone

    defaults = {
        "registered": {"uscc": ""},
        "licensed": {"licence_type": "金融许可证", "regulator": "nfra"},
        "recognised": {"recognition": "跨国公司地区总部认定", "recognised_by": "市商务委"},
        "exited": {"exit_kind": "moved-out"},
    }[kind]
    return Milestone.objects.create(
        institution=institution, kind=kind, date=date, **{**defaults, **fields}
    )


class ProjectFactory(factory.django.DjangoModelFactory):
    """A project made through ``project_create``, at the first open stage with its history."""

    class Meta:
        model = "pipeline.Project"

    institution = factory.SubFactory(InstitutionFactory)
    title = factory.Sequence(lambda n: f"设立子公司{n}")
    owner = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from pipeline.services import project_create

        return project_create(actor=kwargs["owner"], **kwargs)
