"""The portal and the web form speak the browser's language (Accept-Language), German included."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from helpline.core.clock import now

pytestmark = pytest.mark.django_db


def test_a_german_browser_sees_the_portal_in_german(db):
    # when
    sign_in = Client().get("/portal/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5")
    form = Client().get("/portal/new", HTTP_ACCEPT_LANGUAGE="de")
    # then
    html = sign_in.content.decode()
    assert '<html lang="de"' in html
    assert "Ihre Anfragen verfolgen" in html and "Anmeldelink per E-Mail senden" in html
    assert "Wie können wir helfen?" in form.content.decode() and "Anfrage senden" in form.content.decode()
    assert sign_in["Content-Language"] == "de" and "Accept-Language" in sign_in["Vary"]


def test_an_english_or_unknown_language_gets_english(db):
    # when
    english = Client().get("/portal/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8").content.decode()
    klingon = Client().get("/portal/", HTTP_ACCEPT_LANGUAGE="tlh").content.decode()
    # then
    assert "Follow your requests" in english and "Follow your requests" in klingon
    assert '<html lang="en"' in klingon


def test_messages_from_the_services_are_translated_too(customer):
    # given
    client = Client()
    html = client.get("/portal/new").content.decode()
    found = re.search(r'name="form_token" value="([^"]+)"', html)
    assert found is not None
    token = found.group(1)
    # when
    with time_machine.travel(now() + timedelta(minutes=1)):
        response = client.post(
            "/portal/new",
            {"form_token": token, "name": "", "email": "nope", "subject": "", "body": ""},
            HTTP_ACCEPT_LANGUAGE="de",
        )
    # then
    html = response.content.decode()
    assert response.status_code == 422
    assert "Einige Felder brauchen Ihre Aufmerksamkeit." in html and "Beschreiben Sie, was passiert ist." in html


def test_the_workspace_navigation_is_german_for_a_german_agent_browser(agent):
    # given
    client = Client()
    client.force_login(agent)
    # when
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    # then
    assert "Meine offenen Tickets" in html and "Nicht zugewiesen" in html and "Abmelden" in html
