"""The reorganisation pages: describe, preview (nothing written), apply (one button)."""

import base64
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cchc.core.testing import BaseTestCase
from cchc.orgunits.models import OrgUnit, Reorganisation, UnitChange

URL = reverse("orgunits:reorganisation")
MERGE = (
    "Mã đơn vị cũ,Tên đơn vị cũ,Mã đơn vị mới,Tên mới,Loại mới,Mã thống kê mới,Mã cha mới\n"
    "X18070,Phường Trần Phú,P25,Phường Thành Sen,phường,18073,T42\n"
    "X18073,Phường Nam Hà,P25,,,,\n"
)


def hidden(content: str) -> dict[str, str]:
    """The apply form's hidden fields as the preview page writes them."""
    return dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', content))


class ReorganisationPageTests(BaseTestCase):
    def preview(self, **data: object):
        payload = {"name": "Nghị quyết 1665/NQ-UBTVQH15", "effective_on": "2025-07-01", **data}
        return self.client.post(URL, payload)

    def test_the_page_explains_itself_in_vietnamese(self):
        self.login("admin")
        content = self.client.get(URL).content.decode()
        assert "Sắp xếp đơn vị" in content
        assert "reorganisation-ha-tinh-2025.csv" in content

    def test_preview_then_apply(self):
        self.login("admin")
        response = self.preview(file=SimpleUploadedFile("nq.csv", MERGE.encode()))
        content = response.content.decode()
        assert response.status_code == 200
        assert "Phường Thành Sen" in content and 'data-testid="preview-ended"' in content
        assert "2 đơn vị kết thúc, 1 đơn vị được lập" in content
        # People who move, listed before anything is written.
        assert "Ward_Officer" in content
        assert not OrgUnit.objects.filter(code="P25").exists()
        fields = hidden(content)
        response = self.client.post(URL, {**fields, "apply": "1"})
        reorganisation = Reorganisation.objects.get()
        assert response["Location"] == reverse(
            "orgunits:reorganisation_detail", args=[reorganisation.pk]
        )
        new = OrgUnit.objects.get(code="P25")
        assert UnitChange.objects.filter(successor=new).count() == 2
        detail = self.client.get(response["Location"]).content.decode()
        assert "Phường Nam Hà" in detail and "Phường Thành Sen" in detail
        unit_page = self.client.get(reverse("orgunits:unit_detail", args=[new.pk]))
        assert "Được lập ngày 01/07/2025 từ:" in unit_page.content.decode()
        old_page = self.client.get(reverse("orgunits:unit_detail", args=[self.cast.ward_a.pk]))
        assert "Kết thúc ngày 30/06/2025; đơn vị kế tục:" in old_page.content.decode()

    def test_a_division_reads_each_part_as_a_share_of_the_whole(self):
        # Found walking the demo: "share 32,62" said neither of what nor of how much.
        divide = (
            "Mã đơn vị cũ,Mã đơn vị mới,Tên mới,Loại mới,Mã cha mới,Diện tích,Kế thừa mặc định\n"
            'X18070,P25,Phường Thành Sen,phường,T42,"28,23",có\n'
            'X18070,P26,Phường Hà Huy Tập,phường,T42,"32,62",\n'
        )
        self.login("admin")
        content = self.preview(rows=divide).content.decode()
        assert "(46,39% đơn vị cũ)" in content and "(53,61% đơn vị cũ)" in content
        self.client.post(URL, {**hidden(content), "apply": "1"})
        reorganisation = Reorganisation.objects.get()
        detail = self.client.get(
            reverse("orgunits:reorganisation_detail", args=[reorganisation.pk])
        ).content.decode()
        assert "phần diện tích 28,23 <span" in detail
        assert "(46,39% đơn vị cũ)" in detail and "(53,61% đơn vị cũ)" in detail
        old_page = self.client.get(
            reverse("orgunits:unit_detail", args=[self.cast.ward_a.pk])
        ).content.decode()
        assert "(53,61% đơn vị cũ)" in old_page

    def test_a_part_without_a_share_leaves_every_part_without_a_percentage(self):
        # The whole is unknown: 28,23 is not 100% of Phường Trần Phú. The preview and the
        # applied reorganisation say the same.
        divide = (
            "Mã đơn vị cũ,Mã đơn vị mới,Tên mới,Loại mới,Mã cha mới,Diện tích,Kế thừa mặc định\n"
            'X18070,P25,Phường Thành Sen,phường,T42,"28,23",có\n'
            "X18070,P26,Phường Hà Huy Tập,phường,T42,,\n"
        )
        self.login("admin")
        content = self.preview(rows=divide).content.decode()
        assert "28,23" in content and 'data-testid="share-percent"' not in content
        self.client.post(URL, {**hidden(content), "apply": "1"})
        detail = self.client.get(
            reverse("orgunits:reorganisation_detail", args=[Reorganisation.objects.get().pk])
        ).content.decode()
        assert "28,23" in detail and 'data-testid="share-percent"' not in detail

    def test_rows_typed_in_the_page(self):
        self.login("admin")
        response = self.preview(rows="Mã đơn vị cũ,Tên mới\nX18070,Phường Trần Phú mới\n")
        assert response.status_code == 200
        assert "Phường Trần Phú mới" in response.content.decode()

    def test_a_refused_file_says_row_and_column_in_vietnamese_and_writes_nothing(self):
        self.login("admin")
        bad = MERGE + "X99999,,P26,Phường Khác,phường,,T42\n"
        response = self.preview(file=SimpleUploadedFile("nq.csv", bad.encode()))
        content = response.content.decode()
        assert response.status_code == 400
        assert "Dòng 4, cột “Mã đơn vị cũ”" in content
        assert "Không có thay đổi nào được ghi" in content
        assert not OrgUnit.objects.filter(code="P25").exists()

    def test_an_apply_whose_units_changed_since_the_preview_is_refused(self):
        self.login("admin")
        fields = hidden(
            self.preview(file=SimpleUploadedFile("nq.csv", MERGE.encode())).content.decode()
        )
        self.client.post(URL, {**fields, "apply": "1"})
        response = self.client.post(URL, {**fields, "apply": "1"})
        assert response.status_code == 400
        assert Reorganisation.objects.count() == 1

    def test_a_damaged_apply_form_writes_nothing(self):
        self.login("admin")
        data = {"name": "x", "effective_on": "2025-07-01", "file_name": "a.csv"}
        response = self.client.post(URL, {**data, "content": "%%%", "apply": "1"})
        assert response.status_code == 400
        content = base64.b64encode(b"\xff\xfe").decode()
        response = self.client.post(URL, {**data, "content": content, "apply": "1"})
        assert response.status_code == 400
        assert not Reorganisation.objects.exists()

    def test_neither_file_nor_rows(self):
        self.login("admin")
        response = self.preview()
        assert response.status_code == 400
        assert "Chọn một tệp" in response.content.decode()
