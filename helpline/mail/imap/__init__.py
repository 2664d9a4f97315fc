"""Reading mailboxes over IMAP (imapclient)."""

from helpline.mail.imap.connect import ImapConfigError, imap_connect, secret_from_env
from helpline.mail.imap.poller import ImapPoller, mailboxes_poll_once

__all__ = ["ImapConfigError", "ImapPoller", "imap_connect", "mailboxes_poll_once", "secret_from_env"]
