"""Change of rank (issue 17, item 17): a two-unit round showed "+12 places" against a round that
ranked forty. A change of rank is counted among the units ranked in both rounds, by one function
(`assessments.services.results.rank_changes`) for the results page, the published table and the
dashboards, and the pages say so when the rounds ranked different units."""

from decimal import Decimal

from django.urls import reverse

from cchc.analytics.results import ranking
from cchc.analytics.tests.test_dashboards import DashboardCase, stored
from cchc.assessments.models import Round
from cchc.assessments.services.results import rank_changes, round_freeze, round_results
from cchc.frameworks.selectors import bands_of


def test_the_same_units_compare_their_ranks_as_they_are():
    changes = rank_changes({1: 1, 2: 2, 3: 2}, {1: 3, 2: 1, 3: 1})
    assert changes.places == {1: 2, 2: -1, 3: -1}
    assert changes.among is None  # the same units: nothing to say


def test_other_units_are_left_out_of_the_comparison_and_it_says_among_how_many():
    # Unit 1 was 13th of forty, unit 2 first; a round of these two alone ranks 1 first.
    before = {1: 13, 2: 1, **{unit: unit for unit in range(3, 41)}}
    changes = rank_changes({1: 1, 2: 2}, before)
    assert changes.places == {1: 1, 2: -1}  # not +12
    assert changes.among == 2
    # Unranked units (appraisal unfinished) are not compared either.
    assert rank_changes({1: 1, 2: None}, {1: 2, 2: 1}).places == {}
    assert rank_changes({1: 1, 2: 2}, {}).places == {}  # no previous round


class RankChangeTests(DashboardCase):
    def rounds(self):
        """6 months, four units: B 85 % first, A and C 70 % second, D 60 % fourth (published).
        9 months, C and D only: D 90 % first, C 80 % second."""
        first = self.make_round(Round.Period.H1, name="6T")
        for unit, points in zip(self.units, (70, 85, 70, 60), strict=True):
            stored(self.of(first, unit), points=points, maximum=100)
        round_freeze(first)
        first.status = Round.Status.PUBLISHED
        first.save()
        second = self.make_round(
            Round.Period.M9, name="9T", previous=first, units=[self.ward_c, self.ward_d]
        )
        stored(self.of(second, self.ward_d), points=90, maximum=100)
        stored(self.of(second, self.ward_c), points=80, maximum=100)
        return first, second

    def test_the_results_table_compares_only_the_units_ranked_in_both_rounds(self):
        _first, second = self.rounds()
        rows = {row.org_unit_id: row for row in round_results(second)}
        c, d = rows[self.ward_c.pk], rows[self.ward_d.pk]
        assert (d.rank, d.previous_rank, c.rank, c.previous_rank) == (1, 4, 2, 2)
        # Among C and D, C was ahead and D is now: one place each way, not "D +3, C =".
        assert (d.rank_change, c.rank_change) == (1, -1)
        assert d.rank_compared_among == c.rank_compared_among == 2

    def test_the_dashboard_counts_the_change_with_the_same_function(self):
        _first, second = self.rounds()
        board = ranking(second, bands=bands_of(second.framework))
        by_unit = {row.org_unit_id: row for row in board.rows}
        assert (by_unit[self.ward_d.pk].rank_change, by_unit[self.ward_c.pk].rank_change) == (
            1,
            -1,
        )
        assert board.rank_compared_among == 2
        self.login("home_affairs")
        page = self.client.get(reverse("analytics:overview"), {"round": second.pk})
        assert "2 đơn vị" in page.content.decode() and "cả hai đợt" in page.content.decode()

    def test_the_results_page_says_among_which_units_the_change_is_counted(self):
        _first, second = self.rounds()
        self.login("home_affairs")
        html = self.client.get(reverse("assessments:results", args=[second.pk])).content.decode()
        assert "2 đơn vị" in html and "cả hai đợt" in html
        # C lost a place among the two: "▼ 1", never "=" (it kept its rank number, 2).
        assert "▼ 1" in html

    def test_rounds_of_the_same_units_say_nothing_more(self):
        first = self.make_round(Round.Period.H1, name="6T")
        for unit, points in zip(self.units, (70, 85, 70, 60), strict=True):
            stored(self.of(first, unit), points=points, maximum=100)
        round_freeze(first)
        first.status = Round.Status.PUBLISHED
        first.save()
        second = self.make_round(Round.Period.M9, name="9T", previous=first)
        for unit, points in zip(self.units, (90, 85, 70, 60), strict=True):
            stored(self.of(second, unit), points=points, maximum=100)
        rows = {row.org_unit_id: row for row in round_results(second)}
        assert rows[self.cast.ward_a.pk].rank_change == 1  # 2nd -> 1st
        assert rows[self.cast.ward_b.pk].rank_change == -1
        assert all(row.rank_compared_among is None for row in rows.values())
        assert ranking(second, bands=bands_of(second.framework)).rank_compared_among is None
        assert Decimal(rows[self.cast.ward_a.pk].percent) == Decimal(90)
