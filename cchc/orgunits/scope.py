"""Who may see and change which unit: the one scope policy of the system.

A membership gives a role in one unit; what that reaches in the unit tree is decided here and
nowhere else. Every selector, view and service asks `Scope.of(user)` (computed once from the
user's active memberships and kept on the user object for the request) or, for a question of
the tree alone ("is this unit under that one?"), `under_q` and `is_under`. A guard test
(`tests/security/test_scope_guard.py`) fails when another module filters on `path__startswith`
or compares `.path.startswith(`.

- An administrator reaches every unit.
- A keeper (Home Affairs) keeps their unit and everything under it: its units, users,
  frameworks, rounds and plans (`keeper_paths`, `keeps`).
- A reader of rounds and inspections (every role that reads rounds, units' roles aside) follows
  their unit's tree; an agency reads its parent's, the city it belongs to (`reader_roots`).
- A ward's or commune's officers and chair reach their own unit only (`own_unit_ids`).
- The portal's editors and the coordinator follow the citizens' feedback of their tree; a unit
  its own (`units_q(purpose=FOLLOW_FEEDBACK)`).

The role sets are read from `cchc.core.roles.CAPABILITY_ROLES`: a role given a capability there
reaches what that capability's policy below says.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet

from cchc.core.roles import CAPABILITY_ROLES, Capability, Role
from cchc.orgunits.models import OrgUnit

ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN})
# The roles that fill in a unit's self-assessment and answer for it: they reach their unit only.
UNIT_ROLES = CAPABILITY_ROLES[Capability.SELF_ASSESS]
# The roles that keep a part of the tree (its units, users, frameworks, rounds, plans).
KEEPER_ROLES = CAPABILITY_ROLES[Capability.MANAGE_ORG_UNITS] - ADMIN_ROLES
# The roles that read the rounds and inspections of their tree (an agency: its parent's).
READER_ROLES = CAPABILITY_ROLES[Capability.VIEW_ROUNDS] - UNIT_ROLES
# The roles that follow every visit of their tree, published or not.
LEADER_ROLES = frozenset({Role.LEADER})
# The roles that follow the citizens' feedback of their tree (a unit's roles: their own).
FEEDBACK_FOLLOWER_ROLES = CAPABILITY_ROLES[Capability.ANSWER_FEEDBACK] - UNIT_ROLES - ADMIN_ROLES
# The roles whose dashboards show every unit of the rounds they read (an agency: its areas
# only; a unit: itself and published results).
WHOLE_DASHBOARD_ROLES = ADMIN_ROLES | KEEPER_ROLES | {Role.LEADER, Role.INSPECTOR}

# What a scope is asked for (`units_q`, `filter`).
KEEP = "keep"  # change: the keeper's tree
READ = "read"  # read a unit's figures and rounds: the keeper's and reader's trees, own units
FOLLOW_FEEDBACK = "follow_feedback"  # the citizens' feedback: followers' trees, own units
PURPOSES = (KEEP, READ, FOLLOW_FEEDBACK)

ModelT = TypeVar("ModelT", bound=Model)


def _prefix(field: str) -> str:
    return f"{field}__" if field else ""


def _path(unit_or_path: Any) -> str:
    return unit_or_path if isinstance(unit_or_path, str) else str(unit_or_path.path)


def under_q(units_or_paths: Iterable[Any], field: str = "") -> Q:
    """Rows whose unit (at `field`, the queryset's own rows when empty) is at or under one of
    these units (or tree paths). None of them: no row."""
    condition = Q(pk__in=[])
    for unit_or_path in units_or_paths:
        condition |= Q(**{f"{_prefix(field)}path__startswith": _path(unit_or_path)})
    return condition


def is_under(unit: Any, ancestor: Any) -> bool:
    """Is the unit (or path) at or under the ancestor (a unit or a path)?"""
    unit_path, ancestor_path = _path(unit), _path(ancestor)
    return unit_path.startswith(ancestor_path)


def ancestor_paths(unit: Any, *, include_self: bool = False) -> list[str]:
    """The paths of the units above this one (a unit or a path), the root first."""
    ids = _path(unit).strip("/").split("/")
    last = len(ids) + 1 if include_self else len(ids)
    return ["/" + "/".join(ids[:depth]) + "/" for depth in range(1, last)]


def ancestor_ids(unit: Any) -> list[int]:
    """The ids of the unit and the units above it (a unit or a path), the root first: what a
    rule "at or above the unit" (templates, checklists in use) filters on."""
    return [int(part) for part in _path(unit).strip("/").split("/") if part]


def around_q(paths: Iterable[str], field: str = "") -> Q:
    """Rows whose unit is at, under or above one of the paths (a round organised by the
    province reaches the city's readers; one of a ward, its city's)."""
    condition = Q(pk__in=[])
    for path in paths:
        condition |= under_q([path], field)
        condition |= Q(**{f"{_prefix(field)}path__in": ancestor_paths(path)})
    return condition


@dataclass(frozen=True, slots=True)
class Scope:
    """What one user reaches in the unit tree. Build it with `Scope.of(user)`."""

    roles: frozenset[Role]
    is_admin: bool
    keeper_paths: tuple[str, ...]
    reader_roots: tuple[str, ...]
    own_unit_ids: frozenset[int]
    leader_paths: tuple[str, ...]
    feedback_paths: tuple[str, ...]
    # The units the user keeps, the highest first: what a record made by a keeper for their
    # tree belongs to (an import of the public-service software's dossiers).
    kept_unit_ids: tuple[int, ...] = ()

    @classmethod
    def of(cls, user: Any) -> "Scope":
        """The user's scope, computed once per set of memberships and kept on the user."""
        if not getattr(user, "is_authenticated", False):
            return NOBODY
        memberships = user.active_memberships
        superuser = bool(getattr(user, "is_superuser", False))
        cached = getattr(user, "_scope_cache", None)
        # Kept while the memberships read are the same list (a fresh user, or memberships read
        # again, computes it again).
        if cached is not None and cached[0] is memberships and cached[1] == superuser:
            return cached[2]
        scope = cls._build(user.role_set(), memberships)
        user._scope_cache = (memberships, superuser, scope)
        return scope

    @classmethod
    def _build(cls, roles: frozenset[Role], memberships: list[Any]) -> "Scope":
        def paths(wanted: frozenset[Role]) -> tuple[str, ...]:
            return tuple(m.org_unit.path for m in memberships if m.role in wanted)

        readers = []
        for membership in memberships:
            if membership.role not in READER_ROLES:
                continue
            unit = membership.org_unit
            if unit.kind == OrgUnit.Kind.AGENCY and unit.parent_id:
                readers.append(ancestor_paths(unit)[-1])
            else:
                readers.append(unit.path)
        return cls(
            roles=roles,
            is_admin=bool(roles & ADMIN_ROLES),
            keeper_paths=paths(KEEPER_ROLES),
            reader_roots=tuple(readers),
            own_unit_ids=frozenset(m.org_unit_id for m in memberships if m.role in UNIT_ROLES),
            leader_paths=paths(LEADER_ROLES),
            feedback_paths=paths(FEEDBACK_FOLLOWER_ROLES),
            kept_unit_ids=tuple(
                m.org_unit_id
                for m in sorted(memberships, key=lambda m: (len(m.org_unit.path), m.org_unit.path))
                if m.role in KEEPER_ROLES
            ),
        )

    @property
    def whole_dashboards(self) -> bool:
        """The dashboards show this reader every unit of the rounds they read."""
        return bool(self.roles & WHOLE_DASHBOARD_ROLES)

    def _purpose(self, purpose: str) -> tuple[tuple[str, ...], frozenset[int]]:
        """(the trees, the single units) a purpose reaches."""
        if purpose == KEEP:
            return self.keeper_paths, frozenset()
        if purpose == READ:
            return self.keeper_paths + self.reader_roots, self.own_unit_ids
        if purpose == FOLLOW_FEEDBACK:
            return self.feedback_paths, self.own_unit_ids
        raise ValueError(f"unknown scope purpose {purpose!r}")

    def units_q(self, field: str = "", *, purpose: str = READ) -> Q:
        """Rows whose unit (at `field`, the rows themselves when empty) the user reaches for
        the purpose. An administrator: every row (a condition always true)."""
        if self.is_admin:
            return Q(pk__isnull=False)
        paths, unit_ids = self._purpose(purpose)
        condition = under_q(paths, field)
        if unit_ids:
            condition |= Q(**{f"{_prefix(field)}pk__in": sorted(unit_ids)})
        return condition

    def filter(
        self, queryset: QuerySet[ModelT], field: str = "", *, purpose: str = READ
    ) -> QuerySet[ModelT]:
        """The rows of the queryset whose unit the user reaches for the purpose."""
        if self.is_admin:
            return queryset
        paths, unit_ids = self._purpose(purpose)
        if not paths and not unit_ids:
            return queryset.none()
        return queryset.filter(self.units_q(field, purpose=purpose))

    def reaches(self, unit: Any, *, purpose: str = READ) -> bool:
        """Does the user reach this unit for the purpose?"""
        if self.is_admin:
            return True
        paths, unit_ids = self._purpose(purpose)
        return unit.pk in unit_ids or any(is_under(unit, path) for path in paths)

    def covers(self, unit: Any) -> bool:
        """May the user read this unit's figures, rounds and records?"""
        return self.reaches(unit, purpose=READ)

    def keeps(self, unit: Any) -> bool:
        """May the user change what this unit's keepers change (its data, users, rounds)?"""
        return self.reaches(unit, purpose=KEEP)

    def keeps_from_above(self, unit: Any) -> bool:
        """Does the user keep this unit from a unit above it (not as one of its own keepers)?
        What answering for a keeper's account asks: a fellow keeper of one's own unit is not
        one's to answer for."""
        if self.is_admin:
            return True
        return any(is_under(unit, path) and _path(unit) != path for path in self.keeper_paths)

    def follows_feedback(self, unit: Any) -> bool:
        """May the user read the citizens' feedback to this unit?"""
        return self.reaches(unit, purpose=FOLLOW_FEEDBACK)


NOBODY = Scope(
    roles=frozenset(),
    is_admin=False,
    keeper_paths=(),
    reader_roots=(),
    own_unit_ids=frozenset(),
    leader_paths=(),
    feedback_paths=(),
)
