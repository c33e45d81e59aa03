# The trust roots move to core (cchc.core.models.TrustRoot): every app that stores a PDF checks
# its signatures against them (cchc.core.pdfsignatures), and assessments and inspections may
# not import documents. The table is renamed to core's name and the rows stay; core's
# 0004_trustroot takes the model into its state.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0004_signatures"),
    ]

    operations = [
        migrations.AlterModelTable(name="trustroot", table="core_trustroot"),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="TrustRoot")],
            database_operations=[],
        ),
    ]
