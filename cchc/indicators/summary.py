"""The monthly counts of dossiers (DossierMonth), rebuilt from the dossiers in one statement.

Every import calls `rebuild_dossier_months()` inside its own transaction (all or nothing:
the counts change with the rows or not at all), and so do the demo and the benchmarks after
loading rows in bulk. A full rebuild rather than an incremental one: an updated dossier may
move between months, and one grouped INSERT … SELECT over a million rows takes about a second.

The month is the local one (settings.TIME_ZONE): PostgreSQL converts with the zone's name;
SQLite, which stores UTC text, adds the zone's current offset (Viet Nam has no daylight
saving time, so the offset is exact there).
"""

import datetime

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from cchc.indicators.models import Dossier, DossierMonth

COLUMNS = (
    "org_unit_id, month, received, finished, late, online, late_with_apology, rated, "
    "satisfaction_sum"
)


def _month_expression(vendor: str) -> tuple[str, list[str]]:
    if vendor == "postgresql":
        return "date_trunc('month', received_at AT TIME ZONE %s)::date", [settings.TIME_ZONE]
    offset = timezone.get_current_timezone().utcoffset(datetime.datetime.now())  # noqa: DTZ005
    minutes = int(offset.total_seconds() // 60) if offset else 0
    return f"strftime('%%Y-%%m-01', received_at, '{minutes:+d} minutes')", []


def rebuild_dossier_months(using: str = "default") -> int:
    """Replace every monthly count by a fresh one; return how many (unit, month) rows."""
    connection = connections[using]
    month, params = _month_expression(connection.vendor)
    dossiers = Dossier._meta.db_table
    months = DossierMonth._meta.db_table
    late = "finished_at IS NOT NULL AND due_at IS NOT NULL AND finished_at > due_at"
    select = (
        f"SELECT org_unit_id, {month}, COUNT(*), "  # noqa: S608 - names from the models
        "SUM(CASE WHEN finished_at IS NOT NULL THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {late} THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN channel = 'online' THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {late} AND apology_issued THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN satisfaction IS NOT NULL THEN 1 ELSE 0 END), "
        "COALESCE(SUM(satisfaction), 0) "
        f"FROM {dossiers} GROUP BY 1, 2"
    )
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {months}")  # noqa: S608
        cursor.execute(f"INSERT INTO {months} ({COLUMNS}) {select}", params)  # noqa: S608
        return int(cursor.rowcount)
