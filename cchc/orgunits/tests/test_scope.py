"""The one scope policy (cchc/orgunits/scope.py): every persona of the cast × every kind of
unit × its place in the tree (the persona's own unit, above it, beside it, under it, in the
other province), for reading (covers), keeping (keeps), the citizens' feedback and the rounds'
readers; and the querysets agree with the checks, row for row."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from cchc.accounts.models import Membership, User
from cchc.accounts.services import membership_add, user_create
from cchc.core.roles import Role
from cchc.core.testing import PERSONAS, TEST_PASSWORD, BaseTestCase
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.scope import (
    FOLLOW_FEEDBACK,
    KEEP,
    NOBODY,
    PURPOSES,
    READ,
    Scope,
    ancestor_paths,
    around_q,
    is_under,
    under_q,
)
from cchc.orgunits.services import org_unit_create

CITY_TREE = {"city", "ward_a", "ward_b", "agency", "commune"}
EVERY_UNIT = CITY_TREE | {"province", "other_province", "other_city", "other_ward"}

# What each persona reaches, by purpose: the units of the cast by name.
EXPECTED: dict[str, dict[str, set[str]]] = {
    "admin": {READ: EVERY_UNIT, KEEP: EVERY_UNIT, FOLLOW_FEEDBACK: EVERY_UNIT},
    "home_affairs": {READ: CITY_TREE, KEEP: CITY_TREE, FOLLOW_FEEDBACK: CITY_TREE},
    # An agency reads its parent's tree (the city), keeps nothing, follows no feedback.
    "appraiser": {READ: CITY_TREE, KEEP: set(), FOLLOW_FEEDBACK: set()},
    "ward_officer": {READ: {"ward_a"}, KEEP: set(), FOLLOW_FEEDBACK: {"ward_a"}},
    "ward_chair": {READ: {"ward_a"}, KEEP: set(), FOLLOW_FEEDBACK: {"ward_a"}},
    "inspector": {READ: CITY_TREE, KEEP: set(), FOLLOW_FEEDBACK: set()},
    "leader": {READ: CITY_TREE, KEEP: set(), FOLLOW_FEEDBACK: set()},
    # The portal's editors read no round and no unit's figures; they follow the feedback.
    "portal_editor": {READ: set(), KEEP: set(), FOLLOW_FEEDBACK: CITY_TREE},
    "outsider": {READ: {"ward_b"}, KEEP: set(), FOLLOW_FEEDBACK: {"ward_b"}},
    "no_role": {READ: set(), KEEP: set(), FOLLOW_FEEDBACK: set()},
}


class ScopeTests(BaseTestCase):
    units: dict[str, OrgUnit]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cast = cls.cast
        commune = org_unit_create(
            actor=None, code="X18100", name="Xã Thạch Trung", kind="commune", parent=cast.city
        )
        other_city = org_unit_create(
            actor=None, code="H412", name="Thành phố Vinh", kind="city", parent=cast.other_province
        )
        other_ward = org_unit_create(
            actor=None, code="X16681", name="Phường Hưng Bình", kind="ward", parent=other_city
        )
        cls.units = {
            "province": cast.province,
            "other_province": cast.other_province,
            "city": cast.city,
            "ward_a": cast.ward_a,
            "ward_b": cast.ward_b,
            "agency": cast.agency,
            "commune": commune,
            "other_city": other_city,
            "other_ward": other_ward,
        }

    def scope(self, persona: str) -> Scope:
        return Scope.of(User.objects.get(username=persona))

    def test_each_persona_reaches_exactly_its_units_for_each_purpose(self):
        assert set(self.units) == EVERY_UNIT
        for persona in PERSONAS:
            scope = self.scope(persona)
            for purpose in PURPOSES:
                reached = {
                    name
                    for name, unit in self.units.items()
                    if scope.reaches(unit, purpose=purpose)
                }
                assert reached == EXPECTED[persona][purpose], (persona, purpose)

    def test_covers_keeps_and_follows_feedback_are_the_purposes(self):
        for persona in PERSONAS:
            scope = self.scope(persona)
            for name, unit in self.units.items():
                assert scope.covers(unit) == (name in EXPECTED[persona][READ]), (persona, name)
                assert scope.keeps(unit) == (name in EXPECTED[persona][KEEP]), (persona, name)
                assert scope.follows_feedback(unit) == (
                    name in EXPECTED[persona][FOLLOW_FEEDBACK]
                ), (persona, name)

    def test_the_querysets_give_the_units_the_checks_give(self):
        everything = OrgUnit.objects.filter(pk__in=[unit.pk for unit in self.units.values()])
        names = {unit.pk: name for name, unit in self.units.items()}
        for persona in PERSONAS:
            scope = self.scope(persona)
            for purpose in PURPOSES:
                expected = EXPECTED[persona][purpose]
                filtered = {
                    names[pk]
                    for pk in scope.filter(everything, purpose=purpose).values_list("pk", flat=True)
                }
                assert filtered == expected, (persona, purpose)
                by_q = {
                    names[pk]
                    for pk in everything.filter(scope.units_q(purpose=purpose)).values_list(
                        "pk", flat=True
                    )
                }
                assert by_q == expected, (persona, purpose)

    def test_units_q_reaches_through_a_field(self):
        """Memberships by their unit: the coordinator's query reaches the city's people only."""
        scope = self.scope("home_affairs")
        memberships = Membership.objects.filter(scope.units_q("org_unit", purpose=KEEP))
        users = set(memberships.values_list("user__username", flat=True))
        assert users == {
            "home_affairs",
            "appraiser",
            "ward_officer",
            "ward_chair",
            "inspector",
            "leader",
            "portal_editor",
            "outsider",
        }
        officer = self.scope("ward_officer")
        mine = Membership.objects.filter(officer.units_q("org_unit", purpose=READ))
        assert set(mine.values_list("user__username", flat=True)) == {"ward_officer", "ward_chair"}

    def test_an_administrator_s_condition_is_always_true_even_combined(self):
        """Q() would vanish in an OR; the administrator's condition must not."""
        scope = self.scope("admin")
        combined = OrgUnit.objects.filter(scope.units_q() | Q(pk=self.cast.ward_a.pk))
        assert combined.count() == OrgUnit.objects.count()
        assert OrgUnit.objects.filter(NOBODY.units_q()).count() == 0

    def test_the_rounds_readers_and_own_units(self):
        cast = self.cast
        agency_parent = cast.city.path
        assert self.scope("appraiser").reader_roots == (agency_parent,)
        assert self.scope("leader").reader_roots == (cast.city.path,)
        assert self.scope("home_affairs").reader_roots == (cast.city.path,)
        assert self.scope("home_affairs").keeper_paths == (cast.city.path,)
        assert self.scope("admin").reader_roots == (cast.province.path,)
        for persona in ("ward_officer", "ward_chair", "outsider", "portal_editor", "no_role"):
            assert self.scope(persona).reader_roots == (), persona
        assert self.scope("ward_officer").own_unit_ids == {cast.ward_a.pk}
        assert self.scope("outsider").own_unit_ids == {cast.ward_b.pk}
        assert self.scope("home_affairs").own_unit_ids == frozenset()
        assert self.scope("admin").is_admin
        assert not self.scope("home_affairs").is_admin

    def test_a_second_role_widens_only_what_it_gives(self):
        """An officer of ward B who also edits the city's portal reads ward B only, and follows
        the city's feedback."""
        user = user_create(actor=None, username="officer_editor", password=TEST_PASSWORD)
        membership_add(actor=None, user=user, role=Role.UNIT_OFFICER, org_unit=self.cast.ward_b)
        membership_add(actor=None, user=user, role=Role.PORTAL_EDITOR, org_unit=self.cast.city)
        scope = Scope.of(User.objects.get(pk=user.pk))
        assert scope.reader_roots == ()
        assert not scope.covers(self.cast.ward_a)
        assert scope.covers(self.cast.ward_b)
        assert scope.follows_feedback(self.cast.ward_a)
        assert not scope.keeps(self.cast.ward_b)

    def test_a_superuser_without_membership_is_an_administrator(self):
        user = User.objects.create_superuser(username="root", password=TEST_PASSWORD)
        scope = Scope.of(User.objects.get(pk=user.pk))
        assert scope.is_admin
        assert scope.keeps(self.units["other_ward"])

    def test_an_ended_membership_reaches_nothing(self):
        membership = Membership.objects.get(user=self.home_affairs)
        membership.is_active = False
        membership.save(update_fields=["is_active"])
        scope = self.scope("home_affairs")
        assert scope == NOBODY

    def test_nobody_logged_in_reaches_nothing(self):
        assert Scope.of(AnonymousUser()) is NOBODY
        assert Scope.of(None) is NOBODY
        assert not NOBODY.covers(self.cast.ward_a)

    def test_the_scope_is_computed_once_per_set_of_memberships(self):
        user = User.objects.get(username="home_affairs")
        first = Scope.of(user)
        with self.assertNumQueries(0):
            assert Scope.of(user) is first
            assert user.scope is first
        # Memberships read again (the cached list dropped): the scope is computed again.
        del user.active_memberships
        membership_add(
            actor=None, user=user, role=Role.HOME_AFFAIRS, org_unit=self.cast.other_province
        )
        second = Scope.of(user)
        assert second is not first
        assert second.keeps(self.units["other_ward"])


class TreeTests(BaseTestCase):
    def test_is_under_reads_whole_ids(self):
        assert is_under("/1/4/", "/1/")
        assert is_under("/1/4/", "/1/4/")
        assert not is_under("/1/40/", "/1/4/")
        assert not is_under("/1/", "/1/4/")
        assert is_under(self.cast.ward_a, self.cast.city)
        assert not is_under(self.cast.city, self.cast.ward_a)
        assert not is_under(self.cast.ward_a, self.cast.other_province)

    def test_ancestor_paths(self):
        assert ancestor_paths("/1/4/17/") == ["/1/", "/1/4/"]
        assert ancestor_paths("/1/4/17/", include_self=True) == ["/1/", "/1/4/", "/1/4/17/"]
        assert ancestor_paths("/1/") == []

    def test_under_q_and_around_q(self):
        cast = self.cast
        under_city = set(OrgUnit.objects.filter(under_q([cast.city])))
        assert under_city == {cast.city, cast.ward_a, cast.ward_b, cast.agency}
        assert not OrgUnit.objects.filter(under_q([])).exists()
        around_ward = set(OrgUnit.objects.filter(around_q([cast.ward_a.path])))
        assert around_ward == {cast.province, cast.city, cast.ward_a}
