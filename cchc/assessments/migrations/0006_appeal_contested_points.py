"""Appeal.contested_points: the appraised score a unit contested, kept with its appeal (a
decision changes the score, and the appeals tables showed the new figure as the one contested).
Appeals filed before it: a pending one contests the score as it stands; a decided one, the
score before the decision as its audit line ("appeal.decide", before) recorded; None if none."""

from decimal import Decimal, InvalidOperation

from django.db import migrations, models


def contested_from_history(apps, schema_editor):
    Appeal = apps.get_model("assessments", "Appeal")
    AuditEvent = apps.get_model("core", "AuditEvent")
    before = {
        object_id: (event_before or {}).get("appraised_points")
        for object_id, event_before in AuditEvent.objects.filter(
            action="appeal.decide", object_type="assessments.appeal"
        ).values_list("object_id", "before")
    }
    for appeal in Appeal.objects.filter(contested_points__isnull=True).select_related("score"):
        if appeal.status == "pending":
            points = appeal.score.appraised_points
        else:
            try:
                points = Decimal(before.get(str(appeal.pk)) or "")
            except InvalidOperation:  # no audit line, or "None"
                continue
        if points is not None:
            Appeal.objects.filter(pk=appeal.pk).update(contested_points=points)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0005_evidence_signature_check"),
        ("core", "0002_audit_append_only_trigger"),
    ]

    operations = [
        migrations.AddField(
            model_name="appeal",
            name="contested_points",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                max_digits=8,
                null=True,
                verbose_name="appraised score contested",
            ),
        ),
        migrations.RunPython(contested_from_history, migrations.RunPython.noop),
    ]
