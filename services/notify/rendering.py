"""Emails rendered from Jinja2 templates: subject, plain text, and HTML made from the same text."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"

CATEGORIES = {
    "kk": {"work_not_done": "Жұмыс орындалмаған немесе тауар жеткізілмеген", "poor_quality": "Сапасы нашар",
           "price_inflated": "Баға немесе көлем асырылған", "documents_mismatch": "Құжаттар шындыққа сәйкес емес",
           "other": "Басқа"},
    "ru": {"work_not_done": "Работы не выполнены или товар не поставлен", "poor_quality": "Низкое качество",
           "price_inflated": "Завышена цена или объём", "documents_mismatch": "Документы не соответствуют действительности",
           "other": "Другое"},
}


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


class Renderer:
    def __init__(self, public_url: str):
        self.public_url = public_url
        # auto_reload off: templates ship with the code, and a stat() per template per email counts at
        # hundreds of emails a second.
        self.text_env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                                    autoescape=False, keep_trailing_newline=True, auto_reload=False)
        self.html_env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                                    autoescape=select_autoescape(["html"]), auto_reload=False)

    def render(self, template: str, lang: str, **context) -> RenderedEmail:
        context = {**context, "lang": lang, "public_url": self.public_url, "categories": CATEGORIES}
        subject = self.text_env.get_template(f"{template}.subject").render(context).strip()
        text = self.text_env.get_template(f"{template}.txt").render(context)
        paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
        html = self.html_env.get_template("layout.html").render(subject=subject, paragraphs=paragraphs,
                                                                 lang=lang if lang in ("kk", "ru") else "kk")
        return RenderedEmail(subject=subject, text=text, html=html)
