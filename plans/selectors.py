"""Reads on plans. Plans are reference data that every signed-in user may read."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from accounts.models import User

from .models import Category, Plan, Target


def plans_visible_to(user: User) -> QuerySet[Plan]:
    """The plans ``user`` may read: all of them, for any signed-in user."""
    if not user.is_authenticated:
        return Plan.objects.none()
    return Plan.objects.all()


def plan_list(*, user: User) -> QuerySet[Plan]:
    """Plans for the plan index, newest first."""
    return plans_visible_to(user).order_by("-baseline_date")


@dataclass
class CategoryNode:
    category: Category
    depth: int
    children: list[CategoryNode] = field(default_factory=list)


def category_tree(*, plan: Plan) -> list[CategoryNode]:
    """The plan's categories as a tree of nodes, in file order (one query)."""
    nodes = {c.pk: CategoryNode(c, 0) for c in Category.objects.filter(plan=plan)}
    roots: list[CategoryNode] = []
    for node in nodes.values():
        parent = nodes.get(node.category.parent_id)
        (parent.children if parent else roots).append(node)

    def set_depth(items: list[CategoryNode], depth: int) -> None:
        for item in items:
            item.depth = depth
            set_depth(item.children, depth + 1)

    set_depth(roots, 0)
    return roots


def category_descendant_ids(*, category: Category) -> set[int]:
    """The category and every category below it (one query)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Category.objects.filter(plan_id=category.plan_id).values_list(
        "pk", "parent_id"
    ):
        children.setdefault(parent_id, []).append(pk)
    found, stack = set(), [category.pk]
    while stack:
        pk = stack.pop()
        found.add(pk)
        stack.extend(children.get(pk, []))
    return found


def plan_targets(*, plan: Plan) -> QuerySet[Target]:
    """The plan's targets in plan order, with the categories they count."""
    return plan.targets.order_by("position").prefetch_related(
        Prefetch("categories", queryset=Category.objects.order_by("position"))
    )
