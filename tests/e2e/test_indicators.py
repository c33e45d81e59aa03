"""Import the one-stop shop's dossiers in a real browser, open the round, and see the
criterion the data fills: the officer finds the figure pre-filled, marked, with its rows."""

from typing import Any

import pytest
from playwright.sync_api import expect

from cchc.assessments.tests.factories import assessment_of, make_round
from cchc.core.testing import build_cast
from cchc.frameworks.models import Criterion
from tests.e2e.test_browser import log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scene() -> Any:
    cast = build_cast()
    round_ = make_round(cast, open_it=False)
    criterion = Criterion.objects.get(framework=round_.framework, code="2.1")
    criterion.data_source = "dossiers_on_time"
    criterion.save(update_fields=["data_source"])
    return cast, round_, criterion


def export(year: int) -> bytes:
    """Ten dossiers of ward A in February, one finished late: as the software exports them."""
    lines = ["Mã hồ sơ,Đơn vị,Kênh,Ngày tiếp nhận,Hạn giải quyết,Ngày trả kết quả"]
    for n in range(10):
        finished = 9 if n == 9 else 4
        lines.append(
            f"HS-{n:03d},X18070,Trực tuyến,02/02/{year} 08:00,05/02/{year} 17:00,"
            f"0{finished}/02/{year} 10:00"
        )
    return ("\n".join(lines) + "\n").encode()


def test_imported_dossiers_fill_the_criterion(page, browser, live_server, scene):
    cast, round_, criterion = scene
    log_in(page, live_server, "home_affairs")
    page.goto(f"{live_server.url}/indicators/import/")
    form = page.get_by_test_id("dossier-import")
    form.locator("input[type=file]").set_input_files(
        files=[{"name": "ho-so.csv", "mimeType": "text/csv", "buffer": export(round_.year)}]
    )
    form.locator("button[type=submit]").click()
    # The import's own page: done (the test server runs tasks at once), with its counts.
    expect(page.get_by_test_id("import-status")).to_have_text("Hoàn thành")
    expect(page.get_by_test_id("import-counts")).to_contain_text("10")
    page.get_by_role("link", name="Nhập hồ sơ").click()
    expect(page.get_by_test_id("imports")).to_contain_text("ho-so.csv")
    shot(page, "dossiers-imported")
    page.goto(f"{live_server.url}{round_.get_absolute_url()}")
    page.get_by_test_id("advance").click()
    expect(page.get_by_test_id("round-status")).to_have_text("Tự đánh giá")

    officer = browser.new_context(locale="vi-VN").new_page()
    log_in(officer, live_server, "ward_officer")
    assessment = assessment_of(round_, cast.ward_a)
    officer.goto(f"{live_server.url}{assessment.get_absolute_url()}")
    data = officer.get_by_test_id("data-2.1")
    expect(data).to_contain_text("9/10")
    expect(officer.locator(f"#c{criterion.pk}-numerator")).to_have_value("9")
    expect(officer.locator(f"#c{criterion.pk}-denominator")).to_have_value("10")
    shot(officer, "criterion-from-data")
    data.get_by_role("link").click()
    expect(officer.get_by_test_id("dossier-count")).to_contain_text("9")
