"""The request's language and the chassis' own messages in Kazakh and Russian (Kazakh by default)."""
from __future__ import annotations

import re

LANGUAGES = ("kk", "ru", "en")
DEFAULT_LANGUAGE = "kk"


def pick_language(query_lang: str | None, accept_language: str | None) -> str:
    """`?lang=` wins; then the first supported language of Accept-Language; then Kazakh."""
    if query_lang in LANGUAGES:
        return query_lang
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


TITLES = {
    400: {"kk": "Сұрау дұрыс емес", "ru": "Некорректный запрос", "en": "Bad request"},
    401: {"kk": "Авторизация қажет", "ru": "Требуется авторизация", "en": "Unauthorized"},
    403: {"kk": "Қол жеткізуге тыйым салынған", "ru": "Доступ запрещён", "en": "Forbidden"},
    404: {"kk": "Табылмады", "ru": "Не найдено", "en": "Not found"},
    405: {"kk": "Әдіске рұқсат жоқ", "ru": "Метод не разрешён", "en": "Method not allowed"},
    409: {"kk": "Қайшылық", "ru": "Конфликт", "en": "Conflict"},
    413: {"kk": "Сұрау тым үлкен", "ru": "Слишком большой запрос", "en": "Payload too large"},
    415: {"kk": "Қолдау көрсетілмейтін түр", "ru": "Неподдерживаемый тип", "en": "Unsupported media type"},
    422: {"kk": "Деректерде қате бар", "ru": "Ошибки в данных", "en": "Unprocessable entity"},
    429: {"kk": "Сұраулар тым көп", "ru": "Слишком много запросов", "en": "Too many requests"},
    500: {"kk": "Ішкі қате", "ru": "Внутренняя ошибка", "en": "Internal server error"},
    503: {"kk": "Қызмет уақытша қолжетімсіз", "ru": "Сервис временно недоступен", "en": "Service unavailable"},
}

# marshmallow's English messages -> Kazakh and Russian. Patterns keep their numbers.
_FIELD_MESSAGES = [
    (r"Missing data for required field\.", "Міндетті өріс толтырылмаған.", "Обязательное поле не заполнено."),
    (r"Unknown field\.", "Белгісіз өріс.", "Неизвестное поле."),
    (r"Field may not be null\.", "Өріс бос болмауы керек.", "Поле не может быть пустым."),
    (r"Not a valid string\.", "Жол емес.", "Не является строкой."),
    (r"Not a valid integer\.", "Бүтін сан емес.", "Не является целым числом."),
    (r"Not a valid number\.", "Сан емес.", "Не является числом."),
    (r"Not a valid boolean\.", "Логикалық мән емес.", "Не является логическим значением."),
    (r"Not a valid UUID\.", "UUID емес.", "Не является UUID."),
    (r"Not a valid email address\.", "Электрондық пошта мекенжайы дұрыс емес.", "Некорректный адрес электронной почты."),
    (r"Not a valid date\.", "Күн дұрыс емес.", "Некорректная дата."),
    (r"Not a valid datetime\.", "Күн мен уақыт дұрыс емес.", "Некорректные дата и время."),
    (r"Not a valid list\.", "Тізім емес.", "Не является списком."),
    (r"Invalid input type\.", "Енгізу түрі дұрыс емес.", "Неверный тип данных."),
    (r"Must be one of: (.*)\.", r"Мына мәндердің бірі болуы керек: \1.", r"Допустимые значения: \1."),
    (r"Length must be between (\d+) and (\d+)\.", r"Ұзындығы \1 мен \2 аралығында болуы керек.", r"Длина должна быть от \1 до \2."),
    (r"Shorter than minimum length (\d+)\.", r"Ұзындығы кемінде \1 болуы керек.", r"Длина не меньше \1."),
    (r"Longer than maximum length (\d+)\.", r"Ұзындығы \1-ден аспауы керек.", r"Длина не больше \1."),
    (r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\.",
     r"\1 мен \2 аралығында болуы керек.", r"Должно быть от \1 до \2."),
    (r"Must be greater than or equal to (\S+)\.", r"Кемінде \1 болуы керек.", r"Должно быть не меньше \1."),
    (r"Must be less than or equal to (\S+)\.", r"\1-ден аспауы керек.", r"Должно быть не больше \1."),
]


def translate_message(message: str, lang: str) -> str:
    if lang not in ("kk", "ru"):
        return message
    for pattern, kk, ru in _FIELD_MESSAGES:
        match = re.fullmatch(pattern, message)
        if match:
            return match.expand(kk if lang == "kk" else ru)
    return message


def translate_errors(errors, lang: str):
    """Translate a marshmallow error tree (dicts and lists of messages) leaf by leaf.

    A service's own message may be a leaf {"kk": ..., "ru": ..., "en": ...}: the request's language is picked.
    """
    if isinstance(errors, dict) and errors and set(errors) <= set(LANGUAGES) and "ru" in errors:
        return errors.get(lang) or errors["ru"]
    if isinstance(errors, dict):
        return {key: translate_errors(value, lang) for key, value in errors.items()}
    if isinstance(errors, list):
        return [translate_errors(value, lang) for value in errors]
    if isinstance(errors, str):
        return translate_message(errors, lang)
    return errors
