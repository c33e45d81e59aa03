from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cchc.core.exceptions import ConflictError
from cchc.core.models import AuditEvent
from cchc.core.testing import BaseTestCase
from cchc.core.versioning import version_token
from cchc.frameworks.models import Criterion, Framework
from cchc.frameworks.services import (
    criterion_create,
    criterion_delete,
    criterion_update,
    framework_archive,
    framework_copy,
    framework_publish,
    framework_publish_problems,
    framework_transition_refusal,
    framework_update,
)
from cchc.frameworks.tests.factories import make_framework


class PublishTests(BaseTestCase):
    def test_a_sound_draft_is_published_and_frozen(self):
        framework = make_framework(self.cast.city)
        assert framework_publish_problems(framework) == []
        framework = framework_publish(actor=self.home_affairs, framework=framework)
        assert framework.status == Framework.Status.PUBLISHED
        criterion = framework.criteria.get(code="1.1")
        with pytest.raises(ValidationError):
            criterion_update(actor=self.home_affairs, criterion=criterion, title="X")
        assert AuditEvent.objects.filter(action="framework.publish").exists()

    def test_publishing_refuses_sums_that_do_not_add_up_and_says_where(self):
        framework = make_framework(self.cast.city)
        criterion = framework.criteria.get(code="1.1")
        criterion_update(actor=self.home_affairs, criterion=criterion, max_points=Decimal(3))
        refusal = framework_transition_refusal(framework, Framework.Status.PUBLISHED)
        assert refusal is not None and "1" in refusal
        with pytest.raises(ValidationError):
            framework_publish(actor=self.home_affairs, framework=framework)
        framework.refresh_from_db()
        assert framework.status == Framework.Status.DRAFT

    def test_only_a_published_framework_is_archived(self):
        framework = make_framework(self.cast.city)
        with pytest.raises(ValidationError):
            framework_archive(actor=self.home_affairs, framework=framework)


class CopyTests(BaseTestCase):
    def test_a_copy_is_a_new_draft_version_with_the_same_tree(self):
        original = make_framework(self.cast.city, publish=True)
        copy = framework_copy(actor=self.home_affairs, framework=original)
        assert (copy.version, copy.status, copy.copied_from) == (
            2,
            Framework.Status.DRAFT,
            original,
        )
        codes = list(
            copy.criteria.order_by("order").values_list("code", "parent__code", "max_points")
        )
        assert codes == list(
            original.criteria.order_by("order").values_list("code", "parent__code", "max_points")
        )
        assert copy.bands.count() == original.bands.count()

    def test_publishing_the_copy_archives_the_original(self):
        original = make_framework(self.cast.city, publish=True)
        copy = framework_copy(actor=self.home_affairs, framework=original)
        framework_publish(actor=self.home_affairs, framework=copy)
        original.refresh_from_db()
        assert original.status == Framework.Status.ARCHIVED


class CriterionTests(BaseTestCase):
    def setUp(self):
        self.framework = make_framework(self.cast.city)

    def test_a_rule_is_checked_and_stored_in_canonical_form(self):
        criterion = self.framework.criteria.get(code="1.2")
        criterion_update(actor=self.home_affairs, criterion=criterion, rule_text="deduction 0,5")
        criterion.refresh_from_db()
        assert (criterion.rule_text, criterion.rule_type) == ("deduction 0.5", "deduction")

    def test_a_rule_that_does_not_parse_is_refused_with_its_reason(self):
        criterion = self.framework.criteria.get(code="1.2")
        with pytest.raises(ValidationError) as error:
            criterion_update(actor=self.home_affairs, criterion=criterion, rule_text="tiers: x")
        assert "rule_text" in error.value.message_dict

    def test_a_stale_edit_is_refused(self):
        criterion = self.framework.criteria.get(code="1.2")
        stale = version_token(criterion)
        criterion_update(
            actor=self.admin, criterion=Criterion.objects.get(pk=criterion.pk), title="Theirs"
        )
        with pytest.raises(ConflictError) as conflict:
            criterion_update(
                actor=self.home_affairs,
                criterion=Criterion.objects.get(pk=criterion.pk),
                expected_version=stale,
                title="Mine",
            )
        assert conflict.value.current.title == "Theirs"

    def test_adding_a_sub_criterion_places_it_after_its_siblings(self):
        parent = self.framework.criteria.get(code="1")
        created = criterion_create(
            actor=self.home_affairs,
            framework=self.framework,
            parent=parent,
            code="1.4",
            title="Mới",
            max_points=Decimal(1),
            rule_text="yes_no",
        )
        codes = list(self.framework.criteria.order_by("order").values_list("code", flat=True))
        assert codes.index("1.4") == codes.index("1.3") + 1
        assert created.depth == 1
        # The parent now exceeds its stated maximum until someone fixes it.
        assert any("1" in problem for problem in framework_publish_problems(self.framework))

    def test_a_duplicate_code_is_refused(self):
        with pytest.raises(ValidationError):
            criterion_create(
                actor=self.home_affairs,
                framework=self.framework,
                parent=None,
                code="1",
                title="Dup",
                max_points=Decimal(1),
                rule_text="yes_no",
            )

    def test_deleting_removes_the_subtree(self):
        criterion_delete(actor=self.home_affairs, criterion=self.framework.criteria.get(code="1"))
        assert not self.framework.criteria.filter(code__startswith="1").exists()


class FrameworkUpdateTests(BaseTestCase):
    def test_bands_and_details_change_on_a_draft(self):
        framework = make_framework(self.cast.city)
        framework_update(
            actor=self.home_affairs,
            framework=framework,
            bands=[("Đạt", Decimal(50)), ("Không đạt", Decimal(0))],
            name="Tên mới",
        )
        framework.refresh_from_db()
        assert framework.name == "Tên mới"
        assert list(framework.bands.values_list("name", flat=True)) == ["Đạt", "Không đạt"]
        event = AuditEvent.objects.filter(action="framework.update").get()
        assert event.after is not None
        assert event.after["bands"] == [["Đạt", "50"], ["Không đạt", "0"]]
