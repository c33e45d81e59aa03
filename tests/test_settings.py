"""The deployment posture: strict CSP, secure headers, a clean `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    clean_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean_env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_is_clean_in_production_mode(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="x" * 64 + "-a-long-random-production-secret",
        ALLOWED_HOSTS="cchc.example.gov.vn",
        EMAIL_HOST="smtp.example.gov.vn",
        SITE_URL="https://cchc.example.gov.vn",
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_warns_when_emails_would_carry_relative_links(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        DEBUG="0",
        SECRET_KEY="x" * 64 + "-a-long-random-production-secret",
        ALLOWED_HOSTS="cchc.example.gov.vn",
        EMAIL_HOST="smtp.example.gov.vn",
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
    )
    assert "cchc.W001" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_manage("check", DEBUG="0", SQLITE_PATH=str(tmp_path / "db.sqlite3"))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_a_secret_can_come_from_a_file(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("y" * 64 + "-from-a-file")
    result = run_manage(
        "check",
        DEBUG="0",
        SECRET_KEY_FILE=str(secret_file),
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get(reverse("accounts:login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_templates_hold_no_inline_script_or_style(client):
    offenders = []
    for template in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in template.parts:
            continue
        text = template.read_text(encoding="utf-8")
        for marker in ("<script>", " style=", "<style", " onclick=", " onload=", " onchange="):
            if marker in text:
                offenders.append(f"{template.relative_to(ROOT)}: {marker.strip()}")
    assert not offenders, offenders


def test_the_example_environment_passes_check_deploy(tmp_path):
    """`.env.example` copied to `.env` as it says, read by the product's own loader, with only
    the secret filled in (and the database somewhere writable): `check --deploy` is clean —
    mail goes to an SMTP server, not the console, and no value carries a comment into it."""
    example = ROOT / ".env.example"
    names = {
        line.split("=", 1)[0].strip()
        for line in example.read_text(encoding="utf-8").splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    env = {k: v for k, v in os.environ.items() if k not in names | {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(SECRET_KEY="x" * 64 + "-a-long-random-production-secret")
    env.update(SQLITE_PATH=str(tmp_path / "db.sqlite3"))
    loader = (
        "import sys; from pathlib import Path; from config.env import load_dotenv; "
        "load_dotenv(Path('.env.example')); "
        "from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", loader],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "mail.E001" not in result.stdout + result.stderr


def test_a_date_typed_is_read_day_first_in_both_languages():
    # A walk: "08/12/2026" typed for 8 December issued a decision dated 12 August (Django's
    # defaults read the month first), and "15/01/2027" was refused.
    import datetime

    from django import forms
    from django.utils import translation

    class DateForm(forms.Form):
        on = forms.DateField()

    for language in ("vi", "en"):
        with translation.override(language):
            for typed, meant in (
                ("08/12/2026", datetime.date(2026, 12, 8)),
                ("15/01/2027", datetime.date(2027, 1, 15)),
                ("01-02-2027", datetime.date(2027, 2, 1)),
                ("2026-12-08", datetime.date(2026, 12, 8)),  # the browser's date picker
            ):
                form = DateForm({"on": typed})
                assert form.is_valid(), (language, typed, form.errors)
                assert form.cleaned_data["on"] == meant, (language, typed)


@pytest.mark.django_db
def test_a_form_from_an_out_of_date_page_is_refused_in_vietnamese():
    # A walk: a stale tab after signing in again showed Django's "CSRF verification failed.
    # Request aborted." in English.
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/accounts/login/", {"username": "x", "password": "y"})
    body = response.content.decode()
    assert response.status_code == 403
    assert 'data-testid="csrf-refusal"' in body and "Chưa có gì được lưu" in body
    assert "CSRF verification failed" not in body
