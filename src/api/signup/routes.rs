//! `POST /sign-up`: parse, resolve the tenant, hand over to the registration pipeline.

use poem::{
    Request,
    http::{HeaderValue, header},
    web::Data,
};
use poem_openapi::{OpenApi, payload::Json};
use serde_json::{Map, Value};

use super::{
    errors::{
        invalid_client, not_an_object, origin_not_allowed, signup_disabled, storage, unprocessable,
    },
    types::{SignUpRequest, SignUpResponse, SignUpResult, SignUpUser},
};
use crate::{
    api::{rate_limit, raw_json::RawJson},
    context::AppContext,
    domain::{FieldError, Password, Problem, Tenant, Username, registration::NewUser},
};

pub struct SignupApi;

#[OpenApi]
impl SignupApi {
    /// Create a new user
    ///
    /// Registers a user in the namespace of `client_id`. Answers 200 with the new
    /// user's id and username.
    #[oai(path = "/sign-up", method = "post", operation_id = "signUp")]
    async fn sign_up(
        &self,
        ctx: Data<&AppContext>,
        req: &Request,
        body: RawJson<SignUpRequest>,
    ) -> poem_openapi::payload::Response<SignUpResponse> {
        let (response, allowed_origin) = sign_up(&ctx, req, &body.value).await;
        let mut response = poem_openapi::payload::Response::new(response);
        if let Some(origin) = allowed_origin.and_then(|o| HeaderValue::from_str(&o).ok()) {
            response = response
                .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin)
                .header(header::VARY, "Origin");
        }
        response
    }
}

/// The answer, and the origin to allow explicitly when the tenant restricts origins.
async fn sign_up(
    ctx: &AppContext,
    req: &Request,
    body: &Value,
) -> (SignUpResponse, Option<String>) {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok());
    let Some(body) = body.as_object() else {
        return (not_an_object(), None);
    };
    let mut errors = Vec::new();
    let username = required(body, "username", &mut errors);
    let password = required(body, "password", &mut errors);
    let client_id = required(body, "client_id", &mut errors);
    let (Some(username), Some(password), Some(client_id)) = (username, password, client_id) else {
        return (unprocessable(&errors), None);
    };

    let tenant = match ctx.tenants.by_client_id(client_id).await {
        Ok(Some(tenant)) => tenant,
        Ok(None) => return (invalid_client(), None),
        Err(err) => return (storage(&err), None),
    };
    tracing::Span::current().record("tenant", tenant.client_id.as_str());
    if !tenant.policy.public_signup_enabled {
        return (signup_disabled(), None);
    }
    let allowed_origin = match origin {
        Some(origin) if !tenant.policy.allows_any_origin() => {
            if !tenant.policy.allows_origin(origin) {
                return (origin_not_allowed(), None);
            }
            Some(origin.to_owned())
        }
        _ => None,
    };

    // Counted before the body is judged: every attempt costs the caller.
    let ip = rate_limit::client_ip(req, &ctx.limits);
    match ctx.limits.sign_up(&tenant, ip).await {
        Ok(decision) => rate_limit::report(req, decision),
        Err(refusal) => return (refusal.into(), allowed_origin),
    }
    let new_user = match parse_new_user(&tenant, username, password) {
        Ok(new_user) => new_user,
        Err(errors) => return (unprocessable(&errors), allowed_origin),
    };
    let response = match ctx.registrar.register(&tenant, new_user).await {
        Ok(user) => SignUpResponse::Ok(Json(SignUpResult {
            user: SignUpUser {
                id: user.id,
                username: user.username,
            },
        })),
        Err(err) => err.into(),
    };
    (response, allowed_origin)
}

fn parse_new_user(
    tenant: &Tenant,
    username: &str,
    password: &str,
) -> Result<NewUser, Vec<FieldError>> {
    let rules = tenant.policy.signup_username_rules();
    let username = Username::parse(username, rules).map_err(|p| FieldError::new("username", p));
    let password = Password::parse(password, tenant.policy.signup_password_policy())
        .map_err(|p| FieldError::new("password", p));
    match (username, password) {
        (Ok(username), Ok(password)) => Ok(NewUser {
            username,
            email: None,
            password: Some(password),
            roles: Vec::new(),
        }),
        (username, password) => Err(username.err().into_iter().chain(password.err()).collect()),
    }
}

/// A required string field: absent, null or blank is `Blank`; another type is `Invalid`.
fn required<'a>(
    body: &'a Map<String, Value>,
    field: &'static str,
    errors: &mut Vec<FieldError>,
) -> Option<&'a str> {
    let problem = match body.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => return Some(s),
        None | Some(Value::Null) | Some(Value::String(_)) => Problem::Blank,
        Some(_) => Problem::Invalid,
    };
    errors.push(FieldError::new(field, problem));
    None
}
