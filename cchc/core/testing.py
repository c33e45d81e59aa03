"""The documented cast of every test. Build it with the real services, never with fixtures.

Ward A (Phường Trần Phú) and ward B (Phường Nam Hà) are both in the city. Each persona:

- admin: system administrator of the province (may do anything, import units).
- home_affairs: Home Affairs coordinator of the city (runs rounds; keeps its units and users).
- appraiser: appraiser of the Justice office, areas "2" and "3".
- ward_officer: PAR focal officer of ward A (fills in ward A's self-assessment).
- ward_chair: chair of ward A (approves and submits it).
- inspector: member of the city's inspection team.
- leader: city leadership, read-only.
- portal_editor: edits the public portal.
- outsider: officer of ward B; must never see ward A's drafts.
- no_role: a logged-in account with no membership (a citizen has no account at all).
"""

import struct
import zlib
from dataclasses import dataclass
from typing import Any

from django.test import TestCase

from cchc.accounts.models import User
from cchc.accounts.services import membership_add, user_create
from cchc.core.roles import Role
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.services import org_unit_create

TEST_PASSWORD = "a-long-test-password-42"  # noqa: S105 (test personas only)

PERSONA_ROLES: dict[str, tuple[Role | None, str]] = {
    "admin": (Role.SYSTEM_ADMIN, "province"),
    "home_affairs": (Role.HOME_AFFAIRS, "city"),
    "appraiser": (Role.APPRAISER, "agency"),
    "ward_officer": (Role.UNIT_OFFICER, "ward_a"),
    "ward_chair": (Role.UNIT_CHAIR, "ward_a"),
    "inspector": (Role.INSPECTOR, "city"),
    "leader": (Role.LEADER, "city"),
    "portal_editor": (Role.PORTAL_EDITOR, "city"),
    "outsider": (Role.UNIT_OFFICER, "ward_b"),
    "no_role": (None, ""),
}
PERSONAS = list(PERSONA_ROLES)

PDF_PAGE_OBJECTS = (
    b"<</Type/Catalog/Pages 2 0 R>>",
    b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
    b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>",
)


def pdf_bytes(
    objects: tuple[bytes, ...] = PDF_PAGE_OBJECTS, *, packed: tuple[int, ...] = ()
) -> bytes:
    """A PDF a PDF library reads: `objects` numbered from 1 (object 1 the catalog), found
    through a cross-reference stream. Those numbered in `packed` travel compressed (FlateDecode)
    in an object stream, as Word and Acrobat write them: the file's bytes show none of their
    names."""
    out = bytearray(b"%PDF-1.7\n")
    entries: dict[int, tuple[int, int, int]] = {0: (0, 0, 65535)}
    for number, body in enumerate(objects, start=1):
        if number not in packed:
            entries[number] = (1, len(out), 0)
            out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    stream_number = len(objects) + 1
    if packed:
        header, bodies = b"", b""
        for index, number in enumerate(packed):
            header += b"%d %d " % (number, len(bodies))
            bodies += objects[number - 1] + b"\n"
            entries[number] = (2, stream_number, index)
        data = zlib.compress(header + bodies)
        entries[stream_number] = (1, len(out), 0)
        out += b"%d 0 obj\n<</Type/ObjStm/N %d/First %d/Filter/FlateDecode/Length %d>>stream\n" % (
            stream_number,
            len(packed),
            len(header),
            len(data),
        )
        out += data + b"\nendstream\nendobj\n"
    xref_number = stream_number + 1
    entries[xref_number] = (1, len(out), 0)
    table = b"".join(
        struct.pack(">BIH", *entries.get(number, (0, 0, 0))) for number in range(xref_number + 1)
    )
    out += b"%d 0 obj\n<</Type/XRef/Size %d/W[1 4 2]/Root 1 0 R/Length %d>>stream\n" % (
        xref_number,
        xref_number + 1,
        len(table),
    )
    out += table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % entries[xref_number][1]
    return bytes(out)


# A one-page PDF for tests that upload a document (the upload checker reads it as a PDF).
PDF = pdf_bytes()


@dataclass
class Cast:
    province: OrgUnit
    city: OrgUnit
    ward_a: OrgUnit
    ward_b: OrgUnit
    agency: OrgUnit
    other_province: OrgUnit
    users: dict[str, User]

    def __getattr__(self, name: str) -> Any:
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)


def build_cast() -> Cast:
    """Create the units and personas through the services, as a real user would."""
    province = org_unit_create(actor=None, code="T42", name="Tỉnh Hà Tĩnh", kind="province")
    other_province = org_unit_create(actor=None, code="T40", name="Tỉnh Nghệ An", kind="province")
    city = org_unit_create(
        actor=None,
        code="H436",
        gso_code="436",
        name="Thành phố Hà Tĩnh",
        kind="city",
        parent=province,
    )
    ward_a = org_unit_create(
        actor=None,
        code="X18070",
        gso_code="18070",
        name="Phường Trần Phú",
        kind="ward",
        parent=city,
    )
    ward_b = org_unit_create(
        actor=None, code="X18073", gso_code="18073", name="Phường Nam Hà", kind="ward", parent=city
    )
    agency = org_unit_create(
        actor=None, code="H436-TP", name="Phòng Tư pháp", kind="agency", parent=city
    )
    units = {
        "province": province,
        "city": city,
        "ward_a": ward_a,
        "ward_b": ward_b,
        "agency": agency,
    }
    users: dict[str, User] = {}
    for persona, (role, unit_key) in PERSONA_ROLES.items():
        user = user_create(
            actor=None, username=persona, password=TEST_PASSWORD, full_name=persona.title()
        )
        if role is not None:
            membership_add(
                actor=None,
                user=user,
                role=role,
                org_unit=units[unit_key],
                area_codes=["2", "3"] if role == Role.APPRAISER else [],
            )
        users[persona] = user
    return Cast(
        province=province,
        city=city,
        ward_a=ward_a,
        ward_b=ward_b,
        agency=agency,
        other_province=other_province,
        users=users,
    )


class BaseTestCase(TestCase):
    """A TestCase with the cast built once per class: self.cast, self.ward_officer, …"""

    cast: Cast
    admin: User
    home_affairs: User
    appraiser: User
    ward_officer: User
    ward_chair: User
    inspector: User
    leader: User
    portal_editor: User
    outsider: User
    no_role: User

    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        for persona, user in cls.cast.users.items():
            setattr(cls, persona, user)

    def login(self, persona: str) -> User:
        """Log the test client in as a persona and return the (fresh) user."""
        user = User.objects.get(username=persona)
        self.client.force_login(user)
        return user
