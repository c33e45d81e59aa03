"""Round.published_summary: what the dashboards read of a published round, kept with it.
Rounds published before it get the trend part (a projection of their frozen ranking); their
area figures stay read live (they need the analytics code, which a migration must not call)."""

from django.db import migrations, models


def trend_from_results(apps, schema_editor):
    Round = apps.get_model("assessments", "Round")
    published = Round.objects.filter(published_results__isnull=False, published_summary__isnull=True)
    for pk in list(published.values_list("pk", flat=True)):  # not written while being read
        round_ = Round.objects.get(pk=pk)
        round_.published_summary = {
            "trend": {
                str(row["org_unit_id"]): [row.get("percent"), row.get("gap"), row.get("self_max")]
                for row in round_.published_results
            }
        }
        round_.save(update_fields=["published_summary"])


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0003_appraised_count"),
    ]

    operations = [
        migrations.AddField(
            model_name="round",
            name="published_summary",
            field=models.JSONField(blank=True, null=True, verbose_name="published summary"),
        ),
        migrations.RunPython(trend_from_results, migrations.RunPython.noop),
    ]
