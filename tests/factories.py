"""factory_boy factories shared by the suite."""

from __future__ import annotations

import factory

from accounts.models import Membership, Role, Team, User
from crm.models import Institution, InstitutionType, Ownership

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
