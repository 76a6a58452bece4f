"""Sending one email over SMTP, reusing the connection between emails."""
from __future__ import annotations

import smtplib
import socket
import ssl
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate
from typing import Callable

MESSAGE_DOMAIN = "ashyq.kz"


class SmtpFailure(Exception):
    def __init__(self, message: str, code: int | None):
        super().__init__(message)
        self.code = code


def bounce_address(mail_from: str, thread_id: str | None) -> str:
    """The envelope sender: one bounce address per appeal, so a bounce can be tied back to its appeal."""
    domain = mail_from.rsplit("@", 1)[-1].strip(" >")
    return f"bounce+{thread_id}@{domain}" if thread_id else f"bounce@{domain}"


def build_message(*, sender: str, recipient: str, subject: str, text: str, html: str, message_id: str,
                  thread_id: str | None) -> MIMEMultipart:
    """multipart/alternative, plain text then HTML, UTF-8. Built with the classic (compat32) email API:
    several times cheaper than EmailMessage, which counts at hundreds of emails a second."""
    message = MIMEMultipart("alternative")
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = Header(subject, "utf-8")  # RFC 2047 encoded words
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<{message_id}@{MESSAGE_DOMAIN}>"
    if thread_id:
        root = f"<{thread_id}@{MESSAGE_DOMAIN}>"
        message["In-Reply-To"] = root
        message["References"] = root
    message.attach(MIMEText(text, "plain", "utf-8"))
    message.attach(MIMEText(html, "html", "utf-8"))
    return message


class _HandsOver:
    """DATA whose content and final dot are written through `hand_over(send_end)`, so the caller can act
    around the instant the server may accept the email (see services.notify.handover)."""
    hand_over: Callable[[Callable[[], None]], None]

    def data(self, msg):
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        content = smtplib._quote_periods(msg if isinstance(msg, bytes) else smtplib._fix_eols(msg).encode("ascii"))
        if content[-2:] != smtplib.bCRLF:
            content += smtplib.bCRLF
        self.hand_over(lambda: self.send(content + b"." + smtplib.bCRLF))
        return self.getreply()


class _SMTP(_HandsOver, smtplib.SMTP):
    pass


class _SMTP_SSL(_HandsOver, smtplib.SMTP_SSL):
    pass


class SmtpSender:
    def __init__(self, *, host: str, port: int, tls: str, user: str, password: str, timeout: float):
        self.host, self.port, self.tls = host, port, tls
        self.user, self.password, self.timeout = user, password, timeout
        self._conn: smtplib.SMTP | None = None

    def send(self, message: Message, envelope_from: str | None = None,
             before_end: Callable[[], None] | None = None, after_end: Callable[[], None] | None = None) -> None:
        """Send one email; a reused connection the server has dropped meanwhile is replaced once.
        `before_end` runs before the content and its final dot and may refuse them (raise); `after_end` runs
        right after the dot, before the server's reply is read (see services.notify.handover)."""
        reused = self._conn is not None
        handed_over = []

        def hand_over(send_end: Callable[[], None]) -> None:
            try:
                if before_end is not None:
                    before_end()
            except Exception:
                self._abandon()  # no content will follow: the server drops the email
                raise
            handed_over.append(True)
            send_end()
            if after_end is not None:
                try:
                    after_end()
                except Exception:
                    self._abandon()  # the reply stays unread: this conversation is over
                    raise

        try:
            try:
                self._send_once(message, envelope_from, hand_over)
            except (smtplib.SMTPServerDisconnected, ConnectionError) if reused else ():
                if handed_over:
                    raise  # the server may have it: never send it again from here
                self.close()  # nothing was accepted on a dead connection: safe to send again
                self._send_once(message, envelope_from, hand_over)
        except smtplib.SMTPAuthenticationError as exc:
            self.close()  # our misconfiguration, not the recipient's: temporary, emails wait for the fix
            raise SmtpFailure(f"SMTP authentication failed: {exc.smtp_code} {exc.smtp_error!r}", None) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            self._reset()
            code = next(iter(exc.recipients.values()))[0]
            raise SmtpFailure(f"recipient refused: {code} {next(iter(exc.recipients.values()))[1]!r}", code) from exc
        except smtplib.SMTPResponseException as exc:
            self._reset()
            raise SmtpFailure(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", exc.smtp_code) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise SmtpFailure(f"SMTP unavailable: {type(exc).__name__}: {exc}", None) from exc

    def _send_once(self, message: Message, envelope_from: str | None, hand_over: Callable[[], None]) -> None:
        conn = self._connection()
        conn.hand_over = hand_over
        try:
            conn.send_message(message, from_addr=envelope_from)
        finally:
            conn.hand_over = None

    def _abandon(self) -> None:
        if self._conn is not None:
            self._conn.close()  # the socket only: no QUIT in the middle of DATA
            self._conn = None

    def _connection(self) -> smtplib.SMTP:
        if self._conn is not None:
            return self._conn
        if self.tls == "ssl":
            conn = _SMTP_SSL(self.host, self.port, timeout=self.timeout, context=ssl.create_default_context())
        else:
            conn = _SMTP(self.host, self.port, timeout=self.timeout)
            if self.tls == "starttls":
                conn.starttls(context=ssl.create_default_context())
        # Without TCP_NODELAY, Nagle's algorithm may hold the tail of a write (the final dot) until the server
        # ACKs what came before: measured 40 ms per email when the dot was a write of its own.
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.user:
            conn.login(self.user, self.password)
        self._conn = conn
        return conn

    def _reset(self) -> None:
        """After a refusal the connection is still good: RSET it for the next email, or drop it."""
        if self._conn is None:
            return
        try:
            self._conn.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._conn = None
