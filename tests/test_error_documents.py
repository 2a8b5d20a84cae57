"""A 2xx body is an error document when what it holds, its metadata set aside, is only the words
of a failure and one of them says it failed, or when it carries an explicit failure flag; any
domain field makes it data (`tools.error_documents`).

Tried by class: error bodies in the shapes frameworks, gateways and vendors write (snake, camel,
Pascal and kebab case keys; beside request ids, timestamps, paths and documentation links;
nested under an error key), and records whose fields carry the words status, failed, message,
error or error_count. Checked at the rule and through the executor against a real local server.
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.servers import serve
from tools.action import ActionDefinition
from tools.error_documents import error_document
from tools.executor import ActionExecutor, ExecutorSettings, StaticSecrets
from tools.outcome import OutcomeKind

ERROR_BODIES: dict[str, dict[str, Any]] = {
    "slack ok false": {"ok": False, "error": "ratelimited"},
    "success false, nested error": {"success": False, "error": {"code": 503, "type": "SERVICE_UNAVAILABLE"}},
    "Success false, Pascal case, trace id": {
        "Success": False,
        "Message": "Order is locked",
        "TraceId": "00-4bf9",
    },
    "identity succeeded false": {
        "succeeded": False,
        "errors": [{"code": "Locked", "description": "Order is locked"}],
    },
    "graphql": {
        "data": None,
        "errors": [{"message": "Order not found", "path": ["order"], "extensions": {"code": "NOT_FOUND"}}],
    },
    "jsend error": {"status": "error", "message": "Warehouse system unreachable", "code": 503},
    "jsend fail": {"status": "fail", "data": {"order_id": "must be six digits"}},
    "error beside request id and timestamp": {
        "error": "Order not found",
        "request_id": "req_8f2a91",
        "timestamp": "2026-12-07T22:00:00Z",
    },
    "camel errorCode, errorMessage": {"errorCode": "ORDER_NOT_FOUND", "errorMessage": "No order ORD-1234"},
    "pascal ErrorCode, ErrorMessage, RequestId": {
        "ErrorCode": "OrderNotFound",
        "ErrorMessage": "No order ORD-1234",
        "RequestId": "7f3c",
    },
    "nested Error with request and host ids": {
        "Error": {
            "Code": "NoSuchKey",
            "Message": "The specified key does not exist.",
            "RequestId": "4442587FB7D0A2F9",
            "HostId": "s3-eu-west-1.internal",
        }
    },
    "null result and a message": {"result": None, "message": "not found"},
    "empty data and a message": {"data": [], "message": "No order matches ORD-1234"},
    "spring boot default": {
        "timestamp": "2026-12-07T22:00:00.000+00:00",
        "status": 404,
        "error": "Not Found",
        "path": "/orders/ORD-1234",
    },
    "nest statusCode": {"statusCode": 404, "message": "Order ORD-1234 not found", "error": "Not Found"},
    "problem details": {
        "type": "https://example.com/probs/not-found",
        "title": "Not Found",
        "status": 404,
        "detail": "No order ORD-1234",
        "instance": "/orders/ORD-1234",
    },
    "odata error with innererror": {
        "error": {
            "code": "ResourceNotFound",
            "message": "The order was not found.",
            "innererror": {"trace": "x"},
        }
    },
    "gateway fault": {
        "fault": {"faultstring": "Invalid ApiKey", "detail": {"errorcode": "oauth.v2.InvalidApiKey"}}
    },
    "numeric code and status with docs link": {
        "code": 20404,
        "message": "The requested resource was not found",
        "more_info": "https://docs.example.com/errors/20404",
        "status": 404,
    },
    "json-rpc": {"jsonrpc": "2.0", "error": {"code": -32602, "message": "Invalid params"}, "id": 1},
    "payments error object": {
        "error": {
            "type": "invalid_request_error",
            "code": "resource_missing",
            "message": "No such order: 'ORD-1234'",
            "param": "id",
            "doc_url": "https://docs.example.com/errors",
        }
    },
    "validation message and errors by field": {
        "message": "The order id field is required.",
        "errors": {"order_id": ["The order id field is required."]},
    },
    "failure code and a message with docs url": {
        "code": "ORDER_NOT_FOUND",
        "message": "No order ORD-1234",
        "documentation_url": "https://docs.example.com/errors",
    },
    "oauth": {"error": "invalid_token", "error_description": "The access token expired"},
    "status failure word beside an error": {
        "status": "failure",
        "error": "Order system offline",
        "trace_id": "abc",
    },
    "graphql with a field that could not be had": {
        "data": {"order": None},
        "errors": [{"message": "Order not found", "path": ["order"]}],
    },
    "web api exception": {
        "Message": "An error has occurred.",
        "ExceptionMessage": "Order lookup failed",
        "ExceptionType": "System.InvalidOperationException",
        "StackTrace": None,
    },
    "linked-data violations": {
        "@context": "/contexts/ConstraintViolationList",
        "@type": "ConstraintViolationList",
        "hydra:title": "An error occurred",
        "hydra:description": "order_id: This value is not valid.",
        "violations": [{"propertyPath": "order_id", "message": "This value is not valid."}],
    },
    "isError true": {"isError": True, "message": "Order not found"},
    "result error with its type": {"result": "error", "error-type": "unknown-code"},
    "type error with a message": {"type": "error", "message": "Order not found"},
    "error beside json:api meta": {
        "errors": [{"status": "404", "title": "Not Found"}],
        "meta": {"request_id": "r-1"},
        "jsonapi": {"version": "1.0"},
    },
    "exception type and message": {
        "__type": "ResourceNotFoundException",
        "message": "Requested resource not found",
    },
    "errcode and errmsg": {"errcode": 40013, "errmsg": "invalid order id"},
    "status false": {"status": False, "message": "Order not found"},
    "negative code": {"code": -1, "msg": "Order not found"},
    "kebab-case error-code": {
        "error-code": "E1042",
        "error-message": "Order system offline",
        "x-request-id": "r-1",
    },
}
DATA_BODIES: dict[str, dict[str, Any]] = {
    "a failed payment's record": {
        "order_id": "ORD-1234",
        "status": "failed",
        "message": "Card declined by the issuer",
        "amount": 40,
    },
    "a failed payment's status": {"payment_id": "P-1", "status": "failed", "amount": 20},
    "empty error fields": {"status": "shipped", "error": None, "errors": []},
    "empty errors beside data": {"errors": [], "data": {"order": {"id": "ORD-1234", "status": "shipped"}}},
    "partial data with errors": {
        "data": {"order": {"status": "shipped"}},
        "errors": [{"message": "Tracking unavailable"}],
    },
    "a confirmation message": {"message": "Your refund has been issued"},
    "a confirmation detail": {"detail": "Order cancelled"},
    "success true": {"success": True, "message": "Order cancelled", "data": None},
    "code 0 with data": {"code": 0, "msg": "success", "data": {"status": "shipped"}},
    "code 200 and OK with no result": {"code": 200, "message": "OK", "result": None},
    "error counts": {"order_id": "ORD-1", "error_count": 2, "warning_count": 1},
    "an error count alone": {"error_count": 0},
    "a job whose status is error": {"job_id": "J-1", "status": "error", "message": "Import failed at row 3"},
    "a voucher code": {"code": "SUMMER10", "message": "Voucher applied"},
    "a ticket with a request id": {"ticket_id": "T-9", "message": "Ticket created", "request_id": "r1"},
    "a product with a title and type": {"title": "Blue shirt", "type": "product", "description": "Cotton"},
    "a delivery with its last error": {
        "status": "delivered",
        "failed_attempts": 2,
        "last_error": "Recipient not home",
    },
    "labelled fields of a failed payment": {"Status": "failed", "Message": "Card declined by the issuer"},
    "a result that says success": {"result": "success", "message": "Order cancelled"},
    "a type and a message of a record": {"type": "notice", "message": "Store closes early today"},
    "graphql data with a value": {"data": {"order": {"status": "shipped"}, "refunds": None}, "errors": []},
    "errcode 0 and errmsg ok with data": {"errcode": 0, "errmsg": "ok", "order": {"status": "shipped"}},
    "errcode 0 and errmsg ok": {"errcode": 0, "errmsg": "ok"},
    "an error field saying none": {"error": "none", "message": "Order cancelled"},
    "status true and a message": {"status": True, "message": "Order cancelled"},
    "ok true with an error field": {"ok": True, "error": None, "status": "shipped"},
}


@pytest.mark.parametrize("name", list(ERROR_BODIES))
def test_an_error_body_in_any_shape_is_an_error_document(name: str) -> None:
    assert error_document(ERROR_BODIES[name])


@pytest.mark.parametrize("name", list(DATA_BODIES))
def test_a_record_with_failure_words_in_its_fields_is_data(name: str) -> None:
    assert not error_document(DATA_BODIES[name])


def test_only_a_mapping_with_something_in_it_can_be_an_error_document() -> None:
    bodies: tuple[Any, ...] = (None, {}, [], [{"error": "Order not found"}], "Order not found", 404)
    for body in bodies:
        assert not error_document(body)


async def test_the_executor_fails_an_error_document_and_selects_a_record_whatever_its_words() -> None:
    """Every body of both tables, answered 200 by a real local server: an error document is a
    failed call whose data is the document; a record is selected as data."""
    bodies = {**ERROR_BODIES, **DATA_BODIES}
    names = list(bodies)

    async def answer(request: Request) -> JSONResponse:
        return JSONResponse(bodies[names[request.path_params["index"]]], status_code=200)

    with serve(Starlette(routes=[Route("/x/{index:int}", answer)])) as base:
        settings = ExecutorSettings(allow_hosts=(base.split("://")[1],))
        async with ActionExecutor(settings, StaticSecrets({})) as executor:
            for index, (name, body) in enumerate(bodies.items()):
                action = ActionDefinition.model_validate(
                    {
                        "name": "probe",
                        "trigger": "x",
                        "url": f"{base}/x/{index}",
                        "response_selection": {"fields": {"Everything": "@"}},
                    }
                )
                outcome = await executor.execute(action, {})
                assert outcome.status == 200, name
                if name in ERROR_BODIES:
                    assert outcome.kind is OutcomeKind.HTTP_ERROR, name
                    assert "error document" in outcome.summary and outcome.data == body, name
                else:
                    assert outcome.kind is OutcomeKind.OK and outcome.data == {"Everything": body}, name
