"""What each role finds on its home page, as data. Later apps fill these panels with figures."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cchc.core.roles import Role


@dataclass(frozen=True)
class Panel:
    title: str | Promise
    empty_text: str | Promise
    link_label: str | Promise = ""
    link_url_name: str = ""
    key: str = ""  # a live panel with the same key (from an app) takes this one's place


@dataclass(frozen=True)
class PanelItem:
    text: str
    url: str = ""
    note: str = ""


@dataclass(frozen=True)
class LivePanel:
    """A panel filled by an app with the user's current work."""

    key: str
    title: str | Promise
    items: list[PanelItem] = field(default_factory=list)


# Apps register functions user -> list[LivePanel] in their AppConfig.ready(); core imports none.
PANEL_PROVIDERS: list[Callable[[Any], list[LivePanel]]] = []


def register_panel_provider(provider: Callable[[Any], list[LivePanel]]) -> None:
    if provider not in PANEL_PROVIDERS:
        PANEL_PROVIDERS.append(provider)


# Shown to everyone above the role panels when an app has something for it (the inbox).
COMMON_PANELS = [
    Panel(_("New notifications"), "", key="inbox"),
    # An agency's remediation actions to report (shown only when there are some; a ward's
    # are its role's own panel, "remediation").
    Panel(_("Remediation to report"), "", key="agency_remediation"),
]

# Visits an agency's appraiser sits on, or a leader follows.
TEAM_VISITS_PANEL = Panel(
    _("Inspection visits"),
    _("No inspection visit concerns you yet. Planned and ongoing visits appear here."),
    _("Open the inspections"),
    "inspections:inspection_list",
    key="inspections",
)

ROLE_PANELS: dict[Role, list[Panel]] = {
    Role.SYSTEM_ADMIN: [
        Panel(
            _("Units and users"),
            _("Keep the tree of units and the accounts of the people who work in them."),
            _("Open the units"),
            "orgunits:unit_list",
        ),
        Panel(
            _("Audit trail"),
            _(
                "Every change made in CCHC is recorded with who, when and the values before "
                "and after."
            ),
            _("Search the audit trail"),
            "core:audit_list",
        ),
    ],
    Role.HOME_AFFAIRS: [
        Panel(
            _("Scoring rounds"),
            _(
                "No scoring round is open yet. Once the year's criteria framework is published "
                "and a round is opened, the board of units and their status appears here."
            ),
            key="rounds",
        ),
        Panel(
            _("Consolidated inspections"),
            _(
                "No inspection is planned yet. Inspection requests from the agencies will be "
                "grouped here into one visit per unit."
            ),
            _("Open the inspections"),
            "inspections:inspection_list",
            key="inspections",
        ),
        # The remediation of the visits they manage, overdue first (inspections.dashboard).
        Panel(
            _("Open remediation"),
            _(
                "No remediation is open. Once a visit is concluded, its actions and their "
                "deadlines appear here, those reported done and the overdue first."
            ),
            _("Open the inspections"),
            "inspections:inspection_list",
            key="remediation_follow",
        ),
        Panel(
            _("Units and users"),
            _(
                "Keep the wards, communes and agencies of your area and the people who work in "
                "them."
            ),
            _("Open the users"),
            "accounts:user_list",
        ),
    ],
    Role.APPRAISER: [
        Panel(
            _("Appraisal"),
            _(
                "Nothing to appraise yet. When a round reaches appraisal, the criteria of your "
                "areas for every unit appear here as one grid."
            ),
            key="appraisal",
        ),
        TEAM_VISITS_PANEL,
    ],
    Role.UNIT_OFFICER: [
        Panel(
            _("Self-assessment"),
            _(
                "No round is open for your unit yet. When the Home Affairs office opens the "
                "6-month, 9-month or annual round, your unit's criteria appear here to fill in, "
                "with their evidence."
            ),
            key="self_assessment",
        ),
        Panel(
            _("Remediation to report"),
            _(
                "Nothing to remedy. After an inspection, the actions your unit must take appear "
                "here with their deadlines."
            ),
            key="remediation",
        ),
    ],
    Role.UNIT_CHAIR: [
        Panel(
            _("Approve and submit"),
            _(
                "Nothing waits for your approval. When your officer has filled in the "
                "self-assessment, its summary and the submit button appear here."
            ),
            key="approve",
        ),
        Panel(
            _("Remediation to report"),
            _(
                "Nothing to remedy. After an inspection, the actions your unit must take appear "
                "here with their deadlines."
            ),
            key="remediation",
        ),
    ],
    Role.INSPECTOR: [
        Panel(
            _("Inspection visits"),
            _(
                "You are not on any inspection team yet. Your visits, checklists and findings "
                "appear here once a team is formed."
            ),
            key="inspections",
        ),
    ],
    Role.LEADER: [
        Panel(
            _("Overview of the area"),
            _(
                "No results are published yet. Rankings, the area heatmap, the map and the "
                "recurring causes of shortcomings appear here after the first round."
            ),
            key="overview",
        ),
        TEAM_VISITS_PANEL,
    ],
    # The board reads results where citizens do, once published: nothing of a round before.
    Role.PORTAL_EDITOR: [
        Panel(
            _("Public portal"),
            _(
                "Write the news with their photos, moderate citizens' comments, keep the "
                "website links and follow the visits."
            ),
            _("Open the portal editor"),
            "portal_editor:articles",
        ),
        Panel(
            _("Published results"),
            _(
                "Rankings appear on the public portal once a round is published, as citizens "
                "read them: announce them from there. Nothing of a round shows before."
            ),
            _("Open the published rankings"),
            "portal:ranking",
        ),
    ],
}


def panels_for_user(user: Any) -> list[Panel | LivePanel]:
    """Return the user's panels: each role's panels, live ones in place of their empty ones."""
    live = {panel.key: panel for provider in PANEL_PROVIDERS for panel in provider(user)}
    common: list[Panel | LivePanel] = [live[p.key] for p in COMMON_PANELS if p.key in live]
    return common + [
        live.get(panel.key, panel) if panel.key else panel
        for panel in panels_for_roles(user.role_set())
    ]


def panels_for_roles(roles: frozenset[Role]) -> list[Panel]:
    """Return the panels for a set of roles, in the order of Role, without repeats."""
    panels: list[Panel] = []
    for role in Role:
        if role in roles:
            panels.extend(panel for panel in ROLE_PANELS[role] if panel not in panels)
    return panels
