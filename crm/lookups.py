"""The adjacent character pairs of the search text, and the lookup that searches them.

pg_trgm finds no trigram in a two-character term, so ``LIKE '%博远%'`` alone reads every
row, and two characters is how long most Chinese short names are. ``Institution`` keeps
the pairs of its ``search_text`` in ``search_bigrams`` (computed in Python when the search
text is); on PostgreSQL a GIN index on ``string_to_array(search_bigrams, ' ')`` (migration
``crm/0012``) answers ``search_bigrams__has_bigram="博远"``.
"""

from __future__ import annotations

from operator import add

from django.db import models
from django.db.models import Lookup


def bigrams(text: str) -> str:
    """The distinct adjacent character pairs of ``text`` that hold no whitespace, sorted
    and joined with spaces: ``"ab ab\\nc"`` gives ``"ab"``.

    Whitespace is Python's, as ``str.split()`` (and so the search box's terms) has it: every
    two-character term found in ``text`` is one of its pairs.
    """
    pairs: set[str] = set()
    for word in text.split():
        pairs.update(map(add, word, word[1:]))
    return " ".join(sorted(pairs))


class HasBigram(Lookup):
    """``search_bigrams__has_bigram="博远"``: the text held those two characters side by side.

    Answered by the GIN index of migration ``crm/0012`` on PostgreSQL; elsewhere it reads
    every row (SQLite, at a laptop's sizes).
    """

    lookup_name = "has_bigram"

    def process_lhs(self, compiler, connection, lhs=None):
        # Pairs only: on the search text itself the lookup would find nothing, silently.
        if not isinstance(self.lhs.output_field, BigramField):
            raise TypeError("has_bigram applies to a BigramField (Institution.search_bigrams).")
        return super().process_lhs(compiler, connection, lhs)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        # The expression of the index, as written there: the planner matches it literally.
        sql = f"string_to_array({lhs}, ' ') @> ARRAY[{rhs}]::text[]"
        return sql, [*lhs_params, *rhs_params]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        sql = f"INSTR(' ' || {lhs} || ' ', ' ' || {rhs} || ' ') > 0"
        return sql, [*lhs_params, *rhs_params]


class BigramField(models.TextField):
    """A text of space-separated character pairs (``bigrams``), searchable with ``has_bigram``."""


BigramField.register_lookup(HasBigram)
