"""PDF of a Document, laid out as Decree 30/2020/ND-CP asks (docs/domain.md §3).

Decision: WeasyPrint renders the same HTML the browser previews
(templates/documents/document.html with static/documents/document.css), so preview and PDF
cannot drift; CSS paged media gives A4, the margins and the page numbers. WeasyPrint needs pango
from the system (present on this machine's base image; elsewhere
`apt-get install libpango-1.0-0 libpangoft2-1.0-0`). Fonts: "Times New Roman" when the system
has it, else "Liberation Serif" / "Tinos" (metric-compatible: every glyph has Times New Roman's
advance width, so a line and a page break where Word breaks them), else Noto Serif shipped by pip
(`fontpkg-noto-serif`) through @font-face rules with absolute file:// URLs, so Vietnamese renders
with no system font at all. The PDF embeds the fonts (WeasyPrint does).

The project installs Liberation Serif 2 (Debian's fonts-liberation2, which covers Vietnamese):
`make run`/`make test` (target system-fonts) and .ci/run. Without it the PDF still renders, in
the fallback, and the process logs once, in Vietnamese and English, that line breaks may differ
from the Word file and how to install the font (NO_METRIC_FONT_MESSAGE); the tests refuse a PDF
set in the fallback.

Details of the font choice:

- A system font only counts when it covers Vietnamese in its four styles (the precomposed
  letters of U+1EA0-1EF9, đ, ơ, ư): the Liberation 1.x of Debian's fonts-liberation and the
  old core-fonts Times New Roman do not, and Pango would take the missing letters from the next
  font of the stack, mixing two typefaces inside a word.
- fontpkg-noto-serif ships variable fonts. Given to WeasyPrint as they are, Pango lays bold text
  out with the advance widths of the default (regular) instance while the PDF embeds bold
  outlines, so bold words crowd; and WeasyPrint re-instantiates the font on every render (about
  0.3 s). So the first render cuts static instances (regular, bold, italic, bold italic) from
  them with fontTools, limited to Latin, Vietnamese and common symbols, at the semi-condensed
  width (wdth 87.5), which sets text nearly as wide as Times New Roman, so line and page breaks
  stay close to the Word version. They are cached on disk ($XDG_CACHE_HOME or ~/.cache,
  cchc-fonts/; a private temporary folder when that is not writable): a few seconds once, then
  nothing.
- The font configuration and the parsed stylesheets are built once per process and reused.

weasyprint is imported lazily, so importing this module never needs pango; when pango is
missing, render_pdf() raises PdfUnavailable.
"""

import atexit
import contextlib
import hashlib
import logging
import os
import shutil
import tempfile
import threading
from functools import cache
from pathlib import Path
from typing import Any

import fontpkg
from django.template.loader import render_to_string

from .content import Document

CSS_PATH = Path(__file__).resolve().parent / "static" / "documents" / "document.css"
FALLBACK_FAMILY = "CCHC Serif"
SOURCE_FAMILY = "Noto Serif"  # fontpkg-noto-serif
# In order of preference; only those this server has, with Vietnamese, are used.
SYSTEM_FAMILIES = ("Times New Roman", "Liberation Serif", "Tinos")
# Letters a font must have to set Vietnamese: stacked marks, horned o/u, đ.
VIETNAMESE_SAMPLE = "ĂăÂâĐđÊêÔôƠơƯưẠạẤấẶặẾếỆệỌọỘộỚớỢợỬửỰựỲỳỸỹ"
FACES = (("normal", 400), ("normal", 700), ("italic", 400), ("italic", 700))
NOTO_WIDTH = 87.5  # wdth axis of Noto Serif: semi-condensed, near Times New Roman's set width
# What the static instances keep: Latin, Vietnamese, Greek letters, punctuation, symbols.
REPERTOIRE = (
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x017F),  # Latin-1, Latin Extended-A (Ă ă Đ đ Ĩ ĩ Ũ ũ)
    (0x01A0, 0x01A1),  # Ơ ơ
    (0x01AF, 0x01B0),  # Ư ư
    (0x0300, 0x0323),  # combining marks, for text that is not NFC
    (0x0391, 0x03C9),  # Greek letters (Ω, μ, …)
    (0x1EA0, 0x1EF9),  # Vietnamese letters with marks
    (0x2000, 0x209F),  # punctuation, super- and subscripts
    (0x20A0, 0x20CF),  # currency (₫, €)
    (0x2100, 0x214F),  # letterlike (№, ℃, ™)
    (0x2190, 0x22FF),  # arrows, mathematical operators
    (0x25A0, 0x25FF),  # geometric shapes (bullets)
)
LAYOUT_FEATURES = ("ccmp", "locl", "mark", "mkmk", "kern", "liga", "calt", "rlig")
NO_METRIC_FONT_MESSAGE = (
    "Máy chủ không có phông chữ cùng kích thước với Times New Roman có đủ tiếng Việt (Liberation "
    "Serif 2): PDF dùng phông dự phòng Noto Serif, ngắt dòng và ngắt trang có thể khác bản Word. "
    "Cài đặt: apt-get install fonts-liberation2. / No font metric-compatible with Times New Roman "
    "that covers Vietnamese (Liberation Serif 2): PDFs use the fallback Noto Serif and may break "
    "lines and pages differently from the Word file. Install: apt-get install fonts-liberation2."
)
MISSING_PANGO_MESSAGE = (
    "PDF rendering needs WeasyPrint with the Pango library, which could not be loaded ({error}). "
    "Install the system packages: apt-get install libpango-1.0-0 libpangoft2-1.0-0"
)


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot run here (usually: pango is not installed)."""


# ---- The pip-shipped fallback font: static instances of Noto Serif ----


def _cache_key() -> str:
    family = fontpkg.family(SOURCE_FAMILY)
    sources = sorted(
        (file.path.name, file.path.stat().st_size) for file in family.files if file.path.exists()
    )
    spec = repr((family.version, sources, REPERTOIRE, LAYOUT_FEATURES, NOTO_WIDTH, 1))
    return hashlib.sha256(spec.encode()).hexdigest()[:12]


def _writable_cache_dir() -> Path:
    """$XDG_CACHE_HOME/cchc-fonts (~/.cache/cchc-fonts), else a private temporary folder."""
    try:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        folder = base / "cchc-fonts"
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder):
            pass
        return folder
    except (OSError, RuntimeError):  # no home, read-only file system
        folder = Path(tempfile.mkdtemp(prefix="cchc-fonts-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        return folder


def _build_instances(paths: dict[tuple[str, int], Path]) -> None:
    """Cut the static instances from the pip-shipped fonts: subset each source file once, then
    pin its axes for each weight it serves (a static source file is only subset)."""
    logger = logging.getLogger("fontTools")
    level = logger.level
    logger.setLevel(logging.WARNING)  # the instancer logs every step at INFO
    try:
        _cut_instances(paths)
    finally:
        logger.setLevel(level)


def _cut_instances(paths: dict[tuple[str, int], Path]) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.varLib.instancer import instantiateVariableFont

    unicodes = [code for first, last in REPERTOIRE for code in range(first, last + 1)]
    by_source: dict[Path, list[tuple[int, Path]]] = {}
    for (style, weight), path in paths.items():
        if not path.exists():
            source = fontpkg.path(SOURCE_FAMILY, weight=weight, style=style, nearest=True)
            by_source.setdefault(source, []).append((weight, path))
    for source, targets in by_source.items():
        font = TTFont(source)
        options = subset.Options()
        options.layout_features = list(LAYOUT_FEATURES)
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.hinting = False
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=unicodes)
        subsetter.subset(font)
        axes = {axis.axisTag for axis in font["fvar"].axes} if "fvar" in font else set()
        for weight, path in targets:
            location = {"wght": weight, "wdth": NOTO_WIDTH}
            limits = {tag: value for tag, value in location.items() if tag in axes}
            instance = instantiateVariableFont(font, limits, static=True) if axes else font
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as out:
                try:
                    instance.save(out)
                except BaseException:
                    Path(out.name).unlink(missing_ok=True)
                    raise
            os.replace(out.name, path)  # atomic: concurrent workers may build the same file


@cache
def font_files() -> dict[tuple[str, int], Path]:
    """(style, weight) → the static Noto Serif file, built on first use, then cached on disk."""
    folder = _writable_cache_dir()
    key = _cache_key()
    paths = {
        (style, weight): folder / f"CCHCSerif-{style}-{weight}-{key}.ttf" for style, weight in FACES
    }
    if not all(path.exists() for path in paths.values()):
        _build_instances(paths)
    return paths


def font_faces_css() -> str:
    """@font-face rules for "CCHC Serif", with absolute file:// URLs."""
    return "".join(
        f'@font-face {{ font-family: "{FALLBACK_FAMILY}"; src: url("{path.as_uri()}") '
        f'format("truetype"); font-style: {style}; font-weight: {weight}; }}\n'
        for (style, weight), path in font_files().items()
    )


def __getattr__(name: str) -> str:
    # FONT_FACES_CSS is computed on first access: building the fonts must not slow imports.
    if name == "FONT_FACES_CSS":
        return font_faces_css()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---- System fonts ----


def _has_vietnamese_font(family: str, fontconfig: Any, ffi: Any) -> bool:
    """Whether fontconfig finds `family` itself (not a substitute) in the four styles, each
    with the letters of VIETNAMESE_SAMPLE."""
    from fontTools.ttLib import TTFont

    string = ffi.new("FcChar8 **")
    for style in ("Regular", "Bold", "Italic", "Bold Italic"):
        pattern = ffi.gc(fontconfig.FcPatternCreate(), fontconfig.FcPatternDestroy)
        fontconfig.FcPatternAddString(pattern, b"family", family.encode())
        fontconfig.FcPatternAddString(pattern, b"style", style.encode())
        fontconfig.FcConfigSubstitute(ffi.NULL, pattern, fontconfig.FcMatchPattern)
        fontconfig.FcDefaultSubstitute(pattern)
        result = ffi.new("FcResult *")
        match = fontconfig.FcFontMatch(ffi.NULL, pattern, result)
        if match == ffi.NULL:
            return False
        match = ffi.gc(match, fontconfig.FcPatternDestroy)
        names: list[str] = []
        while fontconfig.FcPatternGetString(match, b"family", len(names), string) == 0:
            names.append(ffi.string(string[0]).decode(errors="replace").casefold())
        if family.casefold() not in names:
            return False  # fontconfig offers a substitute (an alias), not the family itself
        if fontconfig.FcPatternGetString(match, b"file", 0, string) != 0:
            return False
        path = ffi.string(string[0]).decode(errors="replace")
        try:
            with TTFont(path, lazy=True, fontNumber=0) as font:
                cmap = font.getBestCmap() or {}
        except Exception:  # an unreadable font does not count
            return False
        if any(ord(char) not in cmap for char in VIETNAMESE_SAMPLE):
            return False
    return True


@cache
def font_stack() -> tuple[str, ...]:
    """The font families the PDF uses, best first; always ends with the pip-shipped font."""
    try:
        from weasyprint.text.ffi import ffi, fontconfig  # private API, hence the broad except
    except Exception:
        return (FALLBACK_FAMILY,)
    found = []
    for family in SYSTEM_FAMILIES:
        with contextlib.suppress(Exception):  # any fontconfig trouble: skip that family
            if _has_vietnamese_font(family, fontconfig, ffi):
                found.append(family)
    if not found:
        logging.getLogger(__name__).warning(NO_METRIC_FONT_MESSAGE)
    return (*found, FALLBACK_FAMILY)


def metric_family() -> str | None:
    """The Times New Roman-compatible family the PDF is set in, or None (the fallback)."""
    stack = font_stack()
    return stack[0] if stack[0] != FALLBACK_FAMILY else None


def _font_stack_css() -> str:
    families = ", ".join(f'"{family}"' for family in font_stack())
    return f"@page {{ font-family: {families}; }}\nhtml {{ font-family: {families}; }}\n"


# ---- Rendering ----


def document_html(document: Document, *, for_pdf: bool) -> str:
    """The document as a standalone HTML page. for_pdf leaves out the stylesheet link (pdf.py
    hands WeasyPrint the same stylesheet from disk); the browser preview keeps it."""
    return render_to_string("documents/document.html", {"document": document, "for_pdf": for_pdf})


def _load_weasyprint() -> Any:
    try:
        import weasyprint
    except OSError as error:  # cffi could not dlopen pango / gobject / harfbuzz
        raise PdfUnavailable(MISSING_PANGO_MESSAGE.format(error=error)) from error
    return weasyprint


_lock = threading.Lock()
# (document.css mtime, font configuration, stylesheets): parsed once, reused by every render.
_prepared: tuple[float, Any, list[Any]] | None = None


def _forget_prepared() -> None:
    # Drop the font configuration while WeasyPrint's modules are still alive: its __del__
    # (which removes its temporary folder) fails noisily during interpreter teardown.
    global _prepared
    _prepared = None


atexit.register(_forget_prepared)


def _stylesheets(weasyprint: Any) -> tuple[Any, list[Any]]:
    """The font configuration and the stylesheets, built once (again when document.css
    changes): loading the @font-face fonts into fontconfig is the slow part of a render."""
    global _prepared
    mtime = CSS_PATH.stat().st_mtime
    if _prepared is None or _prepared[0] != mtime:
        from weasyprint.text.fonts import FontConfiguration

        font_config = FontConfiguration()
        stylesheets = [
            weasyprint.CSS(string=font_faces_css(), font_config=font_config),
            weasyprint.CSS(filename=str(CSS_PATH), font_config=font_config),
            weasyprint.CSS(string=_font_stack_css(), font_config=font_config),
        ]
        _prepared = (mtime, font_config, stylesheets)
    return _prepared[1], _prepared[2]


def render_pdf(document: Document) -> bytes:
    """The document as PDF bytes (A4, fonts embedded). Raises PdfUnavailable without pango."""
    weasyprint = _load_weasyprint()
    html = document_html(document, for_pdf=True)
    with _lock:  # the shared font configuration is not meant for concurrent use
        font_config, stylesheets = _stylesheets(weasyprint)
        pdf = weasyprint.HTML(string=html, base_url=CSS_PATH.parent.as_uri() + "/").write_pdf(
            stylesheets=stylesheets, font_config=font_config
        )
    if not isinstance(pdf, bytes):  # write_pdf() without a target returns the bytes
        raise TypeError("WeasyPrint returned no PDF")
    return pdf
