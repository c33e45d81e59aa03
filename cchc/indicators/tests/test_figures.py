"""One definition of each figure (cchc.indicators.figures), and everything that counts agrees
with it row by row: the indicator page (its counts and the rows behind each), the dashboard's
months, the inputs a criterion takes from a data source, and the directives' counts and
states. Dossiers are generated around the edges: received on a period's last instant or the
next one, due exactly at the cut-off, finished a second before or after the due time, no due
or finished time, statuses that disagree with the dates."""

import datetime
from decimal import Decimal

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from cchc.analytics.indicators import overdue_by_month
from cchc.core.points import round_points
from cchc.core.testing import BaseTestCase
from cchc.frameworks.sources import DataSource
from cchc.indicators import figures
from cchc.indicators.models import Directive, Dossier
from cchc.indicators.periods import LAST_MONTH, period_range
from cchc.indicators.selectors import (
    dossier_rows,
    figures_for_units,
    overdue_rates,
    source_inputs,
)
from cchc.indicators.summary import rebuild_dossier_months
from cchc.indicators.templatetags.indicators import inputs_text

YEAR = 2024  # a past year: its figures are as of each period's end, whatever today is
SECOND = datetime.timedelta(seconds=1)


def local(*parts):
    return timezone.make_aware(datetime.datetime(*parts))


ANCHORS = [
    local(YEAR, 1, 1, 0, 0),
    local(YEAR, 3, 15, 9, 0),
    local(YEAR, 6, 30, 23, 59, 59),  # the first half's last second
    local(YEAR, 7, 1, 0, 0),  # the second half's first
    local(YEAR, 12, 31, 23, 30),  # still this year in Hà Tĩnh, already 16:30 UTC
    local(YEAR - 1, 12, 31, 23, 59, 59),  # last year: never counted
]
H1_END, YEAR_END = local(YEAR, 7, 1), local(YEAR + 1, 1, 1)
OFFSETS = [datetime.timedelta(0), SECOND, datetime.timedelta(hours=3), datetime.timedelta(days=40)]

dossier_strategy = st.fixed_dictionaries(
    {
        "received": st.sampled_from(ANCHORS),
        "received_offset": st.sampled_from(OFFSETS),
        # None, after the received time, or exactly a period's cut-off.
        "due": st.one_of(
            st.none(), st.sampled_from(OFFSETS), st.sampled_from(["h1_end", "year_end"])
        ),
        # None, or around the due time (the received time when there is none).
        "finished": st.one_of(st.none(), st.sampled_from([-SECOND, datetime.timedelta(0), SECOND])),
        "status": st.sampled_from(list(Dossier.Status.values)),
        "unit": st.booleans(),
        "online": st.booleans(),
        "apology": st.booleans(),
        "satisfaction": st.one_of(st.none(), st.integers(1, 5)),
    }
)

directive_strategy = st.fixed_dictionaries(
    {
        "deadline": st.sampled_from(
            [
                datetime.date(YEAR, 1, 10),
                datetime.date(YEAR, 6, 30),
                datetime.date(YEAR, 7, 1),
                datetime.date(YEAR, 12, 31),
            ]
        ),
        "completed": st.one_of(st.none(), st.integers(-2, 2)),  # days from the deadline
        "unit": st.booleans(),
    }
)


class FigureAgreementTests(HypothesisTestCase, BaseTestCase):
    def make(self, dossiers, directives):
        units = (self.cast.ward_a, self.cast.ward_b)
        rows = []
        for i, spec in enumerate(dossiers):
            received = spec["received"] + spec["received_offset"]
            due = spec["due"]
            if due == "h1_end":
                due = H1_END
            elif due == "year_end":
                due = YEAR_END
            elif due is not None:
                due = received + due
            finished = None
            if spec["finished"] is not None:
                finished = max(received, (due or received) + spec["finished"])
            rows.append(
                Dossier(
                    code=f"F{i}",
                    org_unit=units[spec["unit"]],
                    channel=Dossier.Channel.ONLINE if spec["online"] else Dossier.Channel.POST,
                    received_at=received,
                    due_at=due,
                    finished_at=finished,
                    status=spec["status"],
                    apology_issued=spec["apology"],
                    satisfaction=spec["satisfaction"],
                )
            )
        Dossier.objects.bulk_create(rows)
        rebuild_dossier_months()
        for i, spec in enumerate(directives):
            completed = spec["completed"]
            Directive.objects.create(
                number=f"CT{i}",
                issued_on=datetime.date(YEAR, 1, 1),
                content="…",
                deadline=spec["deadline"],
                org_unit=units[spec["unit"]],
                completed_on=(
                    None
                    if completed is None
                    else max(
                        datetime.date(YEAR, 1, 1), spec["deadline"] + datetime.timedelta(completed)
                    )
                ),
            )
        return units, list(Dossier.objects.all())

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(dossier_strategy, max_size=14), st.lists(directive_strategy, max_size=6))
    def test_every_count_agrees_with_the_one_definition(self, dossiers, directives):
        units, rows = self.make(dossiers, directives)
        unit_ids = [unit.pk for unit in units]
        for period in ("h1", "annual"):
            last_month = LAST_MONTH[period]
            as_of = figures.cutoff(YEAR, last_month)
            assert as_of == (H1_END if period == "h1" else YEAR_END)
            window = (figures.month_start(YEAR, 1), figures.month_start(YEAR, last_month + 1))
            page = figures_for_units(unit_ids, YEAR, period)
            rates = overdue_rates(unit_ids, YEAR, period)
            for unit in units:
                mine = [
                    d
                    for d in rows
                    if d.org_unit_id == unit.pk and window[0] <= d.received_at < window[1]
                ]

                def count(figure, mine=mine, as_of=as_of):
                    return sum(figure.holds(d, as_of) for d in mine)

                got = page[unit.pk]
                expected = {
                    "received": count(figures.RECEIVED),
                    "finished": count(figures.FINISHED),
                    "on_time": count(figures.ON_TIME),
                    "late": count(figures.LATE),
                    "open_past_due": count(figures.OPEN_PAST_DUE),
                    "overdue": count(figures.OVERDUE),
                    "online": count(figures.ONLINE_RECEIVED),
                    "late_with_apology": count(figures.APOLOGY),
                    "rated": count(figures.RATED),
                }
                assert {name: getattr(got, name) for name in expected} == expected, period
                rated, total = figures.satisfaction(mine)
                assert got.satisfaction == (round_points(Decimal(total) / rated) if rated else None)
                assert rates.get(unit.pk) == got.overdue_rate  # the map's colours
                # The rows behind each figure are the rows the definition picks.
                for name, figure in figures.DOSSIER_FIGURES.items():
                    listed = set(
                        dossier_rows(
                            unit_ids=[unit.pk], year=YEAR, period=period, which=name
                        ).values_list("code", flat=True)
                    )
                    assert listed == {d.code for d in mine if figure.holds(d, as_of)}, name
                # The criteria's inputs.
                inputs = {
                    source: source_inputs(source, got)[0]
                    for source in (
                        DataSource.DOSSIERS_ON_TIME,
                        DataSource.DOSSIERS_ONLINE,
                        DataSource.DOSSIERS_APOLOGY,
                        DataSource.DOSSIERS_OVERDUE,
                    )
                }

                def rate(part, whole):
                    return (
                        {"numerator": str(count(part)), "denominator": str(count(whole))}
                        if count(whole)
                        else None
                    )

                assert inputs == {
                    DataSource.DOSSIERS_ON_TIME: rate(figures.ON_TIME, figures.FINISHED),
                    DataSource.DOSSIERS_ONLINE: rate(figures.ONLINE_RECEIVED, figures.RECEIVED),
                    DataSource.DOSSIERS_APOLOGY: rate(figures.APOLOGY, figures.OVERDUE),
                    DataSource.DOSSIERS_OVERDUE: (
                        {"count": str(count(figures.OVERDUE))} if mine else None
                    ),
                }
                # Directives due in the period (by their deadline), as of its end.
                due = [
                    d
                    for d in Directive.objects.filter(org_unit=unit)
                    if d.deadline.year == YEAR and d.deadline.month <= last_month
                ]
                directive_as_of = figures.directive_cutoff(period_range(YEAR, period)[1])

                def directives_that(figure, due=due, as_of=directive_as_of):
                    return sum(figure.holds(d, as_of) for d in due)

                assert (got.directives_due, got.directives_on_time, got.directives_late) == (
                    len(due),
                    directives_that(figures.DIRECTIVE_DONE_ON_TIME),
                    directives_that(figures.DIRECTIVE_LATE),
                )
        # The dashboard: every month of the past year, as of the year's end.
        board = overdue_by_month(
            [(unit.pk, unit.name) for unit in units], year=YEAR, today=datetime.date(YEAR + 1, 3, 1)
        )
        city = [[0, 0] for _m in range(12)]
        for unit, line in zip(units, board.units, strict=True):
            for month in range(1, 13):
                start, end = figures.month_start(YEAR, month), figures.month_start(YEAR, month + 1)
                mine = [
                    d for d in rows if d.org_unit_id == unit.pk and start <= d.received_at < end
                ]
                expected = [len(mine), sum(figures.OVERDUE.holds(d, YEAR_END) for d in mine)]
                got = line.months[month - 1]
                assert [got.received, got.overdue] == expected, (unit, month)
                city[month - 1][0] += expected[0]
                city[month - 1][1] += expected[1]
        assert [[m.received, m.overdue] for m in board.city] == city
        # A directive's state is the figure that holds for it.
        today = timezone.localdate()
        for directive in Directive.objects.all():
            state = directive.state(today)
            assert figures.DIRECTIVE_FIGURES[state].holds(directive, today)


def test_a_data_sources_fraction_is_written_with_its_thousands():
    # Found walking the demo: "994/1006" beside counts written 15.000 on the same page.
    assert inputs_text({"numerator": "994", "denominator": "1006"}) == "994/1.006"
    assert inputs_text({"numerator": 17, "denominator": 18}) == "17/18"
    assert inputs_text({"count": "4.3"}) == "4,3"
