"""A trigram index for the register's search box, on PostgreSQL only.

``search_text`` is searched with ``LIKE '%…%'``; pg_trgm lets PostgreSQL answer that from
an index instead of reading every row. SQLite, the local default, scans, which is fine at
its sizes. Creating the extension needs a role allowed to (see docs/deployment.md).
"""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS crm_institution_search_trgm "
        "ON crm_institution USING gin (search_text gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS crm_institution_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("crm", "0004_register_links")]

    operations = [migrations.RunPython(create_index, drop_index)]
