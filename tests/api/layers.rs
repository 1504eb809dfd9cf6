//! The layers import each other one way only: `api` over `domain` over
//! `store`, `auth` and `ratelimit`, with `domain::values` (and, for the store,
//! `domain::audit::event`) the one part of the domain the lower layers know.
//! Checked on the source, by the paths each file names (its `use` trees
//! flattened, and the paths it writes out in code).

use std::path::{Path, PathBuf};

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// Every `.rs` file under `dir` (or `dir` itself, a file).
fn sources(dir: &Path) -> Vec<PathBuf> {
    if dir.is_file() {
        return vec![dir.to_owned()];
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(sources(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files
}

/// `a::{b, c::{d, e}}` as `a::b`, `a::c::d`, `a::c::e`.
fn flatten(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or(tree).trim();
        if !path.is_empty() {
            out.push(format!("{prefix}{path}"));
        }
        return;
    };
    let head = &tree[..open];
    let body = &tree[open + 1..tree.rfind('}').unwrap()];
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                flatten(&format!("{prefix}{head}"), &body[start..i], out);
                start = i + 1;
            }
            _ => {}
        }
    }
    flatten(&format!("{prefix}{head}"), &body[start..], out);
}

/// The module paths a file names: its `use` declarations, flattened, and the
/// `crate::` paths in its code. `super::` is resolved against the file's own
/// module path.
fn named_paths(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let code: String = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let module = module_of(file);
    let mut paths = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("use ") {
        let before = &rest[..at];
        rest = &rest[at + 4..];
        if !(before.is_empty() || before.ends_with('\n') || before.ends_with(' ')) {
            continue;
        }
        let Some(end) = rest.find(';') else { break };
        flatten("", &rest[..end], &mut paths);
        rest = &rest[end..];
    }
    for (at, _) in code.match_indices("crate::") {
        let path: String = code[at..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        // `crate::a::{...}` is a `use` tree, read above.
        if !path.ends_with("::") {
            paths.push(path);
        }
    }
    paths
        .into_iter()
        .map(|path| resolve(&module, &path))
        .collect()
}

/// `src/domain/users/admin.rs` is `crate::domain::users::admin`.
fn module_of(file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(SRC).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    if parts
        .last()
        .is_some_and(|last| last == "mod" || last == "lib")
    {
        parts.pop();
    }
    parts
}

fn resolve(module: &[String], path: &str) -> String {
    let mut base = module.to_vec();
    let mut rest = path.trim_start_matches("::");
    if rest.starts_with("self::") {
        rest = &rest["self::".len()..];
    } else if !rest.starts_with("super::") {
        return rest.to_owned();
    }
    while let Some(after) = rest.strip_prefix("super::") {
        base.pop();
        rest = after;
    }
    format!("crate::{}::{rest}", base.join("::"))
}

/// Files under `layer` (a path below `src`) naming a path that starts with one
/// of `forbidden` and none of `allowed`.
fn breaches(layer: &str, forbidden: &[&str], allowed: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in sources(&Path::new(SRC).join(layer)) {
        for path in named_paths(&file) {
            let breach = forbidden.iter().any(|f| path.starts_with(f))
                && !allowed.iter().any(|a| path.starts_with(a));
            if breach {
                found.push(format!("{} names {path}", file.display()));
            }
        }
    }
    found
}

#[test]
fn the_layers_import_each_other_one_way() {
    let mut found = Vec::new();
    // The store, the rate limiter and the crypto know only the domain's leaf.
    for lower in ["store", "ratelimit", "auth"] {
        let mut allowed = vec!["crate::domain::values"];
        if lower == "store" {
            allowed.push("crate::domain::audit::event");
        }
        found.extend(breaches(lower, &["crate::domain", "crate::api"], &allowed));
    }
    // The leaf imports nothing of ours.
    found.extend(breaches(
        "domain/values",
        &["crate::"],
        &["crate::domain::values"],
    ));
    found.extend(breaches("domain/audit/event.rs", &["crate::"], &[]));
    // No HTTP below the surfaces, no entity above the store, no configuration
    // file below the top.
    for lower in ["domain", "store", "auth", "ratelimit"] {
        found.extend(breaches(
            lower,
            &["poem", "crate::api", "crate::config"],
            &[],
        ));
    }
    for upper in ["api", "domain", "auth", "ratelimit"] {
        found.extend(breaches(upper, &["entity"], &[]));
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// SQLite, PostgreSQL and MySQL run the same code above the store: what differs
/// between the databases (a dialect, a driver's pool, PostgreSQL's
/// notifications) is decided under `src/store/` only.
#[test]
fn only_the_store_knows_which_database_it_runs_on() {
    const BACKEND_SPECIFIC: [&str; 6] = [
        "DatabaseBackend",
        "DbBackend",
        "get_database_backend",
        "sqlx::postgres",
        "sqlx::mysql",
        "sqlx::sqlite",
    ];
    let mut found = Vec::new();
    for file in sources(Path::new(SRC)) {
        if file.starts_with(Path::new(SRC).join("store")) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for name in BACKEND_SPECIFIC {
            if text.contains(name) {
                found.push(format!("{} names {name}", file.display()));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The checker sees what it must: a nested `use` tree and a `super::` path.
#[test]
fn nested_use_trees_and_super_paths_are_read() {
    let mut paths = Vec::new();
    flatten(
        "",
        "crate::{api::x, domain::{values::A, users::B as C}}",
        &mut paths,
    );
    assert_eq!(
        paths,
        [
            "crate::api::x",
            "crate::domain::values::A",
            "crate::domain::users::B"
        ]
    );
    let module = ["store".to_owned(), "users".to_owned()];
    assert_eq!(resolve(&module, "super::codes"), "crate::store::codes");
}
