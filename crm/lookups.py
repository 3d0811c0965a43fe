"""Database lookups of the register (registered on ``search_text`` in CrmConfig.ready)."""

from __future__ import annotations

from django.db.models import Lookup


class HasBigram(Lookup):
    """``search_text__has_bigram="博远"``: the text holds those two characters side by side.

    Answered by the GIN index of migration 0009 on PostgreSQL. pg_trgm finds no trigram in
    a two-character term, so ``LIKE '%博远%'`` alone reads every row.
    """

    lookup_name = "has_bigram"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"landfall_bigrams({lhs}) @> ARRAY[{rhs}]::text[]", [*lhs_params, *rhs_params]
