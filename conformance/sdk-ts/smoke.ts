// Smoke test of the TypeScript client made by openapi-typescript (types from
// the committed openapi/*.json) and openapi-fetch (conformance/run
// sdk-typescript). `tsc --strict` checks every request and every model read
// below against the generated types; then it runs against the live server:
// a tenant, tokens, users registered through every surface, and each success
// and documented error read back as its generated model.

import { execFileSync } from "node:child_process";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import createClient from "openapi-fetch";
import type { components as Account, paths as AccountPaths } from "./generated/account.js";
import type { components as Admin, paths as AdminPaths } from "./generated/admin.js";
import type { components as Manage, paths as ManagePaths } from "./generated/manage.js";
import type { components as OAuth, paths as OAuthPaths } from "./generated/oauth.js";
import type { components as Signup, paths as SignupPaths } from "./generated/signup.js";
import type { components as Sso, paths as SsoPaths } from "./generated/sso.js";

const baseUrl = process.env.CONFORMANCE_BASE_URL ?? "";
const bin = process.env.CONFORMANCE_BIN ?? "";
assert.ok(baseUrl && bin, "CONFORMANCE_BASE_URL and CONFORMANCE_BIN must be set");
const PASSWORD = "Correct-Horse-9";
let checked = 0;

type Result<D, E> = { data?: D; error?: E; response: Response };

/** The answer has this status and its body is a success of the generated type. */
function success<D, E>(result: Result<D, E>, status: number): D {
  assert.equal(result.response.status, status, JSON.stringify(result.error));
  assert.ok(result.data !== undefined);
  checked += 1;
  return result.data;
}

/** The answer has this status and its body is one of the generated error types. */
function failure<D, E>(result: Result<D, E>, status: number): E {
  assert.equal(result.response.status, status, JSON.stringify(result.data));
  assert.ok(result.error !== undefined);
  checked += 1;
  return result.error;
}

function newTenant(...settings: string[]): { clientId: string; secret: string } {
  const created = JSON.parse(
    execFileSync(bin, ["tenant", "create", "--name", `sdk-ts-${randomUUID().slice(0, 8)}`, "--json"], {
      encoding: "utf8",
    }),
  ) as { client_id: string; client_secret: string };
  if (settings.length > 0) execFileSync(bin, ["tenant", "set", created.client_id, ...settings]);
  return { clientId: created.client_id, secret: created.client_secret };
}

const name = (prefix: string) => `${prefix}_${randomUUID().replaceAll("-", "").slice(0, 10)}`;
const fields = (problem: Account["schemas"]["Problem"]) => problem.errors.map((e) => `${e.field}:${e.code}`);

const oauth = createClient<OAuthPaths>({ baseUrl });
function requestToken(body: OAuth["schemas"]["TokenRequest"]) {
  return oauth.POST("/oauth/token", {
    body,
    bodySerializer: (form) => new URLSearchParams(form as Record<string, string>).toString(),
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
}

async function clientToken(clientId: string, secret: string): Promise<string> {
  const grant = { grant_type: "client_credentials", client_id: clientId, client_secret: secret };
  const token: OAuth["schemas"]["TokenResponse"] = success(await requestToken(grant), 200);
  assert.equal(token.token_type, "Bearer");
  return token.access_token;
}

function clients(token: string) {
  const headers = { Authorization: `Bearer ${token}` };
  return {
    account: createClient<AccountPaths>({ baseUrl, headers }),
    sso: createClient<SsoPaths>({ baseUrl, headers }),
    admin: createClient<AdminPaths>({ baseUrl, headers }),
    manage: createClient<ManagePaths>({ baseUrl, headers }),
  };
}
type Clients = ReturnType<typeof clients>;
const signup = createClient<SignupPaths>({ baseUrl });

async function checkOAuth(clientId: string, secret: string) {
  const wrong: OAuth["schemas"]["OAuthError"] = failure(
    await requestToken({ grant_type: "client_credentials", client_id: clientId, client_secret: "wrong" }),
    401,
  );
  assert.equal(wrong.error, "invalid_client");
  const odd = failure(await requestToken({ grant_type: "telepathy", client_id: clientId, client_secret: secret }), 400);
  assert.equal(odd.error, "unsupported_grant_type");
}

async function checkSignup(clientId: string) {
  const body: Signup["schemas"]["SignUpRequest"] = { username: name("signup"), password: PASSWORD, client_id: clientId };
  const created: Signup["schemas"]["SignUpResult"] = success(await signup.POST("/sign-up", { body }), 200);
  assert.equal(created.user.username, body.username);
  const taken: Signup["schemas"]["ErrorResponse"] = failure(await signup.POST("/sign-up", { body }), 422);
  assert.deepEqual(taken.errors.username, ["has already been taken"]);
  const unknown = failure(await signup.POST("/sign-up", { body: { ...body, client_id: "nosuchclient" } }), 401);
  assert.ok(unknown.errors.client_id);
}

async function checkAccount(api: Clients) {
  const username = name("account");
  const body: Account["schemas"]["AccountCreate"] = { username, email: `${username}@example.com`, password: PASSWORD };
  const user: Account["schemas"]["User"] = success(await api.account.POST("/api/v2/account/create", { body }), 201);
  assert.equal(user.username, username);
  assert.equal(user.status, "active");
  const weak = failure(
    await api.account.POST("/api/v2/account/create", { body: { ...body, username: name("account"), password: "password" } }),
    400,
  );
  assert.deepEqual(fields(weak), ["password:too_weak"]);
  const again = failure(await api.account.POST("/api/v2/account/create", { body }), 400);
  assert.ok(fields(again).includes("username:unique"));
}

async function checkSso(api: Clients) {
  const extId = Math.floor(Math.random() * 1e9);
  const body: Sso["schemas"]["SsoSignup"] = { username: name("sso"), ext_id: extId, role: "editor" };
  const user: Sso["schemas"]["SsoUser"] = success(await api.sso.POST("/api/v2/sso/signup", { body }), 201);
  assert.equal(user.ext_id, extId);
  const duplicate = failure(await api.sso.POST("/api/v2/sso/signup", { body: { ...body, username: name("sso") } }), 400);
  assert.ok(fields(duplicate).includes("ext_id:unique"));
  const tokens: Sso["schemas"]["SsoTokens"] = success(
    await api.sso.POST("/api/v2/sso/token", { body: { ext_id: extId } }),
    200,
  );
  assert.ok(tokens.access_token && tokens.refresh_token);
  const unknown: Sso["schemas"]["Problem"] = failure(
    await api.sso.POST("/api/v2/sso/token", { body: { ext_id: extId + 1 } }),
    404,
  );
  assert.equal(unknown.status, 404);
}

async function checkAdmin(api: Clients) {
  const body: Admin["schemas"]["AdminUserCreate"] = { username: name("admin"), password: PASSWORD, role: "editor" };
  const user: Admin["schemas"]["UserResponse"] = success(await api.admin.POST("/admin/users", { body }), 201);
  assert.deepEqual(user.roles, ["editor"]);
  const read = success(
    await api.admin.GET("/admin/users/{user_id}", { params: { path: { user_id: user.id } } }),
    200,
  );
  assert.equal(read.id, user.id);
  const taken = failure(await api.admin.POST("/admin/users", { body }), 409) as Admin["schemas"]["HTTPError"];
  assert.equal(taken.detail, "Username already exists");
  const invalid = failure(
    await api.admin.POST("/admin/users", { body: { username: name("admin"), password: "short" } }),
    422,
  ) as Admin["schemas"]["HTTPValidationError"];
  assert.deepEqual(
    invalid.detail.map((e) => [e.type, e.loc]),
    [["string_too_short", ["body", "password"]]],
  );
  const missing = failure(
    await api.admin.GET("/admin/users/{user_id}", { params: { path: { user_id: randomUUID() } } }),
    404,
  ) as Admin["schemas"]["HTTPError"];
  assert.equal(missing.detail, "User not found");
}

async function checkManage(api: Clients, clientId: string) {
  const tenant: Manage["schemas"]["Tenant"] = success(await api.manage.GET("/manage/v1/tenant"), 200);
  assert.equal(tenant.client_id, clientId);
  const tag: Manage["schemas"]["Tag"] = success(await api.manage.POST("/manage/v1/tags", { body: { name: name("tag") } }), 201);
  assert.ok(tag.id > 0);
  const blank: Manage["schemas"]["Problem"] = failure(await api.manage.POST("/manage/v1/tags", { body: { name: "" } }), 400);
  assert.equal(blank.errors[0]?.field, "name");
}

/** Each protected surface refuses the token with `status`, in its own format. */
async function checkRefused(token: string, status: number, title: string, adminDetail: string) {
  const api = clients(token);
  const account = { username: name("x"), email: "x@example.com", password: PASSWORD };
  const problems: (Account["schemas"]["Problem"] | Sso["schemas"]["Problem"] | Manage["schemas"]["Problem"])[] = [
    failure(await api.account.POST("/api/v2/account/create", { body: account }), status),
    failure(await api.sso.POST("/api/v2/sso/signup", { body: { username: name("x") } }), status),
    failure(await api.manage.GET("/manage/v1/tenant"), status),
  ];
  for (const problem of problems) {
    assert.deepEqual([problem.status, problem.title, problem.errors], [status, title, []]);
  }
  const admin = failure(await api.admin.POST("/admin/users", { body: { username: name("x"), password: PASSWORD } }), status);
  assert.equal((admin as Admin["schemas"]["HTTPError"]).detail, adminDetail);
}

async function checkForbidden(clientId: string, secret: string) {
  // A token without the right scope is a 403 on every protected surface.
  const reader: OAuth["schemas"]["TokenResponse"] = success(
    await requestToken({ grant_type: "client_credentials", client_id: clientId, client_secret: secret, scope: "users:read" }),
    200,
  );
  await checkRefused(reader.access_token, 403, "Forbidden", "Not enough permissions");

  // A sign-up where the tenant turned it off.
  const closed = newTenant("public_signup_enabled=false");
  const refused: Signup["schemas"]["ErrorResponse"] = failure(
    await signup.POST("/sign-up", { body: { username: name("closed"), password: PASSWORD, client_id: closed.clientId } }),
    403,
  );
  assert.ok(Object.keys(refused.errors).length > 0);
}

async function checkRateLimits() {
  const { clientId, secret } = newTenant(
    "rate_limit.sign_up_per_tenant=1/3600",
    "rate_limit.create_per_subject=1/3600",
    "rate_limit.token_per_client=1/3600",
  );
  const api = clients(await clientToken(clientId, secret));
  const limited = await requestToken({ grant_type: "client_credentials", client_id: clientId, client_secret: secret });
  assert.equal(failure(limited, 429).error, "temporarily_unavailable");
  assert.ok(Number(limited.response.headers.get("retry-after")) > 0);

  const signUp = () => signup.POST("/sign-up", { body: { username: name("limited"), password: PASSWORD, client_id: clientId } });
  success(await signUp(), 200);
  const refused: Signup["schemas"]["ErrorResponse"] = failure(await signUp(), 429);
  assert.ok(Object.keys(refused.errors).length > 0);

  // One subject, one creation across the three creation surfaces.
  const account = () => ({ username: name("limited"), email: "limited@example.com", password: PASSWORD });
  success(await api.account.POST("/api/v2/account/create", { body: account() }), 201);
  assert.equal(failure(await api.account.POST("/api/v2/account/create", { body: account() }), 429).status, 429);
  assert.equal(failure(await api.sso.POST("/api/v2/sso/signup", { body: { username: name("limited") } }), 429).status, 429);
  const admin = failure(await api.admin.POST("/admin/users", { body: { username: name("limited"), password: PASSWORD } }), 429);
  assert.equal((admin as Admin["schemas"]["HTTPError"]).detail, "Too Many Requests");
}

const { clientId, secret } = newTenant();
const api = clients(await clientToken(clientId, secret));
await checkOAuth(clientId, secret);
await checkSignup(clientId);
await checkAccount(api);
await checkSso(api);
await checkAdmin(api);
await checkManage(api, clientId);
await checkRefused("not-a-token", 401, "Unauthorized", "Not authenticated");
await checkForbidden(clientId, secret);
await checkRateLimits();
console.log(`sdk-typescript: ${checked} responses read as their generated types`);
