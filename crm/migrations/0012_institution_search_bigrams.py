"""The search text's character pairs as a column computed in Python, indexed as it is.

Migration 0009 indexed ``landfall_bigrams(search_text)``, an SQL function that costs about
80 µs a row on every insert (13 s of a 100,000-row import, bench/RESULTS.md). The pairs
are now kept in ``search_bigrams`` by ``Institution.refresh_keys``; on PostgreSQL a GIN
index on ``string_to_array(search_bigrams, ' ')``, a built-in, answers ``has_bigram``.
Existing rows are filled here; the function and its index go.
"""

from itertools import pairwise

from django.db import migrations

import crm.lookups

FUNCTION = r"""
CREATE OR REPLACE FUNCTION landfall_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT b), '{}')
    FROM (SELECT substr(t, i, 2) AS b FROM generate_series(1, char_length(t) - 1) AS i) s
    WHERE b !~ '\s'
$$
"""
BATCH = 5000


def bigrams(text):
    # As crm.lookups.bigrams was when this was written.
    pairs = {a + b for a, b in pairwise(text) if not (a.isspace() or b.isspace())}
    return " ".join(sorted(pairs))


def fill(apps, schema_editor):
    Institution = apps.get_model("crm", "Institution")
    connection = schema_editor.connection
    postgresql = connection.vendor == "postgresql"
    if postgresql:
        # First, or the backfill's updates would keep the function's index as well.
        schema_editor.execute("DROP INDEX IF EXISTS crm_institution_search_bigram")
        schema_editor.execute("DROP FUNCTION IF EXISTS landfall_bigrams(text)")
    rows = Institution.objects.order_by("pk").values_list("pk", "search_text")
    last = 0
    while batch := list(rows.filter(pk__gt=last)[:BATCH]):
        last = batch[-1][0]
        pairs = [(pk, bigrams(text)) for pk, text in batch]
        if postgresql:
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE crm_institution AS i SET search_bigrams = v.pairs "
                    "FROM unnest(%s::bigint[], %s::text[]) AS v(id, pairs) WHERE i.id = v.id",
                    [[pk for pk, _p in pairs], [p for _pk, p in pairs]],
                )
        else:
            Institution.objects.bulk_update(
                [Institution(pk=pk, search_bigrams=p) for pk, p in pairs],
                ["search_bigrams"],
                batch_size=500,
            )
    if postgresql:
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS crm_institution_search_bigrams "
            "ON crm_institution USING gin (string_to_array(search_bigrams, ' '))"
        )


def unfill(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS crm_institution_search_bigrams")
    schema_editor.execute(FUNCTION)
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS crm_institution_search_bigram "
        "ON crm_institution USING gin (landfall_bigrams(search_text))"
    )


class Migration(migrations.Migration):
    dependencies = [("crm", "0011_progress_indexes")]

    operations = [
        migrations.AddField(
            model_name="institution",
            name="search_bigrams",
            field=crm.lookups.BigramField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill, unfill),
    ]
