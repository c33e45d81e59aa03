"""Checking the digital signatures (chữ ký số) of a PDF that arrives: who signed, when, whether
the signed bytes are intact, whether anything but signatures was added after, whether the
certificate chains to a trust root an administrator loaded (core.TrustRoot: configuration,
not code) and whether it was valid at the signing time. Nothing is fetched from the network.

One implementation for every app that stores a PDF: evidence (assessments), the remediation
files (inspections), issued documents and their scans (documents, whose signing.py signs with
pyHanko; why pyHanko is said there). A check is run once, when the file arrives or when
someone asks again, and stored as JSON beside the file (check_bytes): a page only reads it
(verdict_lines), so a verdict never slows a page.
"""

import datetime
import io
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from cchc.core.audit import audit_record
from cchc.core.models import TrustRoot

# Verdicts of a checked signature, worst first (the file's verdict is its worst signature's).
ALTERED = "altered"  # the signed bytes changed: "Đã bị sửa sau khi ký"
INVALID = "invalid"  # the signature does not match the certificate's key
MODIFIED = "modified"  # intact, but pages or text were changed after signing (an update)
EXPIRED = "expired"  # the certificate was not valid at the signing time
UNTRUSTED = "untrusted"  # no path to a trust root an administrator loaded
VALID = "valid"  # intact, trusted, valid at the signing time
UNSIGNED = "unsigned"  # the file carries no signature
UNREADABLE = "unreadable"  # not a PDF pyHanko can read
SEVERITY = [ALTERED, INVALID, MODIFIED, EXPIRED, UNTRUSTED, VALID]

VERDICT_MESSAGES = {
    VALID: gettext_noop("Digitally signed by {signer}, at {time}, intact"),
    ALTERED: gettext_noop(
        "Signed by {signer}, at {time}, but altered after signing: the signed bytes changed"
    ),
    MODIFIED: gettext_noop(
        "Signed by {signer}, at {time}, but altered after signing: content was added"
    ),
    INVALID: gettext_noop("The signature of {signer} does not match its certificate"),
    EXPIRED: gettext_noop(
        "Signed by {signer}, at {time}, with a certificate not valid at that time"
    ),
    UNTRUSTED: gettext_noop(
        "Signed by {signer}, at {time}, intact, but the certificate is not trusted (its root "
        "is not loaded)"
    ),
}
FILE_MESSAGES = {
    UNSIGNED: gettext_noop("The file carries no digital signature."),
    UNREADABLE: gettext_noop("The file is not a PDF whose signatures can be read."),
}


@dataclass
class SignatureResult:
    field: str
    signer: str  # the certificate's common name
    signed_at: str  # ISO 8601, as the signer's clock said (no timestamp authority)
    intact: bool
    valid: bool
    trusted: bool
    valid_at_signing: bool
    covers_whole_file: bool
    verdict: str


@dataclass
class CheckResult:
    verdict: str
    signatures: list[SignatureResult] = field(default_factory=list)
    error: str = ""


def read_certificate(data: bytes) -> x509.Certificate:
    """A certificate from PEM or DER bytes (ValueError otherwise)."""
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def trust_roots() -> list[x509.Certificate]:
    """The root certificates an administrator loaded and keeps in use."""
    return [
        read_certificate(root.certificate.encode())
        for root in TrustRoot.objects.filter(is_active=True)
    ]


def _to_asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def check_pdf(data: bytes, roots: list[x509.Certificate]) -> CheckResult:
    """Who signed the PDF, when, whether the signed bytes are intact, whether the certificate
    chains to one of `roots` and was valid at the signing time, whether anything but
    signatures was added after. Nothing is fetched from the network."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as error:  # any parse failure: the file is not a readable PDF
        return CheckResult(UNREADABLE, error=str(error)[:500])
    if not embedded:
        return CheckResult(UNSIGNED)
    asn1_roots = [_to_asn1(root) for root in roots]
    results = []
    for signature in embedded:
        signed_at = signature.self_reported_timestamp
        context = ValidationContext(
            trust_roots=asn1_roots,
            allow_fetching=False,
            revocation_mode="soft-fail",
            moment=signed_at,
            best_signature_time=signed_at,
        )
        try:
            status = validate_pdf_signature(signature, context, skip_diff=False)
        except Exception as error:  # a malformed signature is as good as none
            return CheckResult(INVALID, error=str(error)[:500])
        certificate = status.signing_cert
        subject = certificate.subject.native.get("common_name", "") if certificate else ""
        expired = bool(
            certificate
            and signed_at
            and not (
                certificate["tbs_certificate"]["validity"]["not_before"].native
                <= signed_at
                <= certificate["tbs_certificate"]["validity"]["not_after"].native
            )
        )
        whole = status.coverage is not None and status.coverage.name in (
            "ENTIRE_FILE",
            "ENTIRE_REVISION",
        )
        # Signing a field is form filling, which the signatures before allow; annotations or
        # anything else (pages, text) added after signing are modifications.
        modified = status.modification_level is not None and status.modification_level.name in (
            "OTHER",
            "ANNOTATIONS",
        )
        if not status.intact:
            verdict = ALTERED
        elif not status.valid:
            verdict = INVALID
        elif modified or not whole:
            verdict = MODIFIED
        elif expired:
            verdict = EXPIRED
        elif not status.trusted:
            verdict = UNTRUSTED
        else:
            verdict = VALID
        results.append(
            SignatureResult(
                field=signature.field_name,
                signer=str(subject),
                signed_at=signed_at.isoformat() if signed_at else "",
                intact=bool(status.intact),
                valid=bool(status.valid),
                trusted=bool(status.trusted),
                valid_at_signing=not expired,
                covers_whole_file=whole and not modified,
                verdict=verdict,
            )
        )
    worst = min((SEVERITY.index(r.verdict) for r in results), default=SEVERITY.index(VALID))
    return CheckResult(SEVERITY[worst], results)


def as_json(result: CheckResult) -> dict[str, Any]:
    return {
        "verdict": result.verdict,
        "error": result.error,
        "signatures": [vars(signature) for signature in result.signatures],
    }


def check_bytes(data: bytes) -> dict[str, Any]:
    """What is stored beside a file: its check against the loaded roots, and when."""
    result = as_json(check_pdf(data, trust_roots()))
    result["checked_at"] = timezone.now().isoformat()
    return result


def check_stored_again(*, actor: Any, row: Any, action: str) -> dict[str, Any]:
    """Check a stored PDF's signatures again (after a trust root was loaded, say) and keep
    what they say on its row (`signature_check`, one UPDATE), audited as `action`: the one
    way evidence and an inspection's files are checked again. The file is read and checked
    before the row is touched: no lock is held while the signatures are validated."""
    with row.file.open("rb") as handle:
        check = check_bytes(handle.read())
    with transaction.atomic():
        type(row).objects.filter(pk=row.pk).update(signature_check=check, updated_at=timezone.now())
        audit_record(
            actor=actor,
            action=action,
            target=row,
            before={"signatures": (row.signature_check or {}).get("verdict")},
            after={"signatures": check["verdict"]},
        )
    row.signature_check = check
    return check


def verdict_lines(check: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(verdict, the sentence in the user's language) for each signature of a stored check;
    nothing for a file never checked."""
    if not check:
        return []
    if not check.get("signatures"):
        verdict = check.get("verdict", UNREADABLE)
        return [(verdict, _(FILE_MESSAGES.get(verdict, FILE_MESSAGES[UNREADABLE])))]
    lines = []
    for signature in check["signatures"]:
        moment = parse_datetime(signature.get("signed_at") or "")
        when = (
            timezone.localtime(moment).strftime("%H:%M %d/%m/%Y")
            if isinstance(moment, datetime.datetime)
            else "—"
        )
        verdict = signature["verdict"]
        lines.append(
            (verdict, _(VERDICT_MESSAGES[verdict]).format(signer=signature["signer"], time=when))
        )
    return lines


def signed_lines(check: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The lines shown beside a file that may or may not be signed (evidence, remediation
    files): a file without signatures says nothing, as it did before signatures were read."""
    if not check or check.get("verdict") in (UNSIGNED, UNREADABLE):
        return []
    return verdict_lines(check)
