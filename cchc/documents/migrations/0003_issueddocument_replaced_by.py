import django.db.models.deletion
from django.db import migrations, models

TARGETS = ("inspection_id", "plan_id", "round_id", "assessment_id")


def link_earlier_issues(apps, schema_editor):
    """Documents issued more than once for one record before re-issuing was said and kept:
    each earlier one is marked as replaced by the next (none is deleted or renumbered)."""
    IssuedDocument = apps.get_model("documents", "IssuedDocument")
    groups: dict[tuple, list] = {}
    for document in IssuedDocument.objects.order_by("issued_on", "pk"):
        key = (document.kind, *(getattr(document, field) for field in TARGETS))
        groups.setdefault(key, []).append(document)
    for documents in groups.values():
        for earlier, later in zip(documents, documents[1:], strict=False):
            IssuedDocument.objects.filter(pk=earlier.pk).update(replaced_by=later.pk)


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0002_documenttemplate_org_unit"),
    ]

    operations = [
        migrations.AddField(
            model_name="issueddocument",
            name="replaced_by",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="replaces",
                to="documents.issueddocument",
                verbose_name="replaced by",
            ),
        ),
        migrations.RunPython(link_earlier_issues, migrations.RunPython.noop),
    ]
