"""Hostile text through the product's text inputs, read back on the pages that show it:
script, event handlers, javascript: links, template syntax, SQL meta-characters and Unicode
tricks are stored as typed and shown as text, never run, never break a query."""

import datetime

import pytest
from django.urls import reverse

from cchc.core.testing import BaseTestCase
from cchc.indicators.services import directive_create
from cchc.inspections.services import findings
from cchc.inspections.tests.factories import approved_inspection, to_status
from cchc.orgunits.services import org_unit_create

pytestmark = pytest.mark.security

PAYLOADS = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "javascript:alert(1)",
    "{{ request.user.password }}{% debug %}",
    "'; DROP TABLE orgunits_orgunit; --",
    "Robert'); SELECT * FROM accounts_user WHERE ('1'='1",
    "\u202egnp.exe",  # right-to-left override
    "Phu\u0301o\u031bng",  # decomposed Vietnamese
    "\u200b<b>zero width</b>",
]
LIVE = ("<script>alert", "<img src=x onerror", "<svg/onload", 'href="javascript:')


def assert_inert(page: str, payload: str) -> None:
    for live in LIVE:
        assert live not in page, (live, payload)


class PayloadTests(BaseTestCase):
    def test_unit_names_directives_and_findings_show_as_text(self):
        units = [
            org_unit_create(
                actor=None,
                code=f"XSS{n}",
                name=f"Xã {payload}",
                kind="commune",
                parent=self.cast.city,
            )
            for n, payload in enumerate(PAYLOADS)
        ]
        for unit, payload in zip(units, PAYLOADS, strict=True):
            directive_create(
                actor=None,
                number=f"{payload}"[:60],
                issued_on=datetime.date(2026, 1, 5),
                content=payload,
                deadline=datetime.date(2026, 2, 5),
                org_unit=unit,
            )
        inspection = to_status(self.cast, approved_inspection(self.cast, year=2026), "visiting")
        for payload in PAYLOADS[:4]:
            findings.finding_create(
                actor=self.inspector,
                inspection=inspection,
                kind="shortcoming",
                topic="iso",
                area=payload,
                text=payload,
                severity="minor",
                root_causes=[
                    findings.root_cause_get_or_create(
                        actor=self.inspector, organiser=self.cast.city, title=payload
                    )
                ],
            )
        self.login("home_affairs")
        pages = [
            reverse("orgunits:unit_list"),
            reverse("indicators:directive_list"),
            inspection.get_absolute_url(),
            reverse("inspections:root_causes"),
            reverse("analytics:inspections") + "?year=2026",
            reverse("analytics:indicators"),
        ]
        for url in pages:
            response = self.client.get(url)
            assert response.status_code == 200, url
            page = response.content.decode()
            for payload in PAYLOADS:
                assert_inert(page, payload)
        # Template syntax is shown as typed: it was never evaluated.
        units_page = self.client.get(reverse("orgunits:unit_list")).content.decode()
        assert "{{ request.user.password }}{% debug %}" in units_page
        # Stored as typed: nothing was lost or mangled on the way in.
        from cchc.orgunits.models import OrgUnit

        assert OrgUnit.objects.filter(name=f"Xã {PAYLOADS[5]}").exists()
        assert OrgUnit.objects.count() >= len(PAYLOADS)
