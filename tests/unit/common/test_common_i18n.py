"""Languages: Kazakh by default, `?lang=` first, then Accept-Language; validation messages translated."""
from services.common.i18n import pick_language, translate_errors


def test_kazakh_is_the_default():
    assert pick_language(None, None) == "kk"
    assert pick_language(None, "de-DE,fr;q=0.8") == "kk"


def test_query_parameter_wins_over_the_header():
    assert pick_language("ru", "kk-KZ") == "ru"


def test_first_supported_language_of_the_header():
    assert pick_language(None, "de;q=1, ru-RU;q=0.9, kk;q=0.8") == "ru"


def test_marshmallow_messages_are_translated_keeping_their_numbers():
    errors = {"description": ["Length must be between 20 and 5000."], "applicant": {"email": [
        "Missing data for required field."]}}
    assert translate_errors(errors, "ru") == {"description": ["Длина должна быть от 20 до 5000."],
                                              "applicant": {"email": ["Обязательное поле не заполнено."]}}
    assert translate_errors(errors, "kk")["applicant"]["email"] == ["Міндетті өріс толтырылмаған."]


def test_unknown_messages_pass_through():
    assert translate_errors({"x": ["Something custom."]}, "kk") == {"x": ["Something custom."]}
