"""``hms notify run [--once]``: send the queued patient messages from a terminal or a service
manager, on a server where no desk is open."""

from __future__ import annotations

import argparse
import signal
import sys

from .bootstrap import Services
from .services.notifications import NotificationDispatcher


def run_notify_command(services: Services, args: argparse.Namespace) -> int:
    dispatcher = NotificationDispatcher(services.units, max_attempts=args.max_attempts)
    if args.once:
        summary = dispatcher.run_once(limit=args.limit)
        print(f"Outbox: {summary.sent} sent, {summary.retrying} to try again later, {summary.failed} failed, "
              f"{summary.not_sent} not sent (no longer wanted or no address)")
        return 1 if summary.failed else 0
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    print(f"Sending queued messages from {services.db.description} every {args.poll:g} s; Ctrl+C stops.",
          file=sys.stderr)
    try:
        dispatcher.run_forever(poll_seconds=args.poll, should_stop=lambda: bool(stopping))
    except KeyboardInterrupt:
        pass
    return 0


def add_notify_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    notify = sub.add_parser("notify", help="send the queued patient e-mails and SMS (the outbox)")
    notify_sub = notify.add_subparsers(dest="notify_command", metavar="TASK", required=True)
    run = notify_sub.add_parser("run", help="send what is due, and keep sending (or once, with --once)")
    run.add_argument("--once", action="store_true", help="send what is due now, then stop")
    run.add_argument("--poll", type=float, default=10.0, metavar="SECONDS", help="how often to look (default 10)")
    run.add_argument("--limit", type=int, default=500, metavar="N", help="with --once: at most N messages")
    run.add_argument("--max-attempts", type=int, default=5, metavar="N",
                     help="tries before a message is marked failed (default 5)")
