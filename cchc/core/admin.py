from django.contrib import admin
from django.http import HttpRequest

from cchc.core.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is append-only for everyone, administrators included."""

    list_display = ["at", "actor_username", "action", "object_type", "object_repr"]
    list_filter = ["object_type"]
    search_fields = ["actor_username", "action", "object_repr", "object_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
