"""Every URL × every role: the expected status, and a failure when a URL has no expectation.

A case names the URL, how to build its arguments from the cast, the method, and the status
each persona must get. `None` as the persona means an anonymous visitor. Statuses: 200 shown,
302 redirected (to login for anonymous, or after a successful POST), 400 refused input,
403 not allowed, 404 hidden, 405 wrong method.
"""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cchc.accounts.models import Membership
from cchc.accounts.services import membership_add
from cchc.core.roles import Role
from cchc.core.testing import PDF, PERSONAS, BaseTestCase, Cast
from cchc.frameworks.tests.factories import make_framework

ANONYMOUS = "anonymous"
ALL = [ANONYMOUS, *PERSONAS]
LOGGED_IN = PERSONAS
KEEPERS = {"admin", "home_affairs"}
# Namespaces outside the product: Django's admin back door has its own staff checks. The
# integration API (namespace "api") has its own matrix: tests/security/test_api_matrix.py
# (endpoint × persona's session × client scope), which fails on an endpoint without a row.
SKIPPED_NAMESPACES = {"admin", "api"}


def statuses(
    default: int, anonymous: int = 302, role_free: bool = False, **overrides: int
) -> dict[str, int]:
    """Expected statuses. A logged-in user without any role is refused (403) everywhere but
    the pages every account has (role_free): the overview, the account pages, the language.
    405 (wrong method) comes before any permission check."""
    result = dict.fromkeys(PERSONAS, default)
    result[ANONYMOUS] = anonymous
    result.update(overrides)
    if not role_free and default != 405:
        result["no_role"] = 403
    return result


def keepers_only(allowed: int = 200, refused: int = 403, **overrides: int) -> dict[str, int]:
    result = statuses(refused)
    for persona in KEEPERS:
        result[persona] = allowed
    result.update(overrides)
    return result


def admin_only(allowed: int = 200) -> dict[str, int]:
    return statuses(403, admin=allowed)


def fresh_membership(cast: Cast, unit_name: str) -> dict[str, Any]:
    from cchc.accounts.models import User

    # A user of its own: giving roles to a persona would change what that persona may see.
    user, _created = User.objects.get_or_create(username="matrix_target")
    unit = getattr(cast, unit_name)
    Membership.objects.filter(user=user, role=Role.INSPECTOR, org_unit=unit).update(is_active=False)
    membership = membership_add(actor=None, user=user, role=Role.INSPECTOR, org_unit=unit)
    return {"pk": membership.pk}


def ward_a_renamed(cast: Cast) -> int:
    """A reorganisation recorded on ward A (the rows alone: the unit itself is unchanged)."""
    from cchc.orgunits.models import Reorganisation, UnitChange

    existing = Reorganisation.objects.filter(name="Matrix").first()
    if existing is not None:
        return existing.pk
    reorganisation = Reorganisation.objects.create(
        name="Matrix", effective_on=datetime.date(2025, 7, 1)
    )
    UnitChange.objects.create(
        kind=UnitChange.Kind.RENAMED,
        effective_on=reorganisation.effective_on,
        predecessor=cast.ward_a,
        successor=cast.ward_a,
        old_value=cast.ward_a.name,
        new_value=cast.ward_a.name,
        reorganisation=reorganisation,
    )
    return reorganisation.pk


def open_round(cast: Cast) -> Any:
    from cchc.assessments.models import Round
    from cchc.assessments.tests.factories import make_round

    existing = Round.objects.filter(framework__name="Matrix", status=Round.Status.OPEN).first()
    return existing or make_round(cast, name="Matrix")


def round_pk(cast: Cast) -> dict[str, Any]:
    return {"pk": open_round(cast).pk}


def draft_round(cast: Cast) -> dict[str, Any]:
    from cchc.assessments.tests.factories import make_round

    return {"pk": make_round(cast, open_it=False, name="Draft round").pk}


def area_of_ward_a(cast: Cast) -> dict[str, Any]:
    assessment = ward_a_assessment(cast)
    return {
        "pk": assessment.pk,
        "area_pk": assessment.round.framework.criteria.get(code="1").pk,
    }


def ward_a_assessment(cast: Cast) -> Any:
    from cchc.assessments.tests.factories import assessment_of

    return assessment_of(open_round(cast), cast.ward_a)


def submitted_assessment(cast: Cast) -> dict[str, Any]:
    """Ward A's assessment of a round of its own, submitted (it has a fingerprint)."""
    from cchc.assessments.models import Assessment
    from cchc.assessments.services import assessment_submit
    from cchc.assessments.tests.factories import assessment_of, make_round
    from cchc.assessments.tests.test_workflow import fill

    done = Assessment.objects.filter(
        round__framework__name="Matrix submitted", org_unit=cast.ward_a
    ).first()
    if done is None:
        done = assessment_of(make_round(cast, name="Matrix submitted"), cast.ward_a)
        fill(done, cast.ward_officer)
        done = assessment_submit(actor=cast.ward_chair, assessment=done)
    return {"pk": done.pk}


def scored(cast: Cast, code: str = "1.1") -> dict[str, Any]:
    """An assessment of ward A with criterion `code` declared; kwargs for per-criterion URLs."""
    from cchc.assessments.services import score_save
    from cchc.frameworks.models import Criterion

    assessment = ward_a_assessment(cast)
    criterion = Criterion.objects.get(framework=assessment.round.framework, code=code)
    score_save(actor=None, assessment=assessment, criterion=criterion, data={"answer": "yes"})
    return {"pk": assessment.pk, "criterion_pk": criterion.pk}


def with_evidence(cast: Cast) -> dict[str, Any]:
    import datetime

    from cchc.assessments.services import evidence_cite
    from cchc.frameworks.models import Criterion

    assessment = ward_a_assessment(cast)
    criterion = Criterion.objects.get(framework=assessment.round.framework, code="1.1")
    evidence = evidence_cite(
        actor=None,
        assessment=assessment,
        criterion=criterion,
        title="KH",
        document_number="1/KH",
        document_date=datetime.date(2026, 1, 5),
    )
    return {"pk": assessment.pk, "criterion_pk": criterion.pk, "evidence_pk": evidence.pk}


def evidence_file(cast: Cast) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cchc.assessments.services import evidence_upload
    from cchc.frameworks.models import Criterion

    assessment = ward_a_assessment(cast)
    criterion = Criterion.objects.get(framework=assessment.round.framework, code="1.1")
    pdf = SimpleUploadedFile("kh.pdf", PDF)
    evidence = evidence_upload(actor=None, assessment=assessment, criterion=criterion, upload=pdf)
    return {"pk": evidence.pk}


def appeal(cast: Cast) -> dict[str, Any]:
    # Made directly: reaching the appeals stage through the services per persona would make
    # the matrix slow, and the view's permission does not depend on how the appeal came to be.
    from cchc.assessments.models import Appeal, Score

    scored(cast, "1.2")
    score = Score.objects.get(assessment=ward_a_assessment(cast), criterion__code="1.2")
    Appeal.objects.filter(score=score).update(status=Appeal.Status.REJECTED)
    item = Appeal.objects.create(
        score=score, reason="x", requested_points=1, filed_by=cast.ward_chair
    )
    return {"pk": item.pk}


def question(cast: Cast) -> dict[str, Any]:
    # Made directly, like the appeal: the view's permission does not depend on the round's stage.
    from cchc.assessments.models import Question, Score

    scored(cast, "1.1")
    score = Score.objects.get(assessment=ward_a_assessment(cast), criterion__code="1.1")
    return {"pk": Question.objects.create(score=score, text="?", asked_by=cast.appraiser).pk}


def published(cast: Cast) -> dict[str, Any]:
    return {"pk": make_framework(cast.city, publish=True, name="Published").pk}


def draft(cast: Cast, issuer: str = "city") -> dict[str, Any]:
    return {"pk": make_framework(getattr(cast, issuer), name=f"Draft {issuer}").pk}


def criterion_of(framework_pk: int, code: str = "1.2") -> dict[str, Any]:
    from cchc.frameworks.models import Criterion

    return {"pk": Criterion.objects.get(framework_id=framework_pk, code=code).pk}


@dataclass
class Case:
    url_name: str
    expected: dict[str, int]
    kwargs: Callable[[Cast], dict[str, Any]] = field(default=lambda cast: {})
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)
    note: str = ""


CASES = [
    Case("core:home", statuses(200, role_free=True)),
    Case("core:health", statuses(200, anonymous=200, role_free=True)),
    # A load balancer's probes answer anyone, with check names and ok/fail only; the metrics
    # answer only a scraper holding METRICS_TOKEN or on an allowed address: 404 to everyone.
    Case("health-live", statuses(200, anonymous=200, role_free=True)),
    Case("health-ready", statuses(200, anonymous=200, role_free=True)),
    Case("metrics", statuses(404, anonymous=404, role_free=True)),
    Case("core:audit_list", keepers_only()),
    Case("accounts:login", statuses(302, anonymous=200, role_free=True)),
    Case("accounts:logout", statuses(405, anonymous=405), note="GET is refused"),
    Case("accounts:logout", statuses(302, role_free=True), method="post"),
    Case("accounts:profile", statuses(200, role_free=True)),
    Case("accounts:password_change", statuses(200, role_free=True)),
    Case(
        "accounts:profile_email",
        statuses(302, role_free=True),
        method="post",
        data={"email": "toi@example.gov.vn"},
        note="one's own address",
    ),
    Case("accounts:profile_email", statuses(405, anonymous=405), note="GET is refused"),
    Case("accounts:language_set", statuses(405, anonymous=405)),
    Case(
        "accounts:language_set",
        statuses(302, role_free=True),
        method="post",
        data={"language": "vi"},
    ),
    Case("accounts:user_list", keepers_only()),
    Case("accounts:user_create", keepers_only()),
    Case(
        "accounts:user_create",
        keepers_only(allowed=400),
        method="post",
        data={},
        note="invalid form",
    ),
    Case(
        "accounts:user_detail",
        keepers_only(refused=403),
        kwargs=lambda cast: {"pk": cast.ward_officer.pk},
        note="a user of ward A",
    ),
    Case(
        "accounts:user_detail",
        keepers_only(home_affairs=404, refused=403),
        kwargs=lambda cast: {"pk": cast.admin.pk},
        note="the admin's role is in the province, outside the city",
    ),
    Case(
        "accounts:membership_add",
        keepers_only(allowed=400),
        kwargs=lambda cast: {"pk": cast.ward_officer.pk},
        method="post",
        note="empty form",
    ),
    Case(
        "accounts:membership_add",
        statuses(405, anonymous=405),
        kwargs=lambda cast: {"pk": cast.ward_officer.pk},
    ),
    Case(
        "accounts:user_password",
        keepers_only(allowed=302),
        kwargs=lambda cast: {"pk": cast.ward_officer.pk},
        method="post",
        data={"password1": "mot-mat-khau-moi-2026", "password2": "mot-mat-khau-moi-2026"},
        note="a user of ward A",
    ),
    Case(
        "accounts:user_password",
        keepers_only(home_affairs=404, allowed=403),
        kwargs=lambda cast: {"pk": cast.admin.pk},
        method="post",
        data={"password1": "mot-mat-khau-moi-2026", "password2": "mot-mat-khau-moi-2026"},
        note="the administrator: not the city's; nor their own (their own page, with the old)",
    ),
    Case(
        "accounts:user_email",
        keepers_only(allowed=302),
        kwargs=lambda cast: {"pk": cast.ward_officer.pk},
        method="post",
        data={"email": "canbo@example.gov.vn"},
        note="a user of ward A",
    ),
    Case(
        "accounts:user_email",
        keepers_only(home_affairs=404, allowed=302),
        kwargs=lambda cast: {"pk": cast.admin.pk},
        method="post",
        data={"email": "admin@example.gov.vn"},
        note="the admin's role is in the province, outside the city",
    ),
    Case(
        "accounts:membership_end",
        keepers_only(allowed=302),
        kwargs=lambda cast: fresh_membership(cast, "agency"),
        method="post",
    ),
    Case(
        "accounts:membership_end",
        keepers_only(home_affairs=403, allowed=302),
        kwargs=lambda cast: fresh_membership(cast, "other_province"),
        method="post",
        note="a role outside the city",
    ),
    Case("orgunits:unit_list", statuses(200)),
    Case("orgunits:unit_export_csv", statuses(200)),
    Case("orgunits:unit_export_geojson", statuses(200)),
    Case("orgunits:unit_detail", statuses(200), kwargs=lambda cast: {"pk": cast.ward_a.pk}),
    Case("orgunits:unit_detail", statuses(404), kwargs=lambda cast: {"pk": 999999}),
    Case("orgunits:unit_create", keepers_only()),
    Case("orgunits:unit_edit", keepers_only(), kwargs=lambda cast: {"pk": cast.ward_a.pk}),
    Case(
        "orgunits:unit_edit",
        keepers_only(home_affairs=403),
        kwargs=lambda cast: {"pk": cast.other_province.pk},
        note="outside the city",
    ),
    Case("orgunits:unit_import", admin_only()),
    Case("orgunits:reorganisation", keepers_only()),
    Case(
        "orgunits:reorganisation_detail",
        statuses(200, portal_editor=404, outsider=404),
        kwargs=lambda cast: {"pk": ward_a_renamed(cast)},
        note="read by whoever reads the unit it changed",
    ),
    Case("frameworks:framework_list", statuses(200)),
    Case("frameworks:framework_template", statuses(200)),
    Case("frameworks:framework_import", keepers_only()),
    Case("frameworks:framework_detail", statuses(200), kwargs=published),
    Case("frameworks:framework_detail", keepers_only(refused=404), kwargs=draft, note="draft"),
    Case(
        "frameworks:framework_detail",
        keepers_only(home_affairs=404, refused=404),
        kwargs=lambda cast: draft(cast, "other_province"),
        note="a draft of another province",
    ),
    Case("frameworks:framework_edit", keepers_only(), kwargs=draft),
    Case("frameworks:framework_publish", keepers_only(302), kwargs=draft, method="post"),
    Case("frameworks:framework_publish", statuses(405, anonymous=405), kwargs=draft),
    Case("frameworks:framework_copy", keepers_only(302), kwargs=published, method="post"),
    Case("frameworks:framework_archive", keepers_only(302), kwargs=published, method="post"),
    Case("frameworks:framework_diff", statuses(200), kwargs=published),
    Case("frameworks:framework_export_xlsx", statuses(200), kwargs=published),
    Case("frameworks:framework_export_csv", statuses(200), kwargs=published),
    Case("frameworks:framework_export_csv", keepers_only(refused=404), kwargs=draft, note="draft"),
    Case("frameworks:criterion_create", keepers_only(), kwargs=draft),
    Case(
        "frameworks:criterion_edit",
        keepers_only(),
        kwargs=lambda cast: criterion_of(draft(cast)["pk"]),
    ),
    Case(
        "frameworks:criterion_delete",
        keepers_only(302),
        kwargs=lambda cast: criterion_of(draft(cast)["pk"]),
        method="post",
    ),
    Case(
        "frameworks:criterion_preview",
        statuses(200),
        kwargs=lambda cast: criterion_of(published(cast)["pk"]),
    ),
    Case(
        "frameworks:criterion_preview",
        keepers_only(refused=404),
        kwargs=lambda cast: criterion_of(draft(cast)["pk"]),
        note="draft",
    ),
    # The portal's editors read published results on the portal, like citizens: nothing of a
    # round in the app (issue 16).
    Case("assessments:round_list", statuses(200, portal_editor=403)),
    Case("assessments:round_create", keepers_only()),
    Case(
        "assessments:round_detail", statuses(200, no_role=404, portal_editor=403), kwargs=round_pk
    ),
    Case(
        "assessments:round_detail",
        keepers_only(refused=404, portal_editor=403),
        kwargs=draft_round,
        note="draft",
    ),
    Case("assessments:round_advance", keepers_only(302), kwargs=draft_round, method="post"),
    Case(
        "assessments:round_deadlines",
        keepers_only(400),  # empty: refused on the board, the form open as typed
        kwargs=round_pk,
        method="post",
    ),
    Case("assessments:appraisal", keepers_only(appraiser=200), kwargs=round_pk),
    Case("assessments:appraisal_progress", keepers_only(appraiser=200), kwargs=round_pk),
    Case(
        "assessments:appraisal_accept",
        keepers_only(302, appraiser=302),
        kwargs=lambda cast: {
            "pk": ward_a_assessment(cast).round_id,
            "criterion_pk": criterion_of_round(cast, "2.1"),
        },
        method="post",
        note="a criterion the appraiser appraises: back to the grid, nothing to take here",
    ),
    Case(
        "assessments:appraisal_accept",
        keepers_only(302),
        kwargs=lambda cast: {
            "pk": ward_a_assessment(cast).round_id,
            "criterion_pk": criterion_of_round(cast, "1.1"),
        },
        method="post",
        note="a criterion the agency reads but does not appraise: refused (appraisable_criteria)",
    ),
    Case(
        "assessments:results",
        statuses(
            200, ward_officer=403, ward_chair=403, outsider=403, no_role=404, portal_editor=403
        ),
        kwargs=round_pk,
        note="before publication",
    ),
    Case(
        "assessments:results_export",
        statuses(
            200, ward_officer=403, ward_chair=403, outsider=403, no_role=404, portal_editor=403
        ),
        kwargs=round_pk,
    ),
    Case(
        "assessments:assessment_detail",
        statuses(200, outsider=404, no_role=404, portal_editor=403),
        kwargs=lambda cast: {"pk": ward_a_assessment(cast).pk},
    ),
    Case(
        "assessments:assessment_verify",
        statuses(200, outsider=404, no_role=404, portal_editor=403),
        kwargs=submitted_assessment,
    ),
    Case(
        "assessments:assessment_verify",
        statuses(200, outsider=404, no_role=404, portal_editor=403),
        kwargs=submitted_assessment,
        method="post",
        note="no file: the form says so, nothing is written",
    ),
    Case(
        "assessments:assessment_verify",
        statuses(404, no_role=404, portal_editor=403),
        kwargs=lambda cast: {"pk": ward_a_assessment(cast).pk},
        note="not submitted: no fingerprint to check",
    ),
    Case(
        "assessments:assessment_submit",
        statuses(200, outsider=404, no_role=404, portal_editor=403),
        kwargs=lambda cast: {"pk": ward_a_assessment(cast).pk},
    ),
    Case(
        "assessments:assessment_return",
        keepers_only(400),  # empty: refused on the board, its row open (not submitted yet)
        kwargs=lambda cast: {"pk": ward_a_assessment(cast).pk},
        method="post",
    ),
    Case(
        "assessments:assessment_extend",
        keepers_only(400),  # empty: refused on the board, its row open
        kwargs=lambda cast: {"pk": ward_a_assessment(cast).pk},
        method="post",
    ),
    Case(
        "assessments:score_save",
        statuses(403, ward_officer=302, ward_chair=302, outsider=404),
        kwargs=scored,
        method="post",
    ),
    Case(
        "assessments:score_confirm",
        statuses(403, ward_officer=302, ward_chair=302, outsider=404),
        kwargs=scored,
        method="post",
    ),
    Case(
        "assessments:area_confirm",
        statuses(403, ward_officer=302, ward_chair=302, outsider=404),
        kwargs=area_of_ward_a,
        method="post",
        note="confirm every carried-over value of area 1 at once",
    ),
    Case(
        "assessments:evidence_add",
        # The unit's: refused (nothing cited), the forms again as typed (400).
        statuses(403, ward_officer=400, ward_chair=400, outsider=404),
        kwargs=scored,
        method="post",
        data={"how": "cite"},
    ),
    Case(
        "assessments:evidence_forms",
        statuses(403, ward_officer=200, ward_chair=200, outsider=404),
        kwargs=lambda cast: {
            key: value for key, value in with_evidence(cast).items() if key != "evidence_pk"
        },
    ),
    Case(
        "assessments:evidence_detach",
        statuses(403, ward_officer=302, ward_chair=302, outsider=404),
        kwargs=with_evidence,
        method="post",
    ),
    Case(
        "assessments:score_appraise",
        statuses(403, admin=302, home_affairs=302, appraiser=302),
        kwargs=lambda cast: (
            scored(cast, "2.1")
            and {
                "pk": ward_a_assessment(cast).pk,
                "criterion_pk": criterion_of_round(cast, "2.1"),
            }
        ),
        method="post",
        note="the round is not in appraisal: refused with the reason",
    ),
    Case(
        "assessments:score_appraise",
        statuses(403, admin=302, home_affairs=302),
        kwargs=lambda cast: {
            "pk": ward_a_assessment(cast).pk,
            "criterion_pk": criterion_of_round(cast, "1.1"),
        },
        method="post",
        note="a criterion the agency reads but does not appraise: refused (selectors.can_appraise)",
    ),
    Case(
        "assessments:appeal_file",
        statuses(403, ward_officer=302, ward_chair=302, outsider=404),
        kwargs=scored,
        method="post",
    ),
    Case("assessments:appeal_decide", keepers_only(302), kwargs=appeal, method="post"),
    # A unit's appeals: whoever reads its assessment (another ward's is hidden).
    Case(
        "assessments:appeal_list",
        statuses(200, outsider=404, no_role=404, portal_editor=403),
        kwargs=lambda cast: appeal(cast) and {"pk": ward_a_assessment(cast).pk},
    ),
    Case(
        "assessments:question_ask",
        statuses(403, admin=302, home_affairs=302, appraiser=302),
        kwargs=lambda cast: {
            "pk": ward_a_assessment(cast).pk,
            "criterion_pk": criterion_of_round(cast, "2.1"),
        },
        method="post",
        note="refused with the reason outside appraisal",
    ),
    Case(
        "assessments:question_answer",
        statuses(403, ward_officer=302, ward_chair=302, outsider=404),
        kwargs=question,
        method="post",
    ),
    # Every role but the portal's editors reads the dashboards; what each sees is scoped.
    Case("analytics:overview", statuses(200, portal_editor=403)),
    Case("analytics:progress", statuses(200, portal_editor=403)),
    Case("analytics:inspections", statuses(200, portal_editor=403)),
    Case("analytics:indicators", statuses(200, portal_editor=403)),
    Case(
        "analytics:export",
        statuses(200, portal_editor=403),
        kwargs=lambda cast: {"page": "indicators", "table": "directives", "fmt": "xlsx"},
    ),
    Case(
        "analytics:map_data",
        statuses(200, ward_officer=403, ward_chair=403, outsider=403, portal_editor=403),
        kwargs=round_pk,
        note="an open round: units see published rounds only",
    ),
    Case(
        "analytics:map_data",
        statuses(404, admin=403, home_affairs=403, portal_editor=403),
        kwargs=draft_round,
        note="a draft round",
    ),
    Case(
        "analytics:area",
        statuses(
            200,
            appraiser=403,
            ward_officer=403,
            ward_chair=403,
            outsider=404,
            portal_editor=403,
        ),
        kwargs=area_of_ward_a,
        note="area 1 of ward A's open assessment: not the agency's area, not published",
    ),
    Case(
        "analytics:remind",
        keepers_only(302),
        kwargs=round_pk,
        method="post",
    ),
    Case("notifications:inbox", statuses(200, role_free=True)),
    Case("notifications:inbox_read", statuses(302, role_free=True), method="post"),
    Case(
        "assessments:evidence_download",
        statuses(200, outsider=404, no_role=404, portal_editor=403),
        kwargs=evidence_file,
    ),
    Case(
        "assessments:evidence_check",
        statuses(302, outsider=404, no_role=404, portal_editor=403),
        kwargs=evidence_file,
        method="post",
        note="whoever may read the evidence checks its signatures again",
    ),
]


# --- Inspections: ward A's visit under way; the appraiser is its only member, the inspector
# (also in the agency) is not on its team, so sees it only once published.


def visiting(cast: Cast) -> Any:
    from cchc.inspections.models import Inspection
    from cchc.inspections.tests.factories import approved_inspection, to_status

    return to_status(cast, approved_inspection(cast), Inspection.Status.VISITING)


def inspection_pk(cast: Cast) -> dict[str, Any]:
    return {"pk": visiting(cast).pk}


def plan_pk(cast: Cast) -> dict[str, Any]:
    return {"pk": visiting(cast).plan_id}


def request_pk(cast: Cast) -> dict[str, Any]:
    return {"pk": visiting(cast).requests.first().pk}


def member_pk(cast: Cast) -> dict[str, Any]:
    return {"pk": visiting(cast).team.first().pk}


def document_pk(cast: Cast) -> dict[str, Any]:
    from cchc.inspections.models import DocumentRequest
    from cchc.inspections.services.visits import visit_items

    inspection = visiting(cast)
    item = visit_items(inspection)[0]
    document, _created = DocumentRequest.objects.get_or_create(
        inspection=inspection, item=item, defaults={"text": "Quyết định"}
    )
    return {"pk": document.pk}


def finding_pk(cast: Cast) -> dict[str, Any]:
    from cchc.inspections.models import Finding

    inspection = visiting(cast)
    finding = Finding.objects.filter(inspection=inspection, text="Ma trận").first()
    finding = finding or Finding.objects.create(
        inspection=inspection, kind="shortcoming", topic="iso", area="Duy trì", text="Ma trận"
    )
    return {"pk": finding.pk}


def recommendation_pk(cast: Cast) -> dict[str, Any]:
    from cchc.inspections.models import Recommendation

    inspection = visiting(cast)
    recommendation, _created = Recommendation.objects.get_or_create(
        inspection=inspection, text="Ma trận"
    )
    return {"pk": recommendation.pk}


def action_pk(cast: Cast) -> dict[str, Any]:
    import datetime

    from cchc.inspections.models import RemediationAction

    recommendation = recommendation_pk(cast)["pk"]
    action, _created = RemediationAction.objects.get_or_create(
        recommendation_id=recommendation,
        text="Ma trận",
        defaults={"owner": cast.ward_a, "deadline": datetime.date(2030, 1, 1)},
    )
    return {"pk": action.pk}


def photo_pk(cast: Cast) -> dict[str, Any]:
    from cchc.inspections.services.visits import photo_add
    from cchc.inspections.tests.factories import png

    inspection = visiting(cast)
    photo = inspection.files.first() or photo_add(actor=None, inspection=inspection, upload=png())
    return {"pk": photo.pk}


def document_file_pk(cast: Cast) -> dict[str, Any]:
    """A PDF the ward sent for a document asked of it (its signatures can be checked)."""
    from cchc.inspections.models import DocumentRequest, InspectionFile
    from cchc.inspections.services.visits import document_answer
    from cchc.inspections.tests.factories import pdf

    document = DocumentRequest.objects.get(**document_pk(cast))
    stored = InspectionFile.objects.filter(inspection=document.inspection, kind="pdf").first()
    if stored is None:
        document_answer(actor=None, request=document, upload=pdf())
        stored = InspectionFile.objects.get(inspection=document.inspection, kind="pdf")
    return {"pk": stored.pk}


def checklist_pk(cast: Cast) -> dict[str, Any]:
    from cchc.inspections.models import Checklist

    visiting(cast)
    return {"pk": Checklist.objects.order_by("pk")[0].pk}


# Who sees ward A's visit: keepers, the leader, its team and the ward itself (plan approved).
SEES_VISIT = statuses(200, inspector=404, outsider=404, portal_editor=403)
# The team's notes of a visit under way (a photo, the draft conclusion notice): the inspected
# unit reads them once the visit is concluded (tests/security/test_inspection_notes.py).
SEES_NOTES = statuses(
    200, inspector=404, outsider=404, portal_editor=403, ward_officer=404, ward_chair=404
)
TEAM_WRITES = statuses(403, admin=302, home_affairs=302, appraiser=302, inspector=404)
TEAM_READS = statuses(403, admin=200, home_affairs=200, appraiser=200, inspector=404)
UNIT_WRITES = statuses(403, ward_officer=302, ward_chair=302, outsider=404)
INSPECTION_CASES = [
    Case("inspections:inspection_list", statuses(200, portal_editor=403)),
    Case("inspections:plan_create", keepers_only(302), method="post", data={"year": 2031}),
    Case(
        "inspections:plan_detail",
        statuses(200, ward_officer=404, ward_chair=404, outsider=404, portal_editor=403),
        kwargs=plan_pk,
    ),
    Case(
        "inspections:request_create",
        statuses(403, admin=302, home_affairs=302, appraiser=302, inspector=302),
        kwargs=plan_pk,
        method="post",
        note="refused with the reason: the plan is approved",
    ),
    Case(
        "inspections:request_delete",
        statuses(403, admin=302, home_affairs=302, appraiser=302),
        kwargs=request_pk,
        method="post",
        note="the filer or a keeper; refused with the reason once approved",
    ),
    Case("inspections:plan_propose", keepers_only(302), kwargs=plan_pk, method="post"),
    Case("inspections:plan_approve", keepers_only(302), kwargs=plan_pk, method="post"),
    Case("inspections:inspection_detail", SEES_VISIT, kwargs=inspection_pk),
    Case("inspections:checklist_visit", SEES_VISIT, kwargs=inspection_pk),
    Case("inspections:reschedule", keepers_only(302), kwargs=inspection_pk, method="post"),
    Case("inspections:team_add", keepers_only(302), kwargs=inspection_pk, method="post"),
    Case("inspections:team_remove", keepers_only(302), kwargs=member_pk, method="post"),
    Case("inspections:decision", keepers_only(302), kwargs=inspection_pk, method="post"),
    Case("inspections:publish", keepers_only(302), kwargs=inspection_pk, method="post"),
    Case(
        "inspections:advance",
        TEAM_WRITES,
        kwargs=inspection_pk,
        method="post",
        data={"target": "planned"},
        note="a step back, refused with its reason (302): the team's to ask",
    ),
    Case("inspections:documents_request", TEAM_WRITES, kwargs=inspection_pk, method="post"),
    Case(
        "inspections:item_result",
        TEAM_WRITES,
        kwargs=lambda cast: {"pk": visiting(cast).pk, "item_pk": document_item(cast)},
        method="post",
    ),
    Case("inspections:photo_add", TEAM_WRITES, kwargs=inspection_pk, method="post"),
    Case("inspections:support", TEAM_WRITES, kwargs=inspection_pk, method="post"),
    Case("inspections:finding_create", TEAM_WRITES, kwargs=inspection_pk, method="post"),
    Case("inspections:finding_suggest", TEAM_READS, kwargs=inspection_pk),
    Case(
        "inspections:finding_cause",
        TEAM_WRITES,
        kwargs=finding_pk,
        method="post",
        data={"title": "Nguyên nhân ma trận", "linked": "1"},
    ),
    Case("inspections:finding_delete", TEAM_WRITES, kwargs=finding_pk, method="post"),
    Case("inspections:recommendation_create", TEAM_WRITES, kwargs=inspection_pk, method="post"),
    Case("inspections:action_create", TEAM_WRITES, kwargs=recommendation_pk, method="post"),
    Case("inspections:action_delete", TEAM_WRITES, kwargs=action_pk, method="post"),
    Case("inspections:recommendation_delete", TEAM_WRITES, kwargs=recommendation_pk, method="post"),
    Case("inspections:action_verify", TEAM_WRITES, kwargs=action_pk, method="post"),
    Case("inspections:action_reopen", TEAM_WRITES, kwargs=action_pk, method="post"),
    Case(
        "inspections:action_report",
        statuses(403, outsider=404, inspector=404),
        kwargs=action_pk,
        method="post",
        note="nobody reports before the visit is concluded; then the action's owner (ward A) "
        "and an agency the actions it owns (tests/security/test_inspection_notes.py)",
    ),
    Case("inspections:document_answer", UNIT_WRITES, kwargs=document_pk, method="post"),
    Case("inspections:file_download", SEES_NOTES, kwargs=photo_pk),
    Case(
        "inspections:file_check",
        statuses(302, inspector=404, outsider=404, portal_editor=403),
        kwargs=document_file_pk,
        method="post",
        note="whoever may read the visit checks a file's signatures again",
    ),
    Case("inspections:root_causes", statuses(200, portal_editor=403)),
    Case("inspections:checklist_list", statuses(200, portal_editor=403)),
    Case("inspections:checklist_detail", statuses(200, portal_editor=403), kwargs=checklist_pk),
    Case("inspections:checklist_export", statuses(200, portal_editor=403), kwargs=checklist_pk),
    Case("inspections:checklist_import", keepers_only(302), method="post"),
    Case("inspections:checklist_from_framework", keepers_only(302), method="post"),
]
CASES += INSPECTION_CASES


# --- Documents: previews of ward A's visit; an issued plan (units do not see plans).


def issued_plan(cast: Cast) -> dict[str, Any]:
    from cchc.documents.models import IssuedDocument
    from cchc.documents.services import issue

    plan = visiting(cast).plan
    document = IssuedDocument.objects.filter(plan=plan).first() or issue(
        actor=None, kind="inspection_plan", target=plan, signer_name="Chủ tịch"
    )
    return {"pk": document.pk}


def bulk_job(cast: Cast) -> dict[str, Any]:
    from cchc.documents.models import BulkJob

    job, _created = BulkJob.objects.get_or_create(
        plan=visiting(cast).plan, kind="conclusion_notice", defaults={"status": "done"}
    )
    return {"pk": job.pk}


def ranking_of_open_round(cast: Cast) -> dict[str, Any]:
    return {"kind": "ranking_announcement", "pk": open_round(cast).pk}


def notice_of_visit(cast: Cast) -> dict[str, Any]:
    return {"kind": "conclusion_notice", "pk": visiting(cast).pk}


# The draft notice tells the team's notes: the unit is refused it (403) before the conclusion.
SEES_NOTES_DRAFT = statuses(
    200, inspector=404, outsider=404, portal_editor=403, ward_officer=403, ward_chair=403
)
SEES_PLAN_DOCUMENT = statuses(
    200, ward_officer=404, ward_chair=404, outsider=404, portal_editor=403
)
DOCUMENT_CASES = [
    # The portal's editors read neither rounds nor inspections, so no document of them.
    Case("documents:register", statuses(200, portal_editor=403)),
    Case("documents:preview", SEES_NOTES_DRAFT, kwargs=notice_of_visit),
    Case("documents:preview_raw", SEES_NOTES_DRAFT, kwargs=notice_of_visit),
    Case("documents:draft_docx", SEES_NOTES_DRAFT, kwargs=notice_of_visit),
    # The ranking announcement of a round not yet published says what its results page says:
    # nothing to the units (tests/security/test_document_templates.py walks every kind and
    # stage against its page).
    *(
        Case(
            name,
            statuses(200, ward_officer=403, ward_chair=403, outsider=403, portal_editor=403),
            kwargs=ranking_of_open_round,
            note="before publication",
        )
        for name in ("documents:preview", "documents:preview_raw", "documents:draft_docx")
    ),
    Case(
        "documents:issue",
        statuses(403, admin=400, home_affairs=400, appraiser=400, inspector=404, outsider=404),
        kwargs=notice_of_visit,
        method="post",
        note="the team issues the notice (refused here, 400, the form as typed: no signer)",
    ),
    Case("documents:issued_detail", SEES_PLAN_DOCUMENT, kwargs=issued_plan),
    Case(
        "documents:issued_file",
        SEES_PLAN_DOCUMENT,
        kwargs=lambda cast: {**issued_plan(cast), "fmt": "pdf"},
    ),
    Case(
        "documents:scan_upload",
        statuses(
            403,
            admin=302,
            home_affairs=302,
            ward_officer=404,
            ward_chair=404,
            outsider=404,
            portal_editor=403,
        ),
        kwargs=issued_plan,
        method="post",
    ),
    Case(
        "documents:sign",
        statuses(
            403,
            admin=302,
            home_affairs=302,
            ward_officer=404,
            ward_chair=404,
            outsider=404,
            portal_editor=403,
        ),
        kwargs=issued_plan,
        method="post",
        note="who may issue signs (refused with the reason here: a plan is not signed)",
    ),
    Case(
        "documents:check",
        statuses(302, ward_officer=404, ward_chair=404, outsider=404, portal_editor=403),
        kwargs=issued_plan,
        method="post",
        note="whoever reads the document checks its signatures again",
    ),
    Case("documents:signatures", statuses(200, portal_editor=403)),
    Case(
        "documents:certificate_upload",
        statuses(403, admin=404),
        method="post",
        note="a system administrator only (404 here: no unit given)",
    ),
    Case(
        "documents:trust_root",
        statuses(403, admin=302),
        method="post",
        note="a system administrator only (refused with the reason: no file)",
    ),
    Case(
        "documents:template_download",
        keepers_only(),
        kwargs=lambda cast: {"kind": "conclusion_notice"},
    ),
    Case(
        "documents:template_upload",
        keepers_only(302),
        kwargs=lambda cast: {"kind": "conclusion_notice"},
        method="post",
    ),
    Case(
        "documents:bulk_start",
        statuses(403, admin=302, home_affairs=302, ward_officer=404, ward_chair=404, outsider=404),
        kwargs=plan_pk,
        method="post",
        note="refused with the reason: no visit is concluded",
    ),
    Case("documents:bulk_detail", keepers_only(), kwargs=bulk_job),
    Case("documents:bulk_download", keepers_only(404), kwargs=bulk_job, note="no ZIP yet"),
]
CASES += DOCUMENT_CASES


# --- Indicators: a directive of ward A, an import without rejected rows, an extra heading.


def directive_pk(cast: Cast) -> dict[str, Any]:
    import datetime

    from cchc.indicators.models import Directive

    directive, _created = Directive.objects.get_or_create(
        number="1/TB-MT",
        org_unit=cast.ward_a,
        defaults={
            "issued_on": datetime.date(2026, 1, 5),
            "deadline": datetime.date(2026, 2, 5),
            "content": "Rà soát thủ tục",
        },
    )
    return {"pk": directive.pk}


def import_pk(cast: Cast) -> dict[str, Any]:
    from cchc.indicators.models import DossierImport

    # Made for the city, whose coordinator keeps it (another tree's: tests/security).
    record, _created = DossierImport.objects.get_or_create(
        file_name="matrix.csv", mode="all", org_unit=cast.city
    )
    return {"pk": record.pk}


def alias_pk(cast: Cast) -> dict[str, Any]:
    from cchc.indicators.models import ColumnAlias

    alias, _created = ColumnAlias.objects.get_or_create(field="code", heading="ma matrix")
    return {"pk": alias.pk}


INDICATOR_CASES = [
    Case("indicators:overview", statuses(200, portal_editor=403)),
    Case("indicators:dossier_list", statuses(200, portal_editor=403)),
    Case("indicators:import", keepers_only()),
    Case("indicators:import_detail", keepers_only(), kwargs=import_pk),
    Case("indicators:import_rejected", keepers_only(404), kwargs=import_pk, note="no file"),
    Case("indicators:alias_add", keepers_only(302), method="post"),
    Case("indicators:alias_delete", keepers_only(302), kwargs=alias_pk, method="post"),
    Case("indicators:directive_list", statuses(200, portal_editor=403)),
    Case("indicators:directive_create", keepers_only(302), method="post"),
    Case("indicators:directive_import", keepers_only(302), method="post", note="no file"),
    Case(
        "indicators:directive_complete",
        statuses(403, admin=302, home_affairs=302, ward_officer=302, ward_chair=302, outsider=404),
        kwargs=directive_pk,
        method="post",
    ),
    Case(
        "assessments:assessment_fill",
        statuses(403, ward_officer=302, ward_chair=302, outsider=404),
        kwargs=lambda cast: {"pk": ward_a_assessment(cast).pk},
        method="post",
    ),
]
CASES += INDICATOR_CASES


def public_article(cast: Cast) -> Any:
    from cchc.portal.models import Article
    from cchc.portal.services import article_save, article_transition

    existing = Article.objects.filter(title="Matrix news").first()
    if existing is not None:
        return existing
    article = article_save(actor=None, article=None, data={"title": "Matrix news"})
    article_transition(actor=None, article=article, target="review")
    return article_transition(actor=None, article=article, target="published")


def draft_article(cast: Cast) -> dict[str, Any]:
    from cchc.portal.models import Article
    from cchc.portal.services import article_save

    article = Article.objects.filter(title="Matrix draft").first() or article_save(
        actor=None, article=None, data={"title": "Matrix draft"}
    )
    return {"pk": article.pk}


def visible_comment(cast: Cast) -> dict[str, Any]:
    from cchc.portal.models import Comment

    comment, _created = Comment.objects.get_or_create(
        article=public_article(cast),
        name="Matrix",
        defaults={"text": "Ý kiến", "status": Comment.Status.VISIBLE},
    )
    comment.status = Comment.Status.VISIBLE
    comment.save(update_fields=["status"])
    return {"pk": comment.pk}


def article_photo(cast: Cast) -> dict[str, Any]:
    from cchc.portal.models import ArticlePhoto
    from cchc.portal.services import photo_add
    from cchc.portal.tests.test_portal import jpeg

    article = public_article(cast)
    photo = ArticlePhoto.objects.filter(article=article).first() or photo_add(
        actor=None, article=article, upload=jpeg(), caption="Ảnh"
    )
    return {"pk": photo.pk}


def captcha_key(cast: Cast) -> dict[str, Any]:
    from captcha.models import CaptchaStore

    return {"key": CaptchaStore.generate_key()}


def ward_a_feedback(cast: Cast) -> dict[str, Any]:
    import datetime

    from cchc.portal.models import Feedback

    feedback, _created = Feedback.objects.get_or_create(
        code="PA-MATRIX01",
        defaults={
            "name": "Matrix",
            "org_unit": cast.ward_a,
            "subject": "Phí chứng thực",
            "text": "Nội dung",
            "due_on": datetime.date(2026, 12, 31),
        },
    )
    return {"pk": feedback.pk}


PUBLIC = statuses(200, anonymous=200, role_free=True)
EDITORS = statuses(403, admin=200, portal_editor=200)
PORTAL_CASES = [
    # The portal is public: every visitor reads it, an account changes nothing.
    Case("portal:home", PUBLIC),
    Case("portal:articles", PUBLIC),
    Case("portal:article", PUBLIC, kwargs=lambda cast: {"slug": public_article(cast).slug}),
    Case(
        "portal:article",
        statuses(404, anonymous=404, role_free=True),
        kwargs=lambda cast: {"slug": "khong-co"},
        note="no such article",
    ),
    Case(
        "portal:comment",
        statuses(400, anonymous=400, role_free=True),
        kwargs=lambda cast: {"slug": public_article(cast).slug},
        method="post",
        note="no verification code",
    ),
    Case(
        "portal:report",
        statuses(302, anonymous=302, role_free=True),
        kwargs=visible_comment,
        method="post",
    ),
    Case(
        "portal:rate",
        statuses(302, anonymous=302, role_free=True),
        kwargs=lambda cast: {"target": "article", "pk": public_article(cast).pk},
        method="post",
        note="refused with a message: no stars",
    ),
    Case("portal:captcha", PUBLIC),
    Case("captcha-image", PUBLIC, kwargs=captcha_key),
    Case("portal:ranking", PUBLIC),
    Case(
        "portal:ranking_round",
        statuses(404, anonymous=404, role_free=True),
        kwargs=round_pk,
        note="not published",
    ),
    Case("portal:unit", PUBLIC, kwargs=lambda cast: {"code": cast.ward_a.code}),
    Case("portal:map", PUBLIC),
    Case("portal:map_data", PUBLIC),
    Case(
        "portal:document",
        statuses(404, anonymous=404, role_free=True),
        kwargs=lambda cast: {"pk": 999999},
        note="only published inspections' notices",
    ),
    Case("portal:photo", PUBLIC, kwargs=article_photo),
    Case("portal:feedback", PUBLIC),
    Case(
        "portal:feedback",
        statuses(400, anonymous=400, role_free=True),
        method="post",
        note="nothing filled in",
    ),
    Case("portal:feedback_lookup", PUBLIC),
    Case("portal:feedback_answers", PUBLIC),
    # Feedback to answer: a unit its own, the board and the coordinator all of it.
    Case(
        "feedback:list",
        statuses(200, appraiser=403, inspector=403, leader=403),
    ),
    Case(
        "feedback:detail",
        statuses(200, appraiser=403, inspector=403, leader=403, outsider=404),
        kwargs=ward_a_feedback,
    ),
    # The editorial board's pages.
    Case("portal_editor:articles", EDITORS),
    Case("portal_editor:article_new", EDITORS),
    Case("portal_editor:article_edit", EDITORS, kwargs=draft_article),
    Case(
        "portal_editor:article_transition",
        statuses(403, admin=302, portal_editor=302),
        kwargs=draft_article,
        method="post",
        note="no target: refused with a message",
    ),
    Case(
        "portal_editor:photo_add",
        statuses(403, admin=302, portal_editor=302),
        kwargs=draft_article,
        method="post",
        note="no file",
    ),
    Case(
        "portal_editor:photo_delete",
        statuses(403, admin=404, portal_editor=404),
        kwargs=lambda cast: {"pk": 999999},
        method="post",
    ),
    Case("portal_editor:moderation", EDITORS),
    Case(
        "portal_editor:moderate",
        statuses(403, admin=302, portal_editor=302),
        kwargs=visible_comment,
        method="post",
        data={"action": "show"},
    ),
    Case(
        "portal_editor:reply",
        statuses(403, admin=302, portal_editor=302),
        kwargs=visible_comment,
        method="post",
        note="empty reply: refused with a message",
    ),
    Case(
        "portal_editor:policy",
        statuses(403, admin=302, portal_editor=302),
        method="post",
        data={"moderation": "pre", "feedback_days": "10"},
    ),
    Case("portal_editor:links", EDITORS),
    Case(
        "portal_editor:link_delete",
        statuses(403, admin=404, portal_editor=404),
        kwargs=lambda cast: {"pk": 999999},
        method="post",
    ),
    Case("portal_editor:statistics", EDITORS),
]
CASES += PORTAL_CASES


def integration_client(cast: Cast) -> dict[str, Any]:
    from cchc.api.services import client_create

    created = client_create(
        actor=cast.admin,
        name="Matrix client",
        org_unit=cast.city,
        role=Role.LEADER,
        scopes=["units:read"],
    )
    return {"pk": created.client.pk}


# The integration clients: the province's administrators only (cchc.api).
API_CLIENT_CASES = [
    Case("api_clients:client_list", admin_only()),
    Case("api_clients:client_create", admin_only()),
    Case(
        "api_clients:client_create",
        admin_only(allowed=400),
        method="post",
        data={},
        note="invalid form",
    ),
    Case("api_clients:client_revoke", statuses(405, anonymous=405), kwargs=integration_client),
    Case(
        "api_clients:client_revoke",
        admin_only(allowed=302),
        kwargs=integration_client,
        method="post",
    ),
]
CASES += API_CLIENT_CASES


def document_item(cast: Cast) -> int:
    from cchc.inspections.services.visits import visit_items

    return visit_items(visiting(cast))[0].pk


def criterion_of_round(cast: Cast, code: str) -> int:
    from cchc.frameworks.models import Criterion

    return Criterion.objects.get(framework=open_round(cast).framework, code=code).pk


# Common English words that never appear in a Vietnamese page unless a string escaped translation.
ENGLISH_WORDS = re.compile(
    r"\b(the|and|of|your|you|Select|option|Please|This|is|are|required|Save|Cancel|Search|"
    r"Log in|Log out|Password|Username|None|True|False)\b"
)
HIDDEN_PARTS = re.compile(r"<(script|style|code|title)[^>]*>.*?</\1>|<[^>]+>", re.DOTALL)


def english_left_in(html: str) -> list[str]:
    """Return English words visible in a page that should be all Vietnamese."""
    return sorted(set(ENGLISH_WORDS.findall(HIDDEN_PARTS.sub(" ", html))))


def product_url_names() -> set[str]:
    """Return "namespace:name" for every named URL of the product."""
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in SKIPPED_NAMESPACES:
                    continue
                inner = pattern.namespace or namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, "")
    return names


class PermissionMatrixTests(BaseTestCase):
    def test_every_url_has_an_expectation(self):
        covered = {case.url_name for case in CASES}
        missing = product_url_names() - covered
        assert not missing, f"URLs with no permission expectation: {sorted(missing)}"

    def test_every_role_gets_the_expected_status_on_every_url(self):
        failures = []
        for case in CASES:
            assert set(case.expected) == set(ALL), (
                f"{case.url_name}: expectations for every persona"
            )
            for persona in ALL:
                self.client.logout()
                # Each persona from its own address: the portal's limits per address (new
                # verification codes, feedback lookups) would count the whole walk as one.
                self.client.defaults["REMOTE_ADDR"] = f"192.0.2.{ALL.index(persona) + 1}"
                if persona != ANONYMOUS:
                    self.login(persona)
                url = reverse(case.url_name, kwargs=case.kwargs(self.cast))
                response = getattr(self.client, case.method)(url, case.data)
                if response.status_code != case.expected[persona]:
                    failures.append(
                        f"{case.method.upper()} {case.url_name} {case.note} as {persona}: "
                        f"got {response.status_code}, expected {case.expected[persona]}"
                    )
                elif "text/html" in response.get("Content-Type", ""):
                    english = english_left_in(response.content.decode())
                    if english:
                        failures.append(f"{case.url_name} as {persona}: untranslated {english}")
        assert not failures, "\n".join(failures)
