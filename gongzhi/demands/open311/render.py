"""Writing GeoReport v2 documents: the same data as XML (required by the spec) or JSON.

XML is written by hand rather than through ElementTree so that text survives the round trip exactly:
`&`, `<` and `>` are escaped, a carriage return becomes `&#13;` (a parser would otherwise turn `\\r\\n`
into `\\n`), and characters XML 1.0 cannot carry at all (most C0 controls) become U+FFFD.
JSON is written with `ensure_ascii=False`: Chinese text goes out as UTF-8, unchanged.
"""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

XML = "xml"
JSON = "json"
CONTENT_TYPES = {XML: "text/xml; charset=utf-8", JSON: "application/json; charset=utf-8"}
# The MIME types listed in service discovery.
FORMATS = ["text/xml", "application/json"]
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'

# The element name of one item inside each list, as the spec's XML examples write them.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: str) -> str:
    value = _NOT_XML.sub("\ufffd", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def scalar(value: Any) -> Any:
    """A value as JSON would carry it: dates in ISO 8601 with their offset, decimals as numbers."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _xml_element(tag: str, value: Any, out: list[str]) -> None:
    if value is None or value == "" or value == []:
        out.append(f"<{tag}/>")
        return
    out.append(f"<{tag}>")
    if isinstance(value, dict):
        for key, child in value.items():
            _xml_element(key, child, out)
    elif isinstance(value, list):
        item_tag = ITEM_TAGS[tag]
        for child in value:
            _xml_element(item_tag, child, out)
    elif isinstance(value, bool):
        out.append("true" if value else "false")
    else:
        out.append(_xml_text(str(scalar(value))))
    out.append(f"</{tag}>")


def to_xml(root: str, data: Any) -> str:
    """`data` (a list of items or a dict) as an XML document whose root element is `root`."""
    out: list[str] = [XML_DECLARATION]
    _xml_element(root, data, out)
    out.append("\n")
    return "".join(out)


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    return scalar(value)


def to_json(data: Any) -> str:
    return json.dumps(_json_ready(data), ensure_ascii=False)


def render(fmt: str, root: str, data: Any, status: int = 200) -> HttpResponse:
    """A response in the requested format. In JSON a list is the document itself; in XML it is wrapped
    in `root` (for example `<services><service>…`)."""
    body = to_xml(root, data) if fmt == XML else to_json(data)
    return HttpResponse(body.encode("utf-8"), status=status, content_type=CONTENT_TYPES[fmt])


def render_errors(fmt: str, status: int, descriptions: list[str]) -> HttpResponse:
    """`[{code, description}]`, or `<errors><error><code/><description/></error></errors>`."""
    errors = [{"code": status, "description": str(d)} for d in descriptions]
    return render(fmt, "errors", errors, status=status)
