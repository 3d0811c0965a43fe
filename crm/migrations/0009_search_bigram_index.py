"""A second index for the search box, for two-character terms, on PostgreSQL only.

The trigram index (0005) cannot answer ``LIKE '%博远%'``: pg_trgm finds no trigram in a
two-character pattern, and two characters is how long most Chinese short names are. This
indexes the set of adjacent character pairs of ``search_text``; ``HasBigram`` in
crm/selectors.py queries it. No extension is needed.
"""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION landfall_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT b), '{}')
    FROM (SELECT substr(t, i, 2) AS b FROM generate_series(1, char_length(t) - 1) AS i) s
    WHERE b !~ '\s'
$$
"""


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS crm_institution_search_bigram "
        "ON crm_institution USING gin (landfall_bigrams(search_text))"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS crm_institution_search_bigram")
    schema_editor.execute("DROP FUNCTION IF EXISTS landfall_bigrams(text)")


class Migration(migrations.Migration):
    dependencies = [("crm", "0008_name_zh_id_index")]

    operations = [migrations.RunPython(create_index, drop_index)]
