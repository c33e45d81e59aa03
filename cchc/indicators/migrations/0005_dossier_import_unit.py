import django.db.models.deletion
from django.db import migrations, models


def importers_units(apps, schema_editor):
    """An import made before records said whose it was belongs to the highest unit its importer
    keeps today (Home Affairs, an active membership); an administrator's, a keeper's no more,
    or one who keeps units of two trees (which one it was made for is not known), to nobody's
    tree: the administrators see it."""
    DossierImport = apps.get_model("indicators", "DossierImport")
    Membership = apps.get_model("accounts", "Membership")
    kept: dict[int, tuple[int, str]] = {}
    two_trees: set[int] = set()
    for user_id, unit_id, path in sorted(
        Membership.objects.filter(role="home_affairs", is_active=True).values_list(
            "user_id", "org_unit_id", "org_unit__path"
        ),
        key=lambda row: (len(row[2]), row[2]),
    ):
        highest = kept.setdefault(user_id, (unit_id, path))
        if not path.startswith(highest[1]):
            two_trees.add(user_id)
    kept = {user: unit for user, unit in kept.items() if user not in two_trees}
    for record in DossierImport.objects.filter(imported_by__isnull=False).only("imported_by_id"):
        if record.imported_by_id in kept:
            DossierImport.objects.filter(pk=record.pk).update(
                org_unit_id=kept[record.imported_by_id][0]
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
