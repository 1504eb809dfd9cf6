"""Schemathesis hooks for conformance/run.

`POST /sign-up` names its tenant in the body, so a generated `client_id` is
always unknown and every case would stop at 401. Where the generated body has a
string `client_id`, this puts the conformance tenant's in its place so that the
cases reach validation, hashing and storage; other shapes are left as generated.
"""

import os

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
