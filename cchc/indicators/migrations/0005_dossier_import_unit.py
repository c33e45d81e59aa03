import django.db.models.deletion
from django.db import migrations, models


def importers_units(apps, schema_editor):
    """An import made before records said whose it was belongs to the highest unit its importer
    keeps (Home Affairs); an administrator's, or a keeper's no more, to nobody's tree."""
    DossierImport = apps.get_model("indicators", "DossierImport")
    Membership = apps.get_model("accounts", "Membership")
    kept: dict[int, int] = {}
    for user_id, unit_id, _path in sorted(
        Membership.objects.filter(role="home_affairs").values_list(
            "user_id", "org_unit_id", "org_unit__path"
        ),
        key=lambda row: (len(row[2]), row[2]),
    ):
        kept.setdefault(user_id, unit_id)
    for record in DossierImport.objects.filter(imported_by__isnull=False).only("imported_by_id"):
        if record.imported_by_id in kept:
            DossierImport.objects.filter(pk=record.pk).update(
                org_unit_id=kept[record.imported_by_id]
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_is_service"),
        ("indicators", "0004_dossier_import_mapped"),
        ("orgunits", "0003_unit_note"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossierimport",
            name="org_unit",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="orgunits.orgunit",
                verbose_name="for the unit",
            ),
        ),
        migrations.RunPython(importers_units, migrations.RunPython.noop),
    ]
