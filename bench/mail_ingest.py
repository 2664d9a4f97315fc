"""Ingest generated mail through the email pipeline with one worker and report messages/s and memory.

    python bench/mail_ingest.py [--messages 10000] [--seed 1] [--reply-share 0.5] [--attachment-share 0.1]
                                [--batch N] [--profile FILE]

Every message goes through `mail_receive` (raw stored and fsynced, row committed) and then
`mail_process` (parse, thread, customer, ticket or message, files, acknowledgement in the outbox),
one after the other in this process, as `helpline mail ingest` and the SMTP receiver do. With
`--batch N`, N messages are received together (`mail_receive_many`, one transaction) and then
processed one by one, as the IMAP poller does with what one FETCH brings (up to 25). Half the
messages open tickets; the other half are customers' replies to earlier ones (In-Reply-To,
References, quoted text), so threading does its database work. Bodies are 0.3-8 KB of text, 40 %
with an HTML part, 10 % with a 20-200 KB attachment. Generating a message is not timed.

Use a database of its own: HELPLINE_DATA_DIR=/tmp/hl-mailbench (SQLite), or additionally
DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpline_mailbench. The script migrates it.
Prints a table and writes bench/results/mail-ingest-<timestamp>.json. Besides messages/s (wall
time) it reports the CPU milliseconds per message spent receiving and processing, which moves far
less than wall time when other work shares the machine; compare that between runs.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")
os.environ.setdefault("HELPLINE_LOG_LEVEL", "WARNING")
TARGET_PER_SECOND = 100

WORDS = (
    "invoice printer password login account refund order delivery screen laptop error update "
    "please thanks urgent yesterday again still broken working customer contract billing since "
    "morning office network slow crash message attached file version server meeting monday"
).split()


def rss_kib(field: str = "VmRSS") -> int:
    """The process's resident memory now (kB), from /proc; 0 where there is no /proc.

    `RssAnon` is the process's own heap; `RssFile` counts file pages mapped in, such as SQLite's
    memory-mapped database (mmap_size), which grows with the file and is not the process's to free.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def peak_rss_kib() -> int:
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def text_of(rng: random.Random, size: int) -> str:
    words: list[str] = []
    length = 0
    while length < size:
        word = rng.choice(WORDS)
        words.append(word)
        length += len(word) + 1
    lines = [" ".join(words[i : i + 12]) for i in range(0, len(words), 12)]
    return "Hello,\n\n" + "\n".join(lines) + "\n\nBest regards\n"


def messages(count: int, *, seed: int, reply_share: float, attachment_share: float) -> Iterator[bytes]:
    """The messages, generated one at a time (memory stays flat), deterministic for a seed."""
    rng = random.Random(seed)
    senders = [f"customer{n}@bench{n % 50}.example" for n in range(max(10, count // 4))]
    sent: list[tuple[str, str, str]] = []  # (sender, message id, subject) of earlier mails
    run = f"{seed}-{int(time.time())}"
    for n in range(count):
        message = EmailMessage()
        message_id = f"bench-{run}-{n}@client.example"
        if sent and rng.random() < reply_share:
            sender, parent, subject = rng.choice(sent)
            message["In-Reply-To"] = f"<{parent}>"
            message["References"] = f"<{parent}>"
            subject = subject if subject.startswith("Re: ") else f"Re: {subject}"
            body = (
                text_of(rng, rng.randint(300, 3000))
                + "\nOn Monday you wrote:\n> "
                + "\n> ".join(text_of(rng, 600).splitlines())
            )
        else:
            sender = rng.choice(senders)
            subject = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8))).capitalize()
            body = text_of(rng, rng.randint(300, 8000))
        sent.append((sender, message_id, subject))
        if len(sent) > 5000:
            sent = sent[-5000:]
        message["From"] = f"Customer {sender.split('@')[0]} <{sender}>"
        message["To"] = "support@bench.example"
        message["Subject"] = subject
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = f"<{message_id}>"
        message.set_content(body)
        if rng.random() < 0.4:
            message.add_alternative("<p>" + body.replace("\n", "<br>") + "</p>", subtype="html")
        if rng.random() < attachment_share:
            size = rng.randint(20_000, 200_000)
            message.add_attachment(rng.randbytes(size), "application", "pdf", filename=f"scan-{n}.pdf")
        yield message.as_bytes()


def batches(items: Iterator[bytes], size: int) -> Iterator[list[bytes]]:
    batch: list[bytes] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reply-share", type=float, default=0.5)
    parser.add_argument("--attachment-share", type=float, default=0.1)
    parser.add_argument("--batch", type=int, default=1, help="receive N messages together, as the IMAP poller")
    parser.add_argument("--profile", metavar="FILE", help="write cProfile stats of receive + process to FILE")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from helpline.mail.models import InboundMail, Mailbox
    from helpline.mail.services import mail_process, mail_receive, mail_receive_many

    call_command("migrate", verbosity=0)
    mailbox, _ = Mailbox.objects.get_or_create(
        name="Bench", defaults={"address": "support@bench.example", "from_name": "Bench Support"}
    )
    states: dict[str, int] = {}
    samples: list[tuple[int, float, int, int]] = []  # (messages done, seconds, RSS kB, anonymous RSS kB)
    busy = 0.0
    busy_cpu = 0.0  # CPU seconds of the processing alone: steadier than wall time on a shared machine
    raw_bytes = 0
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
    gc.collect()
    start_rss = rss_kib()
    cpu_start = time.process_time()
    source = InboundMail.Source.PIPE if args.batch <= 1 else InboundMail.Source.IMAP
    done = 0
    for batch in batches(messages(args.messages, seed=args.seed, reply_share=args.reply_share,
                                  attachment_share=args.attachment_share), max(1, args.batch)):  # fmt: skip
        began, began_cpu = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        if len(batch) == 1:
            received = [mail_receive(batch[0], mailbox=mailbox, source=source)]
        else:
            received = mail_receive_many(batch, mailbox=mailbox, source=source)
        processed = [mail_process(inbound) for inbound in received]
        if profiler is not None:
            profiler.disable()
        busy += time.perf_counter() - began
        busy_cpu += time.process_time() - began_cpu
        raw_bytes += sum(len(raw) for raw in batch)
        before = done
        done += len(batch)
        for inbound in processed:
            states[inbound.state] = states.get(inbound.state, 0) + 1
        if done // 1000 != before // 1000 or done == args.messages:
            samples.append((done, busy, rss_kib(), rss_kib("RssAnon")))
            print(f"  {done:>6} messages  {done / busy:7.1f} msg/s  RSS {samples[-1][2] / 1024:7.1f} MiB"
                  f" (anonymous {samples[-1][3] / 1024:7.1f} MiB)  CPU {time.process_time() - cpu_start:7.1f} s",
                  flush=True)  # fmt: skip

    rate = args.messages / busy
    if profiler is not None:
        profiler.dump_stats(args.profile)
    report: dict[str, Any] = {
        "engine": connection.vendor,
        "messages": args.messages,
        "seconds": round(busy, 2),
        "messages_per_second": round(rate, 1),
        "cpu_ms_per_message": round(busy_cpu * 1000 / args.messages, 2),
        "batch": max(1, args.batch),
        "target_per_second": TARGET_PER_SECOND,
        "mean_raw_kib": round(raw_bytes / args.messages / 1024, 1),
        "states": states,
        "rss_start_mib": round(start_rss / 1024, 1),
        "rss_end_mib": round(samples[-1][2] / 1024, 1),
        "rss_peak_mib": round(peak_rss_kib() / 1024, 1),
        "rss_samples_mib": [(n, round(kib / 1024, 1), round(anon / 1024, 1)) for n, _, kib, anon in samples],
        "cpu_seconds": round(time.process_time() - cpu_start, 1),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "data_dir": str(settings.DATA_DIR),
    }
    print()
    print(f"engine              {report['engine']}")
    print(f"messages            {args.messages} (mean {report['mean_raw_kib']} KiB raw) {states}, "
          f"received {report['batch']} at a time")  # fmt: skip
    print(f"throughput          {rate:.1f} msg/s (target ≥ {TARGET_PER_SECOND}) {'OK' if rate >= 100 else 'MISSED'}")
    print(
        f"CPU per message     {report['cpu_ms_per_message']} ms (receive + process only; "
        f"{1000 / report['cpu_ms_per_message']:.0f} msg/s at most on one idle core)"
    )
    print(
        f"memory              RSS {report['rss_start_mib']} → {report['rss_end_mib']} MiB, "
        f"peak {report['rss_peak_mib']} MiB; anonymous {samples[0][3] / 1024:.1f} → {samples[-1][3] / 1024:.1f} MiB"
    )
    print(f"CPU                 {report['cpu_seconds']} s of this process for {busy:.1f} s of wall time "
          f"(load average {report['load_average'][0]:.1f})")  # fmt: skip
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (results / f"mail-ingest-{stamp}.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
