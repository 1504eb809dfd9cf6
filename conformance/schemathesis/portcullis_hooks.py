"""Schemathesis hooks for conformance/run.

`POST /sign-up` names its tenant in the body, so a generated `client_id` is
always unknown and every case would stop at 401. Where the generated body has a
string `client_id`, this puts the conformance tenant's in its place so that the
cases reach validation, hashing and storage; other shapes are left as generated.

The registration routes take an `Idempotency-Key`; the generator repeats small
values ("0", "") from case to case, and a key repeated with another request is
rightly refused (or, with the same one, answered with the first answer, though
the user it created was deleted since). Real clients send a fresh key per
request, so each generated key is made unique.
"""

import os
import uuid

import schemathesis

CLIENT_ID = os.environ["CONFORMANCE_CLIENT_ID"]


@schemathesis.hook
def map_body(context, body):
    operation = context.operation
    if (
        operation is not None
        and operation.path == "/sign-up"
        and isinstance(body, dict)
        and isinstance(body.get("client_id"), str)
    ):
        return {**body, "client_id": CLIENT_ID}
    return body


@schemathesis.hook
def map_headers(context, headers):
    if headers and isinstance(headers.get("Idempotency-Key"), str):
        return {**headers, "Idempotency-Key": f"{uuid.uuid4()}"}
    return headers
