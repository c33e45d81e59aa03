"""Backup and restore: a backup of an installation with records and files, restored into an
empty one, gives identical content (database and files, checked by digest); a damaged
backup restores nothing; a non-empty installation is refused."""

import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.core.management.commands.dumpdata import Command as DumpData

from cchc.assessments.models import Evidence
from cchc.assessments.services import evidence_upload
from cchc.assessments.tests.factories import assessment_of, make_round
from cchc.core.backup import backup, content_digests, data_digest, dump_database
from cchc.core.testing import PDF, build_cast
from cchc.frameworks.models import Criterion
from cchc.orgunits.models import OrgUnit
from cchc.portal import services as portal
from cchc.portal.models import Article
from cchc.portal.tests.test_portal import jpeg

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.reliability]


def installation() -> Any:
    """Units, users, a round with an uploaded evidence file, a published article with a photo."""
    cast = build_cast()
    round_ = make_round(cast)
    assessment = assessment_of(round_, cast.ward_a)
    evidence_upload(
        actor=cast.users["ward_officer"],
        assessment=assessment,
        criterion=Criterion.objects.get(framework=round_.framework, code="1.1"),
        upload=SimpleUploadedFile("ke-hoach.pdf", PDF, content_type="application/pdf"),
        title="Kế hoạch CCHC",
    )
    article = portal.article_save(actor=None, article=None, data={"title": "Tin sao lưu"})
    portal.photo_add(actor=None, article=article, upload=jpeg(), caption="Ảnh")
    return cast


def empty_installation() -> None:
    call_command("flush", interactive=False, verbosity=0)
    for path in sorted(Path(settings.MEDIA_ROOT).rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()


def test_a_restored_backup_is_identical(tmp_path):
    installation()
    before = content_digests()
    target = tmp_path / "sao-luu.zip"
    call_command("backup", str(target), verbosity=0)
    empty_installation()
    assert not OrgUnit.objects.exists() and not any(Path(settings.MEDIA_ROOT).rglob("*.pdf"))
    call_command("restore", str(target), verbosity=0)
    assert content_digests() == before
    evidence = Evidence.objects.get()
    with evidence.file.open("rb") as handle:
        assert handle.read() == PDF
    assert Article.objects.get().photos.count() == 1


def test_a_restore_keeps_every_microsecond(tmp_path):
    """Django's JSON keeps milliseconds only: a time of .000456 came back as .000000 (and its
    digest as a different string, so about one restore in twenty refused itself), and .123456
    came back as .123. A backup keeps times to the microsecond."""
    installation()
    moments = {
        "under_a_millisecond": datetime(2026, 5, 4, 3, 2, 1, 456, tzinfo=UTC),
        "over_a_millisecond": datetime(2026, 5, 4, 3, 2, 1, 123456, tzinfo=UTC),
    }
    Evidence.objects.update(created_at=moments["under_a_millisecond"])
    Article.objects.update(created_at=moments["over_a_millisecond"])
    target = tmp_path / "sao-luu.zip"
    call_command("backup", str(target), verbosity=0)
    empty_installation()
    call_command("restore", str(target), verbosity=0)
    assert Evidence.objects.get().created_at == moments["under_a_millisecond"]
    assert Article.objects.get().created_at == moments["over_a_millisecond"]


def test_a_backup_made_before_times_kept_their_microseconds_still_restores(tmp_path):
    """Backups written in Django's own JSON (no format in their manifest) are checked in it."""
    installation()
    Article.objects.update(created_at=datetime(2026, 5, 4, 3, 2, 1, 123456, tzinfo=UTC))
    Evidence.objects.update(created_at=datetime(2026, 5, 4, 3, 2, 1, 456, tzinfo=UTC))
    target = tmp_path / "sao-luu.zip"
    backup(target)
    earlier = tmp_path / "sao-luu-cu.zip"
    old_data = dump_database("json")
    with zipfile.ZipFile(target) as source, zipfile.ZipFile(earlier, "w") as copy:
        for item in source.infolist():
            if item.filename == "data.json":
                copy.writestr(item, old_data)
            elif item.filename == "manifest.json":
                manifest = json.loads(source.read(item.filename))
                del manifest["database"]["format"]
                manifest["database"]["sha256"] = hashlib.sha256(old_data).hexdigest()
                manifest["database"]["content_sha256"] = data_digest(old_data)
                copy.writestr(item, json.dumps(manifest))
            else:
                copy.writestr(item, source.read(item.filename))
    assert b"01.123Z" in old_data and b"01.000Z" in old_data and b".123456Z" not in old_data
    empty_installation()
    call_command("restore", str(earlier), verbosity=0)
    # What that backup held: milliseconds (.000456 came back as .000000, taken as the same).
    assert Article.objects.get().created_at.microsecond == 123000
    assert Evidence.objects.get().created_at.microsecond == 0


def test_a_restore_whose_content_differs_leaves_the_installation_empty(tmp_path):
    installation()
    target = tmp_path / "sao-luu.zip"
    backup(target)
    wrong = tmp_path / "sai.zip"
    with zipfile.ZipFile(target) as source, zipfile.ZipFile(wrong, "w") as copy:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "manifest.json":
                manifest = json.loads(data)
                manifest["database"]["content_sha256"] = "0" * 64
                data = json.dumps(manifest).encode()
            copy.writestr(item, data)
    empty_installation()
    with pytest.raises(CommandError, match="nothing was restored"):
        call_command("restore", str(wrong), verbosity=0)
    assert not OrgUnit.objects.exists()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*"))  # the files written taken away
    call_command("restore", str(target), verbosity=0)  # and the right backup restores
    assert OrgUnit.objects.exists()


def test_restore_refuses_a_media_folder_with_files(tmp_path):
    installation()
    target = tmp_path / "sao-luu.zip"
    backup(target)
    call_command("flush", interactive=False, verbosity=0)
    with pytest.raises(CommandError, match="media folder"):
        call_command("restore", str(target), verbosity=0)
    assert not OrgUnit.objects.exists()


def test_a_damaged_backup_restores_nothing(tmp_path):
    installation()
    target = tmp_path / "sao-luu.zip"
    manifest = backup(target)
    damaged = tmp_path / "hong.zip"
    with zipfile.ZipFile(target) as source, zipfile.ZipFile(damaged, "w") as copy:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.endswith(".pdf"):
                data = data.replace(b"%%EOF", b"%%EOX")
            copy.writestr(item, data)
    empty_installation()
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(damaged), verbosity=0)
    assert not OrgUnit.objects.exists()
    assert manifest["files"]  # the backup named its files


def test_restore_refuses_an_installation_that_has_data(tmp_path):
    installation()
    target = tmp_path / "sao-luu.zip"
    backup(target)
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(target), verbosity=0)


def rewritten(source_path: Path, target_path: Path, change: Any) -> None:
    """A copy of a backup whose data.json is change(objects), with a manifest that agrees with
    it (as a backup of such an installation would have): only the load can find it wrong."""
    with zipfile.ZipFile(source_path) as source, zipfile.ZipFile(target_path, "w") as copy:
        data = json.dumps(change(json.loads(source.read("data.json")))).encode()
        for item in source.infolist():
            if item.filename == "data.json":
                copy.writestr(item, data)
            elif item.filename == "manifest.json":
                manifest = json.loads(source.read(item.filename))
                manifest["database"]["sha256"] = hashlib.sha256(data).hexdigest()
                manifest["database"]["content_sha256"] = data_digest(data)
                copy.writestr(item, json.dumps(manifest))
            else:
                copy.writestr(item, source.read(item.filename))


def test_a_restore_checks_its_load_without_dumping_the_database_again(tmp_path, monkeypatch):
    """The load is counted as it goes (and shown); the database is not read back whole."""
    installation()
    before = content_digests()
    target = tmp_path / "sao-luu.zip"
    manifest = backup(target)
    empty_installation()
    dumps = []
    monkeypatch.setattr(DumpData, "handle", lambda *args, **kwargs: dumps.append(1) or "")
    out = io.StringIO()
    call_command("restore", str(target), verbosity=1, stdout=out)
    assert dumps == []
    monkeypatch.undo()
    assert content_digests() == before
    objects = len(json.loads(zipfile.ZipFile(target).read("data.json")))
    lines = out.getvalue().splitlines()
    assert lines[0] == f"Database: 0 of {objects:,} objects"
    assert f"Database: {objects:,} of {objects:,} objects" in lines
    assert len([line for line in lines if line.startswith("Database: ")]) >= 10  # as it goes
    assert f"Files: {len(manifest['files'])} of {len(manifest['files'])}" in lines
    assert lines[-1].startswith(f"Restored {target}")


def test_a_backup_whose_objects_do_not_all_load_restores_nothing(tmp_path):
    """An object twice in the backup: saved over itself, so the table holds one row fewer
    than the backup has objects, though the backup's digests agree with its data."""
    installation()
    target = tmp_path / "sao-luu.zip"
    backup(target)
    twice = tmp_path / "trung.zip"

    def duplicate_a_unit(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
        units = [item for item in objects if item["model"] == "orgunits.orgunit"]
        return [*objects, units[-1]]

    rewritten(target, twice, duplicate_a_unit)
    empty_installation()
    with pytest.raises(CommandError, match=r"orgunits\.orgunit: \d+ in the backup, \d+ restored"):
        call_command("restore", str(twice), verbosity=0)
    assert not OrgUnit.objects.exists()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*"))
