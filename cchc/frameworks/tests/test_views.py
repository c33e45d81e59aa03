from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cchc.core.testing import BaseTestCase
from cchc.core.versioning import version_token
from cchc.frameworks.models import Framework
from cchc.frameworks.tests.factories import SMALL_FRAMEWORK, make_framework


class ListAndDetailTests(BaseTestCase):
    def setUp(self):
        self.published = make_framework(self.cast.city, publish=True, name="Đã ban hành")
        self.draft = make_framework(self.cast.city, name="Bản nháp")

    def test_everyone_sees_published_frameworks_and_only_keepers_see_drafts(self):
        self.login("ward_officer")
        names = {
            f.name
            for f in self.client.get(reverse("frameworks:framework_list")).context["frameworks"]
        }
        assert names == {"Đã ban hành"}
        self.login("home_affairs")
        names = {
            f.name
            for f in self.client.get(reverse("frameworks:framework_list")).context["frameworks"]
        }
        assert names == {"Đã ban hành", "Bản nháp"}

    def test_a_draft_is_hidden_from_an_officer(self):
        self.login("ward_officer")
        assert self.client.get(self.draft.get_absolute_url()).status_code == 404

    def test_the_list_query_count_does_not_grow_with_frameworks(self):
        self.login("home_affairs")
        for year in range(2020, 2026):
            make_framework(self.cast.city, year=year)
        # session, user, memberships, issuers-in-scope check, frameworks with counts, session save ×3
        with self.assertNumQueries(8):
            self.client.get(reverse("frameworks:framework_list"))

    def test_the_detail_query_count_does_not_grow_with_criteria(self):
        self.login("home_affairs")
        url = self.draft.get_absolute_url()
        self.client.get(url)  # the first request after signing in writes the session
        # session, user, memberships, framework, criteria (with parents and agencies), bands,
        # may-manage check, other versions (the session is written at most every 5 minutes)
        with self.assertNumQueries(8) as context:
            self.client.get(url)
        text = SMALL_FRAMEWORK + "".join(
            f"2.{n},2,Thêm {n},0,yes_no,normal,có,\n" for n in range(3, 40)
        )
        bigger = make_framework(self.cast.city, text=text, name="Lớn")
        with self.assertNumQueries(len(context.captured_queries)):
            response = self.client.get(bigger.get_absolute_url())
        assert "Thêm 39" in response.content.decode()


class CriterionEditTests(BaseTestCase):
    def setUp(self):
        self.framework = make_framework(self.cast.city)
        self.criterion = self.framework.criteria.get(code="1.2")
        self.url = reverse("frameworks:criterion_edit", args=[self.criterion.pk])

    def data(self, **changes):
        data = {
            "code": "1.2",
            "title": "Báo cáo định kỳ",
            "max_points": "1",
            "rule_text": "deduction 0.25",
            "section": "normal",
            "is_self_scored": "on",
            "evidence_required": "on",
            "evidence_kind": "",
            "agency": "",
            "guidance": "",
            "legal_basis": "",
            "version_token": version_token(self.criterion),
        }
        data.update(changes)
        return data

    def test_htmx_edit_returns_the_row_and_the_publish_check(self):
        self.login("home_affairs")
        response = self.client.post(
            self.url, self.data(max_points="2"), headers={"HX-Request": "true"}
        )
        content = response.content.decode()
        assert response.status_code == 200
        assert f'id="criterion-{self.criterion.pk}"' in content
        assert 'hx-swap-oob="true"' in content
        self.criterion.refresh_from_db()
        assert self.criterion.max_points == 2

    def test_a_bad_rule_comes_back_next_to_the_field(self):
        self.login("home_affairs")
        response = self.client.post(self.url, self.data(rule_text="tiers: 100=lots"))
        assert response.status_code == 400
        assert response.context["form"].errors["rule_text"]

    def test_an_officer_cannot_edit(self):
        self.login("ward_officer")
        assert self.client.post(self.url, self.data(title="X")).status_code == 403

    def test_a_published_framework_cannot_be_edited(self):
        self.login("home_affairs")
        framework = make_framework(self.cast.city, publish=True, name="Published")
        criterion = framework.criteria.get(code="1.2")
        assert (
            self.client.get(reverse("frameworks:criterion_edit", args=[criterion.pk])).status_code
            == 404
        )


class PreviewTests(BaseTestCase):
    def test_it_scores_sample_inputs_and_explains(self):
        framework = make_framework(self.cast.city, publish=True)
        criterion = framework.criteria.get(code="2.1")
        self.login("ward_officer")
        url = reverse("frameworks:criterion_preview", args=[criterion.pk])
        response = self.client.post(
            url, {"numerator": "17", "denominator": "18"}, headers={"HX-Request": "true"}
        )
        assert "17/18 = 94,4%" in response.content.decode()

    def test_bad_inputs_are_explained(self):
        framework = make_framework(self.cast.city, publish=True)
        criterion = framework.criteria.get(code="2.1")
        self.login("ward_officer")
        url = reverse("frameworks:criterion_preview", args=[criterion.pk])
        response = self.client.post(url, {"numerator": "19", "denominator": "18"})
        assert response.status_code == 400
        assert response.context["error"]


class ImportViewTests(BaseTestCase):
    url = reverse("frameworks:framework_import")

    def test_home_affairs_imports_a_draft(self):
        self.login("home_affairs")
        upload = SimpleUploadedFile("f.csv", SMALL_FRAMEWORK.encode(), "text/csv")
        data = {
            "file": upload,
            "issuer": self.cast.city.pk,
            "name": "Bộ mới",
            "year": 2027,
            "unit_kinds": ["ward"],
        }
        response = self.client.post(self.url, data)
        framework = Framework.objects.get(name="Bộ mới")
        assert response.status_code == 302
        assert framework.criteria.count() == 11 and framework.is_draft

    def test_the_year_is_the_files_unless_the_form_gives_it_and_a_disagreement_is_refused(self):
        """The form opened with this year filled in, which silently replaced the year of the
        file's info sheet (a 2027 framework imported as 2026). The field opens empty and says
        the file's year is taken; a form year that contradicts the file is refused beside it."""
        from cchc.frameworks.importers import export_framework_xlsx
        from cchc.frameworks.selectors import bands_of, criteria_of

        source = make_framework(self.cast.city)
        source.year = 2027
        workbook = export_framework_xlsx(source, criteria_of(source), bands_of(source))
        self.login("home_affairs")
        page = self.client.get(self.url)
        assert page.context["form"]["year"].value() is None
        assert "Để trống để lấy từ trang “Bộ tiêu chí” của tệp" in page.content.decode()

        def post(year, name):
            data = {"issuer": self.cast.city.pk, "name": name, "unit_kinds": ["ward"]}
            upload = SimpleUploadedFile("f.xlsx", workbook)
            return self.client.post(self.url, {**data, "file": upload, "year": year})

        refused = post("2026", "Sai năm")
        assert refused.status_code == 400
        assert "Trang “Bộ tiêu chí” của tệp ghi năm 2027, biểu mẫu ghi năm 2026" in (
            refused.content.decode()
        )
        assert not Framework.objects.filter(name="Sai năm").exists()
        assert post("", "Năm của tệp").status_code == 302
        assert Framework.objects.get(name="Năm của tệp").year == 2027

    def test_a_broken_file_lists_its_problems_and_writes_nothing(self):
        self.login("home_affairs")
        upload = SimpleUploadedFile(
            "f.csv", b"code,title,max_points,rule\nA,A,x,magic\n", "text/csv"
        )
        data = {
            "file": upload,
            "issuer": self.cast.city.pk,
            "name": "Hỏng",
            "year": 2027,
            "unit_kinds": ["ward"],
        }
        response = self.client.post(self.url, data)
        assert response.status_code == 400
        assert len(response.context["import_errors"]) == 2
        assert not Framework.objects.filter(name="Hỏng").exists()

    def test_home_affairs_cannot_issue_for_another_province(self):
        self.login("home_affairs")
        upload = SimpleUploadedFile("f.csv", SMALL_FRAMEWORK.encode(), "text/csv")
        data = {
            "file": upload,
            "issuer": self.cast.other_province.pk,
            "name": "X",
            "year": 2027,
            "unit_kinds": ["ward"],
        }
        assert self.client.post(self.url, data).status_code == 400
        assert not Framework.objects.filter(name="X").exists()

    def test_an_appraiser_is_refused(self):
        self.login("appraiser")
        assert self.client.get(self.url).status_code == 403


class PublishViewTests(BaseTestCase):
    def test_publish_then_copy_then_diff(self):
        framework = make_framework(self.cast.city)
        self.login("home_affairs")
        self.client.post(reverse("frameworks:framework_publish", args=[framework.pk]))
        framework.refresh_from_db()
        assert framework.status == Framework.Status.PUBLISHED
        response = self.client.post(reverse("frameworks:framework_copy", args=[framework.pk]))
        copy = Framework.objects.get(copied_from=framework)
        assert response["Location"] == copy.get_absolute_url()
        criterion = copy.criteria.get(code="2.2")
        self.client.post(
            reverse("frameworks:criterion_edit", args=[criterion.pk]),
            {
                "code": "2.2",
                "title": "Xin lỗi người dân",
                "max_points": "3.5",
                "rule_text": "ratio floor=50",
                "section": "normal",
                "is_self_scored": "on",
                "evidence_required": "on",
                "version_token": version_token(criterion),
            },
        )
        response = self.client.get(
            reverse("frameworks:framework_diff", args=[copy.pk]), {"against": framework.pk}
        )
        rows = response.context["rows"]
        assert [(row.code, row.change) for row in rows] == [("2.2", "changed")]
        assert {label for label, _old, _new in rows[0].fields} >= {
            "tên tiêu chí",
            "cách tính điểm",
        } or rows[0].fields

    def test_publishing_a_broken_draft_says_why(self):
        framework = make_framework(self.cast.city)
        criterion = framework.criteria.get(code="1.1")
        from decimal import Decimal

        from cchc.frameworks.services import criterion_update

        criterion_update(actor=None, criterion=criterion, max_points=Decimal(9))
        self.login("home_affairs")
        response = self.client.post(
            reverse("frameworks:framework_publish", args=[framework.pk]), follow=True
        )
        assert any("1" in str(message) for message in response.context["messages"])
        framework.refresh_from_db()
        assert framework.is_draft

    def test_an_inspector_cannot_publish(self):
        framework = make_framework(self.cast.city)
        self.login("inspector")
        assert (
            self.client.post(
                reverse("frameworks:framework_publish", args=[framework.pk])
            ).status_code
            == 403
        )
