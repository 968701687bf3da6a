"""Patient messages: what the scheduler queues (messages), how it reads (templates, calendar_file,
compose), and how it goes out (smtp, dispatcher)."""

from .dispatcher import DispatchSummary, NotificationDispatcher, retry_delay
from .smtp import SendFailed, SmtpSender, SmtpSettings, load_smtp_settings

__all__ = ["DispatchSummary", "NotificationDispatcher", "SendFailed", "SmtpSender", "SmtpSettings",
           "load_smtp_settings", "retry_delay"]
