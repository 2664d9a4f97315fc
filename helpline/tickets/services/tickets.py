"""Creating and changing tickets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from helpline.accounts.models import Agent, Team
from helpline.accounts.permissions import Actor, can_edit_ticket, can_manage, is_agent
from helpline.audit.services import event_record
from helpline.core.clock import now
from helpline.core.customfields import custom_fields_validate
from helpline.core.errors import InvalidInput, NotFound, PermissionDenied
from helpline.core.prepared import insert_row
from helpline.core.sequences import sequence_next
from helpline.customers.models import Customer
from helpline.outbox.services import outbox_enqueue
from helpline.tickets.models import Category, Disposition, Message, Priority, Status, Tag, Ticket
from helpline.tickets.services._common import change_events, publish, status_columns, ticket_lock, ticket_write
from helpline.tickets.transitions import transition_check

# Fields that ticket_update accepts, each with the columns it changes.
UPDATABLE = ("subject", "status", "priority", "category", "team", "assignee", "custom_fields")


def ticket_create(
    *,
    actor: Actor | None,
    requester: Customer,
    subject: str,
    channel: str,
    body_text: str = "",
    body_html: str = "",
    priority: str = Priority.MEDIUM,
    status: str = Status.NEW,
    team: Team | None = None,
    assignee: Agent | None = None,
    category: Category | None = None,
    tags: Iterable[str] = (),
    custom_fields: dict[str, Any] | None = None,
    ccs: Sequence[Customer] = (),
    attachment_ids: Sequence[int] = (),
    message_metadata: dict[str, Any] | None = None,
    message_id: str = "",
    in_reply_to: str = "",
    references: str = "",
    follow_up_of: Ticket | None = None,
    public_fields_only: bool = False,
) -> Ticket:
    """Open a ticket with the requester's first message.

    `actor` is the agent who opened it on the requester's behalf, the requester themself (portal,
    customer token) or None (a channel: mail, web form). Writes the ticket, its first message, its
    tags, CCs and attachments and their events in one transaction; tells live screens on commit and
    queues an "assigned to you" notification when an assignee is given.
    """
    from helpline.tickets.services.messages import attachments_bind

    if isinstance(actor, Agent) and not actor.may_reply:
        raise PermissionDenied("Collaborators cannot open tickets.")
    if isinstance(actor, Customer) and actor.pk != requester.pk:
        raise PermissionDenied("A customer opens tickets for themself only.")
    subject = _subject_clean(subject)
    from helpline.tickets.services.messages import MAX_BODY_CHARS, html_for_channel

    if len(body_text) > MAX_BODY_CHARS or len(body_html) > MAX_BODY_CHARS:
        raise InvalidInput(f"A message body may hold at most {MAX_BODY_CHARS} characters.")
    if priority not in Priority.values:
        raise InvalidInput(f"'{priority}' is not a priority.")
    if status != Status.NEW:
        transition_check(Status.NEW, status)
    if requester.merged_into_id:
        requester = Customer.objects.get(pk=requester.merged_into_id)
    if assignee is not None:
        _assignee_check(assignee, team)
        if status == Status.NEW:
            status = Status.OPEN
    fields = custom_fields_validate(target="ticket", values=custom_fields or {}, public_only=public_fields_only)
    clean_html = html_for_channel(body_html, channel)
    stamp = now()
    with transaction.atomic():
        ticket = insert_row(
            Ticket(
                number=sequence_next("ticket", start=settings.HELPLINE_TICKET_NUMBER_START),
                subject=subject,
                requester=requester,
                channel=channel,
                status=status,
                priority=priority,
                team=team,
                assignee=assignee,
                category=category,
                custom_fields=fields,
                follow_up_of=follow_up_of,
                created_at=stamp,
                updated_at=stamp,
                last_customer_message_at=stamp,
                solved_at=stamp if status == Status.SOLVED else None,
            )
        )
        tag_rows = tags_ensure(tags)
        if tag_rows:
            ticket.tags.set(tag_rows)
        if ccs:
            ticket.ccs.set([c for c in ccs if c.pk != requester.pk])
        metadata = dict(message_metadata or {})
        if isinstance(actor, Agent):
            metadata["entered_by_agent"] = actor.pk
        message = insert_row(
            Message(
                ticket=ticket,
                kind=Message.Kind.CUSTOMER,
                author_customer=requester,
                channel=channel,
                body_text=_text(body_text, clean_html),
                body_html=clean_html,
                message_id=message_id,
                in_reply_to=in_reply_to,
                references=references,
                metadata=metadata,
                created_at=stamp,
            )
        )
        attachments_bind(actor=actor, message=message, attachment_ids=attachment_ids)
        event_record(
            actor=actor,
            ticket=ticket,
            kind="ticket.created",
            message=message,
            after={
                "subject": subject,
                "status": status,
                "priority": priority,
                "channel": channel,
                "requester": requester.pk,
                "team": team.pk if team else None,
                "assignee": assignee.pk if assignee else None,
                "category": category.pk if category else None,
                "tags": [t.name for t in tag_rows],
                "follow_up_of": follow_up_of.number if follow_up_of else None,
            },
        )
        if assignee is not None and assignee != actor:
            _notify_assigned(ticket, assignee)
        publish(ticket, "ticket.created")
    ticket._opening_message = message  # type: ignore[attr-defined]  # for ticket_opening_message
    return ticket


def ticket_opening_message(ticket: Ticket) -> Message:
    """The requester's first message of a ticket: the one ticket_create wrote (no query), else read."""
    written = ticket.__dict__.get("_opening_message")
    if written is not None:
        return written
    return ticket.messages.order_by("created_at", "id")[:1].get()


def ticket_update(
    *, actor: Actor | None, ticket: Ticket | int, changes: dict[str, Any], version: int | None = None
) -> Ticket:
    """Change a ticket's properties; `changes` may hold subject, status, priority, category, team,
    assignee, custom_fields (merged; None removes a field), tags (the whole set), add_tags,
    remove_tags, ccs (customers) and followers (agents).

    Checks permission, the transition table and the version first; then writes only the changed
    columns with a version bump and one event per changed field; schedules live updates and an
    "assigned to you" notification on commit.
    """
    unknown = set(changes) - {*UPDATABLE, "tags", "add_tags", "remove_tags", "ccs", "followers"}
    if unknown:
        raise InvalidInput(f"Unknown ticket field(s): {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        locked = ticket_lock(ticket=ticket, actor=actor, version=version)
        if actor is not None and not can_edit_ticket(actor, locked):
            raise PermissionDenied("You may not change this ticket.")
        if locked.disposition != Disposition.ACTIVE and set(changes) & set(UPDATABLE):
            raise InvalidInput(f"Ticket #{locked.number} is in {locked.disposition}: restore it first.")
        before = {name: getattr(locked, name) for name in UPDATABLE}
        after = _changes_resolve(locked, changes)
        columns = {k: v for k, v in after.items() if before[k] != v}
        if "status" in columns:
            columns.update(status_columns(locked, columns["status"], now()))
        if columns:
            ticket_write(locked, columns)
            change_events(actor=actor, ticket=locked, before=before, after={k: after[k] for k in after})
        if _relations_update(actor, locked, changes) and not columns:
            ticket_write(locked, {})
        new_assignee = columns.get("assignee")
        if new_assignee is not None and new_assignee != actor:
            _notify_assigned(locked, new_assignee)
        if columns or {"tags", "add_tags", "remove_tags", "ccs", "followers"} & set(changes):
            publish(locked, "ticket.updated", {"fields": sorted(set(columns) | (set(changes) - set(UPDATABLE)))})
    return locked


def ticket_assign(
    *,
    actor: Actor | None,
    ticket: Ticket | int,
    assignee: Agent | None,
    team: Team | None = None,
    version: int | None = None,
) -> Ticket:
    """Give the ticket to an agent (and optionally a team); None unassigns. See ticket_update."""
    changes: dict[str, Any] = {"assignee": assignee}
    if team is not None:
        changes["team"] = team
    return ticket_update(actor=actor, ticket=ticket, changes=changes, version=version)


def ticket_merge(*, actor: Actor | None, source: Ticket | int, target: Ticket | int) -> Ticket:
    """Merge a duplicate into another ticket and return the target.

    The source's messages move into the target's thread (they keep their times), its requester and
    CCs become CCs of the target, its tags join the target's; the source is closed with
    `merged_into` set. A system entry on both tickets and events record it.
    """
    if actor is not None and not is_agent(actor):
        raise PermissionDenied("Only agents merge tickets.")
    with transaction.atomic():
        src_pk = source if isinstance(source, int) else source.pk
        dst_pk = target if isinstance(target, int) else target.pk
        # Lock in id order so two opposite merges cannot deadlock.
        first, second = sorted([src_pk, dst_pk])
        locked = {pk: ticket_lock(ticket=pk, actor=actor) for pk in (first, second)}
        src, dst = locked[src_pk], locked[dst_pk]
        if src.pk == dst.pk:
            raise InvalidInput("A ticket cannot be merged into itself.")
        for t in (src, dst):
            if actor is not None and not can_edit_ticket(actor, t):
                raise PermissionDenied(f"You may not change ticket #{t.number}.")
        if src.disposition != Disposition.ACTIVE:
            raise InvalidInput(f"Ticket #{src.number} is in {src.disposition}: restore it before merging.")
        if src.merged_into_id or dst.merged_into_id:
            raise InvalidInput("A ticket that was merged already cannot take part in another merge.")
        if dst.status == Status.CLOSED or dst.disposition != Disposition.ACTIVE:
            raise InvalidInput(f"Ticket #{dst.number} is closed or deleted: choose an open ticket.")
        Message.objects.filter(ticket=src).update(ticket=dst)
        cc_ids = {src.requester_id, *src.ccs.values_list("id", flat=True)} - {dst.requester_id}
        dst.ccs.add(*cc_ids)
        dst.tags.add(*src.tags.all())
        dst.followers.add(*src.followers.all())
        stamp = now()
        before_status = src.status
        ticket_write(
            src, {"status": Status.CLOSED, "merged_into": dst, "closed_at": stamp, "solved_at": src.solved_at or stamp}
        )
        ticket_write(dst, {})
        for t, text in ((src, f"Merged into #{dst.number}."), (dst, f"Ticket #{src.number} was merged into this one.")):
            insert_row(
                Message(
                    ticket=t,
                    kind=Message.Kind.SYSTEM,
                    channel=t.channel,
                    body_text=text,
                    author_agent=actor if isinstance(actor, Agent) else None,
                )
            )
        event_record(
            actor=actor,
            ticket=src,
            kind="ticket.merged",
            before={"status": before_status},
            after={"status": Status.CLOSED, "merged_into": dst.number},
        )
        event_record(actor=actor, ticket=dst, kind="ticket.merge_received", after={"merged_from": src.number})
        publish(src, "ticket.updated", {"fields": ["status", "merged_into"]})
        publish(dst, "ticket.updated", {"fields": ["messages"]})
    return dst


def ticket_disposition_set(*, actor: Actor | None, ticket: Ticket | int, disposition: str) -> Ticket:
    """Move a ticket to spam or trash, or restore it (`active`). Agents only; events record it."""
    if disposition not in Disposition.values:
        raise InvalidInput(f"'{disposition}' is not one of {', '.join(Disposition.values)}.")
    with transaction.atomic():
        locked = ticket_lock(ticket=ticket, actor=actor)
        if actor is not None and not can_edit_ticket(actor, locked):
            raise PermissionDenied("You may not change this ticket.")
        before = locked.disposition
        if before == disposition:
            return locked
        ticket_write(locked, {"disposition": disposition, "disposition_at": now()})
        kind = "ticket.restored" if disposition == Disposition.ACTIVE else f"ticket.{disposition}"
        event_record(
            actor=actor, ticket=locked, kind=kind, before={"disposition": before}, after={"disposition": disposition}
        )
        publish(locked, "ticket.updated", {"fields": ["disposition"]})
    return locked


def ticket_spam(*, actor: Actor | None, ticket: Ticket | int) -> Ticket:
    return ticket_disposition_set(actor=actor, ticket=ticket, disposition=Disposition.SPAM)


def ticket_trash(*, actor: Actor | None, ticket: Ticket | int) -> Ticket:
    return ticket_disposition_set(actor=actor, ticket=ticket, disposition=Disposition.TRASH)


def ticket_restore(*, actor: Actor | None, ticket: Ticket | int) -> Ticket:
    return ticket_disposition_set(actor=actor, ticket=ticket, disposition=Disposition.ACTIVE)


def ticket_purge(*, actor: Actor | None, ticket: Ticket | int) -> int:
    """Delete a spam or trashed ticket for good (admins only) and return its number.

    Its messages and attachments go with it; the event log keeps every event with the number, and a
    `ticket.purged` event says who purged it.
    """
    if actor is not None and not can_manage(actor):
        raise PermissionDenied("Only admins purge tickets.")
    with transaction.atomic():
        locked = ticket_lock(ticket=ticket, actor=actor)
        if locked.disposition == Disposition.ACTIVE:
            raise InvalidInput("Only tickets in spam or trash can be purged: move it there first.")
        number = locked.number
        event_record(
            actor=actor,
            ticket=None,
            entity="ticket",
            entity_id=locked.pk,
            kind="ticket.purged",
            ticket_number=number,
            before={"number": number, "subject": locked.subject, "disposition": locked.disposition},
        )
        from helpline.audit.models import Event

        Event.objects.filter(ticket=locked).update(ticket=None)
        locked.delete()
    return number


def tickets_close_solved(*, older_than: timedelta | None = None, limit: int = 500) -> int:
    """Close tickets solved longer ago than HELPLINE_AUTO_CLOSE_DAYS; returns how many were closed.

    Each ticket is closed in its own transaction with a version check, so an agent reopening it at
    the same moment wins and nothing is lost.
    """
    from helpline.core.errors import StaleVersion

    cutoff = now() - (older_than or timedelta(days=settings.HELPLINE_AUTO_CLOSE_DAYS))
    due = list(
        Ticket.objects.filter(status=Status.SOLVED, solved_at__lte=cutoff, disposition=Disposition.ACTIVE).values_list(
            "pk", "version"
        )[:limit]
    )
    closed = 0
    for pk, version in due:
        try:
            ticket_update(actor=None, ticket=pk, changes={"status": Status.CLOSED}, version=version)
            closed += 1
        except (StaleVersion, NotFound, InvalidInput):
            continue
    return closed


def tags_ensure(names: Iterable[str]) -> list[Tag]:
    """The tags with these names, created when missing (names are lower-cased, spaces → dashes)."""
    clean = []
    for name in names:
        if not isinstance(name, str):
            raise InvalidInput("Tags are strings.")
        slug = "-".join(name.strip().lower().split())
        if not slug or len(slug) > 64:
            raise InvalidInput(f"'{name}' is not a valid tag (1 to 64 characters).")
        clean.append(slug)
    if not clean:
        return []
    existing = {t.name: t for t in Tag.objects.filter(name__in=clean)}
    missing = [Tag(name=n) for n in dict.fromkeys(clean) if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=clean)}
    return [existing[n] for n in dict.fromkeys(clean)]


# --- helpers ------------------------------------------------------------------------------------


def _subject_clean(subject: str) -> str:
    subject = " ".join((subject or "").split())
    if not subject:
        raise InvalidInput("A ticket needs a subject.", errors=[{"field": "subject", "message": "required"}])
    return subject[:500]


def _text(body_text: str, clean_html: str) -> str:
    from helpline.core.html import html_to_text

    return body_text or (html_to_text(clean_html) if clean_html else "")


def _assignee_check(assignee: Agent, team: Team | None) -> None:
    if not assignee.is_active:
        raise InvalidInput(f"{assignee.name} is not an active agent.")
    if assignee.role == Agent.Role.COLLABORATOR:
        raise InvalidInput(f"{assignee.name} is a collaborator and cannot own tickets.")
    if team is not None and not assignee.is_admin and not team.memberships.filter(agent=assignee).exists():
        raise InvalidInput(f"{assignee.name} is not a member of team {team.name}.")


def _changes_resolve(ticket: Ticket, changes: dict[str, Any]) -> dict[str, Any]:
    """The value every updatable field will have after the change, validated."""
    after = {name: getattr(ticket, name) for name in UPDATABLE}
    for name in UPDATABLE:
        if name in changes:
            after[name] = changes[name]
    if "subject" in changes:
        after["subject"] = _subject_clean(changes["subject"])
    if after["priority"] not in Priority.values:
        raise InvalidInput(f"'{after['priority']}' is not a priority.")
    if "custom_fields" in changes:
        after["custom_fields"] = custom_fields_validate(
            target="ticket", values=changes["custom_fields"] or {}, current=ticket.custom_fields
        )
    if after["assignee"] is not None and (after["assignee"] != ticket.assignee or after["team"] != ticket.team):
        _assignee_check(after["assignee"], after["team"])
        if after["status"] == Status.NEW and "status" not in changes:
            after["status"] = Status.OPEN
    if after["status"] != ticket.status:
        transition_check(ticket.status, after["status"])
    return after


def _relations_update(actor: Actor | None, ticket: Ticket, changes: dict[str, Any]) -> bool:
    """Change tags, CCs and followers; True when anything changed."""
    changed = False
    if "tags" in changes or "add_tags" in changes or "remove_tags" in changes:
        before = sorted(ticket.tags.values_list("name", flat=True))
        names = set(before if "tags" not in changes else [t.name for t in tags_ensure(changes["tags"] or [])])
        names |= {t.name for t in tags_ensure(changes.get("add_tags") or [])}
        names -= {"-".join(n.strip().lower().split()) for n in changes.get("remove_tags") or []}
        after = sorted(names)
        if after != before:
            ticket.tags.set(tags_ensure(after))
            changed = True
            event_record(
                actor=actor, ticket=ticket, kind="ticket.tags_changed", before={"tags": before}, after={"tags": after}
            )
    for name, relation in (("ccs", ticket.ccs), ("followers", ticket.followers)):
        if name in changes:
            before_ids = sorted(relation.values_list("id", flat=True))
            after_ids = sorted(
                {obj.pk for obj in changes[name] or []} - ({ticket.requester_id} if name == "ccs" else set())
            )
            if before_ids != after_ids:
                relation.set(after_ids)
                changed = True
                event_record(
                    actor=actor,
                    ticket=ticket,
                    kind=f"ticket.{name}_changed",
                    before={name: before_ids},
                    after={name: after_ids},
                )
    return changed


def _notify_assigned(ticket: Ticket, assignee: Agent) -> None:
    outbox_enqueue(
        kind="notification",
        ticket=ticket,
        payload={
            "agent_id": assignee.pk,
            "event": "ticket.assigned",
            "number": ticket.number,
            "subject": ticket.subject,
        },
    )
