"""The monthly counts the figures read: local months, rebuilt with every import, and left as
they were when an import is refused."""

import datetime

import pytest

from cchc.core.testing import BaseTestCase
from cchc.indicators.importers import DossierImportFailed
from cchc.indicators.models import DossierMonth
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
