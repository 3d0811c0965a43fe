"""An index for sorting the register by last contact, on PostgreSQL only.

The list sorts on ``last_contacted_on`` with "never" as the oldest date (NULLS FIRST going
up, NULLS LAST going down) and the pk as tie-break in the same direction; this index,
read forwards or backwards, gives that order without sorting. SQLite cannot create an
index with NULLS FIRST, and needs none at its sizes.
"""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS crm_institution_last_contact "
        "ON crm_institution (last_contacted_on ASC NULLS FIRST, id)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS crm_institution_last_contact")


class Migration(migrations.Migration):
    dependencies = [("crm", "0006_record_teams_and_version")]

    operations = [migrations.RunPython(create_index, drop_index)]
