"""Official documents: one conclusion notice (build + DOCX + PDF) against the 0.5 s limit, and
the bulk job (every notice of a plan into one ZIP) at two sizes, whose peak memory must not grow
with the number of documents (they are streamed to disk). BENCH_DOCS sets the larger size."""

import io
import os
import resource
import sys
import time
import zipfile

from common import OVER_LIMIT, median_seconds, report, setup_django

setup_django()

from django.utils import timezone  # noqa: E402

from cchc.core.testing import build_cast  # noqa: E402
from cchc.documents import services  # noqa: E402
from cchc.documents.models import BulkJob, Kind  # noqa: E402
from cchc.inspections.tests.factories import concluded_plan  # noqa: E402

LIMIT_ONE = 0.5


def bulk(plan) -> tuple[float, int, int]:
    """Run the bulk job; return its seconds, documents and the process's peak memory after it
    (ru_maxrss: no tracing overhead; it only grows, so the larger job runs second)."""
    job = BulkJob.objects.create(
        kind=Kind.CONCLUSION_NOTICE, plan=plan, total=plan.inspections.count()
    )
    started = time.perf_counter()
    job = services.bulk_run(job.pk)
    seconds = time.perf_counter() - started
    assert job.status == BulkJob.Status.DONE, job.error
    return seconds, job.done, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def uploaded_copy(template: bytes) -> bytes:
    """The shipped template as a coordinator would upload it back: the same parts, re-zipped
    (so not byte-identical to the shipped one)."""
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(template)) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            target.writestr(item.filename, source.read(item.filename))
    return output.getvalue()


def main() -> int:
    cast = build_cast()
    year = timezone.localdate().year
    small = concluded_plan(cast, 5, year - 2)
    inspection = small.inspections.order_by("pk")[0]
    _template, template = services.active_template(Kind.CONCLUSION_NOTICE, small.organiser)
    services.render(services.build(Kind.CONCLUSION_NOTICE, inspection), template)  # fonts, caches

    def one() -> None:
        document = services.build(Kind.CONCLUSION_NOTICE, inspection)
        services.render(document, template)

    seconds_one = median_seconds(one, repeat=5)
    docx_only = median_seconds(
        lambda: services.docx.render_docx(
            template, services.build(Kind.CONCLUSION_NOTICE, inspection)
        ),
        repeat=5,
    )
    # An uploaded template (any that is not shipped) renders in a process of its own.
    uploaded = uploaded_copy(template)
    services.docx.render_docx(uploaded, services.build(Kind.CONCLUSION_NOTICE, inspection))
    docx_uploaded = median_seconds(
        lambda: services.docx.render_docx(
            uploaded, services.build(Kind.CONCLUSION_NOTICE, inspection)
        ),
        repeat=5,
    )
    larger = int(os.environ.get("BENCH_DOCS", "60"))
    big = concluded_plan(cast, larger, year - 1)
    seconds_small, done_small, peak_small = bulk(small)
    seconds_big, done_big, peak_big = bulk(big)
    report(
        "documents",
        {
            "one_notice_docx_and_pdf_seconds": seconds_one,
            "one_notice_docx_only_seconds": docx_only,
            "one_notice_docx_uploaded_template_seconds": docx_uploaded,
            "limit_seconds": LIMIT_ONE,
            "ratio_to_limit": seconds_one / LIMIT_ONE,
            f"bulk_{done_small}_seconds": seconds_small,
            f"bulk_{done_big}_seconds": seconds_big,
            "bulk_seconds_per_1000_units": seconds_big / done_big * 1000,
            f"process_peak_mib_after_{done_small}": peak_small / 2**20,
            f"process_peak_mib_after_{done_big}": peak_big / 2**20,
        },
    )
    return 0 if seconds_one <= LIMIT_ONE else OVER_LIMIT


if __name__ == "__main__":
    sys.exit(main())
