"""Word output: fill a kind's docxtpl template (Decree 30/2020 frame) with a Document, the body
built in code as a sub-document from its blocks; check uploaded templates before use.

Templates are Jinja run in sandbox.py's sandbox with autoescaping (data with "&" or "<" stays
valid XML); they see plain data only and may use only the names in content.PLACEHOLDERS. An
uploaded template renders in a process of its own, with limits on time and memory."""

import functools
import hashlib
import html
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from docx.oxml.parser import parse_xml  # type: ignore[import-untyped]
from docxtpl import DocxTemplate  # type: ignore[import-untyped]

from cchc.core.zipcheck import DTD_MESSAGE, EXTERNAL_MESSAGE, fetches_external, zip_problem
from cchc.documents import fill, sandbox
from cchc.documents.content import PLACEHOLDERS, Document, sample_document

KINDS_DIR = Path(__file__).resolve().parent / "kinds"

NOT_DOCX_MESSAGE = gettext_noop(
    "The file is not a Word document (.docx). Save it in Word as “Word Document (*.docx)” "
    "and upload it again."
)
ZIP_BOMB_MESSAGE = gettext_noop(
    "The file would unpack to far more than it weighs (a compressed bomb): it was not opened."
)
SYNTAX_MESSAGE = gettext_noop("The template has an error near “{detail}”: {message}")
SYNTAX_AT_END_MESSAGE = gettext_noop("The template has an error: {message}")
UNKNOWN_NAMES_MESSAGE = gettext_noop(
    "The template uses names that do not exist: {names}. Use only: {allowed}."
)
RENDER_FAILED_MESSAGE = gettext_noop(
    "The template could not be filled with a sample document: {message}"
)
# Why the sandbox stopped a template (sandbox.py), in the user's words.
LIMIT_MESSAGES = {
    "steps": gettext_noop("it repeats more than {steps} times (a loop or a macro calling itself)"),
    "time": gettext_noop("it took more than {seconds} seconds to fill"),
    "repeat": gettext_noop("it repeats a text or a list too many times"),
    "memory": gettext_noop("it needed more memory than a document may use, and was stopped"),
    "forbidden": gettext_noop(
        "it reaches for something other than the document's data (text, numbers, lists)"
    ),
    "undefined": gettext_noop(
        "it reads “{name}”, which the document's data does not have (a template reads "
        "text, numbers and lists, not their inner parts)"
    ),
}


class TemplateError(Exception):
    """A template that cannot be used, with the reasons for the person who uploaded it."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = list(messages)


def _environment(strict: bool = False) -> jinja2.Environment:
    return sandbox.environment(strict=strict)


def default_template(kind: str) -> bytes:
    """The Word template shipped with the application for the kind."""
    if not re.fullmatch(r"[a-z_]+", kind):
        raise ValueError(f"unknown document kind: {kind!r}")
    return (KINDS_DIR / kind / "template.docx").read_bytes()


@functools.cache
def _shipped_digests() -> frozenset[str]:
    return frozenset(
        hashlib.sha256(path.read_bytes()).hexdigest() for path in KINDS_DIR.glob("*/template.docx")
    )


def is_shipped(template: bytes) -> bool:
    """Whether the template is one of those shipped with CCHC (trusted: rendered in process)."""
    return hashlib.sha256(template).hexdigest() in _shipped_digests()


def render_docx(template: bytes, document: Document) -> bytes:
    """The document as a .docx file, through the template (bytes of a .docx). A template that
    is not one shipped with CCHC renders in a process of its own, with limits."""
    context = _plain_context(document)
    if is_shipped(template):
        return fill.render_plain(template, context, False)
    try:
        result: bytes = sandbox.run_isolated(fill.render_plain, template, context, False)
    except sandbox.IsolatedRenderError as error:
        raise TemplateError([_refusal(error)]) from error
    return result


def _refusal(error: Exception) -> str:
    """Why a template could not be filled, in the user's language where the sandbox says."""
    code = getattr(error, "code", "")
    detail = getattr(error, "detail", "")
    if isinstance(error, sandbox.RenderLimitError | jinja2.sandbox.SecurityError):
        code = code or "forbidden"
    elif isinstance(error, jinja2.UndefinedError):
        code, found = "undefined", re.findall(r"'([^']+)'", str(error))
        detail = found[-1] if found else ""
    if code in LIMIT_MESSAGES:
        message = _(LIMIT_MESSAGES[code]).format(
            steps=f"{sandbox.MAX_STEPS:,}".replace(",", "."),
            seconds=f"{sandbox.RENDER_SECONDS:g}",
            name=detail,
        )
    else:
        message = detail or str(error)
    return _(RENDER_FAILED_MESSAGE).format(message=message)


def _plain_context(document: Document) -> dict[str, Any]:
    """What the template sees: plain data (strings, numbers, booleans, lists and dicts of
    them); the body is rendered from the blocks when the template is filled."""
    return document.context()


# --- checking an uploaded template ----------------------------------------------------------


def validate_template(template: bytes) -> None:
    """Raise TemplateError (the reasons, translated) unless the file is a Word template that
    uses only PLACEHOLDERS and fills a sample document."""
    tpl = _open(template)
    environment = _environment(strict=True)
    _check_syntax(tpl, environment)
    unknown = set(tpl.get_undeclared_template_variables(jinja_env=environment)) - PLACEHOLDERS
    if unknown:
        raise TemplateError(
            [
                _(UNKNOWN_NAMES_MESSAGE).format(
                    names=", ".join(sorted(unknown)), allowed=", ".join(sorted(PLACEHOLDERS))
                )
            ]
        )
    context = _plain_context(sample_document())
    try:
        if is_shipped(template):
            fill.render_plain(template, context, True)
        else:
            sandbox.run_isolated(fill.render_plain, template, context, True)
    except Exception as error:  # any failure means the template cannot be used as it is
        raise TemplateError([_refusal(error)]) from error


def _open(template: bytes) -> DocxTemplate:
    problem = zip_problem(
        io.BytesIO(template), required="word/document.xml", max_unpacked=50 * 1024 * 1024
    )
    if problem in ("too_large", "bomb"):
        raise TemplateError([_(ZIP_BOMB_MESSAGE)])
    if problem == "dtd":
        raise TemplateError([_(DTD_MESSAGE)])
    if fetches_external(io.BytesIO(template)):  # every document made from it would fetch it
        raise TemplateError([_(EXTERNAL_MESSAGE)])
    stream = io.BytesIO(template)
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        names = set()
    if "word/document.xml" not in names:
        raise TemplateError([_(NOT_DOCX_MESSAGE)])
    tpl = DocxTemplate(io.BytesIO(template))
    try:
        tpl.init_docx()
    except Exception as error:  # python-docx refuses it (.docm, .dotx, broken parts)
        raise TemplateError([_(NOT_DOCX_MESSAGE)]) from error
    return tpl


def _check_syntax(tpl: DocxTemplate, environment: jinja2.Environment) -> None:
    """Compile the body, headers and footers as docxtpl will, one Word paragraph a line, so an
    error is reported with the text of the paragraph it is in."""
    document = tpl.get_docx()
    sources = [tpl.xml_to_string(document.element.body)]
    for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
        for relationship in document.part.rels.values():
            if relationship.reltype == uri and relationship.target_part.blob:
                sources.append(tpl.xml_to_string(parse_xml(relationship.target_part.blob)))
    for source in sources:
        xml = re.sub(r"<w:p([ >])", r"\n<w:p\1", tpl.patch_xml(source))
        try:
            environment.compile(xml)  # parsing, then unknown filters and tests
        except jinja2.TemplateSyntaxError as error:
            lines = xml.splitlines()
            line = lines[error.lineno - 1] if 0 < error.lineno <= len(lines) else ""
            detail = " ".join(html.unescape(re.sub(r"<[^>]+>", "", line)).split())
            message = error.message or str(error)
            if not detail or "end of template" in message:
                text = _(SYNTAX_AT_END_MESSAGE).format(message=message)
            else:
                if len(detail) > 80:
                    detail = detail[:79] + "…"
                text = _(SYNTAX_MESSAGE).format(detail=detail, message=message)
            raise TemplateError([text]) from error
