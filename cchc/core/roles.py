"""The roles a membership can give, and what each role may do."""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    HOME_AFFAIRS = "home_affairs", _("Home Affairs coordinator")
    APPRAISER = "appraiser", _("Agency appraiser")
    UNIT_OFFICER = "unit_officer", _("Ward/commune PAR officer")
    UNIT_CHAIR = "unit_chair", _("Ward/commune chair")
    INSPECTOR = "inspector", _("Inspector")
    LEADER = "leader", _("Leader")
    PORTAL_EDITOR = "portal_editor", _("Portal editor")


class Capability(StrEnum):
    """A thing a user may do somewhere in the product; views ask for capabilities, not roles."""

    VIEW_ORG_UNITS = "orgunits.view"
    MANAGE_ORG_UNITS = "orgunits.manage"
    IMPORT_ORG_UNITS = "orgunits.import"
    VIEW_USERS = "accounts.view_users"
    MANAGE_USERS = "accounts.manage_users"
    VIEW_AUDIT = "core.view_audit"
    VIEW_FRAMEWORKS = "frameworks.view"
    MANAGE_FRAMEWORKS = "frameworks.manage"
    VIEW_ROUNDS = "assessments.view"
    MANAGE_ROUNDS = "assessments.manage"
    SELF_ASSESS = "assessments.self_assess"
    APPRAISE = "assessments.appraise"
    VIEW_ANALYTICS = "analytics.view"
    VIEW_INSPECTIONS = "inspections.view"
    MANAGE_INSPECTIONS = "inspections.manage"
    REQUEST_INSPECTIONS = "inspections.request"
    INSPECT = "inspections.inspect"
    REMEDIATE = "inspections.remediate"
    VIEW_INDICATORS = "indicators.view"
    EDIT_PORTAL = "portal.edit"
    ANSWER_FEEDBACK = "portal.answer_feedback"
    MANAGE_INDICATORS = "indicators.manage"
    MANAGE_API_CLIENTS = "api.manage_clients"


# Who may do what. Which units each user reaches is cchc.orgunits.scope (Scope.of(user)), built
# from these sets; each app's selectors apply it to their objects.
CAPABILITY_ROLES: dict[Capability, frozenset[Role]] = {
    Capability.VIEW_ORG_UNITS: frozenset(Role),
    Capability.MANAGE_ORG_UNITS: frozenset({Role.SYSTEM_ADMIN, Role.HOME_AFFAIRS}),
    # An import may touch any unit of the tree, so only administrators run it.
    Capability.IMPORT_ORG_UNITS: frozenset({Role.SYSTEM_ADMIN}),
    Capability.VIEW_USERS: frozenset({Role.SYSTEM_ADMIN, Role.HOME_AFFAIRS}),
    Capability.MANAGE_USERS: frozenset({Role.SYSTEM_ADMIN, Role.HOME_AFFAIRS}),
    Capability.VIEW_AUDIT: frozenset({Role.SYSTEM_ADMIN, Role.HOME_AFFAIRS}),
    Capability.VIEW_FRAMEWORKS: frozenset(Role),
    Capability.MANAGE_FRAMEWORKS: frozenset({Role.SYSTEM_ADMIN, Role.HOME_AFFAIRS}),
    # The portal's editors read results where citizens do, on the portal, once published: never
    # a round's live ranking, self-assessments, evidence or appraisal (issue 16).
    Capability.VIEW_ROUNDS: frozenset(Role) - {Role.PORTAL_EDITOR},
    Capability.MANAGE_ROUNDS: frozenset({Role.SYSTEM_ADMIN, Role.HOME_AFFAIRS}),
    Capability.SELF_ASSESS: frozenset({Role.UNIT_OFFICER, Role.UNIT_CHAIR}),
    Capability.APPRAISE: frozenset({Role.SYSTEM_ADMIN, Role.HOME_AFFAIRS, Role.APPRAISER}),
    # What each reader sees there is cchc.analytics.selectors.scope_for, from the unit scope:
    # leaders and the coordinator everything, an agency its areas, a unit itself and published
    # results.
    Capability.VIEW_ANALYTICS: frozenset(Role) - {Role.PORTAL_EDITOR},
    # Which inspections each reader sees is decided by cchc.inspections.selectors.
    Capability.VIEW_INSPECTIONS: frozenset(Role) - {Role.PORTAL_EDITOR},
    Capability.MANAGE_INSPECTIONS: frozenset({Role.SYSTEM_ADMIN, Role.HOME_AFFAIRS}),
    Capability.REQUEST_INSPECTIONS: frozenset(
        {Role.SYSTEM_ADMIN, Role.HOME_AFFAIRS, Role.APPRAISER, Role.INSPECTOR}
    ),
    # Recording results and findings also needs a seat on the inspection's team.
    Capability.INSPECT: frozenset(
        {Role.SYSTEM_ADMIN, Role.HOME_AFFAIRS, Role.APPRAISER, Role.INSPECTOR}
    ),
    Capability.REMEDIATE: frozenset({Role.UNIT_OFFICER, Role.UNIT_CHAIR}),
    # Which units' figures each reader sees: cchc.orgunits.scope, purpose READ (a unit: its own).
    Capability.VIEW_INDICATORS: frozenset(Role) - {Role.PORTAL_EDITOR},
    Capability.MANAGE_INDICATORS: frozenset({Role.SYSTEM_ADMIN, Role.HOME_AFFAIRS}),
    # Integration clients reach whatever unit their role is given in: the province's
    # administrators create and revoke them (cchc.api).
    Capability.MANAGE_API_CLIENTS: frozenset({Role.SYSTEM_ADMIN}),
    # The editorial board writes the portal's articles and moderates citizens' comments.
    Capability.EDIT_PORTAL: frozenset({Role.SYSTEM_ADMIN, Role.PORTAL_EDITOR}),
    # Citizens' feedback: a unit answers its own; the board and the coordinator follow them all.
    Capability.ANSWER_FEEDBACK: frozenset(
        {
            Role.SYSTEM_ADMIN,
            Role.HOME_AFFAIRS,
            Role.PORTAL_EDITOR,
            Role.UNIT_OFFICER,
            Role.UNIT_CHAIR,
        }
    ),
}
