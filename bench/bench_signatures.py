"""Digital signatures (issue 21): signing one conclusion notice (the signer's signature, then the
issuing body's, each visible: pyHanko, two incremental updates) and verifying it, each against
producing the notice (build + DOCX + PDF) in the same run, as a ratio; and signing once through
the service (sign_issued: the register's row, the stored file, the audit). A throw-away CA made
here, as in the tests (cchc/core/tests/pki.py)."""

import sys
import time

from common import median_seconds, report, setup_django

setup_django()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.utils import timezone  # noqa: E402

from cchc.core import pdfsignatures  # noqa: E402
from cchc.core.testing import build_cast  # noqa: E402
from cchc.core.tests import pki  # noqa: E402
from cchc.documents import services, signatures, signing  # noqa: E402
from cchc.documents.models import Kind  # noqa: E402
from cchc.inspections.tests.factories import concluded_plan  # noqa: E402

SIGNER = "Lê Thị Hồng Vân"
BODY = "Đoàn kiểm tra UBND Thành phố Hà Tĩnh"


def upload(data: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def main() -> int:
    cast = build_cast()
    plan = concluded_plan(cast, 1, timezone.localdate().year - 1)
    inspection = plan.inspections.order_by("pk")[0]
    ca = pki.authority()
    signatures.trust_root_add(actor=None, name="CA thử nghiệm", upload=upload(ca.pem, "ca.pem"))
    p12 = {}
    for role, holder in (("signer", SIGNER), ("body", BODY)):
        p12[role] = ca.issue(holder)
        signatures.certificate_upload(
            actor=None,
            org_unit=plan.organiser,
            role=role,
            upload=upload(p12[role], f"{role}.p12"),
            password=pki.PASSWORD,
        )

    _template, template = services.active_template(Kind.CONCLUSION_NOTICE, plan.organiser)
    services.render(services.build(Kind.CONCLUSION_NOTICE, inspection), template)  # warm
    produce = median_seconds(
        lambda: services.render(services.build(Kind.CONCLUSION_NOTICE, inspection), template),
        repeat=5,
    )

    issued = services.issue(
        actor=None, kind=Kind.CONCLUSION_NOTICE, target=inspection, signer_name=SIGNER
    )
    with issued.pdf.open("rb") as handle:
        unsigned = handle.read()
    font = signatures.stamp_font()

    def sign() -> bytes:
        signer_place, body_place = signing.placements(
            unsigned, sign_title="TRƯỞNG ĐOÀN", signer_name=SIGNER
        )
        return signing.sign_pdf(
            unsigned,
            [
                signing.Signature(
                    signing.Pkcs12Signer(SIGNER, p12["signer"], pki.PASSWORD),
                    "NguoiKy",
                    signer_place,
                ),
                signing.Signature(
                    signing.Pkcs12Signer(BODY, p12["body"], pki.PASSWORD),
                    "CoQuanBanHanh",
                    body_place,
                ),
            ],
            font_path=font,
        )

    signed = sign()  # warm: fonts, pyHanko's first use
    signing_seconds = median_seconds(sign, repeat=5)
    roots = pdfsignatures.trust_roots()
    assert pdfsignatures.check_pdf(signed, roots).verdict == pdfsignatures.VALID
    verifying_seconds = median_seconds(lambda: pdfsignatures.check_pdf(signed, roots), repeat=5)

    started = time.perf_counter()
    document = signatures.sign_issued(actor=None, document=issued)
    service_seconds = time.perf_counter() - started
    assert (document.signed_check or {}).get("verdict") == pdfsignatures.VALID

    report(
        "signatures",
        {
            "one_notice_produced_seconds": produce,
            "one_notice_signed_twice_seconds": signing_seconds,
            "one_notice_verified_seconds": verifying_seconds,
            "sign_issued_service_seconds": service_seconds,
            "ratio_signing_to_producing": signing_seconds / produce,
            "ratio_verifying_to_producing": verifying_seconds / produce,
            "ratio_sign_issued_to_producing": service_seconds / produce,
            "signed_bytes_over_unsigned": len(signed) / len(unsigned),
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
