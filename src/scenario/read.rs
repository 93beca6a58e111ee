//! The steps every scenario goes through: the file read (a bounded regular
//! UTF-8 file), its text parsed (errors located and quoted in part), a table
//! turned into a [`Scenario`] with the header its record starts with.

use super::excerpt;
use super::file::ScenarioFile;
use super::scenario_error::ScenarioError;
use super::validated::Scenario;
use crate::quote::{quote, quote_path};
use serde::Deserialize;
use std::io::Read as _;
use std::path::Path;

/// The largest scenario file read: far above any real one (a few KB), far
/// below what would make parsing slow.
const MAX_FILE_BYTES: u64 = 16 << 20;
/// The most keys, values and tables (`=`, `,`, `[`, `{` outside strings and
/// comments) a scenario may hold: a sweep of 1000 points has about 1000.
/// Parsing a million of them would take seconds and gigabytes.
const MAX_ITEMS: usize = 20_000;

/// The file's text: only a regular file, at most [`MAX_FILE_BYTES`], UTF-8.
pub fn text(path: &Path) -> Result<String, ScenarioError> {
    let unreadable = |problem: String| ScenarioError::Unreadable {
        path: path.to_path_buf(),
        problem,
    };
    let read_error = |error| ScenarioError::Read {
        path: path.to_path_buf(),
        error,
    };
    // Checked before opening: opening a FIFO would wait for a writer.
    let kind = std::fs::metadata(path).map_err(read_error)?.file_type();
    if kind.is_dir() {
        return Err(unreadable("is a directory, not a TOML file".into()));
    }
    if !kind.is_file() {
        return Err(unreadable(
            "is not a regular file (a device, FIFO or socket)".into(),
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(unreadable(format!(
            "is larger than {} MiB: no scenario is that long",
            MAX_FILE_BYTES >> 20
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // Up to the bad byte the text is valid UTF-8.
        let before = String::from_utf8_lossy(valid);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        unreadable(format!(
            "is not UTF-8 text: invalid byte at line {line}, column {column}"
        ))
    })
}

/// The text as a TOML table (syntax errors located); every scenario text
/// goes through here first.
pub fn table(path: &Path, text: &str) -> Result<toml::Table, ScenarioError> {
    if let Some(line) = line_past_items(text.as_bytes(), MAX_ITEMS) {
        return Err(ScenarioError::Invalid {
            path: path.to_path_buf(),
            message: format!(
                "more than {MAX_ITEMS} keys, values and tables by line {line}: no scenario is that large"
            ),
        });
    }
    toml::from_str(text).map_err(|e| ScenarioError::Invalid {
        path: path.to_path_buf(),
        message: excerpt::toml_error(text, &e),
    })
}

/// The line on which `text` holds its `limit`+1st item: `=`, `,`, `[` or `{`
/// outside strings and comments (a lexer just good enough to count them).
fn line_past_items(text: &[u8], limit: usize) -> Option<usize> {
    let (mut at, mut line, mut count) = (0, 1, 0);
    while at < text.len() {
        match text[at] {
            b'\n' => line += 1,
            b'#' => {
                while at + 1 < text.len() && text[at + 1] != b'\n' {
                    at += 1;
                }
            }
            quote @ (b'"' | b'\'') => {
                let triple = text[at..].starts_with(&[quote; 3]);
                at += if triple { 3 } else { 1 };
                while at < text.len() {
                    let c = text[at];
                    if c == b'\\' && quote == b'"' {
                        // The escaped character, which may end the line.
                        at += 1;
                        if text.get(at) == Some(&b'\n') {
                            line += 1;
                        }
                    } else if c == b'\n' {
                        line += 1;
                        if !triple {
                            break;
                        }
                    } else if c == quote && (!triple || text[at..].starts_with(&[quote; 3])) {
                        at += if triple { 2 } else { 0 };
                        break;
                    }
                    at += 1;
                }
            }
            b'=' | b',' | b'[' | b'{' => {
                count += 1;
                if count > limit {
                    return Some(line);
                }
            }
            _ => {}
        }
        at += 1;
    }
    None
}

/// The text parsed as a scenario, for errors located in it; `point` names the
/// sweep point the text was written out for.
pub fn check_text(
    path: &Path,
    text: &str,
    point: Option<(usize, usize)>,
) -> Result<(), ScenarioError> {
    match toml::from_str::<ScenarioFile>(text) {
        Ok(_) => Ok(()),
        Err(e) => Err(ScenarioError::Invalid {
            path: path.to_path_buf(),
            message: match point {
                Some((i, total)) => format!(
                    "sweep point {i} of {total} (as written out): {}",
                    excerpt::toml_error(text, &e)
                ),
                None => excerpt::toml_error(text, &e),
            },
        }),
    }
}

/// A table whose text and overrides were checked, as a validated scenario
/// whose record starts with `header`.
pub fn point(path: &Path, table: toml::Table, header: &str) -> Result<Scenario, ScenarioError> {
    let invalid = |message: String| ScenarioError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    let file = ScenarioFile::deserialize(toml::Value::Table(table))
        .map_err(|e| invalid(excerpt::toml_error("", &e)))?;
    file.into_scenario(header).map_err(invalid)
}

/// The comment a recorded scenario starts with: where it came from, and the
/// overrides already applied to it (escaped, so none can end its comment line).
pub fn header(path: &Path, point: Option<(usize, usize)>, overrides: &[String]) -> String {
    let mut out = match point {
        Some((i, total)) => format!("# sweep point {i} of {total} from {}\n", quote_path(path)),
        None => format!("# scenario {}\n", quote_path(path)),
    };
    out.push_str("# The effective values: every default filled in");
    if overrides.is_empty() {
        out.push_str(".\n");
    } else {
        out.push_str(", and these command-line overrides applied:\n");
        for assignment in overrides {
            out.push_str(&format!("#   --set {}\n", quote(assignment)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::line_past_items;

    #[test]
    fn items_are_counted_outside_strings_and_comments_only() {
        let text =
            "a = 1 # = , [ {\nb = \"=,[{\\\"=\"\nc = '=,'\nd = \"\"\"\n=,\\\n\"\"\"\ne = [1, 2]\n";
        // a=, b=, c=, d=, e=, [, ',' : 7 items, the 7th on line 7.
        assert_eq!(line_past_items(text.as_bytes(), 7), None);
        assert_eq!(line_past_items(text.as_bytes(), 6), Some(7));
        assert_eq!(line_past_items(b"x = 'a\nb = 1", 1), Some(2));
    }
}
