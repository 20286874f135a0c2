//! Parse errors, reported packetdrill-style as `file:line:col: message`.

use std::fmt;

use super::span::Pos;

/// One parse error. A failed parse reports exactly one: the first problem found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file name given to [`parse`](super::parse).
    pub file: String,
    /// 1-based line of the problem.
    pub line: u32,
    /// 1-based column (in characters) of the problem.
    pub col: u32,
    /// What is wrong, starting with a lower-case letter and without a trailing period.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic at `pos` in `file`.
    pub fn new(file: &str, pos: Pos, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: file.to_string(),
            line: pos.line,
            col: pos.col,
            message: message.into(),
        }
    }

    /// The diagnostic followed by the offending source line and a caret under the column:
    ///
    /// ```text
    /// foo.pkt:3:18: expected ack number after 'ack', found end of line
    ///     3 | +0 > . 1:1(0) ack
    ///       |                  ^
    /// ```
    ///
    /// `source` should be the bytes that were parsed; invalid UTF-8 in the shown line is
    /// replaced, and if the line does not exist only the first line is printed.
    pub fn render(&self, source: &[u8]) -> String {
        let mut out = self.to_string();
        let Some(index) = (self.line as usize).checked_sub(1) else {
            return out;
        };
        let Some(line) = source.split(|&b| b == b'\n').nth(index) else {
            return out;
        };
        let line = String::from_utf8_lossy(line);
        let line = line.trim_end_matches('\r');
        let number = self.line.to_string();
        let gutter = " ".repeat(number.len());
        // Keep tabs as tabs before the caret so it lines up under the offending character.
        let pad: String = line
            .chars()
            .take(self.col.saturating_sub(1) as usize)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        out.push_str(&format!("\n {number} | {line}\n {gutter} | {pad}^"));
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.col, self.message
        )
    }
}

impl std::error::Error for Diagnostic {}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag(line: u32, col: u32) -> Diagnostic {
        Diagnostic {
            file: "foo.pkt".into(),
            line,
            col,
            message: "bad thing".into(),
        }
    }

    #[test]
    fn display_is_packetdrill_style() {
        assert_eq!(diag(3, 17).to_string(), "foo.pkt:3:17: bad thing");
    }

    #[test]
    fn render_points_at_column() {
        let src = b"line one\n\tab cd\n";
        assert_eq!(
            diag(2, 4).render(src),
            "foo.pkt:2:4: bad thing\n 2 | \tab cd\n   | \t  ^"
        );
    }

    #[test]
    fn render_tolerates_bad_input() {
        assert_eq!(diag(9, 1).render(b"x"), "foo.pkt:9:1: bad thing");
        assert_eq!(diag(0, 1).render(b"x"), "foo.pkt:0:1: bad thing");
        let r = diag(1, 2).render(b"a\xffb");
        assert!(r.ends_with("a\u{fffd}b\n   |  ^"), "{r}");
    }
}
