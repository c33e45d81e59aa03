"""The monthly counts of dossiers (DossierMonth), rebuilt from the dossiers in grouped
INSERT … SELECT statements that count through the figures' own conditions (figures.py).

Every import calls `rebuild_dossier_months(keys)` inside its own transaction (all or nothing:
the counts change with the rows or not at all) with the (unit, month) keys it touched: the
months its rows fall in now and, for the dossiers it updated, the months they fell in before
(a dossier re-imported with another received date or unit leaves its old month). Only those
rows are deleted and counted again; the others keep their ids. Without keys (the demo and the
benchmarks after loading rows in bulk, or an import that touched more than
writing.MAX_TOUCHED_KEYS) every month is rebuilt: one grouped statement over a million rows
takes about a second.

The month is the local one (settings.TIME_ZONE): PostgreSQL converts with the zone's name;
SQLite, which stores UTC text, adds the zone's current offset (Viet Nam has no daylight
saving time, so the offset is exact there).
"""

import datetime
from collections.abc import Iterable
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from cchc.indicators import figures
from cchc.indicators.models import Dossier, DossierMonth

COLUMNS = (
    "org_unit_id, month, received, finished, late, online, late_with_apology, rated, "
    "satisfaction_sum"
)
MonthKey = tuple[int, int, int]  # (unit id, year, month)
KEYS_PER_STATEMENT = 100


def month_expression(vendor: str) -> tuple[str, list[str]]:
    """SQL giving the first day of a dossier's local month (received_at), and its params."""
    if vendor == "postgresql":
        return "date_trunc('month', received_at AT TIME ZONE %s)::date", [settings.TIME_ZONE]
    offset = timezone.get_current_timezone().utcoffset(datetime.datetime.now())  # noqa: DTZ005
    minutes = int(offset.total_seconds() // 60) if offset else 0
    return f"strftime('%%Y-%%m-01', received_at, '{minutes:+d} minutes')", []


def _counted(rows: QuerySet[Dossier], vendor: str) -> QuerySet[Any, Any]:
    """Per unit and local month, the counts DossierMonth keeps: those of the figures that do
    not change with time (an open dossier's, which do, are counted live)."""
    month, params = month_expression(vendor)
    return (
        rows.annotate(month=RawSQL(month, params))  # noqa: S611 - the expression above
        .values("org_unit_id", "month")
        .annotate(
            received=Count("id"),
            finished=Count("id", filter=figures.FINISHED.q()),
            late=Count("id", filter=figures.LATE.q()),
            online=Count("id", filter=figures.ONLINE_RECEIVED.q()),
            late_with_apology=Count("id", filter=figures.LATE_WITH_APOLOGY.q()),
            rated=Count("id", filter=figures.RATED.q()),
            satisfaction_sum=Coalesce(Sum("satisfaction"), 0),
        )
        .order_by()
    )


def _key_filter(keys: Iterable[MonthKey]) -> tuple[Q, Q]:
    """(the dossiers received in these unit-months, the DossierMonth rows of them)."""
    dossiers, months = [], []
    for unit, year, month in keys:
        dossiers.append(
            Q(org_unit_id=unit)
            & figures.received_in(year, month, month)  # the local month's instants
        )
        months.append(Q(org_unit_id=unit, month=datetime.date(year, month, 1)))
    return reduce(or_, dossiers), reduce(or_, months)


def rebuild_dossier_months(using: str = "default", keys: Iterable[MonthKey] | None = None) -> int:
    """Replace the monthly counts of the (unit, year, month) `keys` (None: of every month)
    by fresh ones; return how many (unit, month) rows were written."""
    connection = connections[using]
    table = DossierMonth._meta.db_table
    written = 0
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if keys is None:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
            chunks: list[list[MonthKey] | None] = [None]
        else:
            ordered = sorted(set(keys))
            chunks = [
                ordered[i : i + KEYS_PER_STATEMENT]
                for i in range(0, len(ordered), KEYS_PER_STATEMENT)
            ]
        for chunk in chunks:
            rows = Dossier.objects.using(using).all()
            if chunk is not None:
                dossiers, months = _key_filter(chunk)
                DossierMonth.objects.using(using).filter(months)._raw_delete(using)
                rows = rows.filter(dossiers)
            select, params = _counted(rows, connection.vendor).query.sql_with_params()
            cursor.execute(f"INSERT INTO {table} ({COLUMNS}) {select}", params)  # noqa: S608
            written += int(cursor.rowcount)
    return written


def add_dossier_months(import_id: int, using: str = "default") -> int:
    """Add the counts of the dossiers an import brought in to the monthly counts, when every
    one of them is new (the import updated none): they were counted nowhere, so adding their
    own counts gives what a rebuild would, at the cost of the batch's rows rather than of the
    whole months they fall in (a push of 5,000 of this month's dossiers recounted the month
    each time). One grouped INSERT … SELECT … ON CONFLICT DO UPDATE; returns the rows written."""
    connection = connections[using]
    table = DossierMonth._meta.db_table
    rows = Dossier.objects.using(using).filter(imported_in_id=import_id)
    select, params = _counted(rows, connection.vendor).query.sql_with_params()
    added = ", ".join(
        f"{column} = {table}.{column} + excluded.{column}" for column in COLUMNS.split(", ")[2:]
    )
    with transaction.atomic(using=using), connection.cursor() as cursor:
        # The SELECT has its WHERE: SQLite then reads ON CONFLICT as the upsert's.
        cursor.execute(
            f"INSERT INTO {table} ({COLUMNS}) {select} "  # noqa: S608
            f"ON CONFLICT (org_unit_id, month) DO UPDATE SET {added}",
            params,
        )
        return int(cursor.rowcount)
