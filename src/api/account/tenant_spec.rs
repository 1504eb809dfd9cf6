//! `GET /docs/account/openapi.json?client_id=...`: the account spec as one tenant
//! sees it, its custom fields typed properties of `AccountCreate` and `User` (and
//! the email and password required as its policy says), so that an SDK generated
//! for the tenant is typed. Without `client_id` it is the generic spec.

use poem::{
    IntoResponse, Response, handler,
    http::{StatusCode, header},
    web::{Data, Query},
};
use serde_json::{Value, json};

use crate::{
    api::problem::ProblemJson,
    context::AppContext,
    domain::{
        Tenant,
        custom_fields::{FieldDefinition, FieldType},
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

fn json_response(status: StatusCode, body: &Value) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
}

#[derive(Debug, serde::Deserialize)]
pub struct SpecQuery {
    client_id: Option<String>,
}

#[handler]
pub async fn openapi_json(ctx: Data<&AppContext>, Query(query): Query<SpecQuery>) -> Response {
    let spec = super::service().spec();
    let Some(client_id) = query.client_id else {
        return Response::builder()
            .header(header::CONTENT_TYPE, "application/json")
            .body(spec);
    };
    let not_found = || {
        let mut response =
            ProblemJson::new(404, "Not Found", "unknown client_id".to_owned()).into_response();
        response.set_status(StatusCode::NOT_FOUND);
        response
    };
    let tenant = match ctx.tenants.by_client_id(&client_id).await {
        Ok(Some(tenant)) => tenant,
        Ok(None) => return not_found(),
        Err(err) => {
            tracing::error!(error = %err, "tenant lookup failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    match ctx.registrar.custom_fields(&tenant).await {
        Ok(fields) => match for_tenant(&spec, &tenant, &fields) {
            Some(spec) => json_response(StatusCode::OK, &spec),
            None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
        Err(err) => {
            tracing::error!(error = %err, "custom fields could not be read");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
