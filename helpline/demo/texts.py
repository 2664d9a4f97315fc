"""Subjects and message bodies of varied length, stitched together from phrases.py."""

from __future__ import annotations

import random

from helpline.demo import phrases
from helpline.demo.phrases import Topic

QUOTE_LIMIT = 600


def _fill(rng: random.Random, text: str, **names: str) -> str:
    if "{" not in text:
        return text
    return text.format(n=rng.randint(10000, 99999), month=rng.choice(phrases.MONTHS), **names)


def subject(rng: random.Random, topic: Topic) -> str:
    return _fill(rng, rng.choice(topic["subjects"]))


def first_message(rng: random.Random, topic: Topic, customer: str) -> str:
    """The requester's opening message: the problem, some context, sometimes a log excerpt."""
    parts = [_fill(rng, rng.choice(phrases.GREETINGS[:6])), "", _fill(rng, rng.choice(topic["problems"]))]
    for sentence in rng.sample(phrases.CONTEXT, rng.choices((0, 1, 2, 3), (15, 40, 30, 15))[0]):
        parts.append(_fill(rng, sentence))
    if rng.random() < 0.06:
        parts += ["", "This is what the log says:", *rng.sample(phrases.LOG_LINES, rng.randint(2, 4))]
    parts += ["", rng.choice(phrases.SIGN_OFFS), customer]
    return "\n".join(parts)


def customer_follow_up(rng: random.Random, customer: str, agent: str, quoted: str) -> str:
    parts = [
        _fill(rng, rng.choice(phrases.GREETINGS), agent=agent.split()[0] if agent else "there"),
        "",
        rng.choice(phrases.FOLLOW_UPS),
    ]
    if rng.random() < 0.5:
        parts.append(_fill(rng, rng.choice(phrases.CUSTOMER_DETAILS)))
    parts += ["", rng.choice(phrases.SIGN_OFFS), customer]
    return _with_quote("\n".join(parts), quoted, rng)


def agent_reply(rng: random.Random, topic: Topic, customer: str, agent: str, team: str, quoted: str) -> str:
    parts = [f"Hi {customer.split()[0]},", "", rng.choice(phrases.AGENT_OPENERS)]
    parts.append(rng.choice(topic["answers"]) if rng.random() < 0.75 else rng.choice(phrases.AGENT_ANSWERS))
    if rng.random() < 0.3:
        parts.append(rng.choice(phrases.AGENT_ANSWERS))
    parts += [rng.choice(phrases.AGENT_CLOSERS), "", rng.choice(phrases.SIGN_OFFS), agent, f"{team} team"]
    return _with_quote("\n".join(parts), quoted, rng)


def internal_note(rng: random.Random) -> str:
    count = rng.choices((1, 2), (75, 25))[0]
    return " ".join(_fill(rng, note) for note in rng.sample(phrases.NOTES, count))


def system_entry(rng: random.Random, agent: str, team: str) -> str:
    return _fill(rng, rng.choice(phrases.SYSTEM_ENTRIES), agent=agent or "the team", team=team)


def _with_quote(body: str, quoted: str, rng: random.Random) -> str:
    """Mail clients quote the previous message about a third of the time."""
    if not quoted or rng.random() > 0.35:
        return body
    lines, size = [], 0
    for line in quoted.splitlines():
        size += len(line) + 1
        if size > QUOTE_LIMIT:
            break
        lines.append(line)
    return body + "\n\n> " + "\n> ".join(lines)
