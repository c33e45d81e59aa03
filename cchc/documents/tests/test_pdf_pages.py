"""The PDF breaks its pages where the Word file does (issue 21): for every kind of document, a
long one (many units, rows, findings, recipients) is rendered to DOCX and to PDF; LibreOffice
lays the DOCX out (the one layout engine for Word files on Linux, with Liberation Serif for the
template's Times New Roman, as Word with Times New Roman: same advance widths) and its page
count must equal CCHC's own PDF's. All kinds are converted in one soffice call (its start is
the slow part, 2–5 s).

Needs LibreOffice Writer (Makefile's target libreoffice, .ci/run); skipped loudly without it
unless REQUIRE_LIBREOFFICE=1 (CI), which makes that a failure."""

import dataclasses
import datetime
import io
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from pypdf import PdfReader

from cchc.core.testing import BaseTestCase
from cchc.documents import docx, pdf, services
from cchc.documents.content import Block, Document
from cchc.documents.kinds import KINDS
from cchc.documents.tests.scenes import (
    concluded_inspection,
    published_round,
    submitted_assessment,
)
from cchc.documents.tests.test_pdf_font import require_metric_font
from cchc.inspections.tests.factories import approved_inspection
from conftest import MISSING_LIBREOFFICE_MESSAGE

CONVERT_SECONDS = 180
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "pages"


def soffice_path() -> str | None:
    return shutil.which(os.environ.get("SOFFICE_PATH") or "soffice")


def require_soffice() -> str:
    path = soffice_path()
    if path is None:
        if os.environ.get("REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("REQUIRE_LIBREOFFICE=1 but no soffice was found.")
        pytest.skip(MISSING_LIBREOFFICE_MESSAGE)
    return path


def docx_to_pdf(soffice: str, files: dict[str, bytes]) -> dict[str, bytes]:
    """name → PDF bytes, LibreOffice's layout of each DOCX, in one soffice run (a private
    profile, so a user's LibreOffice or another test run is not disturbed)."""
    with tempfile.TemporaryDirectory(prefix="cchc-soffice-") as folder:
        root = Path(folder)
        sources = []
        for name, data in files.items():
            path = root / f"{name}.docx"
            path.write_bytes(data)
            sources.append(str(path))
        out = root / "out"
        command = [
            soffice,
            f"-env:UserInstallation={(root / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(out),
            *sources,
        ]
        result = subprocess.run(  # noqa: S603 - our own command, no shell
            command, capture_output=True, timeout=CONVERT_SECONDS, check=False
        )
        converted = {name: out / f"{name}.pdf" for name in files}
        missing = [name for name, path in converted.items() if not path.exists()]
        assert not missing, (missing, result.stdout, result.stderr)
        return {name: path.read_bytes() for name, path in converted.items()}


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def page_words(data: bytes) -> list[Counter[str]]:
    """The words of each page (the page number left out), as a multiset: the order in which a
    PDF stores the text of a table's cells differs between writers, the words do not."""
    pages = []
    for number, page in enumerate(PdfReader(io.BytesIO(data)).pages, 1):
        words = Counter(re.findall(r"\w+", unicodedata.normalize("NFC", page.extract_text())))
        if number > 1:
            words[str(number)] -= 1
        pages.append(+words)
    return pages


def lengthened(document: Document, copies: int = 2, rows: int = 30) -> Document:
    """The same document, long: its body said `copies` times, every table with `rows` rows
    (its own rows repeated, numbered on), every list three times as long, more recipients —
    a report on a province's units, a notice with many findings."""

    def long_table(block: Block) -> Block:
        source = block.rows or [["1"] + [""] * (len(block.columns) - 1)]
        table_rows = []
        for index in range(rows):
            row = list(source[index % len(source)])
            if row and row[0].isdigit():
                row[0] = str(index + 1)
            table_rows.append(row)
        return dataclasses.replace(block, rows=table_rows)

    blocks = []
    for _copy in range(copies):
        for block in document.blocks:
            if block.kind == "table":
                blocks.append(long_table(block))
            elif block.kind == "bullets":
                blocks.append(dataclasses.replace(block, items=block.items * 3))
            else:
                blocks.append(block)
    return dataclasses.replace(
        document,
        number=document.number or 7,
        date=document.date or datetime.date(2026, 3, 16),
        blocks=blocks,
        recipients=document.recipients[:-1] * 3 + document.recipients[-1:],
    )


@pytest.mark.once  # LibreOffice's layout of the DOCX: the same on either database
class PageCountTests(BaseTestCase):
    def test_every_kind_has_as_many_pages_in_the_pdf_as_in_the_docx(self):
        soffice = require_soffice()
        require_metric_font()
        inspection = concluded_inspection(self.cast)
        targets = {
            "team_decision": approved_inspection(self.cast),
            "inspection_plan": inspection.plan,
            "conclusion_notice": inspection,
            "result_report": inspection.plan,
            "self_assessment_report": submitted_assessment(self.cast),
            "ranking_announcement": published_round(self.cast),
        }
        assert set(targets) == set(KINDS)
        documents = {
            kind: lengthened(services.build(kind, target)) for kind, target in targets.items()
        }
        ours = {kind: pdf.render_pdf(document) for kind, document in documents.items()}
        words = {
            kind: docx.render_docx(docx.default_template(kind), document)
            for kind, document in documents.items()
        }
        theirs = docx_to_pdf(soffice, words)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for kind in documents:
            (ARTIFACTS / f"{kind}.cchc.pdf").write_bytes(ours[kind])
            (ARTIFACTS / f"{kind}.docx").write_bytes(words[kind])
            (ARTIFACTS / f"{kind}.libreoffice.pdf").write_bytes(theirs[kind])
        counts = {kind: (page_count(ours[kind]), page_count(theirs[kind])) for kind in documents}
        assert all(pdf_pages >= 3 for pdf_pages, _ in counts.values()), counts  # long ones
        assert all(mine == word for mine, word in counts.values()), counts
        # And each page breaks at the same place: page by page, the same words.
        for kind in documents:
            for number, (mine, word) in enumerate(
                zip(page_words(ours[kind]), page_words(theirs[kind]), strict=True), 1
            ):
                assert mine == word, (kind, number, mine - word, word - mine)
