//! `GET /docs/account/openapi.json?client_id=...`: the account spec as one tenant
//! sees it, its custom fields typed properties of `AccountCreate` and `User` (and
//! the email and password required as its policy says), so that an SDK generated
//! for the tenant is typed. Without `client_id` it is the generic spec.

use std::{
    collections::HashMap,
    hash::{DefaultHasher, Hash, Hasher},
    sync::{Arc, LazyLock, Mutex, PoisonError},
};

use poem::{
    IntoResponse, Request, Response, handler,
    http::{StatusCode, header},
    web::{Data, Query},
};
use serde_json::{Value, json};

use crate::{
    api::{problem::errors::Failure, rate_limit},
    context::AppContext,
    domain::{
        Error, Tenant,
        users::fields::{FieldDefinition, FieldType},
    },
};

fn property(field: &FieldDefinition) -> Value {
    let mut schema = match field.field_type {
        FieldType::String => json!({"type": "string"}),
        FieldType::Integer => json!({"type": "integer", "format": "int64"}),
        FieldType::Boolean => json!({"type": "boolean"}),
        FieldType::Date => json!({"type": "string", "format": "date"}),
        FieldType::Email => json!({"type": "string", "format": "email"}),
        FieldType::Url => json!({"type": "string", "format": "uri"}),
        FieldType::Enum => json!({"type": "string", "enum": field.choices}),
    };
    if let Value::Object(schema) = &mut schema {
        if let Some(max) = field.max_length {
            schema.insert("maxLength".to_owned(), json!(max));
        }
        if let Some(pattern) = &field.pattern {
            // Stored anchored as `^(?:...)$`.
            schema.insert("pattern".to_owned(), json!(pattern.as_str()));
        }
        schema.insert(
            "description".to_owned(),
            json!("A custom field of this tenant."),
        );
    }
    schema
}

/// Adds the tenant's fields to a schema and closes it to anything else.
fn extend(schema: &mut Value, fields: &[FieldDefinition], required: &[&str]) {
    let Some(schema) = schema.as_object_mut() else {
        return;
    };
    if let Some(Value::Object(properties)) = schema.get_mut("properties") {
        for field in fields {
            properties.insert(field.name.clone(), property(field));
        }
    }
    let names = required.iter().map(|name| json!(name));
    match schema.get_mut("required") {
        Some(Value::Array(list)) => {
            for name in names {
                if !list.contains(&name) {
                    list.push(name);
                }
            }
        }
        _ => {
            schema.insert("required".to_owned(), Value::Array(names.collect()));
        }
    }
    schema.insert("additionalProperties".to_owned(), json!(false));
}

/// The generic spec with `tenant`'s fields and policy filled in.
pub fn for_tenant(spec: &str, tenant: &Tenant, fields: &[FieldDefinition]) -> Option<Value> {
    let mut spec: Value = serde_json::from_str(spec).ok()?;
    let schemas = spec.pointer_mut("/components/schemas")?.as_object_mut()?;
    let mut required: Vec<&str> = fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.name.as_str())
        .collect();
    if let Some(user) = schemas.get_mut("User") {
        extend(user, fields, &[]);
    }
    if tenant.policy.require_email {
        required.push("email");
    }
    if tenant.policy.require_password {
        required.push("password");
    }
    if tenant.policy.invite_only {
        required.push("invite_code");
    }
    if let Some(create) = schemas.get_mut("AccountCreate") {
        extend(create, fields, &required);
    }
    if let Some(Value::Object(info)) = spec.get_mut("info") {
        let title = format!("Portcullis accounts for {}", tenant.name);
        info.insert("title".to_owned(), Value::String(title));
    }
    Some(spec)
}

fn json_response(body: Arc<str>) -> Response {
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
}

/// The generic document, built once.
static GENERIC: LazyLock<Arc<str>> = LazyLock::new(|| super::service().spec().into());

/// Tenants' documents as last built, with the fingerprint of the policy and
/// fields they were built from: rebuilt only when either changed.
static BUILT: LazyLock<Mutex<HashMap<i64, Built>>> = LazyLock::new(Mutex::default);

/// A document and the fingerprint of what it was built from.
type Built = (u64, Arc<str>);

/// Beyond this many tenants the cache starts over, so memory stays bounded.
const BUILT_CAPACITY: usize = 10_000;

#[derive(Debug, serde::Deserialize)]
pub struct SpecQuery {
    client_id: Option<String>,
}

#[handler]
pub async fn openapi_json(
    ctx: Data<&AppContext>,
    req: &Request,
    Query(query): Query<SpecQuery>,
) -> Response {
    let Some(client_id) = query.client_id else {
        return json_response(GENERIC.clone());
    };
    // Public and built per tenant: each address gets a bounded share.
    let ip = rate_limit::client_ip(req, &ctx.limits);
    match ctx.limits.tenant_document(ip).await {
        Ok(decision) => rate_limit::report(req, decision),
        Err(refusal) => return Failure::from(Error::from(refusal)).into_problem_response(),
    }
    let failed = |err: &dyn std::fmt::Display| {
        tracing::error!(error = %err, "the tenant's document could not be built");
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    };
    let tenant = match ctx.tenants.by_client_id(&client_id).await {
        Ok(Some(tenant)) => tenant,
        Ok(None) => {
            return Failure::not_found("client_id").into_problem_response();
        }
        Err(err) => return failed(&err),
    };
    let fields = match ctx.registrar.custom_fields(&tenant).await {
        Ok(fields) => fields,
        Err(err) => return failed(&err),
    };
    let mut hasher = DefaultHasher::new();
    (
        fields.fingerprint,
        format!("{:?}", tenant.policy),
        &tenant.name,
    )
        .hash(&mut hasher);
    let fingerprint = hasher.finish();
    let cached = BUILT
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&tenant.id)
        .filter(|(built_from, _)| *built_from == fingerprint)
        .map(|(_, spec)| spec.clone());
    if let Some(spec) = cached {
        return json_response(spec);
    }
    let Some(spec) = for_tenant(&GENERIC, &tenant, &fields.definitions) else {
        return failed(&"the generic document is not a JSON object");
    };
    let spec: Arc<str> = spec.to_string().into();
    let mut built = BUILT.lock().unwrap_or_else(PoisonError::into_inner);
    if built.len() >= BUILT_CAPACITY {
        built.clear();
    }
    built.insert(tenant.id, (fingerprint, spec.clone()));
    json_response(spec)
}
