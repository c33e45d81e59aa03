"""Pushing dossiers through the API (POST /api/v1/dossiers/batch, batches of 5,000, a client's
bearer token, through Django's whole request path in this process) against the file import of
the same rows (bench_dossiers' CSV through import_dossiers), on an empty table each time.

BENCH_DOSSIERS rows (by default as BENCH_SCALE: city 50,000, province 200,000, nation —
the design size — 1,000,000). Each batch's JSON is made untimed (it is the calling system's
work); what is timed is the request, from the body's bytes to the answer. The aim is an API
at least 0.8 as fast as the file import (rows a second), printed as a ratio."""

import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench_dossiers import (
    CODE_PREFIX,
    ROWS_BY_SCALE,
    bench_units,
    empty_table,
    rows,
    timed_import,
    write_csv,
)
from common import OVER_LIMIT, report
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from cchc.api.services import client_create  # noqa: E402
from cchc.core.roles import Role  # noqa: E402
from cchc.indicators.importers import MAX_PUSHED_RECORDS  # noqa: E402
from cchc.indicators.models import Dossier  # noqa: E402

TARGET_RATIO = 0.8
REPEAT = 2


def batches(count: int, unit_codes: list[str]) -> Iterator[bytes]:
    """The rows as the one-stop-shop software would send them: ISO 8601 times, JSON."""
    items: list[dict] = []
    for row in rows(count, unit_codes):
        code, pcode, pname, unit, word, _ch, received, due, finished, sword, *_ = row
        late, apology_on, satisfaction = row[11], row[12], row[13]
        items.append(
            {
                "code": code,
                "procedure_code": pcode,
                "procedure_name": pname,
                "unit": unit,
                "channel": word,
                "received_at": received.isoformat(),
                "due_at": due.isoformat(),
                "finished_at": finished.isoformat() if finished else None,
                "status": sword,
                "apology": late,
                "apology_on": apology_on.isoformat() if apology_on else None,
                "satisfaction": satisfaction,
            }
        )
        if len(items) == MAX_PUSHED_RECORDS:
            yield json.dumps({"items": items}, ensure_ascii=False).encode()
            items = []
    if items:
        yield json.dumps({"items": items}, ensure_ascii=False).encode()


def push(count: int, unit_codes: list[str], token: str) -> tuple[float, int, int]:
    """Seconds spent in the requests, rows created, requests made."""
    client = Client()
    headers = {"Authorization": f"Bearer {token}"}
    spent = 0.0
    created = requests = 0
    for body in batches(count, unit_codes):
        started = time.perf_counter()
        answer = client.post(
            "/api/v1/dossiers/batch", body, content_type="application/json", headers=headers
        )
        spent += time.perf_counter() - started
        assert answer.status_code == 200, answer.content[:500]
        created += answer.json()["created"]
        requests += 1
    return spent, created, requests


def main() -> int:
    scale = os.environ.get("BENCH_SCALE", "nation")
    count = int(os.environ.get("BENCH_DOSSIERS", ROWS_BY_SCALE.get(scale, 1_000_000)))
    if Dossier.objects.exclude(code__startswith=CODE_PREFIX).exists():
        print("The dossier table is not empty: run this on a throw-away database.")
        return 2
    empty_table()
    province, units = bench_units()
    unit_codes = [unit.code for unit in units]
    token = client_create(
        actor=None,
        name="Một cửa (benchmark)",
        org_unit=province,
        role=Role.HOME_AFFAIRS,
        scopes=["dossiers:write"],
    ).token

    folder = Path(tempfile.mkdtemp(prefix="cchc-bench-api-"))
    path = folder / "ho-so.csv"
    write_csv(path, count, unit_codes)
    # The two ways, each twice and alternately (the machine's load moves; each figure is the
    # better of its two), on an empty table each time. One small push first: a server that
    # has answered once (its code imported, its URLs resolved).
    with override_settings(API_RATE_LIMIT_PER_MINUTE=1_000_000):
        push(10, unit_codes, token)
        empty_table()
        file_runs, api_runs = [], []
        for _attempt in range(REPEAT):
            seconds, record = timed_import(path)
            assert record.created == count, record.created
            file_runs.append(seconds)
            empty_table()
            cache.clear()
            seconds, created, requests = push(count, unit_codes, token)
            assert created == count, created
            assert Dossier.objects.count() == count
            api_runs.append(seconds)
            empty_table()
    path.unlink()
    folder.rmdir()
    seconds_file, seconds_api = min(file_runs), min(api_runs)

    ratio = seconds_file / seconds_api
    report(
        f"api_push_{connection.vendor}",
        {
            "rows": count,
            "batch": MAX_PUSHED_RECORDS,
            "requests": requests,
            "seconds_file_import": seconds_file,
            "rows_per_second_file_import": round(count / seconds_file),
            "seconds_api_push": seconds_api,
            "rows_per_second_api_push": round(count / seconds_api),
            "ms_per_request": 1000 * seconds_api / requests,
            "ratio_api_to_file_import": ratio,
            "runs_file_import": file_runs,
            "runs_api_push": api_runs,
            "target_ratio": TARGET_RATIO,
        },
    )
    return 0 if ratio >= TARGET_RATIO else OVER_LIMIT


if __name__ == "__main__":
    sys.exit(main())
