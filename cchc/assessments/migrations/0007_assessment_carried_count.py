from django.db import migrations, models
from django.db.models import Count


def count_what_is_carried(apps, schema_editor):
    """Each assessment's values carried over and not confirmed yet, counted once."""
    Assessment = apps.get_model("assessments", "Assessment")
    Score = apps.get_model("assessments", "Score")
    counts = (
        Score.objects.filter(is_carried_over=True)
        .values_list("assessment_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for assessment_id, n in counts:
        Assessment.objects.filter(pk=assessment_id).update(carried_count=n)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0006_appeal_contested_points"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessment",
            name="carried_count",
            field=models.PositiveIntegerField(
                default=0, verbose_name="values carried over to confirm"
            ),
        ),
        migrations.RunPython(count_what_is_carried, migrations.RunPython.noop),
    ]
