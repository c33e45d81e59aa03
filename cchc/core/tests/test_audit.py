import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from cchc.core.audit import audit_record
from cchc.core.models import AppendOnlyError, AuditEvent
from cchc.core.testing import BaseTestCase
from cchc.orgunits.services import org_unit_update


class AuditTrailTests(BaseTestCase):
    def test_it_records_who_what_and_the_values_before_and_after(self):
        org_unit_update(
            actor=self.home_affairs, org_unit=self.cast.ward_a, name="Phường Trần Phú Mới"
        )
        event = AuditEvent.objects.filter(action="org_unit.update").get()
        assert event.actor == self.home_affairs
        assert event.actor_username == "home_affairs"
        assert event.before == {"name": "Phường Trần Phú"}
        assert event.after == {"name": "Phường Trần Phú Mới"}
        assert event.object_id == str(self.cast.ward_a.pk)

    def test_it_refuses_to_change_an_event_through_the_orm(self):
        event = audit_record(actor=self.admin, action="test.action", object_type="x")
        event.action = "forged"
        with pytest.raises(AppendOnlyError):
            event.save()
        with pytest.raises(AppendOnlyError):
            AuditEvent.objects.filter(pk=event.pk).update(action="forged")

    def test_it_refuses_to_delete_an_event_through_the_orm(self):
        event = audit_record(actor=self.admin, action="test.action", object_type="x")
        with pytest.raises(AppendOnlyError):
            event.delete()
        with pytest.raises(AppendOnlyError):
            AuditEvent.objects.all().delete()

    def test_the_database_refuses_a_raw_update(self):
        event = audit_record(actor=self.admin, action="test.action", object_type="x")
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE core_auditevent SET action = 'forged' WHERE id = %s", [event.pk])
        assert AuditEvent.objects.get(pk=event.pk).action == "test.action"


class AuditPageTests(BaseTestCase):
    url = reverse("core:audit_list")

    def test_home_affairs_sees_and_searches_the_trail(self):
        org_unit_update(
            actor=self.ward_officer, org_unit=self.cast.ward_b, name="Phường Nam Hà Mới"
        )
        self.login("home_affairs")
        response = self.client.get(self.url, {"q": "Nam Hà Mới"})
        assert response.status_code == 200
        assert "Phường Nam Hà Mới" in response.content.decode()
        assert "đơn vị — đã sửa" in response.content.decode()

    def test_a_coordinator_sees_the_people_of_the_city_not_the_province_admin(self):
        from cchc.orgunits.services import org_unit_update

        org_unit_update(actor=self.admin, org_unit=self.cast.other_province, name="Tỉnh khác")
        org_unit_update(actor=self.home_affairs, org_unit=self.cast.ward_b, name="Phường Nam Hà 2")
        audit_record(actor=self.ward_officer, action="test.officer", object_type="x")
        self.login("home_affairs")
        actions = [event.action for event in self.client.get(self.url).context["page"].object_list]
        assert "test.officer" in actions and "org_unit.update" in actions
        seen = {
            event.actor_username for event in self.client.get(self.url).context["page"].object_list
        }
        assert "admin" not in seen and "" not in seen
        self.login("admin")
        seen = {
            event.actor_username for event in self.client.get(self.url).context["page"].object_list
        }
        assert "admin" in seen

    def test_a_ward_officer_is_refused(self):
        self.login("ward_officer")
        assert self.client.get(self.url).status_code == 403

    def test_an_invalid_date_filter_shows_the_trail_unfiltered_with_the_error(self):
        self.login("home_affairs")
        response = self.client.get(self.url, {"date_from": "not-a-date"})
        assert response.status_code == 200
        assert response.context["form"].errors["date_from"]

    def test_htmx_gets_only_the_results(self):
        self.login("admin")
        response = self.client.get(self.url, headers={"HX-Request": "true"})
        assert "<html" not in response.content.decode()
        assert 'data-testid="audit-table"' in response.content.decode()

    def test_the_query_count_does_not_grow_with_events(self):
        self.login("admin")
        for number in range(60):
            audit_record(
                actor=self.admin, action="test.bulk", object_type="x", object_repr=str(number)
            )
        # session, user, memberships (request.user), object types for the filter, count,
        # page rows, session save (savepoint, update, release)
        with self.assertNumQueries(9):
            self.client.get(self.url, {"date_to": timezone.localdate().isoformat()})
