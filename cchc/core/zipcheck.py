"""Office files are zips: before a library inflates one, refuse a zip that would unpack to
far more than it weighs (a "zip bomb": a few kilobytes becoming gigabytes), and one whose XML
declares a DTD (entities that expand a kilobyte into gigabytes, "billion laughs", or that
read the server's files): Office never writes one. The sizes read here are the ones zipfile
will inflate to at most."""

import re
import zipfile
import zlib
from typing import IO
from xml.etree import ElementTree

from django.utils.translation import gettext_noop

MAX_UNPACKED = 200 * 1024 * 1024
MAX_RATIO = 100  # real Office files compress 5–20 times
RATIO_CHECKED_FROM = 1024 * 1024
MAX_MEMBERS = 10_000  # a workbook of a thousand sheets has a few thousand parts
MAX_RELS_READ = 4 * 1024 * 1024  # a part's relationships: a few kilobytes in real files
PROLOG_READ = 64 * 1024  # a DTD comes before the root element, in the first bytes of a part
XML_SUFFIXES = (".xml", ".rels", ".vml")
# What may come before the root element: an XML declaration, processing instructions,
# comments and blanks. Anything else there (<!DOCTYPE …) is a DTD.
PROLOG = re.compile(r"(?:<\?.*?\?>|<!--.*?-->|\s+)*", re.DOTALL)
# What reading a damaged zip raises: not a zip, a broken part, a compression zipfile does
# not read (NotImplementedError), an encrypted part (RuntimeError).
UNREADABLE = (
    zipfile.BadZipFile,
    OSError,
    ValueError,
    EOFError,
    zlib.error,
    NotImplementedError,
    RuntimeError,
)

DTD_MESSAGE = gettext_noop(
    "The Office file declares a DTD (entities) in its XML: that can make it swell to "
    "gigabytes or read the server's files when it is opened, and Word and Excel never write "
    "one. It was not opened; save it again from Word or Excel and upload that copy."
)
EXTERNAL_MESSAGE = gettext_noop(
    "The Office file fetches a file from elsewhere when it is opened (a linked template, "
    "object or picture): that can run another's macros or reveal the reader's sign-in. It "
    "was not accepted; save it again from Word or Excel without linked files and upload "
    "that copy."
)
ZIP_BOMB_MESSAGE = gettext_noop(
    "The file would unpack to far more than it weighs (a compressed bomb): it was not opened."
)


# A relationship Word follows by itself to another machine when the file opens: a linked
# template, object, frame or picture on a web or network address (an attached macro template,
# or a UNC path that hands over the reader's Windows sign-in: an attacker's walk). A
# hyperlink opens only when clicked, and a path on the author's own disk ("C:\\Users\\…\\
# Mau.dotx", which Word writes for any document made from a template) reaches no one.
RELATIONSHIPS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
# A scheme of two letters or more ("C:" is a drive), not a file on this disk ("file:///C:/…";
# "file://host/…" and "file:////host/…" are another machine's), a UNC path, or "//host".
REMOTE = re.compile(r"^\s*(?:(?!file:)[a-z][a-z0-9+.-]+:|\\\\|//|file://(?:[^/]|//))", re.I)


def fetches_external(stream: IO[bytes]) -> bool:
    """Whether an Office file holds a relationship, other than a hyperlink, to a target on
    another machine. Each relationships part is read whole and parsed as XML (its DTD was
    refused by `zip_problem`); one too large or unreadable counts as fetching. The stream is
    rewound; a zip that cannot be read at all is `zip_problem`'s."""
    try:
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive:
            for member in archive.infolist():
                if not member.filename.lower().endswith(".rels"):
                    continue
                if member.file_size > MAX_RELS_READ:
                    return True
                try:
                    # The callers refuse a part declaring a DTD first (zip_problem): no entity
                    # is left for the parser to expand.
                    root = ElementTree.fromstring(archive.read(member))  # noqa: S314
                except ElementTree.ParseError:
                    return True
                for relationship in root.iter(f"{RELATIONSHIPS_NS}Relationship"):
                    if relationship.get("TargetMode") != "External":
                        continue
                    if relationship.get("Type") == HYPERLINK:
                        continue
                    if REMOTE.match(relationship.get("Target") or ""):
                        return True
    except UNREADABLE:
        return False
    finally:
        stream.seek(0)
    return False


def declares_dtd(archive: zipfile.ZipFile) -> bool:
    """Whether a part of the zip that is XML (by its name or by its first character, in
    UTF-8, UTF-16 or UTF-32: any part a relationship may point to) holds anything but a
    declaration, comments and blanks before its root element — a DTD, or a prolog too long
    to be an Office file's. Reads at most PROLOG_READ bytes of each part."""
    for member in archive.infolist():
        if member.is_dir():
            continue
        with archive.open(member) as part:
            head = part.read(PROLOG_READ)
        # Markup is ASCII: dropping the zero bytes of UTF-16/32 leaves it readable.
        text = head.replace(b"\0", b"").decode("latin-1").lstrip("\xef\xbb\xbf\xfe\xff \t\r\n")
        if not text:
            continue  # an empty part holds no DTD
        if not text.startswith("<"):
            if member.filename.lower().endswith(XML_SUFFIXES):
                return True  # an XML part in an encoding Office never writes
            continue  # an image or another binary part
        rest = text[PROLOG.match(text).end() :]  # type: ignore[union-attr]
        if not rest or rest.startswith("<!") or rest.startswith("<?"):
            return True
    return False


def zip_problem(
    stream: IO[bytes], *, required: str, max_unpacked: int = MAX_UNPACKED
) -> str | None:
    """None when the zip is sound; else "not_zip" (not a zip, lacking `required`, or a part
    that cannot be read), "too_large", "bomb" or "dtd" (DTD_MESSAGE says why). The stream is
    rewound."""
    try:
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
            problem = _size_problem(members, required=required, max_unpacked=max_unpacked)
            if problem is None and declares_dtd(archive):
                problem = "dtd"
    except UNREADABLE:
        problem = "not_zip"
    finally:
        stream.seek(0)
    return problem


def _size_problem(
    members: list[zipfile.ZipInfo], *, required: str, max_unpacked: int
) -> str | None:
    if not any(member.filename == required for member in members):
        return "not_zip"
    if len(members) > MAX_MEMBERS or sum(member.file_size for member in members) > max_unpacked:
        return "too_large"
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_CHECKED_FROM and ratio > MAX_RATIO:
            return "bomb"
    return None
