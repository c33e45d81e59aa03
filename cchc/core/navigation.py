"""The main menu as data: each entry shows only to users with its capability."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cchc.core.roles import Capability


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    capability: Capability | None  # None: every logged-in user
    section: str  # the first path segment that marks the entry as current


NAV_ITEMS: list[NavItem] = [
    NavItem(_("Overview"), "core:home", None, ""),
    NavItem(_("Overview of the area"), "analytics:overview", Capability.VIEW_ANALYTICS, "overview"),
    NavItem(_("Scoring rounds"), "assessments:round_list", Capability.VIEW_ROUNDS, "rounds"),
    NavItem(
        _("Inspections"), "inspections:inspection_list", Capability.VIEW_INSPECTIONS, "inspections"
    ),
    NavItem(_("Indicators"), "indicators:overview", Capability.VIEW_INDICATORS, "indicators"),
    NavItem(_("Frameworks"), "frameworks:framework_list", Capability.VIEW_FRAMEWORKS, "frameworks"),
    NavItem(_("Units"), "orgunits:unit_list", Capability.VIEW_ORG_UNITS, "units"),
    NavItem(_("Portal"), "portal_editor:articles", Capability.EDIT_PORTAL, "editor"),
    NavItem(
        _("Feedback"),
        "feedback:list",
        Capability.ANSWER_FEEDBACK,
        "feedback",
    ),
    NavItem(_("Notifications"), "notifications:inbox", None, "inbox"),
    NavItem(_("Users"), "accounts:user_list", Capability.VIEW_USERS, "accounts/users"),
    NavItem(_("Audit trail"), "core:audit_list", Capability.VIEW_AUDIT, "app/audit"),
    NavItem(
        _("Integration clients"),
        "api_clients:client_list",
        Capability.MANAGE_API_CLIENTS,
        "app/api-clients",
    ),
]
