import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from cchc.accounts.models import User
from cchc.core.roles import Role
from cchc.orgunits.models import OrgUnit

pytestmark = pytest.mark.django_db


def test_it_refuses_to_run_without_debug():
    with override_settings(DEBUG=False), pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", "--quiet")
    assert not User.objects.exists()


@override_settings(DEBUG=True)
def test_it_loads_the_city_its_wards_the_agencies_and_a_user_per_role_once(capsys):
    call_command("seed_demo")
    call_command("seed_demo", "--quiet")
    city = OrgUnit.objects.get(code="436")
    assert city.children.filter(kind__in=["ward", "commune"]).count() == 15
    assert city.children.filter(kind="ward").count() == 10
    assert city.children.filter(kind="agency").count() == 7
    assert OrgUnit.objects.get(gso_code="18070").name == "Phường Trần Phú"
    assert all(unit.boundary for unit in city.children.exclude(kind="agency"))
    roles = {role for user in User.objects.all() for role in user.role_set()}
    assert roles == set(Role)
    assert User.objects.filter(username__startswith="canbo.").count() == 15
    assert User.objects.filter(username__startswith="chutich.").count() == 15
    printed = capsys.readouterr().out
    assert "noivu" in printed and "cchc-demo-2026" in printed
    assert User.objects.get(username="canbo.tranphu").check_password("cchc-demo-2026")
