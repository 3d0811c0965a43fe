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


def plan_targets(*, plan: Plan) -> QuerySet[Target]:
    """The plan's targets in plan order, with the categories they count."""
    return plan.targets.order_by("position").prefetch_related(
        Prefetch("categories", queryset=Category.objects.order_by("position"))
    )


@dataclass
class CategoryIndex:
    """Every category ``user`` may read, loaded once: choices for a select, and subtrees."""

    choices: list[tuple[str, list[tuple[int, str]]]]  # (plan name, [(pk, indented name)])
    children: dict[int | None, list[int]]

    def subtree(self, pk: int) -> set[int]:
        """The category and every category below it."""
        found, stack = set(), [pk]
        while stack:
            current = stack.pop()
            found.add(current)
            stack.extend(self.children.get(current, []))
        return found


def category_index(*, user: User) -> CategoryIndex:
    """The categories of the plans ``user`` may read, newest plan first (one query)."""
    categories = list(
        Category.objects.filter(plan__in=plans_visible_to(user))
        .select_related("plan")
        .order_by("-plan__baseline_date", "plan_id", "position", "pk")
    )
    children: dict[int | None, list[int]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category.pk)
    by_pk = {c.pk: c for c in categories}
    groups: dict[int, tuple[str, list[tuple[int, str]]]] = {}

    def walk(pk: int, depth: int) -> None:
        category = by_pk[pk]
        group = groups.setdefault(category.plan_id, (category.plan.name, []))
        group[1].append((pk, "\u3000" * depth + category.name))
        for child in children.get(pk, []):
            walk(child, depth + 1)

    for root in children.get(None, []):
        walk(root, 0)
    return CategoryIndex(list(groups.values()), children)
