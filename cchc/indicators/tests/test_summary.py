"""The monthly counts the figures read: local months, rebuilt with every import, and left as
they were when an import is refused."""

import calendar
import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from cchc.core.testing import BaseTestCase
from cchc.indicators.importers import DossierImportFailed
from cchc.indicators.models import DossierImport, DossierMonth
from cchc.indicators.tests.test_importers import csv_bytes, r, run


class MonthlyCountTests(BaseTestCase):
    def test_an_import_counts_each_local_month_and_a_refused_one_changes_nothing(self):
        rows = [
            # 31 January 23:30 in Hà Tĩnh is still January (16:30 UTC).
            r("M1|||X18070|Trực tuyến|31/01/2026 23:30|02/02/2026|03/02/2026 10:00|||||"),
            # 1 February 00:30 is February, though still 31 January in UTC.
            r("M2|||X18070|Trực tiếp|01/02/2026 00:30|05/02/2026|04/02/2026 10:00||x|04/02/2026|4"),
            r(
                "M3|||X18070|Trực tiếp|02/02/2026 09:00|05/02/2026|09/02/2026 10:00||có|09/02/2026|2"
            ),
        ]
        run(csv_bytes(rows))
        counts = {
            row.month: (row.received, row.finished, row.late, row.online, row.late_with_apology)
            for row in DossierMonth.objects.filter(org_unit=self.cast.ward_a)
        }
        assert counts == {
            datetime.date(2026, 1, 1): (1, 1, 1, 1, 0),
            datetime.date(2026, 2, 1): (2, 2, 1, 0, 1),
        }
        february = DossierMonth.objects.get(month=datetime.date(2026, 2, 1))
        assert (february.rated, february.satisfaction_sum) == (2, 6)
        bad = [*rows, r("M4|||Không có|Trực tiếp|02/03/2026 09:00|05/03/2026||||||")]
        with pytest.raises(DossierImportFailed):
            run(csv_bytes(bad))
        assert not DossierMonth.objects.filter(month=datetime.date(2026, 3, 1)).exists()
        assert DossierMonth.objects.count() == 2


def month_rows():
    """Every monthly count as {(unit, month): (id, counts…)}."""
    return {
        (row.org_unit_id, row.month): (
            row.pk,
            row.received,
            row.finished,
            row.late,
            row.online,
            row.late_with_apology,
            row.rated,
            row.satisfaction_sum,
        )
        for row in DossierMonth.objects.all()
    }


def counts_only(rows):
    return {key: value[1:] for key, value in rows.items()}


class IncrementalRebuildTests(BaseTestCase):
    """An import counts again only the unit-months it touched, old ones included."""

    def dossier(self, code, unit, day, month=3, finished=""):
        return r(
            f"{code}|||{unit.code}|Trực tiếp|{day:02d}/{month:02d}/2025 09:00|{day:02d}/{month:02d}/2025|{finished}|||||"
        )

    def test_an_import_of_one_unit_month_leaves_the_other_rows_as_they_were(self):
        a, b = self.cast.ward_a, self.cast.ward_b
        run(
            csv_bytes(
                [
                    self.dossier("K1", a, 3),
                    self.dossier("K2", a, 4, month=4),
                    self.dossier("K3", b, 5),
                ]
            )
        )
        before = month_rows()
        assert len(before) == 3
        run(csv_bytes([self.dossier("K4", a, 20, finished="21/03/2025 10:00")]))
        after = month_rows()
        march_a = (a.pk, datetime.date(2025, 3, 1))
        assert after[march_a][1:4] == (2, 1, 1)  # received, finished, late
        for key in set(before) - {march_a}:
            assert after[key] == before[key]  # same id, same counts: not rewritten
        assert counts_only(after) == counts_only(full_rebuild())

    def test_a_dossier_moved_to_another_month_and_unit_leaves_its_old_month(self):
        a, b = self.cast.ward_a, self.cast.ward_b
        run(csv_bytes([self.dossier("K1", a, 3), self.dossier("K2", b, 9, month=5)]))
        untouched = month_rows()[(b.pk, datetime.date(2025, 5, 1))]
        run(csv_bytes([self.dossier("K1", b, 10, month=4)]))  # K1: from March in a to April in b
        after = month_rows()
        assert (a.pk, datetime.date(2025, 3, 1)) not in after  # no dossier left there
        assert after[(b.pk, datetime.date(2025, 4, 1))][1] == 1
        assert after[(b.pk, datetime.date(2025, 5, 1))] == untouched
        assert counts_only(after) == counts_only(full_rebuild())


def full_rebuild():
    from cchc.indicators.summary import rebuild_dossier_months

    rebuild_dossier_months()
    return month_rows()


class IncrementalEqualsFullTests(HypothesisTestCase, BaseTestCase):
    """After any sequence of imports (codes re-imported with other dates, units, outcomes; in
    either mode), the monthly counts are those a full rebuild gives."""

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.lists(
            st.lists(
                st.tuples(
                    st.integers(0, 5),  # code
                    st.booleans(),  # unit a or b
                    st.integers(0, 4),  # month offset from December 2024
                    st.sampled_from([1, 28, 31]),  # day (clamped to the month)
                    st.sampled_from(["", "same", "after"]),  # finished
                    st.booleans(),  # online
                    st.sampled_from(["", "x"]),  # apology
                    st.sampled_from(["", "1", "5"]),  # satisfaction
                ),
                min_size=1,
                max_size=6,
                unique_by=lambda row: row[0],
            ),
            min_size=1,
            max_size=4,
        ),
        st.sampled_from(list(DossierImport.Mode.values)),
    )
    def test_incremental_equals_full(self, imports, mode):
        for rows in imports:
            lines = []
            for code, first, offset, day, finished, online, apology, score in rows:
                year, month = (2024, 12) if offset == 0 else (2025, offset)
                last_day = calendar.monthrange(year, month)[1]
                day = min(day, last_day)
                unit = self.cast.ward_a if first else self.cast.ward_b
                when = f"{day:02d}/{month:02d}/{year}"
                done = {"": "", "same": f"{when} 23:45", "after": f"{when} 23:59"}[finished]
                if finished == "after":
                    done = (datetime.date(year, month, day) + datetime.timedelta(days=1)).strftime(
                        "%d/%m/%Y 08:00"
                    )
                channel = "Trực tuyến" if online else "Trực tiếp"
                lines.append(
                    r(
                        f"Q{code}|||{unit.code}|{channel}|{when} 23:30|{when}|{done}||{apology}||{score}"
                    )
                )
            run(csv_bytes(lines), mode=mode)
            incremental = counts_only(month_rows())
            assert incremental == counts_only(full_rebuild())
