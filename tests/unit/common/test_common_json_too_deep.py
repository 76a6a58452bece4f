"""Regression (drills): a deeply nested JSON body made every service answer 500; it is the client's fault (400)."""
import json

import pytest

from services.common.web import _json_too_deep


def recursion_from(body: str) -> RecursionError:
    with pytest.raises(RecursionError) as caught:
        json.loads(body)
    return caught.value


def test_a_body_nested_beyond_the_decoders_recursion_is_recognised():
    assert _json_too_deep(recursion_from("[" * 100_000 + "]" * 100_000))
    assert _json_too_deep(recursion_from('{"a":' * 50_000 + "1" + "}" * 50_000))


def test_our_own_runaway_recursion_stays_a_500():
    def runaway(n):
        return runaway(n + 1)
    with pytest.raises(RecursionError) as caught:
        runaway(0)
    assert not _json_too_deep(caught.value)
    assert not _json_too_deep(ValueError("not a recursion"))
