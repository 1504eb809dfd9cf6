//! pydantic v2's validation errors, built field by field from the raw JSON body
//! (or a path or query parameter), with pydantic's type names, messages, `input`
//! and `ctx`, all problems reported at once.

use serde_json::{Map, Value, json};

use super::types::ValidationError;

/// The `detail` entries of a 422 answer.
#[derive(Debug, Default)]
pub struct Errors(pub Vec<ValidationError>);

impl Errors {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// One error; `loc` is a JSON array.
    pub fn push(&mut self, kind: &str, loc: Value, msg: String, input: Value, ctx: Option<Value>) {
        self.0.push(ValidationError {
            kind: kind.to_owned(),
            loc: match loc {
                Value::Array(parts) => parts,
                other => vec![other],
            },
            msg,
            input: Some(input),
            ctx,
        });
    }

    /// Finishes validation: the value when nothing was wrong.
    pub fn into_result<T>(self, value: T) -> Result<T, Errors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

/// `'a', 'b' or 'c'`, as pydantic lists a Literal's choices.
pub fn expected(choices: &[&str]) -> String {
    let quoted: Vec<String> = choices.iter().map(|c| format!("'{c}'")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.concat(),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Constraints of a string field.
#[derive(Debug, Clone, Copy)]
pub struct StrRules {
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub pattern: Option<Pattern>,
}

/// A regex as documented, and the check that implements it.
#[derive(Debug, Clone, Copy)]
pub struct Pattern {
    pub regex: &'static str,
    pub matches: fn(&str) -> bool,
}

impl StrRules {
    pub const ANY: Self = Self {
        min_length: None,
        max_length: None,
        pattern: None,
    };
}

/// Validates the fields of one JSON object body.
pub struct Fields<'a> {
    object: &'a Map<String, Value>,
    pub errors: Errors,
}

impl<'a> Fields<'a> {
    /// The body as an object, or pydantic's `model_attributes_type`.
    pub fn of(body: &'a Value) -> Result<Self, Errors> {
        match body {
            Value::Object(object) => Ok(Self {
                object,
                errors: Errors::default(),
            }),
            other => {
                let mut errors = Errors::default();
                model_attributes_type(&mut errors, other.clone());
                Err(errors)
            }
        }
    }

    fn loc(name: &str) -> Value {
        json!(["body", name])
    }

    /// The field's value; `None` (and a `missing` error when required) when absent.
    fn get(&mut self, name: &str, required: bool) -> Option<&'a Value> {
        let value = self.object.get(name);
        if value.is_none() && required {
            self.errors.push(
                "missing",
                Self::loc(name),
                "Field required".to_owned(),
                Value::Object(self.object.clone()),
                None,
            );
        }
        value
    }

    /// A string field (`null` is refused unless `nullable`). `Some(None)` is an
    /// explicit null.
    pub fn string(
        &mut self,
        name: &str,
        required: bool,
        nullable: bool,
        rules: StrRules,
    ) -> Option<Option<&'a str>> {
        let value = self.get(name, required)?;
        match value {
            Value::Null if nullable => Some(None),
            Value::String(text) => {
                check_str(&mut self.errors, Self::loc(name), text, rules).then_some(Some(text))
            }
            other => {
                string_type(&mut self.errors, Self::loc(name), other.clone());
                None
            }
        }
    }

    /// One of `choices` (a `Literal`).
    pub fn literal(&mut self, name: &str, choices: &[&str]) -> Option<&'a str> {
        let value = self.get(name, false)?;
        literal(&mut self.errors, Self::loc(name), value, choices)
    }

    /// A list of `choices`.
    pub fn literal_list(&mut self, name: &str, choices: &[&str]) -> Option<Vec<&'a str>> {
        let value = self.get(name, false)?;
        let Value::Array(items) = value else {
            self.errors.push(
                "list_type",
                Self::loc(name),
                "Input should be a valid list".to_owned(),
                value.clone(),
                None,
            );
            return None;
        };
        let before = self.errors.0.len();
        let parsed: Vec<&str> = items
            .iter()
            .enumerate()
            .filter_map(|(index, item)| {
                literal(
                    &mut self.errors,
                    json!(["body", name, index]),
                    item,
                    choices,
                )
            })
            .collect();
        (self.errors.0.len() == before).then_some(parsed)
    }

    /// A boolean, with pydantic's lax conversions.
    pub fn boolean(&mut self, name: &str) -> Option<bool> {
        let value = self.get(name, false)?;
        let parsed = match value {
            Value::Bool(b) => Some(*b),
            Value::Number(n) if n.as_i64() == Some(0) => Some(false),
            Value::Number(n) if n.as_i64() == Some(1) => Some(true),
            Value::String(s) => match s.trim().to_lowercase().as_str() {
                "0" | "off" | "f" | "false" | "n" | "no" => Some(false),
                "1" | "on" | "t" | "true" | "y" | "yes" => Some(true),
                _ => None,
            },
            _ => None,
        };
        if parsed.is_none() {
            let (kind, msg) = match value {
                Value::String(_) | Value::Number(_) => (
                    "bool_parsing",
                    "Input should be a valid boolean, unable to interpret input",
                ),
                _ => ("bool_type", "Input should be a valid boolean"),
            };
            self.errors
                .push(kind, Self::loc(name), msg.to_owned(), value.clone(), None);
        }
        parsed
    }

    /// A field whose value failed a domain check (pydantic `value_error`).
    pub fn email_error(&mut self, name: &str, input: &str, reason: &str) {
        self.errors.push(
            "value_error",
            Self::loc(name),
            format!("value is not a valid email address: {reason}"),
            Value::String(input.to_owned()),
            Some(json!({"reason": reason})),
        );
    }
}

/// Length and pattern checks, in pydantic's order; false when one failed.
pub fn check_str(errors: &mut Errors, loc: Value, text: &str, rules: StrRules) -> bool {
    let chars = text.chars().count();
    if let Some(min) = rules.min_length.filter(|min| chars < *min) {
        errors.push(
            "string_too_short",
            loc,
            format!("String should have at least {min} character{}", plural(min)),
            Value::String(text.to_owned()),
            Some(json!({"min_length": min})),
        );
        return false;
    }
    if let Some(max) = rules.max_length.filter(|max| chars > *max) {
        errors.push(
            "string_too_long",
            loc,
            format!("String should have at most {max} character{}", plural(max)),
            Value::String(text.to_owned()),
            Some(json!({"max_length": max})),
        );
        return false;
    }
    if let Some(Pattern { regex: pattern, .. }) = rules.pattern.filter(|p| !(p.matches)(text)) {
        errors.push(
            "string_pattern_mismatch",
            loc,
            format!("String should match pattern '{pattern}'"),
            Value::String(text.to_owned()),
            Some(json!({"pattern": pattern})),
        );
        return false;
    }
    true
}

pub fn string_type(errors: &mut Errors, loc: Value, input: Value) {
    errors.push(
        "string_type",
        loc,
        "Input should be a valid string".to_owned(),
        input,
        None,
    );
}

pub fn literal<'v>(
    errors: &mut Errors,
    loc: Value,
    value: &'v Value,
    choices: &[&str],
) -> Option<&'v str> {
    if let Value::String(text) = value
        && choices.contains(&text.as_str())
    {
        return Some(text);
    }
    let expected = expected(choices);
    errors.push(
        "literal_error",
        loc,
        format!("Input should be {expected}"),
        value.clone(),
        Some(json!({"expected": expected})),
    );
    None
}

pub fn model_attributes_type(errors: &mut Errors, input: Value) {
    errors.push(
        "model_attributes_type",
        json!(["body"]),
        "Input should be a valid dictionary or object to extract fields from".to_owned(),
        input,
        None,
    );
}

/// An integer query parameter given as text, with its bounds.
pub fn query_int(
    errors: &mut Errors,
    name: &str,
    raw: Option<&str>,
    default: i64,
    ge: i64,
    le: Option<i64>,
) -> i64 {
    let Some(raw) = raw else {
        return default;
    };
    let loc = json!(["query", name]);
    let input = Value::String(raw.to_owned());
    let Some(value) = parse_int(raw) else {
        errors.push(
            "int_parsing",
            loc,
            "Input should be a valid integer, unable to parse string as an integer".to_owned(),
            input,
            None,
        );
        return default;
    };
    if value < i128::from(ge) {
        errors.push(
            "greater_than_equal",
            loc,
            format!("Input should be greater than or equal to {ge}"),
            input,
            Some(json!({"ge": ge})),
        );
    } else if let Some(le) = le.filter(|le| value > i128::from(*le)) {
        errors.push(
            "less_than_equal",
            loc,
            format!("Input should be less than or equal to {le}"),
            input,
            Some(json!({"le": le})),
        );
    }
    i64::try_from(value).unwrap_or(default)
}

/// pydantic's lax str → int: surrounding whitespace, a sign, `_` separators
/// between digits, and a zero fraction (`5.0`) are accepted. Python's integers
/// have no bound, so values past `i64` are still integers (refused by the
/// bounds, not as unparsable).
fn parse_int(raw: &str) -> Option<i128> {
    let trimmed = raw.trim();
    let whole = trimmed
        .split_once('.')
        .filter(|(_, fraction)| !fraction.is_empty() && fraction.bytes().all(|b| b == b'0'))
        .map_or(trimmed, |(whole, _)| whole);
    let digits = whole.trim_start_matches(['+', '-']);
    if digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
        return None;
    }
    whole.replace('_', "").parse().ok()
}

/// A path parameter that must be a UUID (`uuid_parsing`).
pub fn path_uuid(errors: &mut Errors, name: &str, raw: &str) -> Option<uuid::Uuid> {
    match uuid::Uuid::parse_str(raw) {
        Ok(id) => Some(id),
        Err(err) => {
            errors.push(
                "uuid_parsing",
                json!(["path", name]),
                format!("Input should be a valid UUID, {err}"),
                Value::String(raw.to_owned()),
                Some(json!({"error": err.to_string()})),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_choices_read_like_pydantic() {
        assert_eq!(
            expected(&["admin", "editor", "viewer"]),
            "'admin', 'editor' or 'viewer'"
        );
        assert_eq!(expected(&["a"]), "'a'");
    }

    #[test]
    fn integers_parse_like_pydantic() {
        assert_eq!(parse_int("5"), Some(5));
        assert_eq!(parse_int(" -5 "), Some(-5));
        assert_eq!(parse_int("1_000"), Some(1000));
        assert_eq!(parse_int("5.0"), Some(5));
        assert_eq!(parse_int("5.5"), None);
        assert_eq!(parse_int("abc"), None);
        assert_eq!(parse_int("_1"), None);
        assert_eq!(
            parse_int("9223372036854775808"),
            Some(i128::from(i64::MAX) + 1)
        );
    }

    #[test]
    fn uuid_errors_carry_the_parser_message() {
        let mut errors = Errors::default();
        assert!(path_uuid(&mut errors, "user_id", "not-a-uuid").is_none());
        assert_eq!(
            errors.0[0].msg,
            "Input should be a valid UUID, invalid character: found `n` at 0"
        );
    }
}
