"""The company's name and logo, shown in the workspace and the portal."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from helpline.audit.models import Event
from helpline.configuration.models import Branding
from helpline.configuration.services import LOGO_MAX_BYTES

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def test_the_company_name_shows_in_the_workspace_and_the_portal(admin, agent, signed_in):
    # when
    response = signed_in(admin).post("/settings/company/", {"company_name": " Acme   Corp "})
    # then
    assert response.status_code == 302
    assert Branding.objects.get().company_name == "Acme Corp"
    assert "<span>Acme Corp</span>" in signed_in(agent).get("/").content.decode()
    assert "<span>Acme Corp</span>" in Client().get("/portal/").content.decode()
    event = Event.objects.get(kind="branding.updated")
    assert (event.before, event.after) == (
        {"company_name": "", "portal_passwords": False},
        {"company_name": "Acme Corp", "portal_passwords": False},
    )


def test_a_png_logo_is_stored_and_served_to_anyone(admin, signed_in):
    # when
    signed_in(admin).post("/settings/company/logo", {"logo": SimpleUploadedFile("logo.png", PNG, "image/png")})
    # then
    html = Client().get("/portal/").content.decode()
    branding = Branding.objects.get()
    url = f"/settings/logo/{branding.logo_digest[:16]}"
    assert f'<img src="{url}"' in html
    logo = Client().get(url)
    assert (logo.status_code, logo["Content-Type"], logo.content) == (200, "image/png", PNG)
    assert logo["X-Content-Type-Options"] == "nosniff"
    assert Client().get("/settings/logo/0000000000000000").status_code == 404


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (SVG, "The logo must be a PNG or JPEG image."),
        (b"GIF89a" + b"\x00" * 10, "The logo must be a PNG or JPEG image."),
        (PNG + b"\x00" * LOGO_MAX_BYTES, "it may have 512 KB at most"),
    ],
)
def test_other_files_are_refused_with_a_reason(admin, signed_in, content, message):
    # given
    client = signed_in(admin)
    # when
    response = client.post("/settings/company/logo", {"logo": SimpleUploadedFile("logo.png", content)}, follow=True)
    # then
    assert message in response.content.decode()
    assert not Branding.objects.exclude(logo_digest="").exists()
    assert not Event.objects.filter(kind="branding.logo_changed").exists()


def test_removing_the_logo_brings_back_the_mark(admin, signed_in):
    # given
    client = signed_in(admin)
    client.post("/settings/company/logo", {"logo": SimpleUploadedFile("logo.png", PNG)})
    # when
    client.post("/settings/company/logo", {"remove": "1"})
    # then
    assert Branding.objects.get().logo_digest == ""
    assert "/settings/logo/" not in Client().get("/portal/").content.decode()
    assert Event.objects.filter(kind="branding.logo_changed").count() == 2


def test_only_admins_change_the_branding(supervisor, signed_in):
    # given
    client = signed_in(supervisor)
    # when
    named = client.post("/settings/company/", {"company_name": "Evil"})
    logo = client.post("/settings/company/logo", {"logo": SimpleUploadedFile("logo.png", PNG)})
    # then
    assert named.status_code == logo.status_code == 403
    assert not Branding.objects.exists()
