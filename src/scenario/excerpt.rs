//! Bounded excerpts of a scenario for its errors: a TOML error is rebuilt from
//! its span ([`toml_error`]) instead of toml's own text, which repeats the
//! whole offending line (the quoting itself is `crate::quote`).

use crate::quote::{escape, truncate, QUOTE_CHARS};
use std::fmt::Write as _;

/// Characters of a line an error shows around the column it points at.
const EXCERPT_CHARS: usize = 160;
/// Of those, how many come before the column.
const EXCERPT_BEFORE: usize = 60;
/// Characters of a parser's message (it may quote the value itself).
const MESSAGE_CHARS: usize = 400;

/// A parser's message, bounded and on one line.
pub fn message(text: &str) -> String {
    escape(&truncate(text.trim(), MESSAGE_CHARS))
}

/// A TOML error as `line L, column C, field F: message`, then an excerpt of at
/// most [`EXCERPT_CHARS`] characters of that line with a caret under column C.
pub fn toml_error(text: &str, error: &toml::de::Error) -> String {
    let field = key_path(error);
    let message = message(error.message());
    let mut out = String::new();
    // Errors of a table built in memory (no text) have no place to show.
    let located = error
        .span()
        .filter(|_| !text.is_empty())
        .map(|span| locate(text, span.start));
    if let Some(at) = &located {
        let _ = write!(out, "line {}, column {}", at.line, at.column);
    }
    // Messages that already name their field (`target.emulate.memory: ...`) do not need it twice.
    if let Some(field) = field.filter(|f| !message.starts_with(f.as_str())) {
        let _ = write!(
            out,
            "{}field {}",
            if out.is_empty() { "" } else { ", " },
            escape(&truncate(&field, QUOTE_CHARS))
        );
    }
    if !out.is_empty() {
        out.push_str(": ");
    }
    out.push_str(&message);
    if let Some(at) = located {
        out.push('\n');
        out.push_str(&at.excerpt());
    }
    out
}

/// The dotted key path toml recorded for a value's error, if any (toml keeps
/// it private and shows it only when it has no input to quote).
fn key_path(error: &toml::de::Error) -> Option<String> {
    let mut bare = error.clone();
    bare.set_input(None);
    let shown = bare.to_string();
    let (_, keys) = shown.trim_end().rsplit_once("\nin `")?;
    keys.strip_suffix('`')
        .filter(|k| !k.is_empty())
        .map(str::to_string)
}

/// A position in a text, and the line it is on.
struct Location<'a> {
    /// 1-based.
    line: usize,
    /// 1-based, in characters.
    column: usize,
    content: &'a str,
}

fn locate(text: &str, offset: usize) -> Location<'_> {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |at| at + 1);
    let line_end = text[offset..]
        .find('\n')
        .map_or(text.len(), |at| offset + at);
    Location {
        line: text[..line_start].matches('\n').count() + 1,
        column: text[line_start..offset].chars().count() + 1,
        content: text[line_start..line_end].trim_end_matches('\r'),
    }
}

impl Location<'_> {
    /// `  12 | excerpt` and a caret line under the column.
    fn excerpt(&self) -> String {
        let skip = (self.column - 1).saturating_sub(EXCERPT_BEFORE);
        let mut shown: String = self
            .content
            .chars()
            .skip(skip)
            .take(EXCERPT_CHARS)
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let mut caret = self.column - 1 - skip;
        if skip > 0 {
            shown.insert(0, '…');
            caret += 1;
        }
        if self.content.chars().count() > skip + EXCERPT_CHARS {
            shown.push('…');
        }
        let gutter = self.line.to_string();
        format!(
            "  {gutter} | {shown}\n  {} | {}^",
            " ".repeat(gutter.len()),
            " ".repeat(caret)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_line_gives_a_short_excerpt_with_line_column_and_field() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Doc {
            name: u32,
        }
        let text = format!("# top\nname = \"{}\"\n", "x".repeat(10_000_000));
        let error = toml::from_str::<Doc>(&text).expect_err("a string is no number");
        let shown = toml_error(&text, &error);
        assert!(shown.len() < 1000, "{} bytes: {shown:.300}", shown.len());
        assert!(
            shown.starts_with("line 2, column 8, field name: "),
            "{shown}"
        );
        assert!(shown.contains("  2 | name = \"xxx"), "{shown}");
        assert!(shown.contains("xxx…\n"), "{shown}");
        assert!(shown.ends_with("|        ^"), "{shown}");
    }

    #[test]
    fn the_excerpt_follows_a_column_far_into_the_line() {
        let text = format!("a = [{}x]\n", "1, ".repeat(1000));
        let error = toml::from_str::<toml::Table>(&text).expect_err("x is no value");
        let shown = toml_error(&text, &error);
        assert!(shown.starts_with("line 1, column 3006"), "{shown}");
        let excerpt = shown.lines().nth(1).expect("excerpt line");
        assert!(
            excerpt.contains("| …") && excerpt.contains("1, x]"),
            "{shown}"
        );
        let caret = shown.lines().nth(2).expect("caret line");
        let x_at = excerpt.find("x]").expect("x");
        assert_eq!(caret.chars().count(), excerpt[..x_at].chars().count() + 1);
    }
}
