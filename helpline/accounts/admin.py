from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from helpline.accounts.models import Agent, ApiToken, Membership, Team


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["agent"]


@admin.register(Agent)
class AgentAdmin(UserAdmin):
    ordering = ["name"]
    list_display = ["email", "name", "role", "availability", "is_active"]
    list_filter = ["role", "availability", "is_active"]
    search_fields = ["email", "name"]
    fieldsets = (
        (None, {"fields": ("email", "password", "name", "role")}),
        ("Work", {"fields": ("availability", "capacity", "skills", "time_zone")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "name", "role", "password1", "password2")}),)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "is_private"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "agent", "customer", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "secret_hash", "created_at", "last_used_at"]
    raw_id_fields = ["agent", "customer"]
