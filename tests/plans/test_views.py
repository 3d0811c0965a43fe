from __future__ import annotations

import html
import re

from django.urls import reverse

from plans.models import Target


def row_of(page: str, code: str) -> str:
    match = re.search(rf'<tr data-target="{code}">(.*?)</tr>', page, re.S)
    assert match, code
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))))


def test_the_plan_page_lists_every_target_with_baseline_target_and_due_date(client_in, plan):
    page = client_in.get(reverse("plans:detail", args=[plan.code])).content.decode()
    for target in Target.objects.filter(plan=plan):
        assert f'data-target="{target.code}"' in page
    licensed = row_of(page, "licensed-financial-institutions")
    assert "持牌类金融机构" in licensed
    assert " 901 " in licensed
    assert "> 1,000" in licensed
    assert "2025-12-31" in licensed
    hq = row_of(page, "regional-hq")
    assert " 124 " in hq
    assert "≥ 200" in hq
    assert "未公布" in row_of(page, "retail-sales")  # no baseline published


def test_the_plan_page_shows_the_category_tree(client_in, plan):
    page = client_in.get(reverse("plans:detail", args=[plan.code])).content.decode()
    page = page[page.index('data-testid="category-tree"') :]
    texts = [t.strip() for t in re.findall(r">([^<>]+)<", page) if t.strip()]
    assert texts.index("六大服务经济") < texts.index("资产管理") < texts.index("融资租赁")
    assert "跨国公司地区总部" in page


def test_the_plan_page_reads_in_english(client_in, user, plan):
    user.language = "en"
    user.save()
    page = client_in.get(reverse("plans:detail", args=[plan.code])).content.decode()
    licensed = row_of(page, "licensed-financial-institutions")
    assert "Licensed financial institutions" in licensed
    assert "Licensed / opened" in licensed
    assert "not published" in row_of(page, "retail-sales")


def test_the_plan_index_opens_the_only_plan(client_in, plan):
    response = client_in.get(reverse("plans:index"))
    assert response["Location"] == plan.get_absolute_url()


def test_an_unknown_plan_is_a_translated_404(client_in, plan):
    response = client_in.get("/plans/no-such-plan/")
    assert response.status_code == 404
    assert "没有这个页面" in response.content.decode()


def test_the_plan_page_takes_a_fixed_number_of_queries(
    client_in, plan, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        client_in.get(reverse("plans:detail", args=[plan.code]))
