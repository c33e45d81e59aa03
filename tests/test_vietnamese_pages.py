"""No English on a Vietnamese page: every page every persona reaches, and the audit trail.

The English words are the catalogue's own: every word of a msgid (the source text) that no
msgstr uses, so a string that escaped translation — a label never marked, a value shown as
stored, a field's code name — is caught whatever it says. What the test cast itself is called
(users' names, frameworks, articles) is data, not the product's words, and is taken out first.
"""

import functools
import re
from collections.abc import Iterable
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import polib
from django.apps import apps
from django.urls import reverse

from cchc.accounts.services import user_set_language
from cchc.assessments.models import Score
from cchc.assessments.services import (
    appeal_file,
    assessment_submit,
    round_advance,
    score_appraise,
    score_save,
)
from cchc.assessments.tests.factories import FULL_INPUTS, assessment_of, make_round
from cchc.core.models import AuditEvent
from cchc.core.testing import BaseTestCase
from cchc.frameworks.models import Criterion
from cchc.inspections.tests.factories import import_checklists
from tests.test_permission_matrix import ALL, ANONYMOUS, CASES

PO_PATH = Path(__file__).resolve().parent.parent / "locale" / "vi" / "LC_MESSAGES" / "django.po"
WORD = re.compile(r"[^\W\d_]+")
# Placeholders and markup in a msgid are not words a reader sees.
NOT_TEXT = re.compile(r"%\([^)]*\)[sd]|\{[^}]*\}|<[^>]+>|&\w+;")
# Template code a page explains to who writes a Word template ({{ subject }}, {{p body }}).
TEMPLATE_CODE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
# Short words are too often a Vietnamese syllable without its tone marks, a unit or a code.
MIN_LENGTH = 4
# Words the Vietnamese text uses as they are (names of products, formats, abbreviations).
SHARED = {"english", "email", "excel", "word", "zalo", "html", "captcha", "docx", "xlsx"}
# What a reader sees besides the text between tags.
SHOWN_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "data-tip", "aria-description"}


@functools.cache
def english_words() -> frozenset[str]:
    """Every word of the catalogue's English that its Vietnamese never uses."""
    catalogue = polib.pofile(str(PO_PATH))
    english: set[str] = set()
    vietnamese: set[str] = set()
    for entry in catalogue:
        if entry.obsolete:
            continue
        for text in (entry.msgid, entry.msgid_plural):
            english.update(word.lower() for word in WORD.findall(NOT_TEXT.sub(" ", text or "")))
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            vietnamese.update(word.lower() for word in WORD.findall(NOT_TEXT.sub(" ", text or "")))
    return frozenset(
        word for word in english - vietnamese - SHARED if len(word) >= MIN_LENGTH and word.isascii()
    )


class ShownText(HTMLParser):
    """The text a reader sees or hears: text between tags and the attributes read aloud."""

    HIDDEN = {"script", "style", "code", "pre", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden_depth += 1
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self.hidden_depth:
            self.hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden_depth:
            self.parts.append(data)


def shown_text(html: str) -> str:
    parser = ShownText()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.parts)


def english_in(html: str, data: Iterable[str] = ()) -> list[str]:
    """The catalogue's English words a page shows, once the data's own texts are taken out."""
    text = TEMPLATE_CODE.sub(" ", shown_text(html))
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    words = english_words()
    return sorted({word for word in WORD.findall(text) if word.lower() in words})


# Fields whose values are what the tests' data is called (a framework "Published", a user
# "Home_Affairs"): taken out of a page before its words are read.
DATA_FIELDS = {"name", "title", "full_name", "username", "summary", "text", "reason", "note"}


def data_texts() -> set[str]:
    """What the rows in the database are called, as a page would show it."""
    texts: set[str] = set()
    for model in apps.get_models():
        if not model.__module__.startswith("cchc.") or model is AuditEvent:
            continue
        names = [
            field.name
            for field in model._meta.concrete_fields
            if field.name in DATA_FIELDS and not field.choices
        ]
        for values in model._default_manager.values_list(*names) if names else ():
            texts.update(str(value) for value in values if value)
    return texts


def test_the_english_words_are_the_catalogues_and_not_its_vietnamese():
    words = english_words()
    assert {"round", "reason", "finalised", "days", "none", "review"} <= words
    # Words the Vietnamese also writes, and short words that may be a syllable or a code.
    assert not {"email", "excel", "the", "and", "sha"} & words


def test_a_page_is_read_as_shown_without_its_code_and_its_data():
    html = (
        '<p title="Send">Đợt đánh giá <b>round</b></p><script>var none = 1;</script>'
        '<code>max_points</code><button aria-label="Unpublish">×</button><td>Matrix news</td>'
    )
    assert english_in(html, data={"Matrix news"}) == ["Send", "Unpublish", "round"]


class VietnamesePagesTests(BaseTestCase):
    def test_no_page_of_any_persona_shows_english(self):
        """Every GET of the permission matrix that a persona may read, in Vietnamese (the
        default language): no word of the catalogue's English on it."""
        failures = []
        for case in CASES:
            if case.method != "get":
                continue
            url = reverse(case.url_name, kwargs=case.kwargs(self.cast))
            data = data_texts()
            for persona in ALL:
                if case.expected[persona] != 200:
                    continue
                self.client.logout()
                # Each persona from its own address, as in the matrix: the portal's limits.
                self.client.defaults["REMOTE_ADDR"] = f"192.0.2.{ALL.index(persona) + 1}"
                if persona != ANONYMOUS:
                    self.login(persona)
                response = self.client.get(url)
                if "text/html" not in response.get("Content-Type", ""):
                    continue
                english = english_in(response.content.decode(), data)
                if english:
                    failures.append(f"{url} ({case.url_name}) as {persona}: {english}")
        assert not failures, "English on Vietnamese pages:\n" + "\n".join(failures)

    def test_the_audit_trail_reads_in_vietnamese(self):
        """A round through appraisal and an appeal, a checklist, a language change: the trail
        names actions, fields and values in Vietnamese, points as 2,63 and nothing as "—"."""
        round_ = make_round(self.cast)
        assessment = assessment_of(round_, self.cast.ward_a)
        for code, inputs in FULL_INPUTS.items():
            criterion = Criterion.objects.get(framework=round_.framework, code=code)
            score_save(
                actor=self.ward_officer,
                assessment=assessment,
                criterion=criterion,
                data=inputs,
                explanation="Đã ban hành, chưa số hóa." if criterion.evidence_required else None,
            )
        assessment_submit(actor=self.ward_chair, assessment=assessment)
        round_ = round_advance(actor=self.home_affairs, round_=round_)
        for score in Score.objects.filter(assessment=assessment, criterion__children__isnull=True):
            score_appraise(
                actor=self.home_affairs,
                assessment=assessment,
                criterion=score.criterion,
                points=score.self_points,
                reason="",
            )
        round_advance(actor=self.home_affairs, round_=round_)
        score = Score.objects.get(assessment=assessment, criterion__code="2.2")
        appeal_file(
            actor=self.ward_chair,
            score=score,
            reason="Có đủ phiếu.",
            requested_points=Decimal("2.63"),
        )
        import_checklists(self.cast)  # recorded with a key named "items"
        user_set_language(user=self.ward_officer, language="en")
        self.login("admin")
        response = self.client.get(reverse("core:audit_list"))
        assert response.status_code == 200
        html = response.content.decode()
        english = english_in(html, data_texts())
        assert not english, f"English in the audit trail: {english}"
        table = shown_text(html[html.index('data-testid="audit-table"') :])
        assert "2,63" in table and "2.63" not in table
        assert "None" not in table
        assert "Tiếng Việt" in table and "Tiếng Anh" in table  # the language, by its name
        assert not re.search(r"\d{4}-\d{2}-\d{2}", table), "a date as stored"
