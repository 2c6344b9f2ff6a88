//! Untrusted text made safe to print on a terminal.
//!
//! Values read from a sig or a callback (an identifier, a `CallbackCommand`,
//! a `ClientIP`...) are chosen by whoever made them. Printed raw, a newline
//! fakes a line of output, an ESC sequence drives the terminal, a bidi
//! override reorders what is shown. [`text`] escapes every such character,
//! and the backslash, so that the escaped form reads back unambiguously.
//! JSON output needs none of this: serde_json escapes control characters.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Characters that print nothing, move the cursor, change the terminal's
/// state or reorder the text around them.
fn needs_escape(c: char) -> bool {
    c.is_control() // C0, DEL and C1 (ESC, CSI, NEL...)
        || matches!(
            c,
            '\\'
                | '\u{061c}' // Arabic letter mark
                | '\u{180e}' // Mongolian vowel separator
                | '\u{200b}'..='\u{200f}' // zero-width characters, LRM, RLM
                | '\u{2028}'..='\u{202e}' // line and paragraph separators, bidi embeddings and overrides
                | '\u{2060}'..='\u{2069}' // word joiner, invisible operators, bidi isolates
                | '\u{feff}' // zero-width no-break space (BOM)
                | '\u{fff9}'..='\u{fffb}' // interlinear annotation
        )
}

/// `s` with every non-printing character written as an escape (`\n`, `\t`,
/// `\r`, `\\`, otherwise `\u{1b}`); borrowed when there is none. For raw
/// values (an identifier, a callback parameter).
pub(crate) fn text(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

/// As [`text`], but leaves backslashes alone: for messages that already quote
/// the values they carry with Rust's `{:?}` (which escapes backslashes and
/// control characters, though not every invisible or bidi character).
pub(crate) fn message(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

fn escape(s: &str, backslash: bool) -> Cow<'_, str> {
    let escaped = |c: char| needs_escape(c) && (backslash || c != '\\');
    if !s.chars().any(escaped) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\\' if backslash => out.push_str("\\\\"),
            c if escaped(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Serialized JSON with the non-printing characters serde_json leaves as
/// they are (C1 controls, bidi and zero-width characters: it escapes only
/// C0) written as `\uXXXX`, so that JSON shown on a terminal is inert too.
/// Such characters only occur inside strings, where the escape is valid
/// JSON for the same value.
pub(crate) fn json(serialized: &str) -> Cow<'_, str> {
    let escaped = |c: char| !c.is_ascii() && needs_escape(c);
    if !serialized.chars().any(escaped) {
        return Cow::Borrowed(serialized);
    }
    let mut out = String::with_capacity(serialized.len() + 16);
    for c in serialized.chars() {
        if escaped(c) {
            // Every such character is in the Basic Multilingual Plane.
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{json, message, text};

    #[test]
    fn json_stays_json() {
        let v = serde_json::json!({ "id": "a\u{9b}b\u{202e}c\u{1b}d\\é" });
        let s = v.to_string();
        let safe = json(&s);
        assert_eq!(safe, r#"{"id":"a\u009bb\u202ec\u001bd\\é"}"#);
        assert_eq!(serde_json::from_str::<serde_json::Value>(&safe).unwrap(), v);
    }

    #[test]
    fn escapes_what_does_not_print() {
        assert_eq!(text("xiaojun 小军 é"), "xiaojun 小军 é");
        assert_eq!(text("a\nvalid"), "a\\nvalid");
        assert_eq!(text("\u{1b}[2J\u{7f}\u{9b}"), "\\u{1b}[2J\\u{7f}\\u{9b}");
        assert_eq!(text("\u{202e}gnp.exe"), "\\u{202e}gnp.exe");
        assert_eq!(
            text("a\u{2066}b\u{200b}c\u{feff}"),
            "a\\u{2066}b\\u{200b}c\\u{feff}"
        );
        assert_eq!(text("C:\\path\\n"), "C:\\\\path\\\\n");
        assert_eq!(text("\t\r\0"), "\\t\\r\\u{0}");
        assert_eq!(
            message("for \"\\u{1b}\"\u{202e}"),
            "for \"\\u{1b}\"\\u{202e}"
        );
    }
}
