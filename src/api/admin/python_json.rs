//! Where and why Python's `json.loads` rejects a document, so malformed bodies get
//! the `json_invalid` error FastAPI gives: the message of Python's decoder and its
//! position, counted in characters. Only called once serde_json has refused the
//! body.

/// Python's message and character position for the first error in `text`.
pub fn decode_error(text: &str) -> (&'static str, usize) {
    let chars: Vec<char> = text.chars().collect();
    let scanner = Scanner { chars: &chars };
    let start = scanner.skip_ws(0);
    match scanner.value(start, 0) {
        Err(error) => error,
        Ok(end) => {
            let end = scanner.skip_ws(end);
            if end == chars.len() {
                // Python accepts what serde refused (NaN, huge numbers...).
                ("Expecting value", 0)
            } else {
                ("Extra data", end)
            }
        }
    }
}

type Scan = Result<usize, (&'static str, usize)>;

/// Deeper documents are refused rather than followed (Python's decoder would hit
/// its recursion limit; here the stack is what must not overflow).
const MAX_DEPTH: usize = 256;
const TOO_DEEP: &str = "Maximum nesting depth exceeded";

struct Scanner<'a> {
    chars: &'a [char],
}

impl Scanner<'_> {
    fn at(&self, index: usize) -> Option<char> {
        self.chars.get(index).copied()
    }

    fn skip_ws(&self, mut index: usize) -> usize {
        while matches!(self.at(index), Some(' ' | '\t' | '\n' | '\r')) {
            index += 1;
        }
        index
    }

    fn literal(&self, index: usize, word: &str) -> bool {
        word.chars()
            .enumerate()
            .all(|(offset, c)| self.at(index + offset) == Some(c))
    }

    /// One value starting exactly at `index`; returns the index after it.
    fn value(&self, index: usize, depth: usize) -> Scan {
        const EXPECTING_VALUE: &str = "Expecting value";
        if depth > MAX_DEPTH {
            return Err((TOO_DEEP, index));
        }
        match self.at(index) {
            Some('"') => self.string(index),
            Some('{') => self.object(index + 1, depth + 1),
            Some('[') => self.array(index + 1, depth + 1),
            _ => {
                for word in ["null", "true", "false", "NaN", "Infinity", "-Infinity"] {
                    if self.literal(index, word) {
                        return Ok(index + word.chars().count());
                    }
                }
                self.number(index).ok_or((EXPECTING_VALUE, index))
            }
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`
    fn number(&self, index: usize) -> Option<usize> {
        let digits = |from: usize| {
            let mut end = from;
            while self.at(end).is_some_and(|c| c.is_ascii_digit()) {
                end += 1;
            }
            end
        };
        let mut end = index;
        if self.at(end) == Some('-') {
            end += 1;
        }
        match self.at(end) {
            Some('0') => end += 1,
            Some('1'..='9') => end = digits(end),
            _ => return None,
        }
        if self.at(end) == Some('.') && self.at(end + 1).is_some_and(|c| c.is_ascii_digit()) {
            end = digits(end + 1);
        }
        if matches!(self.at(end), Some('e' | 'E')) {
            let sign = usize::from(matches!(self.at(end + 1), Some('+' | '-')));
            if self.at(end + 1 + sign).is_some_and(|c| c.is_ascii_digit()) {
                end = digits(end + 1 + sign);
            }
        }
        Some(end)
    }

    /// A string whose opening quote is at `begin`.
    fn string(&self, begin: usize) -> Scan {
        const UNTERMINATED: &str = "Unterminated string starting at";
        let mut index = begin + 1;
        loop {
            match self.at(index) {
                None => return Err((UNTERMINATED, begin)),
                Some('"') => return Ok(index + 1),
                Some('\\') => match self.at(index + 1) {
                    None => return Err((UNTERMINATED, begin)),
                    Some('u') => {
                        let hex = (2..6)
                            .all(|o| self.at(index + o).is_some_and(|c| c.is_ascii_hexdigit()));
                        if !hex {
                            return Err(("Invalid \\uXXXX escape", index + 1));
                        }
                        index += 6;
                    }
                    Some('"' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't') => index += 2,
                    Some(_) => return Err(("Invalid \\escape", index)),
                },
                Some(c) if u32::from(c) < 0x20 => {
                    return Err(("Invalid control character at", index));
                }
                Some(_) => index += 1,
            }
        }
    }

    /// An object whose `{` is just before `index`.
    fn object(&self, index: usize, depth: usize) -> Scan {
        const PROPERTY: &str = "Expecting property name enclosed in double quotes";
        let mut end = self.skip_ws(index);
        match self.at(end) {
            Some('}') => return Ok(end + 1),
            Some('"') => {}
            _ => return Err((PROPERTY, end)),
        }
        loop {
            end = self.string(end)?;
            end = self.skip_ws(end);
            if self.at(end) != Some(':') {
                return Err(("Expecting ':' delimiter", end));
            }
            end = self.value(self.skip_ws(end + 1), depth)?;
            end = self.skip_ws(end);
            match self.at(end) {
                Some('}') => return Ok(end + 1),
                Some(',') => {}
                _ => return Err(("Expecting ',' delimiter", end)),
            }
            let comma = end;
            end = self.skip_ws(end + 1);
            match self.at(end) {
                Some('"') => {}
                Some('}') => return Err(("Illegal trailing comma before end of object", comma)),
                _ => return Err((PROPERTY, end)),
            }
        }
    }

    /// An array whose `[` is just before `index`.
    fn array(&self, index: usize, depth: usize) -> Scan {
        let mut end = self.skip_ws(index);
        if self.at(end) == Some(']') {
            return Ok(end + 1);
        }
        loop {
            end = self.value(end, depth)?;
            end = self.skip_ws(end);
            match self.at(end) {
                Some(']') => return Ok(end + 1),
                Some(',') => {}
                _ => return Err(("Expecting ',' delimiter", end)),
            }
            let comma = end;
            end = self.skip_ws(end + 1);
            if self.at(end) == Some(']') {
                return Err(("Illegal trailing comma before end of array", comma));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::decode_error;

    #[test]
    fn matches_pythons_decoder() {
        let cases: &[(&str, &str, usize)] = &[
            (
                "{\"username\": \"x\",",
                "Expecting property name enclosed in double quotes",
                17,
            ),
            (
                "{oops",
                "Expecting property name enclosed in double quotes",
                1,
            ),
            ("", "Expecting value", 0),
            ("  nope", "Expecting value", 2),
            ("{\"a\" 1}", "Expecting ':' delimiter", 5),
            ("{\"a\": 1 \"b\": 2}", "Expecting ',' delimiter", 8),
            ("{\"a\": }", "Expecting value", 6),
            ("[1, 2,]", "Illegal trailing comma before end of array", 5),
            (
                "{\"a\": 1,}",
                "Illegal trailing comma before end of object",
                7,
            ),
            ("{\"a\": \"b", "Unterminated string starting at", 6),
            ("{\"é\": x}", "Expecting value", 6),
            ("{} {}", "Extra data", 3),
            ("\"a\\qb\"", "Invalid \\escape", 2),
        ];
        for (text, message, position) in cases {
            assert_eq!(decode_error(text), (*message, *position), "{text}");
        }
        let deep = "[".repeat(100_000);
        assert_eq!(decode_error(&deep).0, "Maximum nesting depth exceeded");
    }
}
