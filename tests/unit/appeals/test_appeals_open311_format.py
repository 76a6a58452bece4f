"""Open311 GeoReport v2 documents: the spec's field names and XML shapes."""
from xml.etree import ElementTree as ET

import pytest

from services.appeals import open311
from services.common.errors import Problem


def test_services_are_the_categories_with_the_spec_fields():
    services = open311.services("ru")
    assert [s["service_code"] for s in services] == ["work_not_done", "poor_quality", "price_inflated",
                                                     "documents_mismatch", "other"]
    assert set(services[0]) == {"service_code", "service_name", "description", "metadata", "type", "keywords",
                                "group"}


def test_a_service_definition_lists_attributes_with_values():
    definition = open311.service_definition("poor_quality", "kk")
    attribute = definition["attributes"][1]
    assert set(attribute) >= {"variable", "code", "datatype", "required", "datatype_description", "order",
                              "description"}
    assert attribute["values"][0]["key"] == "true"


def test_an_unknown_service_is_a_404():
    with pytest.raises(Problem) as caught:
        open311.service_definition("nope", "ru")
    assert caught.value.status == 404


def test_xml_lists_use_the_spec_element_names():
    xml = open311.to_xml("service_requests", [{"service_request_id": "AKM-2026-000001", "lat": 53.2,
                                               "media_url": None}])
    root = ET.fromstring(xml)
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id").text == "AKM-2026-000001"
    assert root.find("request/media_url").text is None


def test_xml_nests_attributes_and_values():
    root = ET.fromstring(open311.to_xml("service_definition", open311.service_definition("other", "ru")))
    assert root.find("attributes/attribute/code").text == "institution_id"
    assert root.find("attributes/attribute/variable").text == "true"
    assert [v.find("key").text for v in root.findall("attributes/attribute/values/value")] == ["true", "false"]


def test_errors_render_as_the_spec_array():
    root = ET.fromstring(open311.to_xml("errors", [{"code": 403, "description": "invalid api_key"}]))
    assert root.find("error/code").text == "403"


def test_text_xml_cannot_carry_is_replaced_so_the_document_stays_readable():
    """Regression (Open311 fuzz drill): an unknown service code with control characters, echoed in the error,
    made the XML document ill-formed."""
    root = ET.fromstring(open311.to_xml("errors", [{"code": 404, "description": "unknown service_code a\x14b\x00c\tё"}]))
    assert root.find("error/description").text == "unknown service_code a\ufffdb\ufffdc\tё"
