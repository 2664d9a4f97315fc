"""Settings inside the product, mounted at /settings/ (canned responses: helpline/responses)."""

from __future__ import annotations

from django.urls import path

from helpline.configuration.views import _common, company, join, organizations, people, taxonomy, tokens

app_name = "configuration"

urlpatterns = [
    path("", _common.home, name="home"),
    path("agents/", people.agents, name="agents"),
    path("agents/<int:agent_id>", people.agent_edit, name="agent"),
    path("agents/<int:agent_id>/invitation", people.agent_invitation, name="agent-invitation"),
    path("teams/", people.teams, name="teams"),
    path("teams/<int:team_id>", people.team_edit, name="team"),
    path("teams/<int:team_id>/members", people.team_members, name="team-members"),
    path("organizations/", organizations.organizations, name="organizations"),
    path("organizations/<int:organization_id>", organizations.organization_edit, name="organization"),
    path("categories/", taxonomy.categories, name="categories"),
    path("categories/<int:category_id>", taxonomy.category_edit, name="category"),
    path("tags/", taxonomy.tags, name="tags"),
    path("tags/<int:tag_id>", taxonomy.tag_edit, name="tag"),
    path("tags/<int:tag_id>/delete", taxonomy.tag_delete_view, name="tag-delete"),
    path("fields/", taxonomy.fields, name="fields"),
    path("fields/<int:field_id>", taxonomy.field_edit, name="field"),
    path("fields/<int:field_id>/delete", taxonomy.field_delete, name="field-delete"),
    path("company/", company.branding, name="branding"),
    path("company/logo", company.branding_logo, name="branding-logo"),
    path("logo/<str:digest>", company.logo, name="logo"),
    path("tokens/", tokens.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke", tokens.token_revoke_view, name="token-revoke"),
    path("join/<str:uidb64>/<str:token>", join.join, name="join"),
]
