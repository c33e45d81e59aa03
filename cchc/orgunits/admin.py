from django.contrib import admin

from cchc.orgunits.models import OrgUnit


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    """A back door for system administrators; staff keep units in CCHC's own pages."""

    list_display = ["name", "kind", "code", "gso_code", "parent", "active_to"]
    list_filter = ["kind"]
    search_fields = ["name", "code", "gso_code"]
    readonly_fields = ["path", "depth"]
