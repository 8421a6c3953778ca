//! Text from outside (a provider's message, a shop's id, a person's note) made safe to print.

use std::borrow::Cow;

/// `text` as one printable line: every control character (CR, LF, tab, escape, ...) written as
/// its Rust escape (`\r`, `\n`, `\u{1b}`), so that text from outside cannot add lines, or
/// terminal sequences, to a table, a log or a terminal. Borrowed when there is nothing to
/// escape.
///
/// ```
/// assert_eq!(refundkit_core::text::one_line("ok"), "ok");
/// assert_eq!(refundkit_core::text::one_line("a\nb\u{1b}[2J"), "a\\nb\\u{1b}[2J");
/// ```
pub fn one_line(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}
