//! `POST /sign-up`: parse, resolve the tenant, hand over to the registration pipeline.

use poem::{
    Request,
    http::{HeaderValue, header},
    web::Data,
};
use poem_openapi::{OpenApi, param::Header, payload::Json};
use serde_json::{Map, Value};

use super::{
    errors::{
        from_parse_error, invalid_client, invite_only, not_an_object, origin_not_allowed,
        signup_disabled, unprocessable,
    },
    types::{SignUpRequest, SignUpResponse, SignUpResult, SignUpUser},
};
use crate::{
    api::{json_body::RawJson, rate_limit},
    context::AppContext,
    domain::{
        Error, FieldError, Password, Problem, PublicSignUp, Tenant, Username,
        tokens::Grantor,
        users::{Extras, Gate, NewUser},
    },
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
        /// Send the same key again with a retry of this request to get its first
        /// answer back, not a second user (kept 24 hours).
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<String>>,
        body: RawJson<SignUpRequest>,
    ) -> poem_openapi::payload::Response<SignUpResponse> {
        let (response, cors) = match body.value() {
            Ok(value) => sign_up(&ctx, req, &value).await,
            Err(err) => (from_parse_error(err), Cors::AnyOrigin),
        };
        let response = poem_openapi::payload::Response::new(response);
        match cors {
            Cors::AnyOrigin => response.header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            Cors::Origin(origin) => match HeaderValue::from_str(&origin) {
                Ok(origin) => response
                    .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin)
                    .header(header::VARY, "Origin"),
                Err(_) => response.header(header::VARY, "Origin"),
            },
            Cors::Refused => response.header(header::VARY, "Origin"),
        }
    }
}

/// Which browser origin may read the answer (`Access-Control-Allow-Origin`).
enum Cors {
    /// Any: the tenant allows every origin, or is not known (yet).
    AnyOrigin,
    /// This one, which the tenant lists.
    Origin(String),
    /// None: the tenant does not list the request's origin.
    Refused,
}

/// The answer, and which origin may read it. Every attempt is counted before the
/// body is judged: against the tenant's limits when it names a known tenant,
/// against the client address otherwise.
async fn sign_up(ctx: &AppContext, req: &Request, body: &Value) -> (SignUpResponse, Cors) {
    let ip = rate_limit::client_ip(req, &ctx.limits);
    let named = body.get("client_id").and_then(Value::as_str);
    let tenant = match named {
        Some(client_id) => match ctx.tenants.by_client_id(client_id).await {
            Ok(tenant) => tenant,
            Err(err) => return (err.into(), Cors::AnyOrigin),
        },
        None => None,
    };
    let cors = match (&tenant, req.headers().get(header::ORIGIN)) {
        (Some(tenant), Some(origin)) if !tenant.policy.allows_any_origin() => {
            match origin.to_str() {
                Ok(origin) if tenant.policy.allows_origin(origin) => {
                    Cors::Origin(origin.to_owned())
                }
                _ => Cors::Refused,
            }
        }
        _ => Cors::AnyOrigin,
    };
    let verdict = match &tenant {
        Some(tenant) => ctx.limits.sign_up(tenant, ip).await,
        None => ctx.limits.sign_up_unknown_tenant(ip).await,
    };
    match verdict {
        Ok(decision) => rate_limit::report(req, decision),
        Err(refusal) => return (Error::from(refusal).into(), cors),
    }

    let Some(body) = body.as_object() else {
        return (not_an_object(), cors);
    };
    let mut errors = Vec::new();
    let username = required(body, "username", &mut errors);
    let password = required(body, "password", &mut errors);
    let client_id = required(body, "client_id", &mut errors);
    let (Some(username), Some(password), Some(_)) = (username, password, client_id) else {
        return (unprocessable(&errors), cors);
    };
    let Some(tenant) = tenant else {
        return (invalid_client(), cors);
    };
    tracing::Span::current().record("tenant", tenant.client_id.as_str());
    match tenant.policy.public_sign_up() {
        PublicSignUp::Open => {}
        PublicSignUp::Closed => return (signup_disabled(), cors),
        PublicSignUp::InviteOnly => return (invite_only(), cors),
    }
    if let Cors::Refused = cors {
        return (origin_not_allowed(), cors);
    }
    let new_user = match parse_new_user(&tenant, username, password) {
        Ok(new_user) => new_user,
        Err(errors) => return (unprocessable(&errors), cors),
    };
    let gate = Extras {
        gate: Gate::PublicSignUp,
        ..Extras::default()
    };
    let response = match ctx
        .registrar
        .register_with(&tenant, new_user, gate, Grantor::Anonymous)
        .await
    {
        Ok(user) => SignUpResponse::Ok(Json(SignUpResult {
            user: SignUpUser {
                id: user.id,
                username: user.username,
            },
        })),
        Err(err) => err.into(),
    };
    (response, cors)
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
