"""Load with faults: 200 officers (two per ward, 100 wards) save scores and upload evidence at
once over real HTTP against gunicorn on PostgreSQL, while a killer sends SIGKILL to a random
worker every 0.7 s, or as often as the workers took to start on a slower machine (the master
starts a new one). Afterwards: every save a client saw
acknowledged is there (or a later attempt of the same client, which may have landed before
its worker died), once; no update to a ward's totals was lost to the other officer's saves
(the stored totals equal a recount of the scores); every acknowledged upload has its record
and its file; after the sweep of files left by killed workers, no file lacks a record.
Prints the counts. PostgreSQL only (SQLite serialises writers: there is nothing to race)."""

import os
import random
import re
import signal
import subprocess
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from cchc.accounts.services import membership_add, user_create
from cchc.assessments.engine import load_tree, self_result
from cchc.assessments.models import Assessment, Evidence, Score
from cchc.assessments.services import round_advance, round_create
from cchc.assessments.tests.factories import ROUND_FRAMEWORK
from cchc.core.roles import Role
from cchc.core.testing import PDF
from cchc.frameworks.models import Criterion
from cchc.frameworks.tests.factories import make_framework
from cchc.orgunits.services import org_unit_create
from tests.httpclient import HttpSession, start_gunicorn, wait_until_serving

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.reliability]

WARDS = int(os.environ.get("LOAD_WARDS", "100"))
SAVES_PER_CRITERION = 3
PASSWORD = "load-test-password-2026"  # noqa: S105
# Officer A of a ward writes area 1, officer B area 2: the ward's totals are shared.
PLAN = {"a": ["1.1", "1.2"], "b": ["2.1", "2.2"]}


def inputs(code: str, n: int) -> dict[str, str]:
    return {
        "1.1": {"answer": "yes" if n % 2 else "no"},
        "1.2": {"count": str(n % 4)},
        "2.1": {"numerator": str(15 + n % 4), "denominator": "18"},
        "2.2": {"numerator": str(n % 5), "denominator": "4"},
    }[code]


class Officer(HttpSession):
    """An officer over HTTP, and what the server acknowledged to them."""

    def __init__(self, port: int, username: str) -> None:
        super().__init__(port)
        self.username = username
        self.acked: dict[str, int] = {}  # criterion code → the last acknowledged attempt
        self.attempts: dict[str, list[int]] = {}
        self.uploads_acked: list[str] = []
        self.versions: dict[str, str] = {}  # criterion code → the version its last answer gave

    def save(self, assessment: int, criterion: Criterion, n: int) -> None:
        prefix = f"c{criterion.pk}-"
        fields = {prefix + key: value for key, value in inputs(criterion.code, n).items()}
        fields[prefix + "explanation"] = f"Lần {n}"
        # As the page does: the version the last answer gave (none before the first save).
        fields[prefix + "version"] = self.versions.get(criterion.code, "")
        self.attempts.setdefault(criterion.code, []).append(n)
        status, text = self.post_form(
            f"/rounds/assessments/{assessment}/criteria/{criterion.pk}/score/", fields
        )
        if status == 200 and f'data-testid="saved-{criterion.code}"' in text:
            self.acked[criterion.code] = n
        found = re.search(rf'name="{prefix}version" value="([^"]*)"', text or "")
        if found:
            self.versions[criterion.code] = found.group(1)

    def upload(self, assessment: int, criterion: Criterion) -> None:
        title = f"Tài liệu {self.username} {uuid.uuid4().hex[:6]}"
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="how"\r\n\r\nupload\r\n',
            f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\n{title}\r\n',
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="tl.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n",
        ]
        body = "".join(parts).encode() + PDF + f"%{title}\r\n--{boundary}--\r\n".encode()
        status, text = self.post(
            f"/rounds/assessments/{assessment}/criteria/{criterion.pk}/evidence/",
            body,
            f"multipart/form-data; boundary={boundary}",
        )
        if status == 200 and title in text:
            self.uploads_acked.append(title)


def build() -> tuple[list[tuple[Officer, int, str]], dict[str, Criterion]]:
    province = org_unit_create(actor=None, code="LT", name="Tỉnh tải", kind="province")
    city = org_unit_create(
        actor=None, code="LT-TP", name="Thành phố tải", kind="city", parent=province
    )
    wards = [
        org_unit_create(
            actor=None, code=f"LT{n:03d}", name=f"Phường tải {n}", kind="ward", parent=city
        )
        for n in range(WARDS)
    ]
    org_unit_create(actor=None, code="H436-TP", name="Phòng Tư pháp", kind="agency", parent=city)
    framework = make_framework(city, text=ROUND_FRAMEWORK, publish=True, name="Bộ tải")
    import datetime

    round_ = round_create(
        actor=None,
        framework=framework,
        organiser=city,
        period="h1",
        year=2026,
        units=wards,
        self_assessment_due_on=datetime.date(2030, 1, 1),
        appraisal_due_on=datetime.date(2030, 2, 1),
        appeals_due_on=datetime.date(2030, 3, 1),
    )
    round_advance(actor=None, round_=round_)
    criteria = {c.code: c for c in Criterion.objects.filter(framework=framework)}
    assessments = dict(Assessment.objects.filter(round=round_).values_list("org_unit_id", "pk"))
    # The server hashes as production does (tests use a fast hasher): one hash for all.
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hashed = PBKDF2PasswordHasher().encode(PASSWORD, "loadtestsalt")
    people = []
    for ward in wards:
        for side in ("a", "b"):
            username = f"lt-{ward.code}-{side}"
            user = user_create(
                actor=None, username=username, password=PASSWORD, password_hash=hashed
            )
            membership_add(actor=None, user=user, role=Role.UNIT_OFFICER, org_unit=ward)
            people.append((username, assessments[ward.pk], side))
    return people, criteria  # type: ignore[return-value]


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="PostgreSQL only"
)
def test_acknowledged_work_survives_workers_killed_at_random():
    people, criteria = build()
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
    server, port = start_gunicorn(
        workers=4,
        options=["--timeout", "30", "--graceful-timeout", "1"],
        log_level="critical",
        environment={
            "DATABASE_URL": url,
            "SECRET_KEY": "load-test-" + "k" * 50,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "AXES_ENABLED": "0",
            "DATABASE_CONN_MAX_AGE": "0",
        },
    )
    kills = 0
    stop = threading.Event()
    try:
        # How long this machine takes to bring workers up decides how often one may be killed:
        # faster than they come back, nothing is served at all (seen on a machine 2.4 times
        # slower than the one this test was written on: 918 kills, 133 saves in 11 minutes).
        boot = wait_until_serving(port)
        every = max(float(os.environ.get("LOAD_KILL_EVERY", "0.7")), boot)
        # Which worker dies is drawn from a seeded generator, printed, so a failure replays.
        seed = int(os.environ.get("LOAD_SEED", "20261206"))
        killer_random = random.Random(seed)  # noqa: S311 - choosing a worker, not a secret
        officers = [Officer(port, username) for username, _a, _s in people]

        def killer() -> None:
            nonlocal kills
            while not stop.wait(every):
                children = subprocess.run(
                    ["pgrep", "-P", str(server.pid)], capture_output=True, text=True, check=False
                ).stdout.split()
                if children:
                    os.kill(int(killer_random.choice(children)), signal.SIGKILL)
                    kills += 1

        def work(officer: Officer, assessment: int, side: str) -> None:
            if not officer.login(officer.username, PASSWORD):
                return  # every try was cut off: this officer did nothing
            codes = PLAN[side]
            for n in range(1, SAVES_PER_CRITERION + 1):
                for code in codes:
                    officer.save(assessment, criteria[code], n)
            officer.upload(assessment, criteria[codes[0]])

        threads = [
            threading.Thread(target=work, args=(officer, assessment, side))
            for officer, (_u, assessment, side) in zip(officers, people, strict=True)
        ]
        killing = threading.Thread(target=killer)
        killing.start()
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        seconds = time.perf_counter() - started
    finally:
        stop.set()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)

    # Every acknowledged save is there (or a later attempt of the same officer), once.
    lost = 0
    acked_saves = 0
    for officer, (_u, assessment, _side) in zip(officers, people, strict=True):
        for code, n in officer.acked.items():
            acked_saves += 1
            scores = list(Score.objects.filter(assessment_id=assessment, criterion=criteria[code]))
            assert len(scores) == 1
            later = [m for m in officer.attempts[code] if m >= n]
            stored = {key: str(value) for key, value in scores[0].inputs.items()}
            if not any(stored == inputs(code, m) for m in later):
                lost += 1
    # No ward's totals lost an update to its other officer's saves.
    stale = 0
    for assessment in Assessment.objects.filter(round__framework__name="Bộ tải").select_related(
        "round"
    ):
        recount = self_result(load_tree(assessment))
        if Decimal(assessment.self_points) != recount.total:
            stale += 1
    # Every acknowledged upload has its record and its file.
    acked_uploads = [title for officer in officers for title in officer.uploads_acked]
    missing = 0
    for title in acked_uploads:
        evidence = Evidence.objects.filter(title=title).first()
        if evidence is None or not Path(evidence.file.path).exists():
            missing += 1
    # Files left by killed workers have no record: the sweep removes them, nothing else.
    from cchc.core.management.commands.sweep_files import orphans

    left = len(orphans(0))
    call_command("sweep_files", older_than=0, verbosity=0)
    records_without_file = sum(
        1 for evidence in Evidence.objects.all() if not Path(evidence.file.path).exists()
    )
    print(
        f"\nload with faults (LOAD_SEED={seed}): {len(officers)} officers, {seconds:.1f} s, "
        f"{kills} workers killed "
        f"(one every {every:.1f} s; the workers took {boot:.1f} s to start), "
        f"{acked_saves} saves acknowledged, {len(acked_uploads)} uploads acknowledged, "
        f"{sum(o.errors for o in officers)} requests cut off, {left} orphan files swept; "
        f"lost saves {lost}, stale totals {stale}, missing uploads {missing}, "
        f"records without file {records_without_file}"
    )
    assert kills > 0 and acked_saves > len(officers)  # the faults happened, work got through
    assert (lost, stale, missing, records_without_file) == (0, 0, 0, 0)
    assert orphans(0) == []
