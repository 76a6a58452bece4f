"""Every email template renders in every language it is sent in, with StrictUndefined: a template error
fails here, not in production."""
import re

import pytest

from services.notify.domain.emails import BILINGUAL, CITIZEN, all_templates
from services.notify.rendering import TEMPLATES, Renderer

APPEAL = {"appeal_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "ticket": "AKM-2026-000123",
          "institution_id": "inst-1", "category": "work_not_done",
          "description": "Крыша спортзала не отремонтирована.", "media_ids": ["m-1", "m-2"],
          "deadline": "2026-12-17", "tracking_url": "http://localhost:8080/track/AKM-2026-000123?token=secret",
          "language": "ru", "applicant": {"name": "Айгерим Сапарова", "email": "a@mail.kz"}}
EVENT = {"appeal_id": APPEAL["appeal_id"], "ticket": APPEAL["ticket"], "institution_id": "inst-1",
         "to_status": "extended", "reason": "Нужна экспертиза", "deadline": "2027-01-20",
         "answer_text": "Ремонт выполнен 12 ноября.", "media_ids": ["m-3"], "previous_institution_id": "inst-0"}
INSTITUTION = {"name_kk": "№7 мектеп-гимназиясы", "name_ru": "Школа-гимназия №7"}

CASES = [(template, lang) for template, kind in sorted(all_templates().items())
         for lang in (("kk", "ru") if kind == CITIZEN else (BILINGUAL,))]


@pytest.mark.parametrize(("template", "lang"), CASES)
def test_every_template_renders_subject_text_and_html(template, lang):
    email = Renderer("https://ashyq.kz").render(template, lang, appeal=APPEAL, event=EVENT, institution=INSTITUTION)
    assert APPEAL["ticket"] in email.subject
    assert "\n" not in email.subject
    assert APPEAL["ticket"] in email.text
    assert email.html.startswith("<!doctype html>") and APPEAL["ticket"] in email.html
    cyrillic_kk = re.search(r"[әғқңөұүһі]", email.text.lower())
    if lang in ("kk", BILINGUAL):
        assert cyrillic_kk, "the Kazakh text is missing"
    if lang == "ru":
        assert not cyrillic_kk, "a Russian email has Kazakh in it"
        assert "Уважаемый" in email.text


@pytest.mark.parametrize(("template", "lang"), [c for c in CASES if all_templates()[c[0]] != CITIZEN])
def test_templates_render_without_notifys_copy_of_the_appeal_or_the_institution(template, lang):
    """Old appeals (submitted before notify kept copies) and unknown institutions still render.
    (A citizen's email always has the copy: the address is in it.)"""
    bare = {**APPEAL, "category": None, "description": None, "media_ids": [], "tracking_url": None,
            "language": None, "applicant": None}
    institution = INSTITUTION if all_templates()[template] != "operator" else None
    email = Renderer("https://ashyq.kz").render(template, lang, appeal=bare, event=EVENT, institution=institution)
    assert APPEAL["ticket"] in email.text


def test_every_template_file_is_used_and_every_used_template_exists():
    files = {p.name.rsplit(".", 1)[0] for p in TEMPLATES.glob("*.txt") if not p.name.startswith("_")}
    subjects = {p.name.rsplit(".", 1)[0] for p in TEMPLATES.glob("*.subject")}
    assert files == subjects == set(all_templates())


def test_html_escapes_what_citizens_wrote_and_links_urls():
    appeal = {**APPEAL, "description": "<script>alert(1)</script> см. https://example.kz/x"}
    email = Renderer("https://ashyq.kz").render("appeal_submitted_institution", BILINGUAL, appeal=appeal,
                                                event=EVENT, institution=INSTITUTION)
    assert "<script>" not in email.html and "&lt;script&gt;" in email.html
    assert '<a href="https://example.kz/x"' in email.html
    assert "<script>alert(1)</script>" in email.text  # plain text stays as written


def test_answered_email_carries_the_answer_and_its_evidence():
    email = Renderer("https://ashyq.kz").render("appeal_answered_citizen", "kk", appeal=APPEAL, event=EVENT,
                                                institution=INSTITUTION)
    assert "Ремонт выполнен 12 ноября." in email.text
    assert "https://ashyq.kz/api/media/v1/media/m-3/thumbnail" in email.text


def test_extension_email_names_the_reason_and_the_new_deadline():
    appeal = {**APPEAL, "deadline": "2027-01-20"}
    email = Renderer("https://ashyq.kz").render("status_extended_citizen", "ru", appeal=appeal, event=EVENT,
                                                institution=INSTITUTION)
    assert "Нужна экспертиза" in email.text and "2027-01-20" in email.text
