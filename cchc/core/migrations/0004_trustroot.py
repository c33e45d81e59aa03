# The trust roots, moved from documents (documents/0005_trustroot_to_core renamed the table):
# only the state is created here, the table and its rows are there already.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_worker_heartbeat"),
        ("documents", "0005_trustroot_to_core"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="TrustRoot",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                auto_now_add=True, db_index=True, verbose_name="created at"
                            ),
                        ),
                        (
                            "updated_at",
                            models.DateTimeField(auto_now=True, verbose_name="updated at"),
                        ),
                        ("name", models.CharField(max_length=255, verbose_name="name")),
                        ("certificate", models.TextField(verbose_name="certificate (PEM)")),
                        (
                            "sha256",
                            models.CharField(
                                max_length=64, unique=True, verbose_name="SHA-256 fingerprint"
                            ),
                        ),
                        ("not_after", models.DateTimeField(verbose_name="valid until")),
                        ("is_active", models.BooleanField(default=True, verbose_name="in use")),
                        (
                            "uploaded_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="uploaded by",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "trust root",
                        "verbose_name_plural": "trust roots",
                        "ordering": ["name"],
                    },
                ),
            ],
        ),
    ]
