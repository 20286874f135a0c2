//! Source positions and spans.
//!
//! Every AST node carries a [`Span`] so that a runner can point at the exact script text when an
//! expectation fails (packetdrill itself only reports line numbers; we keep columns too).

use std::fmt;

/// A position in a script: byte offset plus 1-based line and column.
///
/// Columns count Unicode scalar values (characters), not bytes, and a tab counts as one column,
/// like most compilers do. Offsets are byte offsets into the (UTF-8) source.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pos {
    /// Byte offset from the start of the file.
    pub offset: usize,
    /// 1-based line number (0 only in [`Pos::DUMMY`]).
    pub line: u32,
    /// 1-based column, in characters (0 only in [`Pos::DUMMY`]).
    pub col: u32,
}

impl Pos {
    /// The position of a node that did not come from source text (e.g. built by hand or with
    /// spans cleared for comparison).
    pub const DUMMY: Pos = Pos {
        offset: 0,
        line: 0,
        col: 0,
    };

    /// The first character of a file.
    pub const START: Pos = Pos {
        offset: 0,
        line: 1,
        col: 1,
    };
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// A half-open range of source text: `start` is the first character, `end` the position just
/// after the last one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// First character of the node.
    pub start: Pos,
    /// Position just past the node's last character.
    pub end: Pos,
}

impl Span {
    /// The span of synthesized nodes; see [`Pos::DUMMY`].
    pub const DUMMY: Span = Span {
        start: Pos::DUMMY,
        end: Pos::DUMMY,
    };

    /// A span from `start` to `end`.
    pub fn new(start: Pos, end: Pos) -> Span {
        Span { start, end }
    }

    /// The smallest span covering `self` and `other` (which must come later in the file).
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start,
            end: other.end,
        }
    }

    /// The source text covered by this span (empty if the span does not fit `source`).
    pub fn text(self, source: &str) -> &str {
        source.get(self.start.offset..self.end.offset).unwrap_or("")
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start, self.end)
    }
}

/// A leaf value together with where it was written, e.g. the `257` of `win 257`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Spanned<T> {
    /// The parsed value.
    pub value: T,
    /// Where the value was written.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Wraps `value` with `span`.
    pub fn new(value: T, span: Span) -> Spanned<T> {
        Spanned { value, span }
    }

    /// Wraps `value` with [`Span::DUMMY`], for nodes built by hand.
    pub fn dummy(value: T) -> Spanned<T> {
        Spanned {
            value,
            span: Span::DUMMY,
        }
    }
}

impl<T: fmt::Display> fmt::Display for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_and_text() {
        let a = Span::new(
            Pos {
                offset: 0,
                line: 1,
                col: 1,
            },
            Pos {
                offset: 2,
                line: 1,
                col: 3,
            },
        );
        let b = Span::new(
            Pos {
                offset: 3,
                line: 1,
                col: 4,
            },
            Pos {
                offset: 5,
                line: 1,
                col: 6,
            },
        );
        let ab = a.to(b);
        assert_eq!(ab.text("+0 > S"), "+0 > ");
        assert_eq!(ab.to_string(), "1:1-1:6");
        assert_eq!(Span::DUMMY.text("abc"), "");
        assert_eq!(Spanned::dummy(7u32).to_string(), "7");
    }
}
