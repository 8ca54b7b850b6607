//! Splitting one ELB log line into its fields.
//!
//! Fields are separated by single spaces. A field that starts with `"` runs to the next `"` that is not escaped
//! by a backslash; inside it, `\"` and `\\` stand for `"` and `\`. Malformed quoting never fails: an unterminated
//! quoted field runs to the end of the line, and text after a closing quote stays in the same field.
//!
//! ```
//! use elbship_core::formats::fields::Fields;
//! let v: Vec<String> = Fields::new(r#"a "b \"c\" d" -"#).map(|f| f.text().into_owned()).collect();
//! assert_eq!(v, ["a", r#"b "c" d"#, "-"]);
//! ```

use std::borrow::Cow;

/// One field of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'a> {
    /// The field as written, without its surrounding quotes (escapes still in place).
    pub raw: &'a str,
    /// Whether the field was quoted.
    pub quoted: bool,
}

impl<'a> Field<'a> {
    /// The field's text with `\"` and `\\` unescaped.
    pub fn text(&self) -> Cow<'a, str> {
        if !self.quoted || !self.raw.contains('\\') {
            return Cow::Borrowed(self.raw);
        }
        let mut out = String::with_capacity(self.raw.len());
        let mut chars = self.raw.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some(n @ ('"' | '\\')) => out.push(n),
                    Some(n) => {
                        out.push('\\');
                        out.push(n);
                    }
                    None => out.push('\\'),
                }
            } else {
                out.push(c);
            }
        }
        Cow::Owned(out)
    }

    /// `None` for ELB's `-` (absent), otherwise the text.
    pub fn value(&self) -> Option<Cow<'a, str>> {
        (self.raw != "-").then(|| self.text())
    }
}

/// Iterator over the fields of a line.
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    rest: Option<&'a str>,
}

impl<'a> Fields<'a> {
    /// Fields of `line` (without its line terminator).
    pub fn new(line: &'a str) -> Self {
        Fields { rest: Some(line) }
    }
}

/// Byte index of the closing quote in `s` (which starts after the opening quote), if any.
fn closing_quote(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(k) = memchr::memchr2(b'"', b'\\', &b[i..]) {
        if b[i + k] == b'"' {
            return Some(i + k);
        }
        i += k + 2;
        if i >= b.len() {
            return None;
        }
    }
    None
}

impl<'a> Iterator for Fields<'a> {
    type Item = Field<'a>;

    #[inline(always)]
    fn next(&mut self) -> Option<Field<'a>> {
        let s = self.rest?;
        if let Some(inner) = s.strip_prefix('"') {
            if let Some(q) = closing_quote(inner) {
                let after = &inner[q + 1..];
                if after.is_empty() || after.starts_with(' ') {
                    self.rest = after.strip_prefix(' ');
                    return Some(Field { raw: &inner[..q], quoted: true });
                }
            } else {
                self.rest = None;
                return Some(Field { raw: inner, quoted: true });
            }
        }
        match memchr::memchr(b' ', s.as_bytes()) {
            Some(i) => {
                self.rest = Some(&s[i + 1..]);
                Some(Field { raw: &s[..i], quoted: false })
            }
            None => {
                self.rest = None;
                Some(Field { raw: s, quoted: false })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(line: &str) -> Vec<String> {
        Fields::new(line).map(|f| f.text().into_owned()).collect()
    }

    #[test]
    fn quoted_fields_keep_their_spaces() {
        assert_eq!(
            texts(r#"http 2018 "GET http://x:80/ HTTP/1.1" "curl/7.46.0" - -"#),
            ["http", "2018", "GET http://x:80/ HTTP/1.1", "curl/7.46.0", "-", "-"]
        );
    }

    #[test]
    fn escapes_inside_quotes() {
        assert_eq!(texts(r#""a\"b" "c\\" "\x41""#), [r#"a"b"#, r"c\", r"\x41"]);
    }

    #[test]
    fn classic_tcp_request_field() {
        assert_eq!(texts(r#"x "- - - " "-""#), ["x", "- - - ", "-"]);
    }

    #[test]
    fn malformed_quoting_never_fails() {
        assert_eq!(texts(r#"a "unterminated b c"#), ["a", "unterminated b c"]);
        assert_eq!(texts(r#""x"y z"#), [r#""x"y"#, "z"]);
        assert_eq!(texts("a  b"), ["a", "", "b"]);
        assert_eq!(texts(""), [""]);
        assert_eq!(texts(r#"""#), [""]);
    }

    #[test]
    fn dash_is_absent() {
        let f: Vec<_> = Fields::new(r#"- "-" x"#).map(|f| f.value()).collect();
        assert_eq!(f, [None, None, Some(Cow::Borrowed("x"))]);
    }
}
