from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from cchc.accounts.models import Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """A back door for system administrators; staff keep users in CCHC's own pages."""

    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("CCHC", {"fields": ("full_name", "job_title", "language")}),
    )
    inlines = [MembershipInline]
    list_display = ["username", "full_name", "email", "is_active"]
