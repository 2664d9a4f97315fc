from __future__ import annotations

from django.contrib import admin

from helpline.customers.models import ContactIdentity, Customer, Organization


class IdentityInline(admin.TabularInline):
    model = ContactIdentity
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "organization", "tier", "created_at"]
    list_filter = ["tier"]
    search_fields = ["name", "identities__value"]
    raw_id_fields = ["organization", "merged_into"]
    exclude = ["password"]  # a hash; the customer sets it in the portal
    inlines = [IdentityInline]
    show_full_result_count = False


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "tier", "shares_tickets"]
    search_fields = ["name"]
