"""Digital signatures (chữ ký số) on PDFs: signing what CCHC issues, checking what arrives.

Decision: pyHanko (PyPI `pyhanko`, with `pyhanko-certvalidator`). It is maintained, pure Python
on top of `cryptography`, writes PAdES signatures (ETSI.CAdES.detached) as incremental updates
— so a second signature keeps the first valid, and the signed file is the issued PDF plus its
signatures —, draws a visible appearance with an embedded OpenType font (Vietnamese needs one:
the PDF standard fonts have no ơ/ư), and validates: integrity, the path to a trust root, the
certificate's validity at the signing time, and what was changed after signing. endesive and
pypdf's own signing do not validate paths; the Java and .NET libraries are another runtime.

Who signs is a `Signer` (a protocol): `Pkcs12Signer` holds a PKCS#12 certificate and key
(uploaded by an administrator, stored encrypted: docs/security.md). A hardware token or a
provincial signing platform plugs in as another `Signer` — `HttpSigner` documents that plug-in
point: it sends the digest to be signed to a service and returns the CMS signature; it is not
wired to a real service here.

Nothing here reads the database: signatures.py loads the certificates. Checking a signed PDF
(and the trust roots) is cchc.core.pdfsignatures, shared with the apps that store evidence.
"""

import base64
import datetime
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from cryptography import x509
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.stamp import TextStampStyle
from pypdf import PdfReader as PypdfReader

SIGNATURE_WIDTH = 62 * 72 / 25.4  # the appearance: 62 × 22 mm
SIGNATURE_HEIGHT = 22 * 72 / 25.4


class SigningUnavailable(RuntimeError):
    """The key cannot be used (wrong password, broken file, a service that does not answer)."""


# ---- Keys at rest: encrypted with a key derived from the server's secret ----


def _fernet(secret: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"cchc-signing", info=b"pkcs12-at-rest"
    ).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(data: bytes, secret: str) -> bytes:
    """Encrypt (AES-128-CBC with HMAC-SHA256: Fernet) under a key derived from `secret`."""
    return _fernet(secret).encrypt(data)


def unseal(token: bytes | memoryview, secret: str) -> bytes:
    try:
        return _fernet(secret).decrypt(bytes(token))
    except InvalidToken as error:
        raise SigningUnavailable("the stored key cannot be decrypted with this secret") from error


@dataclass(frozen=True)
class CertificateFacts:
    subject: str  # the holder's common name
    issuer: str
    serial: str
    sha256: str  # fingerprint of the DER certificate
    not_before: datetime.datetime
    not_after: datetime.datetime


def certificate_facts(certificate: x509.Certificate) -> CertificateFacts:
    def common_name(name: x509.Name) -> str:
        values = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        return str(values[0].value) if values else name.rfc4514_string()

    der = certificate.public_bytes(serialization.Encoding.DER)
    return CertificateFacts(
        subject=common_name(certificate.subject),
        issuer=common_name(certificate.issuer),
        serial=format(certificate.serial_number, "x"),
        sha256=hashlib.sha256(der).hexdigest(),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
    )


def read_pkcs12(data: bytes, password: str) -> CertificateFacts:
    """The facts of a PKCS#12 file's certificate; SigningUnavailable when the password is wrong
    or the file holds no key and certificate."""
    try:
        key, certificate, _others = pkcs12.load_key_and_certificates(
            data, password.encode() or None
        )
    except (ValueError, TypeError) as error:
        raise SigningUnavailable(str(error)) from error
    if key is None or certificate is None:
        raise SigningUnavailable("the file holds no private key and certificate")
    return certificate_facts(certificate)


# ---- Signers ----


class Signer(Protocol):
    """Who signs: gives pyHanko a signer for one signature. Implementations: Pkcs12Signer; a
    token or a signing platform is another class with this method (see HttpSigner)."""

    name: str  # what the appearance says: the person's or the body's name

    def pyhanko_signer(self) -> signers.Signer: ...


@dataclass
class Pkcs12Signer:
    name: str
    pkcs12: bytes
    password: str

    def pyhanko_signer(self) -> signers.Signer:
        signer = signers.SimpleSigner.load_pkcs12_data(
            self.pkcs12, other_certs=[], passphrase=self.password.encode() or None
        )
        if signer is None:
            raise SigningUnavailable("the PKCS#12 file cannot be opened with its password")
        return signer


@dataclass
class HttpSigner:
    """The plug-in point for a remote signing service (a provincial platform, a token behind a
    local agent). To wire one: subclass pyhanko.sign.signers.ExternalSigner (or implement
    pyhanko's Signer.async_sign_raw) so that it POSTs the SHA-256 digest to `url` with the
    holder's `certificate`, and returns the raw signature the service gives; return it from
    pyhanko_signer(). Not connected to any service in this code base."""

    name: str
    url: str
    certificate: bytes  # DER

    def pyhanko_signer(self) -> signers.Signer:
        raise SigningUnavailable(f"no signing service is configured at {self.url}")


# ---- Signing ----


@dataclass(frozen=True)
class Placement:
    """Where a visible signature goes: page index (0-based) and box (x1, y1, x2, y2) in pt."""

    page: int
    box: tuple[float, float, float, float]


@dataclass
class Signature:
    signer: Signer
    field_name: str  # "NguoiKy", "CoQuan"
    placement: Placement
    reason: str = ""
    location: str = ""


MM = 72 / 25.4
# The signature column of the closing table (document.css: .closing, 75 mm then 90 mm, as the
# Word templates, from the 30 mm margin): its centre is where the signature goes.
SIGNATURE_COLUMN_CENTRE = (30 + 75 + 90 / 2) * MM


def _text_positions(data: bytes, page_index: int) -> list[tuple[str, float]]:
    """The text fragments of a page with the height (pt from the bottom) of their baseline."""
    page = PypdfReader(io.BytesIO(data)).pages[page_index]
    found: list[tuple[str, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: Any) -> None:
        if text.strip():
            found.append((text, tm[5] * cm[3] + tm[4] * cm[1] + cm[5]))

    page.extract_text(visitor_text=visit)
    return found


def placements(data: bytes, *, sign_title: str, signer_name: str) -> tuple[Placement, Placement]:
    """Where the signer's signature and the body's go on the issued PDF (Decree 30, Annex I):
    the signer's in the space between the title ("TRƯỞNG ĐOÀN") and the name, centred in the
    signature column; the body's (the seal's place) over the left third of the signer's."""
    pages = len(PypdfReader(io.BytesIO(data)).pages)
    last = pages - 1
    lines = _text_positions(data, last)
    title_y = next((y for text, y in lines if sign_title and sign_title in text), None)
    name_y = next((y for text, y in reversed(lines) if signer_name and signer_name in text), None)
    if title_y is None or name_y is None or name_y >= title_y:
        # No signature block found on the last page: above the bottom margin, right-hand side.
        title_y, name_y = 20 * MM + 4.5 * 28.35, 20 * MM + 14
    middle = (title_y + name_y) / 2 + 4  # the gap's middle (baselines: the title sits higher)
    left = SIGNATURE_COLUMN_CENTRE - SIGNATURE_WIDTH / 2
    signer_box = (
        left,
        middle - SIGNATURE_HEIGHT / 2,
        left + SIGNATURE_WIDTH,
        middle + SIGNATURE_HEIGHT / 2,
    )
    # The Decree puts the seal's image over the left third of the signature; two text
    # appearances laid so would print over each other, so the body's overlaps by 5 mm only.
    shift = SIGNATURE_WIDTH - 5 * MM
    body_box = (
        left - shift,
        middle - SIGNATURE_HEIGHT / 2 - 6,
        left - shift + SIGNATURE_WIDTH,
        middle + SIGNATURE_HEIGHT / 2 - 6,
    )
    return Placement(last, signer_box), Placement(last, body_box)


def _stamp_style(font_path: Path) -> TextStampStyle:
    return TextStampStyle(
        stamp_text="%(signer)s\nKý ngày: %(ts)s",
        timestamp_format="%d/%m/%Y %H:%M:%S %z",
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(str(font_path)), font_size=8),
        border_width=1,
    )


def sign_pdf(data: bytes, signatures: list[Signature], *, font_path: Path) -> bytes:
    """The PDF with each signature added in order, each an incremental update (the bytes
    before stay as they were, so earlier signatures stay intact); PAdES baseline B. The time
    is the server's clock (no timestamp authority is reached). `font_path`: a TrueType font
    with Vietnamese and 1000 units per em (pyHanko 0.38 spaces the letters of a 2048-unit
    font such as Liberation Serif twice too wide): pdf.py's static Noto Serif."""
    for signature in signatures:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        fields.append_signature_field(
            writer,
            fields.SigFieldSpec(
                signature.field_name,
                on_page=signature.placement.page,
                box=tuple(round(v) for v in signature.placement.box),  # type: ignore[arg-type]
            ),
        )
        metadata = signers.PdfSignatureMetadata(
            field_name=signature.field_name,
            subfilter=fields.SigSeedSubFilter.PADES,
            name=signature.signer.name,
            reason=signature.reason or None,
            location=signature.location or None,
        )
        pdf_signer = signers.PdfSigner(
            metadata,
            signer=signature.signer.pyhanko_signer(),
            stamp_style=_stamp_style(font_path),
        )
        output = io.BytesIO()
        try:
            pdf_signer.sign_pdf(
                writer,
                output=output,
                appearance_text_params={"signer": signature.signer.name},
                in_place=False,
            )
        except SigningError as error:
            raise SigningUnavailable(str(error)) from error
        data = output.getvalue()
    return data
