"""Patient messages: what the scheduler queues (messages), how it reads (templates, calendar_file,
compose), and how it goes out (smtp, dispatcher; sms: gateways not yet used by the dispatcher)."""

from .dispatcher import DispatchSummary, NotificationDispatcher, retry_delay
from .sms import HttpSmsSender, LogSmsSender, SmsSettings, load_sms_settings
from .smtp import SendFailed, SmtpSender, SmtpSettings, load_smtp_settings

__all__ = ["DispatchSummary", "HttpSmsSender", "LogSmsSender", "NotificationDispatcher", "SendFailed", "SmsSettings",
           "SmtpSender", "SmtpSettings", "load_sms_settings", "load_smtp_settings", "retry_delay"]
