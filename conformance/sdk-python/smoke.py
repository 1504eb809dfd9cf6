"""Smoke test of the Python clients that openapi-python-client generated from
the committed openapi/*.json (conformance/run sdk-python).

Against the live server it creates a tenant, obtains tokens and registers users
through every surface, and reads each success and each documented error back
as the model the generator made for it. Usage: smoke.py GENERATED_DIR.
"""

import json
import os
import subprocess
import sys
import uuid

sys.path.insert(0, sys.argv[1])

from portcullis_account import AuthenticatedClient, Client  # noqa: E402
from portcullis_account.api.default import create_account  # noqa: E402
from portcullis_account.models import AccountCreate, Problem, User  # noqa: E402
from portcullis_admin.api.default import (  # noqa: E402
    create_user_admin_users_post,
    get_user_admin_users_user_id_get,
)
from portcullis_admin.models import (  # noqa: E402
    AdminRole,
    AdminUserCreate,
    HTTPError,
    HTTPValidationError,
    UserResponse,
)
from portcullis_manage.api.default import create_tag, get_tenant  # noqa: E402
from portcullis_manage.models import Problem as ManageProblem  # noqa: E402
from portcullis_manage.models import Tag, TagCreate, Tenant  # noqa: E402
from portcullis_oauth.api.default import token  # noqa: E402
from portcullis_oauth.models import OAuthError, TokenRequest, TokenResponse  # noqa: E402
from portcullis_signup.api.default import sign_up  # noqa: E402
from portcullis_signup.models import ErrorResponse, SignUpRequest, SignUpResult  # noqa: E402
from portcullis_sso.api.default import sso_signup, sso_token  # noqa: E402
from portcullis_sso.models import SsoSignup, SsoTokenRequest, SsoTokens, SsoUser  # noqa: E402
from portcullis_sso.models import Problem as SsoProblem  # noqa: E402

BASE_URL = os.environ["CONFORMANCE_BASE_URL"]
BIN = os.environ["CONFORMANCE_BIN"]
PASSWORD = "Correct-Horse-9"
checked = 0


def cli(*args: str) -> str:
    return subprocess.run([BIN, *args], check=True, capture_output=True, text=True).stdout


def new_tenant(*settings: str) -> tuple[str, str]:
    created = json.loads(cli("tenant", "create", "--name", f"sdk-python-{uuid.uuid4().hex[:8]}", "--json"))
    if settings:
        cli("tenant", "set", created["client_id"], *settings)
    return created["client_id"], created["client_secret"]


def expect(response, status: int, model: type):
    """The response has the status and was parsed into the model the generator made."""
    global checked
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.content!r}"
    assert isinstance(response.parsed, model), f"expected {model.__name__}, got {response.parsed!r}"
    checked += 1
    return response.parsed


def client_token(client_id: str, secret: str) -> str:
    body = TokenRequest(grant_type="client_credentials", client_id=client_id, client_secret=secret)
    answer = expect(token.sync_detailed(client=Client(BASE_URL), body=body), 200, TokenResponse)
    assert answer.token_type == "Bearer" and answer.expires_in > 0
    return answer.access_token


def name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def check_oauth(client_id: str, secret: str) -> None:
    oauth = Client(BASE_URL)
    wrong = TokenRequest(grant_type="client_credentials", client_id=client_id, client_secret="wrong")
    assert expect(token.sync_detailed(client=oauth, body=wrong), 401, OAuthError).error == "invalid_client"
    odd = TokenRequest(grant_type="telepathy", client_id=client_id, client_secret=secret)
    assert expect(token.sync_detailed(client=oauth, body=odd), 400, OAuthError).error == "unsupported_grant_type"


def check_signup(client_id: str) -> None:
    public = Client(BASE_URL)
    username = name("signup")
    request = SignUpRequest(username=username, password=PASSWORD, client_id=client_id)
    created = expect(sign_up.sync_detailed(client=public, body=request), 200, SignUpResult)
    assert created.user.username == username and created.user.id > 0
    taken = expect(sign_up.sync_detailed(client=public, body=request), 422, ErrorResponse)
    assert taken.errors["username"] == ["has already been taken"]
    unknown = SignUpRequest(username=name("signup"), password=PASSWORD, client_id="nosuchclient")
    assert expect(sign_up.sync_detailed(client=public, body=unknown), 401, ErrorResponse).errors["client_id"]


def check_account(api: AuthenticatedClient) -> None:
    username = name("account")
    body = AccountCreate(username=username, email=f"{username}@example.com", password=PASSWORD)
    user = expect(create_account.sync_detailed(client=api, body=body), 201, User)
    assert user.username == username and user.status == "active" and user.tags == []
    weak = AccountCreate(username=name("account"), email="weak@example.com", password="password")
    problem = expect(create_account.sync_detailed(client=api, body=weak), 400, Problem)
    assert [(e.field, e.code) for e in problem.errors] == [("password", "too_weak")]
    again = expect(create_account.sync_detailed(client=api, body=body), 400, Problem)
    assert ("username", "unique") in [(e.field, e.code) for e in again.errors]


def check_sso(api: AuthenticatedClient) -> None:
    ext_id = uuid.uuid4().int % 1_000_000_000
    body = SsoSignup(username=name("sso"), ext_id=ext_id, email="sso@example.com", role="editor")
    user = expect(sso_signup.sync_detailed(client=api, body=body), 201, SsoUser)
    assert user.ext_id == ext_id and user.role == "editor"
    duplicate = SsoSignup(username=name("sso"), ext_id=ext_id)
    problem = expect(sso_signup.sync_detailed(client=api, body=duplicate), 400, SsoProblem)
    assert ("ext_id", "unique") in [(e.field, e.code) for e in problem.errors]
    tokens = expect(sso_token.sync_detailed(client=api, body=SsoTokenRequest(ext_id=ext_id)), 200, SsoTokens)
    assert tokens.access_token and tokens.refresh_token
    expect(sso_token.sync_detailed(client=api, body=SsoTokenRequest(ext_id=ext_id + 1)), 404, SsoProblem)


def check_admin(api: AuthenticatedClient) -> None:
    username = name("admin")
    body = AdminUserCreate(username=username, password=PASSWORD, role=AdminRole.EDITOR)
    user = expect(create_user_admin_users_post.sync_detailed(client=api, body=body), 201, UserResponse)
    assert user.username == username and user.roles == ["editor"] and user.is_active
    read = expect(get_user_admin_users_user_id_get.sync_detailed(user.id, client=api), 200, UserResponse)
    assert read.id == user.id
    taken = expect(create_user_admin_users_post.sync_detailed(client=api, body=body), 409, HTTPError)
    assert taken.detail == "Username already exists"
    short = AdminUserCreate(username=name("admin"), password="short")
    invalid = expect(create_user_admin_users_post.sync_detailed(client=api, body=short), 422, HTTPValidationError)
    assert [(e.type_, e.loc) for e in invalid.detail] == [("string_too_short", ["body", "password"])]
    missing = expect(get_user_admin_users_user_id_get.sync_detailed(uuid.uuid4(), client=api), 404, HTTPError)
    assert missing.detail == "User not found"


def check_manage(api: AuthenticatedClient, client_id: str) -> None:
    tenant = expect(get_tenant.sync_detailed(client=api), 200, Tenant)
    assert tenant.client_id == client_id
    tag = expect(create_tag.sync_detailed(client=api, body=TagCreate(name=name("tag"))), 201, Tag)
    assert tag.id > 0
    blank = expect(create_tag.sync_detailed(client=api, body=TagCreate(name="")), 400, ManageProblem)
    assert blank.errors and blank.errors[0].field == "name"


def check_refused(api: AuthenticatedClient, status: int, title: str, admin_detail: str) -> None:
    """Each protected surface refuses the token with `status`, in its own format."""
    account = AccountCreate(username=name("x"), email="x@example.com", password=PASSWORD)
    problems = [
        expect(create_account.sync_detailed(client=api, body=account), status, Problem),
        expect(sso_signup.sync_detailed(client=api, body=SsoSignup(username=name("x"))), status, SsoProblem),
        expect(get_tenant.sync_detailed(client=api), status, ManageProblem),
    ]
    for problem in problems:
        assert (problem.status, problem.title, problem.errors) == (status, title, [])
    admin = AdminUserCreate(username=name("x"), password=PASSWORD)
    refused = expect(create_user_admin_users_post.sync_detailed(client=api, body=admin), status, HTTPError)
    assert refused.detail == admin_detail


def check_unauthorized() -> None:
    """A bad token is a 401 on every protected surface."""
    check_refused(AuthenticatedClient(BASE_URL, token="not-a-token"), 401, "Unauthorized", "Not authenticated")


def check_forbidden(client_id: str, secret: str) -> None:
    """A token without the right scope is a 403 on every protected surface; so is a
    sign-up where the tenant turned it off."""
    body = TokenRequest(grant_type="client_credentials", client_id=client_id, client_secret=secret, scope="users:read")
    granted = expect(token.sync_detailed(client=Client(BASE_URL), body=body), 200, TokenResponse)
    reader = AuthenticatedClient(BASE_URL, token=granted.access_token)
    check_refused(reader, 403, "Forbidden", "Not enough permissions")

    closed_id, _ = new_tenant("public_signup_enabled=false")
    request = SignUpRequest(username=name("closed"), password=PASSWORD, client_id=closed_id)
    assert expect(sign_up.sync_detailed(client=Client(BASE_URL), body=request), 403, ErrorResponse).errors


def check_rate_limits() -> None:
    """A tenant allowed one of each: the second is a 429 in each surface's format."""
    client_id, secret = new_tenant(
        "rate_limit.sign_up_per_tenant=1/3600",
        "rate_limit.create_per_subject=1/3600",
        "rate_limit.token_per_client=1/3600",
    )
    api = AuthenticatedClient(BASE_URL, token=client_token(client_id, secret))
    again = TokenRequest(grant_type="client_credentials", client_id=client_id, client_secret=secret)
    limited = token.sync_detailed(client=Client(BASE_URL), body=again)
    assert expect(limited, 429, OAuthError).error == "temporarily_unavailable"
    assert int(limited.headers["retry-after"]) > 0

    public = Client(BASE_URL)
    for status in (200, 429):
        request = SignUpRequest(username=name("limited"), password=PASSWORD, client_id=client_id)
        expect(sign_up.sync_detailed(client=public, body=request), status, SignUpResult if status == 200 else ErrorResponse)

    # One subject, one creation across the three creation surfaces.
    account = AccountCreate(username=name("limited"), email="limited@example.com", password=PASSWORD)
    expect(create_account.sync_detailed(client=api, body=account), 201, User)
    account.username = name("limited")
    assert expect(create_account.sync_detailed(client=api, body=account), 429, Problem).status == 429
    expect(sso_signup.sync_detailed(client=api, body=SsoSignup(username=name("limited"))), 429, SsoProblem)
    admin = AdminUserCreate(username=name("limited"), password=PASSWORD)
    throttled = expect(create_user_admin_users_post.sync_detailed(client=api, body=admin), 429, HTTPError)
    assert throttled.detail == "Too Many Requests"


def main() -> None:
    client_id, secret = new_tenant()
    api = AuthenticatedClient(BASE_URL, token=client_token(client_id, secret))
    check_oauth(client_id, secret)
    check_signup(client_id)
    check_account(api)
    check_sso(api)
    check_admin(api)
    check_manage(api, client_id)
    check_unauthorized()
    check_forbidden(client_id, secret)
    check_rate_limits()
    print(f"sdk-python: {checked} responses read as their generated models")


if __name__ == "__main__":
    main()
