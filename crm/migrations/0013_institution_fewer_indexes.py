"""Fewer indexes on the register: each one is paid on every insert (bench/RESULTS.md).

Dropped: the LIKE-pattern copies that ``db_index=True`` adds on PostgreSQL for names,
name keys and status (nothing searches them by prefix), the name_zh btree that
``crm_inst_name_zh_id_idx`` covers, and the owner and team btrees that the
(owner, last_contacted_on) and (team, name_zh) indexes cover.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('crm', '0012_institution_search_bigrams'),
        ('plans', '0002_bilingual_notes_and_labels'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='institution',
            name='name_en',
            field=models.CharField(blank=True, max_length=200, verbose_name='English name'),
        ),
        migrations.AlterField(
            model_name='institution',
            name='name_key_en',
            field=models.CharField(blank=True, editable=False, max_length=200),
        ),
        migrations.AlterField(
            model_name='institution',
            name='name_key_zh',
            field=models.CharField(blank=True, editable=False, max_length=200),
        ),
        migrations.AlterField(
            model_name='institution',
            name='name_zh',
            field=models.CharField(blank=True, max_length=200, verbose_name='Chinese name'),
        ),
        migrations.AlterField(
            model_name='institution',
            name='owner',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='owned_institutions', to=settings.AUTH_USER_MODEL, verbose_name='owner'),
        ),
        migrations.AlterField(
            model_name='institution',
            name='status',
            field=models.CharField(choices=[('prospect', 'Prospect'), ('in-pipeline', 'In the pipeline'), ('landed', 'Landed'), ('aftercare', 'Aftercare'), ('lost', 'Lost')], default='prospect', max_length=20, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='institution',
            name='team',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='institutions', to='accounts.team', verbose_name='team'),
        ),
        migrations.AddIndex(
            model_name='institution',
            index=models.Index(fields=['name_en'], name='crm_inst_name_en_idx'),
        ),
        migrations.AddIndex(
            model_name='institution',
            index=models.Index(fields=['status'], name='crm_inst_status_idx'),
        ),
        migrations.AddIndex(
            model_name='institution',
            index=models.Index(fields=['name_key_zh'], name='crm_inst_name_key_zh_idx'),
        ),
        migrations.AddIndex(
            model_name='institution',
            index=models.Index(fields=['name_key_en'], name='crm_inst_name_key_en_idx'),
        ),
    ]
