"""The SMTP sender against a real SMTP server (aiosmtpd on a real socket): authentication, one reused
connection for many emails, a dropped connection replaced, refusals and outages told apart."""
import socket
import uuid

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from services.notify.smtp import SmtpFailure, SmtpSender, build_message

from .conftest import SinkController, SmtpSink, free_port


def connections(sink: SmtpSink) -> int:
    return len({m.peer for m in sink.messages})


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"notify" and auth_data.password == b"s3cret"
    return AuthResult(success=ok)


@pytest.fixture
def server():
    sink = SmtpSink(free_port())
    sink._controller = SinkController(sink, hostname="127.0.0.1", port=sink.port, authenticator=authenticator,
                                  auth_require_tls=False)
    sink._controller.start()
    yield sink
    sink.stop()


def message(recipient: str):
    return build_message(sender="Ashyq <no-reply@ashyq.kz>", recipient=recipient, subject="Өтініш тіркелді: AKM-1",
                         text="Мәтін", html="<p>Мәтін</p>", message_id=str(uuid.uuid4()), thread_id="appeal-1")


def sender(port: int, password: str = "s3cret") -> SmtpSender:
    return SmtpSender(host="127.0.0.1", port=port, tls="none", user="notify", password=password, timeout=3)


def test_authenticated_emails_share_one_connection_and_survive_a_dropped_one(server):
    smtp = sender(server.port)
    for i in range(3):
        smtp.send(message(f"a{i}@mail.kz"), envelope_from="bounce+appeal-1@ashyq.kz")
    assert [m.recipient for m in server.messages] == ["a0@mail.kz", "a1@mail.kz", "a2@mail.kz"]
    assert connections(server) == 1
    assert server.messages[0].subject == "Өтініш тіркелді: AKM-1"

    smtp._conn.sock.shutdown(socket.SHUT_RDWR)  # as after the server's idle timeout: the next email reconnects once
    smtp.send(message("a3@mail.kz"))
    assert connections(server) == 2 and server.messages[-1].recipient == "a3@mail.kz"
    smtp.close()


def test_a_refused_recipient_is_permanent_and_the_connection_stays_usable(server):
    smtp = sender(server.port)
    with pytest.raises(SmtpFailure) as refused:
        smtp.send(message("refuse-me@mail.kz"))
    assert refused.value.code == 550
    smtp.send(message("fine@mail.kz"))
    assert [m.recipient for m in server.messages] == ["fine@mail.kz"]


def test_wrong_credentials_and_no_server_are_temporary_so_emails_wait_for_the_fix(server):
    """Bad credentials are the platform's misconfiguration, not the recipient's fault: every email would
    fail for good if it counted as permanent; instead they wait (backoff) until it is corrected."""
    with pytest.raises(SmtpFailure) as denied:
        sender(server.port, password="wrong").send(message("x@mail.kz"))
    assert denied.value.code is None
    with pytest.raises(SmtpFailure) as down:
        sender(free_port()).send(message("x@mail.kz"))
    assert down.value.code is None and "unavailable" in str(down.value)
