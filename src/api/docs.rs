//! `/docs`: the page a developer lands on, listing every surface of
//! [`SURFACES`] with its purpose, its Swagger UI and its OpenAPI document; `/`
//! sends browsers there.

use poem::{
    handler,
    web::{Html, Redirect},
};

use super::surfaces::SURFACES;

#[handler]
pub fn home() -> Redirect {
    Redirect::see_other("/docs/")
}

#[handler]
pub fn index() -> Html<String> {
    let surfaces: String = SURFACES
        .iter()
        .map(|surface| {
            let name = surface.name;
            format!(
                r#"<li><h2 id="{name}">{name}</h2><p>{purpose}</p><p><a href="/docs/{name}/">Swagger UI of {name}</a> · <a href="/docs/{name}/openapi.json">OpenAPI document of {name}</a></p></li>"#,
                purpose = surface.purpose,
            )
        })
        .collect();
    Html(format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Portcullis API documentation</title>
<style>
body {{ font-family: system-ui, sans-serif; line-height: 1.5; margin: 0; color: #1a1a1a; background: #fff; }}
main {{ max-width: 46rem; margin: 0 auto; padding: 2rem 1.25rem; }}
ul {{ list-style: none; padding: 0; }}
li {{ border-top: 1px solid #d0d0d0; padding: 0.75rem 0; }}
h2 {{ font-size: 1.15rem; margin: 0; }}
p {{ margin: 0.25rem 0; }}
a {{ color: #0b57d0; }}
code {{ background: #f2f2f2; padding: 0 0.2rem; }}
</style>
</head>
<body>
<main>
<h1>Portcullis API documentation</h1>
<p>Every surface has an interactive Swagger UI and its OpenAPI document. The protected ones take a bearer token from <code>POST /oauth/token</code>; the Authorize button of their Swagger UI gets one.</p>
<ul>{surfaces}</ul>
</main>
</body>
</html>
"#
    ))
}
