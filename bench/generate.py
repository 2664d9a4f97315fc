"""Fill the configured database with generated helpdesk data and say how fast it went.

    python bench/generate.py --tickets 100000 [--seed 1] [--agents 50] [--months 12]

Uses DATABASE_URL / HELPLINE_DATA_DIR like Helpline itself; run `python -m helpline migrate` on that
database first. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")


class Progress:
    """Prints every ten seconds, and once at the end of each stage."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.printed_at = 0.0
        self.printed: tuple[str, int] | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        elapsed = time.perf_counter() - self.started
        finished = done == total and self.printed != (stage, done)
        if finished or elapsed - self.printed_at >= 10:
            self.printed_at, self.printed = elapsed, (stage, done)
            print(f"  {elapsed:7.1f}s  {stage:<10} {done:>10,} / {total:,}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, required=True)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--password", help="one password for every agent (default: unusable)")
    parser.add_argument(
        "--long-threads",
        type=int,
        default=20,
        metavar="N",
        help="also make N tickets with exactly 20 messages for bench/run.py (default 20)",
    )
    parser.add_argument(
        "--vacuum",
        action="store_true",
        help="PostgreSQL: VACUUM ANALYZE the big tables afterwards, as autovacuum would",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from helpline.demo.generator import generate, long_threads_ensure

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}", flush=True)
    progress = Progress()

    counts = generate(
        tickets=args.tickets,
        agents=args.agents,
        seed=args.seed,
        months=args.months,
        progress=progress,
        password=args.password,
    )
    elapsed = counts.pop("seconds")
    rows = sum(counts.values())
    print(
        f"generated in {elapsed:.1f}s: {rows:,} rows, {rows / elapsed:,.0f} rows/s, "
        f"{counts['tickets'] / elapsed:,.0f} tickets/s"
    )
    for name, count in counts.items():
        print(f"  {name:<14} {count:>12,}")
    if args.long_threads:
        numbers = long_threads_ensure(count=args.long_threads, messages=20, seed=args.seed)
        print(f"tickets with 20 messages: #{numbers[0]} … #{numbers[-1]}")
    if args.vacuum and connection.vendor == "postgresql":
        vacuum_started = time.perf_counter()
        from helpline.audit.models import Event
        from helpline.customers.models import ContactIdentity, Customer
        from helpline.tickets.models import Message, Ticket

        with connection.cursor() as cursor:
            for model in (Ticket, Ticket.tags.through, Message, Event, Customer, ContactIdentity):
                cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")
        print(f"VACUUM ANALYZE in {time.perf_counter() - vacuum_started:.1f}s")


if __name__ == "__main__":
    main()
