"""Load the demo: Hà Tĩnh province → Hà Tĩnh city (2020), its 15 wards and communes, the 7
advising agencies, and one demo user per role. Idempotent; refuses to run unless DEBUG is on."""

import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone, translation

from cchc.accounts.models import Membership, User
from cchc.accounts.services import membership_add, user_create
from cchc.core.roles import Role
from cchc.demo.documents import seed_documents
from cchc.demo.indicators import seed_indicators
from cchc.demo.inspections import seed_inspections
from cchc.demo.portal import seed_portal
from cchc.demo.rounds import seed_rounds
from cchc.frameworks.importers import read_framework_file
from cchc.frameworks.models import Framework
from cchc.frameworks.services import framework_import, framework_publish
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.services import org_unit_create

DEMO_PASSWORD = "cchc-demo-2026"
CCHC_DIR = Path(__file__).resolve().parents[3]
UNITS_FILE = CCHC_DIR / "orgunits" / "data" / "ha-tinh-units.json"
FRAMEWORK_FILE = CCHC_DIR / "frameworks" / "data" / "example-commune-framework.csv"
FRAMEWORK_NAME = "Bộ chỉ số CCHC cấp xã (minh họa)"
REFUSE_MESSAGE = (
    "seed_demo refuses to run with DEBUG off: demo users and passwords must never reach "
    "production. Set DEBUG=1 on a development machine."
)

# The seven standing agencies that advise the city on the seven PAR areas (Resolution 30c).
# Which agency appraises which area is a reconstruction for the demo, not an official list.
AGENCIES = [
    ("436-NV", "Phòng Nội vụ", "noivu", ["1", "4", "5"]),
    ("436-TP", "Phòng Tư pháp", "tuphap", ["2"]),
    ("436-VP", "Văn phòng HĐND và UBND thành phố", "vanphong", ["3"]),
    ("436-TCKH", "Phòng Tài chính - Kế hoạch", "taichinh", ["6"]),
    ("436-VHTT", "Phòng Văn hóa và Thông tin", "vanhoa", ["7"]),
    ("436-KT", "Phòng Kinh tế", "kinhte", ["3"]),
    ("436-TT", "Thanh tra thành phố", "thanhtra", ["1"]),
]
CITY_CENTRE = (105.885, 18.335)  # longitude, latitude of Hà Tĩnh city
CELL = 0.018  # degrees: a simple square per ward, only so the map has something to show


@dataclass
class DemoLogin:
    username: str
    role: str
    unit: str


def ascii_slug(name: str) -> str:
    """Return "tranphu" for "Phường Trần Phú"."""
    words = name.replace("Phường ", "").replace("Xã ", "").replace("Đ", "D").replace("đ", "d")
    plain = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode()
    return "".join(character for character in plain.lower() if character.isalnum())


def square(column: int, row: int) -> dict[str, Any]:
    west = CITY_CENTRE[0] + (column - 2.5) * CELL
    south = CITY_CENTRE[1] + (row - 1.5) * CELL
    ring = [
        [round(west, 5), round(south, 5)],
        [round(west + CELL, 5), round(south, 5)],
        [round(west + CELL, 5), round(south + CELL, 5)],
        [round(west, 5), round(south + CELL, 5)],
        [round(west, 5), round(south, 5)],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


class Command(BaseCommand):
    help = "Load demo units and users for Hà Tĩnh city (idempotent; DEBUG only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="Do not print the logins.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(REFUSE_MESSAGE)
        # One slow hash for every demo account (they share the printed demo password).
        self.password_hash = make_password(DEMO_PASSWORD)
        with transaction.atomic():
            logins = self.seed()
        if not options["quiet"]:
            self.print_logins(logins)

    def unit(self, code: str, **values: Any) -> OrgUnit:
        existing = OrgUnit.objects.filter(code=code).first()
        return existing or org_unit_create(actor=None, code=code, **values)

    def user(
        self, username: str, full_name: str, role: Role, unit: OrgUnit, **extra: Any
    ) -> DemoLogin:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                actor=None,
                username=username,
                password=DEMO_PASSWORD,
                full_name=full_name,
                password_hash=self.password_hash,
            )
        if role == Role.SYSTEM_ADMIN and not user.is_superuser:
            # The demo administrator may also open the Django admin back door.
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        if not Membership.objects.filter(
            user=user, role=role, org_unit=unit, is_active=True
        ).exists():
            membership_add(actor=None, user=user, role=role, org_unit=unit, **extra)
        return DemoLogin(username, role.value, unit.name)

    def seed(self) -> list[DemoLogin]:
        data = json.loads(UNITS_FILE.read_text(encoding="utf-8"))
        province = self.unit("42", gso_code="42", name="Tỉnh Hà Tĩnh", kind=OrgUnit.Kind.PROVINCE)
        wards = data["ha_tinh_city_2020"]
        boundaries = [square(index % 5, index // 5) for index in range(len(wards))]
        city_ring = [
            [round(CITY_CENTRE[0] - 2.5 * CELL, 5), round(CITY_CENTRE[1] - 1.5 * CELL, 5)],
            [round(CITY_CENTRE[0] + 2.5 * CELL, 5), round(CITY_CENTRE[1] - 1.5 * CELL, 5)],
            [round(CITY_CENTRE[0] + 2.5 * CELL, 5), round(CITY_CENTRE[1] + 1.5 * CELL, 5)],
            [round(CITY_CENTRE[0] - 2.5 * CELL, 5), round(CITY_CENTRE[1] + 1.5 * CELL, 5)],
            [round(CITY_CENTRE[0] - 2.5 * CELL, 5), round(CITY_CENTRE[1] - 1.5 * CELL, 5)],
        ]
        city = self.unit(
            "436",
            gso_code="436",
            name="Thành phố Hà Tĩnh",
            kind=OrgUnit.Kind.CITY,
            parent=province,
        )
        ward_units = []
        for index, ward in enumerate(wards):
            kind = OrgUnit.Kind.WARD if ward["name"].startswith("Phường") else OrgUnit.Kind.COMMUNE
            ward_units.append(
                self.unit(
                    str(ward["code"]),
                    gso_code=str(ward["code"]),
                    name=ward["name"],
                    kind=kind,
                    parent=city,
                    boundary=boundaries[index],
                    sort_order=index + 1,
                )
            )
        agency_units = [
            (
                self.unit(
                    code, name=name, kind=OrgUnit.Kind.AGENCY, parent=city, sort_order=100 + i
                ),
                slug,
                areas,
            )
            for i, (code, name, slug, areas) in enumerate(AGENCIES)
        ]
        framework = self.framework(city)
        if city.boundary is None:
            city.boundary = {"type": "Polygon", "coordinates": [city_ring]}
            city.save(update_fields=["boundary"])

        home_affairs_office = agency_units[0][0]
        logins = [
            self.user("admin", "Quản trị hệ thống", Role.SYSTEM_ADMIN, province),
            self.user("noivu", "Nguyễn Thị Hoa (Phòng Nội vụ)", Role.HOME_AFFAIRS, city),
            self.user("lanhdao", "Trần Văn Minh (Lãnh đạo UBND)", Role.LEADER, city),
            self.user("kiemtra", "Lê Văn Nam (Đoàn kiểm tra)", Role.INSPECTOR, city),
            self.user("bientap", "Phạm Thị Lan (Cổng thông tin)", Role.PORTAL_EDITOR, city),
        ]
        for agency, slug, areas in agency_units:
            logins.append(
                self.user(
                    f"thamdinh.{slug}",
                    f"Chuyên viên {agency.name}",
                    Role.APPRAISER,
                    agency,
                    area_codes=areas,
                )
            )
        logins.append(
            self.user(
                "kiemtra.noivu",
                "Chuyên viên kiểm tra Phòng Nội vụ",
                Role.INSPECTOR,
                home_affairs_office,
            )
        )
        for ward in ward_units:
            slug = ascii_slug(ward.name)
            logins.append(
                self.user(f"canbo.{slug}", f"Công chức CCHC {ward.name}", Role.UNIT_OFFICER, ward)
            )
            logins.append(
                self.user(f"chutich.{slug}", f"Chủ tịch UBND {ward.name}", Role.UNIT_CHAIR, ward)
            )
        # The dossiers and directives first: the rounds take their figures from them.
        indicators = seed_indicators(city=city)
        self.stdout.write(indicators["line"])
        seed_rounds(
            framework=framework,
            city=city,
            coordinator=User.objects.get(username="noivu"),
            history=self.framework(city, year=framework.year - 1),
        )
        inspections = seed_inspections(city=city, coordinator=User.objects.get(username="noivu"))
        self.stdout.write(inspections["line"])
        documents = seed_documents(city=city, coordinator=User.objects.get(username="noivu"))
        self.stdout.write(f"Documents issued: {documents}")
        self.stdout.write(seed_portal(editor=User.objects.get(username="bientap")))
        return logins

    def framework(self, city: OrgUnit, year: int | None = None) -> Framework:
        """Import and publish the illustrative commune framework for a year (this year by
        default), once."""
        year = year or timezone.localdate().year
        existing = Framework.objects.filter(issuer=city, name=FRAMEWORK_NAME, year=year).first()
        if existing is not None:
            return existing
        content, agencies = read_framework_file(
            data=FRAMEWORK_FILE.read_bytes(), file_name=FRAMEWORK_FILE.name
        )
        framework = framework_import(
            actor=None,
            issuer=city,
            content=content,
            agencies=agencies,
            name=FRAMEWORK_NAME,
            year=year,
            unit_kinds=[OrgUnit.Kind.WARD, OrgUnit.Kind.COMMUNE],
            decision_number="52/2019/QĐ-UBND (cấu trúc)",
            description=(
                "Bộ chỉ số minh họa: cấu trúc 70 điểm tiêu chí + 30 điểm điều tra xã hội học theo "
                "QĐ 52/2019/QĐ-UBND của UBND tỉnh Hà Tĩnh; tên lĩnh vực theo bộ chỉ số cấp xã của "
                "Hà Nội; phần lớn tiêu chí, điểm và cách chấm được dựng lại để minh họa."
            ),
            is_illustrative=True,
            source=FRAMEWORK_FILE.name,
        )
        return framework_publish(actor=None, framework=framework)

    def print_logins(self, logins: list[DemoLogin]) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            self.stdout.write("")
            self.stdout.write(
                self.style.SUCCESS(f"Demo logins — password for all: {DEMO_PASSWORD}")
            )
            width = max(len(login.username) for login in logins)
            by_unit: dict[str, list[DemoLogin]] = {}
            for login in logins:
                if login.username.startswith(("canbo.", "chutich.")):
                    by_unit.setdefault(login.unit, []).append(login)
                else:
                    role = Role(login.role).label
                    self.stdout.write(f"  {login.username:<{width}}  {role} — {login.unit}")
            for unit, unit_logins in by_unit.items():
                names = " / ".join(login.username for login in unit_logins)
                roles = " / ".join(str(Role(login.role).label) for login in unit_logins)
                self.stdout.write(f"  {names:<{2 * width}}  {roles} — {unit}")
            self.stdout.write("")
