from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("crm", "0007_last_contact_index")]

    operations = [
        migrations.AddIndex(
            model_name="institution",
            index=models.Index(fields=["name_zh", "id"], name="crm_inst_name_zh_id_idx"),
        ),
    ]
