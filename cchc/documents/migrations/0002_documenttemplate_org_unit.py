"""Templates belong to a unit: a template uploaded before this belongs to the unit where its
uploader kept templates (Home Affairs or administrator), else to the top of the tree."""

import django.db.models.deletion
from django.db import migrations, models

KEEPERS = ("system_admin", "home_affairs")


def give_units(apps, schema_editor):
    DocumentTemplate = apps.get_model("documents", "DocumentTemplate")
    Membership = apps.get_model("accounts", "Membership")
    OrgUnit = apps.get_model("orgunits", "OrgUnit")
    top = OrgUnit.objects.filter(parent__isnull=True).order_by("path", "pk").first()
    for template in DocumentTemplate.objects.filter(org_unit__isnull=True):
        membership = (
            Membership.objects.filter(user_id=template.uploaded_by_id, role__in=KEEPERS)
            .order_by("org_unit__path")
            .first()
        )
        unit_id = membership.org_unit_id if membership else (top.pk if top else None)
        if unit_id is None:
            template.delete()  # no unit at all: nothing could have been issued with it
            continue
        template.org_unit_id = unit_id
        template.save(update_fields=["org_unit"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("documents", "0001_initial"),
        ("orgunits", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="documenttemplate",
            name="document_template_version",
        ),
        migrations.AddField(
            model_name="documenttemplate",
            name="org_unit",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="orgunits.orgunit",
                verbose_name="unit",
            ),
        ),
        migrations.RunPython(give_units, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="documenttemplate",
            name="org_unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="orgunits.orgunit",
                verbose_name="unit",
            ),
        ),
        migrations.AddConstraint(
            model_name="documenttemplate",
            constraint=models.UniqueConstraint(
                fields=("kind", "org_unit", "version"), name="document_template_unit_version"
            ),
        ),
    ]
