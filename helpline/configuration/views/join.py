"""An invited agent chooses their password (the link in the invitation mail)."""

from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from helpline.accounts.models import Agent


@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    agent = _agent(uidb64)
    if agent is None or not agent.is_active or not default_token_generator.check_token(agent, token):
        return render(request, "configuration/join.html", {"invalid": True}, status=400)
    form = SetPasswordForm(agent, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()  # a new password: the link stops working (the token hashes the password)
        login(request, agent, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("workspace:inbox")
    status = 422 if request.method == "POST" else 200
    return render(request, "configuration/join.html", {"form": form, "agent": agent}, status=status)


def _agent(uidb64: str) -> Agent | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    return Agent.objects.filter(pk=pk).first()
