"""What each list and export shows, row by row, not only its status: ward B's rows never
appear for ward A's officer, and the other province's never for the city's coordinator (the
permission matrix checks who may open a page; this checks what the page then holds). Every
case also asserts the rows the reader should see are there, so an empty page cannot pass.

The rows: a round of the city over wards A and B and one of Vinh (the other province) over
Hưng Bình; a plan of the city visiting A and B and a draft plan of Vinh; a self-assessment
report issued for each of the three wards; dossiers, directives and citizens' feedback of
each; a person of Hưng Bình, who also answered its feedback (an audit line)."""

import csv
import datetime
import io
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cchc.accounts.models import User
from cchc.accounts.services import membership_add, user_create
from cchc.assessments.models import Assessment, Round
from cchc.assessments.services import round_advance, round_create
from cchc.assessments.tests.factories import ROUND_FRAMEWORK, assessment_of, make_round
from cchc.core.roles import Role
from cchc.core.testing import TEST_PASSWORD, BaseTestCase
from cchc.documents.models import IssuedDocument
from cchc.documents.services import issue
from cchc.frameworks.tests.factories import make_framework
from cchc.indicators.models import Dossier
from cchc.indicators.services import directive_create
from cchc.inspections.models import Inspection, InspectionPlan
from cchc.inspections.services import planning
from cchc.inspections.tests.factories import import_checklists, team_ready, year_window
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.services import org_unit_create
from cchc.portal.models import Feedback
from cchc.portal.services import feedback_answer, feedback_submit

pytestmark = pytest.mark.security

YEAR = 2026


class ScopeListTests(BaseTestCase):
    other_city: OrgUnit
    other_ward: OrgUnit
    stranger: User
    wards: dict[str, OrgUnit]
    round: Round
    other_round: Round
    assessments: dict[str, Assessment]
    plan: InspectionPlan
    other_plan: InspectionPlan
    visits: dict[str, Inspection]
    reports: dict[str, IssuedDocument]
    feedback: dict[str, Feedback]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cast = cls.cast
        cls.other_city = org_unit_create(
            actor=None, code="H412", name="Thành phố Vinh", kind="city", parent=cast.other_province
        )
        cls.other_ward = org_unit_create(
            actor=None, code="X16681", name="Phường Hưng Bình", kind="ward", parent=cls.other_city
        )
        cls.stranger = user_create(actor=None, username="canbo.hungbinh", password=TEST_PASSWORD)
        membership_add(
            actor=None, user=cls.stranger, role=Role.UNIT_OFFICER, org_unit=cls.other_ward
        )
        cls.wards = {"a": cast.ward_a, "b": cast.ward_b, "other": cls.other_ward}

        # Rounds: the city's over A and B, Vinh's over Hưng Bình.
        cls.round = make_round(cast)
        framework = make_framework(
            cls.other_city, text=ROUND_FRAMEWORK, publish=True, name="Bộ chỉ số Vinh"
        )
        start = datetime.date(YEAR, 6, 1)
        other_round = round_create(
            actor=None,
            framework=framework,
            organiser=cls.other_city,
            period=Round.Period.H1,
            year=YEAR,
            units=[cls.other_ward],
            self_assessment_due_on=start + datetime.timedelta(days=30),
            appraisal_due_on=start + datetime.timedelta(days=45),
            appeals_due_on=start + datetime.timedelta(days=60),
        )
        cls.other_round = round_advance(actor=None, round_=other_round)
        cls.assessments = {
            "a": assessment_of(cls.round, cast.ward_a),
            "b": assessment_of(cls.round, cast.ward_b),
            "other": assessment_of(cls.other_round, cls.other_ward),
        }

        # Inspections: the city's plan visits A and B; Vinh has a plan of its own.
        import_checklists(cast)
        team_ready(cast)
        plan = planning.plan_get_or_create(actor=None, organiser=cast.city, year=YEAR)
        window = year_window(YEAR)
        for unit in (cast.ward_a, cast.ward_b):
            planning.request_file(
                actor=cast.appraiser,
                plan=plan,
                org_unit=unit,
                topic="tthc",
                agency=cast.agency,
                window_start=window[0],
                window_end=window[1],
            )
        planning.plan_propose(
            actor=cast.home_affairs, plan=plan, earliest=datetime.date(YEAR, 1, 1)
        )
        planning.plan_approve(actor=cast.home_affairs, plan=plan)
        cls.plan = plan
        cls.visits = {
            "a": Inspection.objects.get(plan=plan, org_unit=cast.ward_a),
            "b": Inspection.objects.get(plan=plan, org_unit=cast.ward_b),
        }
        cls.other_plan = planning.plan_get_or_create(
            actor=None, organiser=cls.other_city, year=YEAR
        )

        # The register: each ward's self-assessment report.
        cls.reports = {
            key: issue(
                actor=None,
                kind="self_assessment_report",
                target=assessment,
                signer_name="Chủ tịch",
            )
            for key, assessment in cls.assessments.items()
        }

        # Indicators: one dossier and one directive of each ward.
        received = timezone.make_aware(datetime.datetime(YEAR, 3, 2, 9, 0))
        for key, unit in cls.wards.items():
            Dossier.objects.create(
                code=f"HS-SCOPE-{key.upper()}",
                org_unit=unit,
                channel=Dossier.Channel.ONLINE,
                received_at=received,
                status=Dossier.Status.OPEN,
            )
            directive_create(
                actor=None,
                number=f"{key.upper()}-SCOPE/CT",
                issued_on=datetime.date(YEAR, 2, 1),
                content=f"Chỉ đạo phạm vi {key}",
                deadline=datetime.date(YEAR, 4, 1),
                org_unit=unit,
            )

        # Citizens' feedback to each ward; Hưng Bình's officer answers theirs (an audit line).
        cls.feedback = {
            key: feedback_submit(
                name="Công dân",
                contact="",
                org_unit=unit,
                subject=f"Phản ánh phạm vi {key}",
                text="Nội dung phản ánh.",
                address=f"10.0.0.{index}",
            )
            for index, (key, unit) in enumerate(cls.wards.items(), start=1)
        }
        feedback_answer(
            actor=cls.stranger, feedback=cls.feedback["other"], answer="Đã xử lý.", publish=False
        )
        feedback_answer(
            actor=cast.outsider, feedback=cls.feedback["b"], answer="Đã xử lý.", publish=False
        )

    # --- helpers ---------------------------------------------------------------------------

    def page(self, persona: str, url: str) -> str:
        self.login(persona)
        response = self.client.get(url)
        assert response.status_code == 200, (persona, url, response.status_code)
        return response.content.decode()

    def shows(self, text: str, present: list[str], absent: list[str], where: str) -> None:
        for needle in present:
            assert needle in text, f"{where}: {needle!r} should be listed"
        for needle in absent:
            assert needle not in text, f"{where}: {needle!r} must not be listed"

    def urls(self, objects: dict[str, Any], *keys: str) -> list[str]:
        return [f'href="{objects[key].get_absolute_url()}"' for key in keys]

    # --- scoring ---------------------------------------------------------------------------

    def test_the_rounds_list(self):
        url = reverse("assessments:round_list")
        city, other = self.round.get_absolute_url(), self.other_round.get_absolute_url()
        for persona in ("home_affairs", "ward_officer", "leader", "appraiser"):
            html = self.page(persona, url)
            self.shows(html, [f'href="{city}'], [f'href="{other}'], f"{persona} {url}")

    def test_the_assessments_board(self):
        url = self.round.get_absolute_url()
        html = self.page("ward_officer", url)
        self.shows(html, self.urls(self.assessments, "a"), self.urls(self.assessments, "b"), url)
        html = self.page("home_affairs", url)
        self.shows(html, self.urls(self.assessments, "a", "b"), [], url)
        self.login("home_affairs")
        assert self.client.get(self.other_round.get_absolute_url()).status_code == 404

    def test_the_results_export(self):
        """The ranking's workbook is the round's (no unit has submitted: no row yet); another
        city's round is not found, and a ward reads no ranking before publication."""
        self.login("home_affairs")
        response = self.client.get(reverse("assessments:results_export", args=[self.round.pk]))
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(response.content))
        cells = {
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell
        }
        assert str(self.round) in cells  # the round's own workbook
        assert self.other_ward.name not in cells
        other = reverse("assessments:results_export", args=[self.other_round.pk])
        assert self.client.get(other).status_code == 404
        self.login("ward_officer")
        own = reverse("assessments:results_export", args=[self.round.pk])
        assert self.client.get(own).status_code == 403

    # --- inspections -----------------------------------------------------------------------

    def test_the_inspections_list(self):
        url = reverse("inspections:inspection_list")
        html = self.page("ward_officer", url)
        self.shows(html, self.urls(self.visits, "a"), self.urls(self.visits, "b"), url)
        html = self.page("outsider", url)
        self.shows(html, self.urls(self.visits, "b"), self.urls(self.visits, "a"), url)
        for persona in ("home_affairs", "leader"):
            html = self.page(persona, url)
            plans = {"city": self.plan, "other": self.other_plan}
            self.shows(
                html,
                self.urls(self.visits, "a", "b") + self.urls(plans, "city"),
                self.urls(plans, "other"),
                f"{persona} {url}",
            )

    # --- documents -------------------------------------------------------------------------

    def test_the_documents_register(self):
        url = reverse("documents:register")
        html = self.page("ward_officer", url)
        self.shows(html, self.urls(self.reports, "a"), self.urls(self.reports, "b", "other"), url)
        html = self.page("home_affairs", url)
        self.shows(html, self.urls(self.reports, "a", "b"), self.urls(self.reports, "other"), url)

    # --- indicators ------------------------------------------------------------------------

    def test_the_dossiers(self):
        url = reverse("indicators:dossier_list") + f"?year={YEAR}&period=annual&which=received"
        html = self.page("ward_officer", url)
        self.shows(html, ["HS-SCOPE-A"], ["HS-SCOPE-B", "HS-SCOPE-OTHER"], url)
        html = self.page("home_affairs", url)
        self.shows(html, ["HS-SCOPE-A", "HS-SCOPE-B"], ["HS-SCOPE-OTHER"], url)
        # Asking for another unit's rows by its id is not found.
        self.login("ward_officer")
        assert self.client.get(f"{url}&unit={self.cast.ward_b.pk}").status_code == 404
        self.login("home_affairs")
        assert self.client.get(f"{url}&unit={self.other_ward.pk}").status_code == 404

    def test_the_directives(self):
        url = reverse("indicators:directive_list")
        html = self.page("ward_officer", url)
        self.shows(html, ["A-SCOPE/CT"], ["B-SCOPE/CT", "OTHER-SCOPE/CT"], url)
        html = self.page("home_affairs", url)
        self.shows(html, ["A-SCOPE/CT", "B-SCOPE/CT"], ["OTHER-SCOPE/CT"], url)
        # The coordinator's form offers the city's wards only.
        options = set(re.findall(r'<option value="(\d+)"', html))
        assert {str(self.cast.ward_a.pk), str(self.cast.ward_b.pk)} <= options
        assert str(self.other_ward.pk) not in options

    def test_the_dossier_imports(self):
        """Every coordinator saw every import, with its errors and refused rows: the city's
        read the province's, and another province's dossiers (a new-user walk). An import is
        its importer's and their keepers' above."""
        from django.core.files.base import ContentFile
        from django.core.files.uploadedfile import SimpleUploadedFile

        from cchc.indicators.services import dossier_import_start

        vinh = user_create(actor=None, username="noivu.vinh", password=TEST_PASSWORD)
        membership_add(actor=None, user=vinh, role=Role.HOME_AFFAIRS, org_unit=self.other_city)
        province = user_create(actor=None, username="noivu.tinh", password=TEST_PASSWORD)
        membership_add(
            actor=None, user=province, role=Role.HOME_AFFAIRS, org_unit=self.cast.province
        )
        records = {}
        for key, actor in (("city", self.home_affairs), ("vinh", vinh), ("tinh", province)):
            upload = SimpleUploadedFile(f"{key}-hoso.csv", b"Ma ho so\n", "text/csv")
            record = dossier_import_start(actor=actor, upload=upload, mode="valid")
            record.rejected_file.save(f"{key}.csv", ContentFile(f"{key}-TU-CHOI".encode()))
            records[key] = record
        assert records["vinh"].org_unit == self.other_city
        assert records["tinh"].org_unit == self.cast.province
        seen = {
            "home_affairs": (["city"], ["vinh", "tinh"]),
            "noivu.vinh": (["vinh"], ["city", "tinh"]),
            "noivu.tinh": (["tinh", "city"], ["vinh"]),
            "admin": (["city", "vinh", "tinh"], []),
        }
        for persona, (shown, hidden) in seen.items():
            html = self.page(persona, reverse("indicators:import"))
            self.shows(
                html,
                [f"{key}-hoso.csv" for key in shown],
                [f"{key}-hoso.csv" for key in hidden],
                persona,
            )
            for key in shown:
                detail = reverse("indicators:import_detail", args=[records[key].pk])
                assert self.client.get(detail).status_code == 200, (persona, key)
                rejected = reverse("indicators:import_rejected", args=[records[key].pk])
                response = self.client.get(rejected)
                assert b"".join(response.streaming_content) == f"{key}-TU-CHOI".encode()
            for key in hidden:
                for name in ("indicators:import_detail", "indicators:import_rejected"):
                    url = reverse(name, args=[records[key].pk])
                    assert self.client.get(url).status_code == 404, (persona, name, key)

    def test_the_indicators_exports(self):
        url = reverse(
            "analytics:export",
            kwargs={"page": "indicators", "table": "overdue_by_month", "fmt": "csv"},
        )
        url += f"?year={YEAR}"
        a, b, other = self.cast.ward_a.name, self.cast.ward_b.name, self.other_ward.name
        for persona, present, absent in (
            ("ward_officer", [a], [b, other]),
            ("outsider", [b], [a, other]),
            ("home_affairs", [a, b], [other]),
            ("leader", [a, b], [other]),
        ):
            self.login(persona)
            response = self.client.get(url)
            assert response.status_code == 200, persona
            text = response.content.decode("utf-8-sig")
            units = {row[0] for row in list(csv.reader(io.StringIO(text)))[1:] if row}
            for name in present:
                assert name in units, (persona, name)
            for name in absent:
                assert name not in units, (persona, name)
        # The months of a ward's own file are named for the ward, not "all units".
        monthly = url.replace("overdue_by_month", "city_by_month")
        self.login("ward_officer")
        name = self.client.get(monthly)["Content-Disposition"]
        assert "toan-bo-don-vi" not in name and "tran-phu" in name, name
        self.login("home_affairs")
        assert "toan-bo-don-vi" in self.client.get(monthly)["Content-Disposition"]

    def test_the_progress_export(self):
        """The round's progress, as a CSV: a ward follows its own row only; another city's
        round is not found for the coordinator."""
        url = reverse(
            "analytics:export", kwargs={"page": "progress", "table": "progress", "fmt": "csv"}
        )
        a, b = self.cast.ward_a.name, self.cast.ward_b.name
        for persona, present, absent in (
            ("ward_officer", [a], [b]),
            ("outsider", [b], [a]),
            ("home_affairs", [a, b], []),
        ):
            self.login(persona)
            response = self.client.get(f"{url}?round={self.round.pk}")
            assert response.status_code == 200, persona
            text = response.content.decode("utf-8-sig")
            units = {cell for row in list(csv.reader(io.StringIO(text)))[1:] for cell in row}
            assert set(present) <= units, (persona, units)
            assert not set(absent) & units, (persona, units)
            assert self.other_ward.name not in text, persona
        self.login("home_affairs")
        assert self.client.get(f"{url}?round={self.other_round.pk}").status_code == 404

    # --- citizens' feedback ----------------------------------------------------------------

    def test_the_feedback_list(self):
        url = reverse("feedback:list")
        subjects = {key: feedback.subject for key, feedback in self.feedback.items()}
        html = self.page("ward_officer", url)
        self.shows(html, [subjects["a"]], [subjects["b"], subjects["other"]], url)
        for persona in ("home_affairs", "portal_editor"):
            html = self.page(persona, url)
            self.shows(html, [subjects["a"], subjects["b"]], [subjects["other"]], persona)
        self.login("ward_officer")
        assert self.client.get(self.feedback["b"].get_absolute_url()).status_code == 404

    # --- people, units and the trail -------------------------------------------------------

    def test_the_users_list(self):
        url = reverse("accounts:user_list")
        html = self.page("home_affairs", url)
        ids = {
            name: f'href="{reverse("accounts:user_detail", args=[pk])}"'
            for name, pk in User.objects.values_list("username", "pk")
        }
        self.shows(
            html,
            [ids["ward_officer"], ids["outsider"], ids["appraiser"]],
            [ids["canbo.hungbinh"], ids["admin"]],
            url,
        )

    def test_the_units_the_coordinator_may_change(self):
        """Names and codes are public (the list shows every unit); the coordinator's forms
        offer and accept only the city's."""
        self.login("home_affairs")
        listed = self.client.get(reverse("orgunits:unit_list")).content.decode()
        assert self.other_ward.name in listed
        html = self.page("home_affairs", reverse("orgunits:unit_create"))
        options = set(re.findall(r'<option value="(\d+)"', html))
        assert {str(self.cast.city.pk), str(self.cast.ward_a.pk)} <= options
        assert not {str(self.other_city.pk), str(self.other_ward.pk)} & options
        detail = self.page(
            "home_affairs", reverse("orgunits:unit_detail", args=[self.other_ward.pk])
        )
        assert reverse("orgunits:unit_edit", args=[self.other_ward.pk]) not in detail
        own = self.page("home_affairs", reverse("orgunits:unit_detail", args=[self.cast.ward_b.pk]))
        assert reverse("orgunits:unit_edit", args=[self.cast.ward_b.pk]) in own
        edit = reverse("orgunits:unit_edit", args=[self.other_ward.pk])
        assert self.client.get(edit).status_code == 403

    def test_the_audit_trail(self):
        """The coordinator reads what the city's people did, not what Vinh's did."""
        html = self.page("home_affairs", reverse("core:audit_list"))
        assert "outsider" in html
        assert "canbo.hungbinh" not in html
