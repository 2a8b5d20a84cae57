"""Draft actions from what a team already has: an OpenAPI / Swagger document or a cURL command.

Every draft is a plain action definition that passes `validate_action` and is saved with
`enabled: false`, so nothing an import made goes live before someone reviewed it. Secrets are
never carried over: a credential becomes a `{{secret.NAME}}` reference and a note says which
secret to store.
"""

from .curl import CurlError, import_curl
from .document import MAX_DOCUMENT_BYTES, DocumentError, decode_document
from .drafts import ImportResult, Skipped
from .openapi import (
    Operation,
    import_openapi,
    list_operations,
    load_document,
)

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "CurlError",
    "DocumentError",
    "ImportResult",
    "Operation",
    "Skipped",
    "decode_document",
    "import_curl",
    "import_openapi",
    "list_operations",
    "load_document",
]
