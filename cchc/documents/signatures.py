"""Digital signatures in the register: the issuing bodies' signing certificates and the trust
roots (both uploaded by a system administrator), signing an issued document, and checking the
signatures of the PDFs that arrive (a signed scan on upload, any stored file on demand, a file
someone wants to check). The engine is signing.py; checking is cchc.core.pdfsignatures (shared
with evidence); this module reads and writes the records.

A signed file is the same numbered document: the register entry (number, date, the unsigned
files and their SHA-256) never changes; the signed PDF is stored beside them, once, audited.
"""

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.core import pdfsignatures
from cchc.core.audit import audit_record
from cchc.core.models import TrustRoot
from cchc.documents import pdf, signing
from cchc.documents.models import IssuedDocument, Kind, SigningCertificate
from cchc.orgunits.models import OrgUnit

SIGNABLE_KINDS = (Kind.CONCLUSION_NOTICE, Kind.RESULT_REPORT, Kind.TEAM_DECISION)
NOT_SIGNABLE_MESSAGE = gettext_noop("Documents of this kind are not signed digitally in CCHC.")
ALREADY_SIGNED_MESSAGE = gettext_noop("This document is already signed digitally.")
REPLACED_MESSAGE = gettext_noop("A replaced document is not signed: sign the current one.")
NO_CERTIFICATE_MESSAGE = gettext_noop(
    "{body} has no {role} in use: a system administrator uploads it under Digital signatures."
)
BAD_PKCS12_MESSAGE = gettext_noop(
    "The file is not a PKCS#12 certificate with its key, or the password is wrong."
)
EXPIRED_CERTIFICATE_MESSAGE = gettext_noop("The certificate of {holder} expired on {date}.")
BAD_ROOT_MESSAGE = gettext_noop("The file is not an X.509 certificate (PEM or DER).")
ROOT_TWICE_MESSAGE = gettext_noop("This root certificate is already loaded.")
NOT_CA_MESSAGE = gettext_noop(
    "This certificate is not a certification authority's (its basic constraints do not say "
    "CA): load the root of the authority that issues the signers' certificates."
)
SIGNING_FAILED_MESSAGE = gettext_noop("The document could not be signed: {error}")
MAX_CERTIFICATE_BYTES = 64 * 1024


def _secret() -> str:
    """The key the PKCS#12 files and passwords are sealed with: SIGNING_KEY when set (so the
    Django secret can rotate), else SECRET_KEY (docs/security.md)."""
    return str(getattr(settings, "SIGNING_KEY", "") or settings.SECRET_KEY)


@cache
def stamp_font() -> Path:
    return pdf.font_files()[("normal", 400)]


# ---- Certificates and trust roots (a system administrator's) ----


@transaction.atomic
def certificate_upload(
    *, actor: Any, org_unit: OrgUnit, role: str, upload: Any, password: str
) -> SigningCertificate:
    """Check the PKCS#12 file opens with the password and is in date, then store both sealed;
    it replaces the unit's certificate of that role (the earlier one is kept, not in use)."""
    data = upload.read(MAX_CERTIFICATE_BYTES + 1)
    if len(data) > MAX_CERTIFICATE_BYTES:
        raise ValidationError({"file": _(BAD_PKCS12_MESSAGE)})
    try:
        facts = signing.read_pkcs12(data, password)
    except signing.SigningUnavailable as error:
        raise ValidationError({"file": _(BAD_PKCS12_MESSAGE)}) from error
    if facts.not_after <= timezone.now():
        raise ValidationError(
            {
                "file": _(EXPIRED_CERTIFICATE_MESSAGE).format(
                    holder=facts.subject, date=facts.not_after.date().strftime("%d/%m/%Y")
                )
            }
        )
    certificate = SigningCertificate.objects.create(
        org_unit=org_unit,
        role=SigningCertificate.Role(role),
        holder=facts.subject[:255],
        issuer_name=facts.issuer[:255],
        serial=facts.serial[:80],
        sha256=facts.sha256,
        not_before=facts.not_before,
        not_after=facts.not_after,
        sealed_pkcs12=signing.seal(data, _secret()),
        sealed_password=signing.seal(password.encode(), _secret()),
        uploaded_by=actor,
    )
    SigningCertificate.objects.filter(org_unit=org_unit, role=role, is_active=True).exclude(
        pk=certificate.pk
    ).update(is_active=False, updated_at=timezone.now())
    audit_record(
        actor=actor,
        action="signing_certificate.create",
        target=certificate,
        after={
            "unit": org_unit.code,
            "role": role,
            "holder": facts.subject,
            "sha256": facts.sha256,
        },
    )
    return certificate


@transaction.atomic
def trust_root_add(*, actor: Any, name: str, upload: Any) -> TrustRoot:
    data = upload.read(MAX_CERTIFICATE_BYTES + 1)
    try:
        if len(data) > MAX_CERTIFICATE_BYTES:
            raise ValueError("too large")
        certificate = pdfsignatures.read_certificate(data)
    except ValueError as error:
        raise ValidationError({"file": _(BAD_ROOT_MESSAGE)}) from error
    # A holder's own certificate as a root would make its key's every signature 'trusted'
    # with no authority vouching for it.
    try:
        is_ca = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if not is_ca:
        raise ValidationError({"file": _(NOT_CA_MESSAGE)})
    facts = signing.certificate_facts(certificate)
    if TrustRoot.objects.filter(sha256=facts.sha256).exists():
        raise ValidationError({"file": _(ROOT_TWICE_MESSAGE)})
    root = TrustRoot.objects.create(
        name=(name.strip() or facts.subject)[:255],
        certificate=certificate.public_bytes(serialization.Encoding.PEM).decode(),
        sha256=facts.sha256,
        not_after=facts.not_after,
        uploaded_by=actor,
    )
    audit_record(
        actor=actor,
        action="trust_root.create",
        target=root,
        after={"name": root.name, "sha256": root.sha256},
    )
    return root


def certificate_in_use(org_unit: OrgUnit, role: str) -> SigningCertificate | None:
    return (
        SigningCertificate.objects.filter(org_unit=org_unit, role=role, is_active=True)
        .order_by("-created_at")
        .first()
    )


def _signer_of(certificate: SigningCertificate) -> signing.Pkcs12Signer:
    return signing.Pkcs12Signer(
        name=certificate.holder,
        pkcs12=signing.unseal(certificate.sealed_pkcs12, _secret()),
        password=signing.unseal(certificate.sealed_password, _secret()).decode(),
    )


# ---- Signing an issued document ----


def sign_refusal(document: IssuedDocument) -> str | None:
    if document.kind not in SIGNABLE_KINDS:
        return _(NOT_SIGNABLE_MESSAGE)
    if document.signed_pdf:
        return _(ALREADY_SIGNED_MESSAGE)
    if document.replaced_by_id is not None:
        return _(REPLACED_MESSAGE)
    return None


@transaction.atomic
def sign_issued(*, actor: Any, document: IssuedDocument) -> IssuedDocument:
    """Sign the issued PDF with the signer's certificate, then the issuing body's, each
    visible where Decree 30 puts it; store it beside the unsigned files (which stay)."""
    document = (
        IssuedDocument.objects.select_for_update().select_related("issuer").get(pk=document.pk)
    )
    refusal = sign_refusal(document)
    if refusal:
        raise ValidationError(refusal)
    chosen = {}
    for role in (SigningCertificate.Role.SIGNER, SigningCertificate.Role.BODY):
        certificate = certificate_in_use(document.issuer, role)
        if certificate is None:
            raise ValidationError(
                _(NO_CERTIFICATE_MESSAGE).format(
                    body=document.issuer.name, role=str(role.label).lower()
                )
            )
        chosen[role] = certificate
    with document.pdf.open("rb") as handle:
        unsigned = handle.read()
    content = document.content or {}
    signer_place, body_place = signing.placements(
        unsigned,
        sign_title=str(content.get("sign_title") or content.get("sign_authority") or ""),
        signer_name=document.signer_name,
    )
    location = str(content.get("place") or "")
    try:
        signed = signing.sign_pdf(
            unsigned,
            [
                signing.Signature(
                    _signer_of(chosen[SigningCertificate.Role.SIGNER]),
                    "NguoiKy",
                    signer_place,
                    reason=f"Ký ban hành văn bản số {document.reference}",
                    location=location,
                ),
                signing.Signature(
                    _signer_of(chosen[SigningCertificate.Role.BODY]),
                    "CoQuanBanHanh",
                    body_place,
                    reason=f"{document.issuer.name} ban hành văn bản số {document.reference}",
                    location=location,
                ),
            ],
            font_path=stamp_font(),
        )
    except signing.SigningUnavailable as error:
        raise ValidationError(_(SIGNING_FAILED_MESSAGE).format(error=error)) from error
    check = pdfsignatures.check_pdf(signed, pdfsignatures.trust_roots())
    name = f"{document.reference.replace('/', '-')}-ky-so.pdf"
    document.signed_pdf.save(name, ContentFile(signed), save=False)
    document.signed_pdf_sha256 = signing_sha256(signed)
    document.signed_at = timezone.now()
    document.signed_check = pdfsignatures.as_json(check)
    document.save(
        update_fields=[
            "signed_pdf",
            "signed_pdf_sha256",
            "signed_at",
            "signed_check",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="document.sign",
        target=document,
        after={
            "reference": document.reference,
            "signed_pdf_sha256": document.signed_pdf_sha256,
            "signer_certificate": chosen[SigningCertificate.Role.SIGNER].sha256,
            "body_certificate": chosen[SigningCertificate.Role.BODY].sha256,
        },
    )
    return document


def signing_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---- Checking ----


@transaction.atomic
def check_stored(*, actor: Any, document: IssuedDocument) -> IssuedDocument:
    """Check again the signatures of the document's signed PDF and scan (after a trust root
    was loaded, say) and store what they say."""
    document = IssuedDocument.objects.select_for_update().get(pk=document.pk)
    fields = []
    for file_field, check_field in (("signed_pdf", "signed_check"), ("scan", "scan_check")):
        stored = getattr(document, file_field)
        if stored:
            with stored.open("rb") as handle:
                setattr(document, check_field, pdfsignatures.check_bytes(handle.read()))
            fields.append(check_field)
    if fields:
        document.save(update_fields=[*fields, "updated_at"])
        audit_record(
            actor=actor,
            action="document.check_signatures",
            target=document,
            after={field: getattr(document, field)["verdict"] for field in fields},
        )
    return document
