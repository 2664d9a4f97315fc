"""Optional portal passwords: off until an admin allows them; set by the signed-in customer."""

from __future__ import annotations

import pytest
from django.test import Client

from helpline.audit.models import Event
from helpline.configuration.services import branding_update
from helpline.customers.models import Customer
from helpline.customers.services import customer_password_set
from helpline.portal.session import SESSION_KEY

pytestmark = pytest.mark.django_db

PASSWORD = "purple elephant 7"


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def passwords_on(admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        branding_update(actor=admin, company_name="", portal_passwords=True)


def _signed_in(customer: Customer) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = customer.pk
    session.save()
    return client


def test_without_the_admins_switch_there_is_no_password_anywhere(customer):
    # given
    customer_password_set(actor=None, customer=customer, password=PASSWORD)
    # when
    page = Client().get("/portal/").content.decode()
    attempt = Client().post("/portal/sign-in/password", {"email": "carla@example.com", "password": PASSWORD})
    # then
    assert 'name="password"' not in page
    assert attempt.status_code == 404
    assert _signed_in(customer).get("/portal/password").status_code == 404


def test_a_customer_chooses_a_password_and_signs_in_with_it(customer, passwords_on):
    # given
    client = _signed_in(customer)
    # when
    saved = client.post("/portal/password", {"password": PASSWORD, "repeated": PASSWORD})
    browser = Client()
    page = browser.get("/portal/").content.decode()
    signed_in = browser.post("/portal/sign-in/password", {"email": "Carla@Example.com", "password": PASSWORD})
    # then
    assert saved.status_code == 302
    assert "Or sign in with your password" in page
    assert signed_in.status_code == 302 and signed_in["Location"] == "/portal/"
    assert browser.session[SESSION_KEY] == customer.pk
    assert "_auth_user_id" not in browser.session
    assert Event.objects.filter(kind="portal.signed_in", actor_customer=customer, after={"by": "password"}).count() == 1


def test_two_different_passwords_are_refused(customer, passwords_on):
    # when
    response = _signed_in(customer).post("/portal/password", {"password": PASSWORD, "repeated": PASSWORD + "!"})
    # then
    assert response.status_code == 422 and "The two passwords are not the same." in response.content.decode()
    customer.refresh_from_db()
    assert customer.password == ""


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(customer, passwords_on):
    # given
    customer_password_set(actor=None, customer=customer, password=PASSWORD)
    # when
    wrong = Client().post("/portal/sign-in/password", {"email": "carla@example.com", "password": "nope"})
    unknown = Client().post("/portal/sign-in/password", {"email": "who@example.com", "password": PASSWORD})
    # then
    assert wrong.status_code == unknown.status_code == 422
    message = "That e-mail address and password do not match."
    assert message in wrong.content.decode() and message in unknown.content.decode()


def test_failed_attempts_are_limited_and_then_even_the_right_password_waits(customer, passwords_on, settings):
    # given
    settings.HELPLINE_LOGIN_RATE_LIMIT = "3/900"
    customer_password_set(actor=None, customer=customer, password=PASSWORD)
    browser = Client()
    # when
    answers = [
        browser.post("/portal/sign-in/password", {"email": "carla@example.com", "password": f"guess {n}"}).status_code
        for n in range(3)
    ]
    right = browser.post("/portal/sign-in/password", {"email": "carla@example.com", "password": PASSWORD})
    # then
    assert answers == [422, 422, 429]
    assert right.status_code == 429 and "Too many failed sign-in attempts." in right.content.decode()
    assert SESSION_KEY not in browser.session


def test_a_customer_removes_their_password(customer, passwords_on):
    # given
    customer_password_set(actor=None, customer=customer, password=PASSWORD)
    # when
    _signed_in(customer).post("/portal/password", {"remove": "1"})
    # then
    customer.refresh_from_db()
    assert customer.password == ""
