"""Sending one email over SMTP, reusing the connection between emails."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

MESSAGE_DOMAIN = "ashyq.kz"


class SmtpFailure(Exception):
    def __init__(self, message: str, code: int | None):
        super().__init__(message)
        self.code = code


def build_message(*, sender: str, recipient: str, subject: str, text: str, html: str, message_id: str,
                  thread_id: str | None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject  # EmailMessage encodes non-ASCII subjects (RFC 2047, UTF-8)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<{message_id}@{MESSAGE_DOMAIN}>"
    if thread_id:
        root = f"<{thread_id}@{MESSAGE_DOMAIN}>"
        message["In-Reply-To"] = root
        message["References"] = root
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


class SmtpSender:
    def __init__(self, *, host: str, port: int, tls: str, user: str, password: str, timeout: float):
        self.host, self.port, self.tls = host, port, tls
        self.user, self.password, self.timeout = user, password, timeout
        self._conn: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        try:
            self._connection().send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            code = next(iter(exc.recipients.values()))[0]
            raise SmtpFailure(f"recipient refused: {code}", code) from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise SmtpFailure(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", exc.smtp_code) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise SmtpFailure(f"SMTP unavailable: {type(exc).__name__}: {exc}", None) from exc

    def _connection(self) -> smtplib.SMTP:
        if self._conn is not None:
            try:
                if self._conn.noop()[0] == 250:
                    return self._conn
            except (smtplib.SMTPException, OSError):
                pass
            self.close()
        if self.tls == "ssl":
            conn = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=ssl.create_default_context())
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.tls == "starttls":
                conn.starttls(context=ssl.create_default_context())
        if self.user:
            conn.login(self.user, self.password)
        self._conn = conn
        return conn

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._conn = None
