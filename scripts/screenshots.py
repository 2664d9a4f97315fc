"""Regenerate docs/screenshots/*.png: a fresh SQLite database with the demo data and one showcase
ticket, Helpline served by uvicorn, pages captured by Debian's chromium through Playwright.

    ./scripts/screenshots            # all of them
    ./scripts/screenshots --keep     # keep the temporary data folder (printed) to look around

Never downloads a browser: it uses $HELPLINE_CHROMIUM (default /usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib
from datetime import timedelta
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PASSWORD = "screenshots-only-1"  # noqa: S105 - a throwaway database
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--font-render-hinting=none",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folder")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="helpline-screenshots-"))
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "HELPLINE_DATA_DIR": str(data),
        "DJANGO_SETTINGS_MODULE": "helpline.settings",
        "HELPLINE_LOG_LEVEL": "WARNING",
    }
    python = sys.executable
    try:
        subprocess.run([python, "-m", "helpline", "migrate", "-v0"], env=env, check=True, cwd=ROOT)  # noqa: S603
        _seed(env)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(  # noqa: S603
            [python, "-m", "uvicorn", "helpline.asgi:application", "--host", "127.0.0.1", "--port", str(port)],
            env={**env, "HELPLINE_SITE_URL": base},
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait(f"{base}/login/")
            _capture(base, env)
        finally:
            server.terminate()
            server.wait(timeout=15)
    finally:
        if args.keep:
            print(f"data kept in {data}")
        else:
            shutil.rmtree(data, ignore_errors=True)


def _seed(env: dict[str, str]) -> None:
    """Runs the seeding in a child interpreter with the screenshot database's settings."""
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); import scripts.screenshots as s; s.seed()"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=ROOT)  # noqa: S603


def seed() -> None:
    """The demo data, plus a showcase ticket whose thread has every kind of entry."""
    import django
    import time_machine

    django.setup()
    from helpline.accounts.models import Agent, Team
    from helpline.accounts.services import agent_update
    from helpline.core.clock import now
    from helpline.customers.services import customer_create, organization_create
    from helpline.demo.generator import demo_load
    from helpline.tickets.models import Category
    from helpline.tickets.services import (
        attachment_upload,
        customer_message_add,
        note_add,
        reply_add,
        ticket_create,
        ticket_update,
    )

    demo_load(tickets=240, seed=7, password=PASSWORD)
    admin = Agent.objects.filter(role=Agent.Role.ADMIN).order_by("id").first()
    team = Team.objects.filter(is_private=False).order_by("id").first()
    colleague = team.members.exclude(pk=admin.pk).exclude(role=Agent.Role.COLLABORATOR).first()
    org = organization_create(actor=None, name="Coral Engineering GmbH", domains=["coral.example"], tier="Enterprise")
    maya = customer_create(
        actor=None,
        name="Maya Lambert",
        emails=["maya.lambert@coral.example"],
        phones=["+4930123456"],
        organization=org,
        tier="enterprise",
        notes="Finance lead. Prefers e-mail over phone.",
    )
    category = Category.objects.filter(is_active=True).order_by("path").first()
    agent_update(actor=admin, agent=admin, changes={"availability": "online"})
    started = now() - timedelta(hours=3)

    def at(minutes: int) -> time_machine.travel:
        return time_machine.travel(started + timedelta(minutes=minutes), tick=False)

    with at(0):
        screenshot = attachment_upload(
            actor=None, content=BytesIO(_png()), filename="export-error.png", content_type="image/png"
        )
        ticket = ticket_create(
            actor=None,
            requester=maya,
            subject="Invoice export stops at 500 rows",
            channel="email",
            body_html="<p>Hello,</p><p>since yesterday the <b>CSV export</b> of our invoices stops after 500 rows. "
            "We need the full list for the quarterly close on Friday.</p>"
            '<p>Screenshot attached.</p><p><img src="https://tracker.example/open.gif" alt="[tracking pixel]"></p>'
            "<p>Best regards,<br>Maya</p>",
            team=team,
            category=category,
            priority="high",
            tags=["export", "enterprise"],
            attachment_ids=[screenshot.pk],
        )
    with at(9):
        ticket_update(actor=admin, ticket=ticket.pk, changes={"assignee": admin})
    with at(12):
        note_add(
            actor=admin,
            ticket=ticket.pk,
            body_text=f"@{colleague.name} this looks like the paging limit from last week's release. Can you confirm?",
            mention_ids=[colleague.pk],
        )
    with at(71):
        note_add(
            actor=colleague, ticket=ticket.pk, body_text="Confirmed: the export ignores the page cursor. Fix is out."
        )
    with at(84):
        reply_add(
            actor=admin,
            ticket=ticket.pk,
            body_text="Hi Maya,\n\nthanks for the screenshot: we found the cause and deployed a fix. "
            "Could you run the export again?\n\nBest,\n" + admin.name,
            status="pending",
        )
    with at(152):
        customer_message_add(
            actor=None,
            ticket=ticket.pk,
            author=maya,
            channel="email",
            body_text="All 2,314 rows are there now. Thank you!",
        )
    Path(os.environ["HELPLINE_DATA_DIR"], "showcase").write_text(f"{ticket.number} {admin.email} {maya.pk}")


def _capture(base: str, env: dict[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    number, admin_email, maya_id = Path(env["HELPLINE_DATA_DIR"], "showcase").read_text().split()
    chromium = os.environ.get("HELPLINE_CHROMIUM", "/usr/bin/chromium")
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        desk = browser.new_context(viewport={"width": 1440, "height": 900}, device_scale_factor=1)
        page = desk.new_page()
        page.goto(f"{base}/login/")
        page.fill("#id_username", admin_email)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        _shot(page, f"{base}/views/all", "inbox.png", ready="body[data-live=on]")
        page.set_viewport_size({"width": 1440, "height": 1180})
        _shot(page, f"{base}/tickets/{number}", "ticket.png", ready="body[data-live=on]")
        phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
        phone.add_cookies(desk.cookies())
        _shot(phone.new_page(), f"{base}/views/all", "inbox-phone.png", ready="body[data-live=on]")
        visitor = browser.new_context(viewport={"width": 1280, "height": 920})
        _shot(visitor.new_page(), f"{base}/portal/new", "web-form.png")
        customer = browser.new_context(viewport={"width": 1280, "height": 1000})
        customer_page = customer.new_page()
        _portal_sign_in(customer_page, base, env, int(maya_id))
        _shot(customer_page, f"{base}/portal/requests/{number}", "portal.png", full=True)
        browser.close()


def _portal_sign_in(page: object, base: str, env: dict[str, str], customer_id: int) -> None:
    """Sign the customer in with a one-time link, as the mail would carry it."""
    page.goto(f"{base}/portal/")  # type: ignore[attr-defined]
    page.fill("#email", "maya.lambert@coral.example")  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector("text=Check your e-mail")  # type: ignore[attr-defined]
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); import django; django.setup();"
        "from helpline.outbox.models import OutboxMessage as O; import re;"
        "m = O.objects.filter(kind='email').latest('id');"
        "print(re.search(r'/portal/sign-in/\\S+', m.payload['text']).group(0))"
    )
    path = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    page.goto(base + path)  # type: ignore[attr-defined]
    page.click("[data-sign-in]")  # type: ignore[attr-defined]
    page.wait_for_url(f"{base}/portal/")  # type: ignore[attr-defined]


def _shot(page: object, url: str, name: str, ready: str = "body", full: bool = False) -> None:
    page.goto(url)  # type: ignore[attr-defined]
    page.wait_for_selector(ready)  # type: ignore[attr-defined]
    page.wait_for_timeout(400)  # type: ignore[attr-defined]
    page.evaluate("document.fonts.ready")  # type: ignore[attr-defined]
    page.screenshot(path=str(OUT / name), full_page=full)  # type: ignore[attr-defined]
    print(f"wrote docs/screenshots/{name}")


def _png(width: int = 480, height: int = 300) -> bytes:
    """A small, plain PNG (a mock error dialog) made without any imaging library."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            if y < 36:
                pixel = (79, 70, 229)
            elif 120 <= y < 150 and 40 <= x < 440:
                pixel = (254, 228, 226)
            else:
                pixel = (249, 250, 251)
            row.extend(pixel)
        rows.append(bytes(row))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer {url}")


if __name__ == "__main__":
    main()
