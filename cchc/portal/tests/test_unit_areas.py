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
        row = ResultRow(
            org_unit_id=self.cast.ward_a.pk,
            unit_name=self.cast.ward_a.name,
            unit_code=self.cast.ward_a.code,
            total=Decimal("10.5"),  # 3 + 7 + 1 − 0.5
            maximum=Decimal("12"),
            percent=Decimal("87.50"),
            self_points=Decimal("10.5"),
            self_max=Decimal("12"),
            gap=Decimal("0"),
            rank=1,
            band="",
            band_colour="",
        )
        Round.objects.filter(pk=round_.pk).update(
            status=Round.Status.PUBLISHED, published_results=[row.as_json()]
        )
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
