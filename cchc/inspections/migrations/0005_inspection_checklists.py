from django.db import migrations, models


def pin_the_versions_used(apps, schema_editor):
    """Each visit past its planning keeps the checklist of each topic it used: the one its
    verdicts were given on, else the one its members' sections name, else the one in use now
    (the newest active version issued at or above its organiser)."""
    Inspection = apps.get_model("inspections", "Inspection")
    Checklist = apps.get_model("inspections", "Checklist")
    ItemResult = apps.get_model("inspections", "ItemResult")
    TeamMember = apps.get_model("inspections", "TeamMember")
    for inspection in Inspection.objects.exclude(status="planned").select_related(
        "plan__organiser"
    ):
        chosen: dict[str, int] = {}
        # Per topic, the version holding most of the visit's verdicts (a new version imported
        # during a visit may hold some).
        used = (
            ItemResult.objects.filter(inspection=inspection)
            .values_list("item__checklist__topic", "item__checklist_id")
            .annotate(n=models.Count("pk"))
            .order_by("-n")
        )
        for topic, checklist_id, _n in used:
            chosen.setdefault(topic, checklist_id)
        named = {
            int(section.partition(":")[0])
            for sections in TeamMember.objects.filter(inspection=inspection).values_list(
                "sections", flat=True
            )
            for section in sections or []
            if section.partition(":")[0].isdigit()
        }
        for checklist in Checklist.objects.filter(pk__in=named):
            chosen.setdefault(checklist.topic, checklist.pk)
        ancestors = [
            int(part) for part in inspection.plan.organiser.path.strip("/").split("/") if part
        ]
        for checklist in Checklist.objects.filter(
            issuer_id__in=ancestors, is_active=True, topic__in=inspection.topics
        ).order_by("topic", "-issuer__path", "-version"):
            chosen.setdefault(checklist.topic, checklist.pk)
        inspection.checklists.set(
            [chosen[topic] for topic in inspection.topics if topic in chosen]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0004_inspectionfile_signature_check"),
    ]

    operations = [
        migrations.AddField(
            model_name="inspection",
            name="checklists",
            field=models.ManyToManyField(
                blank=True,
                related_name="inspections",
                to="inspections.checklist",
                verbose_name="checklists used",
            ),
        ),
        migrations.RunPython(pin_the_versions_used, migrations.RunPython.noop),
    ]
