//! `/docs`: an index of every surface's Swagger UI and OpenAPI document.

use poem::{handler, web::Html};

use super::specs;

#[handler]
pub fn index() -> Html<String> {
    let items: String = specs()
        .iter()
        .map(|(name, _)| {
            format!(
                r#"<li><a href="/docs/{name}/">{name}</a> (<a href="/docs/{name}/openapi.json">openapi.json</a>)</li>"#
            )
        })
        .collect();
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Portcullis API docs</title></head>\
         <body><h1>Portcullis API surfaces</h1><ul>{items}</ul></body></html>"
    ))
}
