//! Bounded quoting for error messages: a scenario may hold a 10 MB string, a
//! `--set` value may be 128 KB, and an error must still fit on a screen. Every
//! user value an error quotes goes through [`quote`].

use std::path::Path;

/// Characters of a user value an error quotes.
pub const QUOTE_CHARS: usize = 80;
/// `'value'`, at most [`QUOTE_CHARS`] characters of it, control characters
/// escaped; a longer value is cut with `…` and its length given.
pub fn quote(value: &str) -> String {
    let shown = escape(&truncate(value, QUOTE_CHARS));
    let total = value.chars().count();
    if total > QUOTE_CHARS {
        format!("'{shown}' ({total} characters)")
    } else {
        format!("'{shown}'")
    }
}

/// A path as [`quote`] shows it.
pub fn quote_path(path: &Path) -> String {
    quote(&path.to_string_lossy())
}

/// At most `max` characters of `text`, with `…` when cut.
pub fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// Control characters (newlines, tabs, escapes) as `\n`, `\t`, `\u{1b}`, so a
/// quoted value stays on one line and cannot forge output.
pub fn escape(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_bounded_and_on_one_line() {
        assert_eq!(quote("docker.sock"), "'docker.sock'");
        let long = quote(&"n".repeat(10_000_000));
        assert!(long.len() < 140, "{long}");
        assert!(long.ends_with("…' (10000000 characters)"), "{long}");
        assert_eq!(quote("a\nb"), "'a\\nb'");
        // Never cut inside a character.
        assert!(quote(&"é".repeat(100)).contains('…'));
    }
}
