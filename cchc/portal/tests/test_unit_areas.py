"""A unit's public page breaks its total down so the rows add up: the areas, then the bonus and
penalty sections as the score counts them (capped). Found on a walk: Nam Hà's rows read 77,19
beside a total of 77,69; the 0,5 bonus was missing."""

from decimal import Decimal

from django.core.cache import cache
from django.urls import reverse

from cchc.assessments.models import Round
from cchc.assessments.services.results import ResultRow
from cchc.assessments.tests.factories import ROUND_FRAMEWORK, assessment_of, make_round
from cchc.core.testing import BaseTestCase
from cchc.frameworks.models import Criterion
from cchc.portal import selectors

WITH_SECTIONS = (
    ROUND_FRAMEWORK
    + "TH,,Điểm thưởng,1,sum,bonus,có,không,\n"
    + "TH.1,TH,Sáng kiến,2,manual step=0.5,bonus,có,không,\n"
    + "TR,,Điểm trừ,2,sum,penalty,có,không,\n"
    + "TR.1,TR,Vi phạm,3,manual step=0.5,penalty,có,không,\n"
)


def publish(round_, unit, *, total: str, maximum: str, percent: str, band: str = "") -> None:
    """The round published with one unit's row, first (the rest of its figures as its own)."""
    row = ResultRow(
        org_unit_id=unit.pk,
        unit_name=unit.name,
        unit_code=unit.code,
        total=Decimal(total),
        maximum=Decimal(maximum),
        percent=Decimal(percent),
        self_points=Decimal(total),
        self_max=Decimal(maximum),
        gap=Decimal("0"),
        rank=1,
        band=band,
        band_colour="green" if band else "",
    )
    Round.objects.filter(pk=round_.pk).update(
        status=Round.Status.PUBLISHED, published_results=[row.as_json()]
    )


class UnitAreasTests(BaseTestCase):
    def test_the_rows_add_up_to_the_total_with_bonus_and_penalty(self):
        round_ = make_round(self.cast, text=WITH_SECTIONS)
        code = {c.code: c for c in Criterion.objects.filter(framework=round_.framework)}
        assessment = assessment_of(round_, self.cast.ward_a)
        totals = {
            "1": ("3", "3.5"),
            "2": ("7", "8.5"),
            "TH": ("2", "1"),  # 2 declared, the section gives at most 1
            "TR": ("0.5", "2"),
        }
        assessment.area_totals = {
            str(code[key].pk): {"s": a, "sm": m, "a": a, "am": m, "as": a}
            for key, (a, m) in totals.items()
        }
        assessment.save(update_fields=["area_totals"])
        # 10.5 = 3 + 7 + 1 − 0.5
        publish(round_, self.cast.ward_a, total="10.5", maximum="12", percent="87.50")
        page = selectors.unit_page(self.cast.ward_a)
        shown = [(area.code, area.points, area.section) for area in page.areas]
        assert shown == [
            ("1", Decimal("3"), "normal"),
            ("2", Decimal("7"), "normal"),
            ("TH", Decimal("1"), "bonus"),
            ("TR", Decimal("0.5"), "penalty"),
        ]
        signed = sum(
            -area.points if area.section == "penalty" else area.points for area in page.areas
        )
        assert signed == page.latest.total
        cache.clear()  # the portal keeps pages for a while; an earlier test's page is not this
        html = self.client.get(
            reverse("portal:unit", kwargs={"code": self.cast.ward_a.code})
        ).content.decode()
        assert "+1" in html and "−0,5" in html and "tối đa 1" in html
        # The areas' figures are a column: two places each ("3 / 3,5" beside "85,71" read as
        # figures of different kinds; a walk).
        assert "3,00 / 3,50" in html and "85,71" in html


class PublicMapTests(BaseTestCase):
    def test_the_map_shows_the_rounds_units_of_today_not_those_lying_over_them(self):
        # Found walking the demo: the province's new wards lay over the city's, and a grid of
        # communes a reorganisation had ended sat below, grey, unnamed.
        import datetime

        from cchc.orgunits.models import OrgUnit
        from cchc.orgunits.services import org_unit_create

        square = {"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]]}
        other_tree = org_unit_create(
            actor=None, code="X18100", name="Phường Mới", kind="ward", parent=self.cast.province
        )
        ended = org_unit_create(
            actor=None, code="X18009", name="Xã Cũ", kind="commune", parent=self.cast.city
        )
        OrgUnit.objects.filter(pk=ended.pk).update(active_to=datetime.date(2019, 12, 31))
        OrgUnit.objects.filter(
            pk__in=[self.cast.ward_a.pk, self.cast.ward_b.pk, other_tree.pk, ended.pk]
        ).update(boundary=square)
        round_ = make_round(self.cast)
        publish(round_, self.cast.ward_a, total="85.6", maximum="100", percent="85.60", band="Tốt")
        cache.clear()
        data = self.client.get(reverse("portal:map_data")).json()
        names = sorted(feature["properties"]["name"] for feature in data["features"])
        assert names == sorted([self.cast.ward_a.name, self.cast.ward_b.name])
        texts = [f["properties"]["measures"]["score"]["text"] for f in data["features"]]
        assert "85,60% — Tốt" in texts
