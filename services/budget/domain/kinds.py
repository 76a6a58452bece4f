"""Institution kinds and what their unit cost is counted per."""
from __future__ import annotations

KINDS = ("school", "kindergarten", "hospital", "polyclinic", "road", "other")

# kind -> (unit of the yearly headcount, kk, ru)
UNITS = {
    "school": ("pupil", "оқушы", "ученик"),
    "kindergarten": ("child", "бала", "ребёнок"),
    "hospital": ("bed", "төсек", "койка"),
    "polyclinic": ("visit", "келу (ауысымына)", "посещение (в смену)"),
    "road": ("km", "км", "км"),
    "other": ("unit", "бірлік", "единица"),
}

KIND_NAMES = {
    "school": ("Мектеп", "Школа"),
    "kindergarten": ("Балабақша", "Детский сад"),
    "hospital": ("Аурухана", "Больница"),
    "polyclinic": ("Емхана", "Поликлиника"),
    "road": ("Жол", "Дорога"),
    "other": ("Басқа", "Прочее"),
}

DOCUMENT_KINDS = ("estimate", "contract", "act", "invoice", "report")
PROCUREMENT_METHODS = ("open_tender", "request_for_quotations", "single_source", "auction", "e_shop")
