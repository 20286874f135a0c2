//! The packetdrill script language: lexer, parser, AST with spans, diagnostics, printer.
//!
//! ```
//! use synack::script::{self, EventKind, PacketBody};
//!
//! let src = b"--tolerance_usecs=10000\n\
//!             0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n\
//!             +.1 < S 0:0(0) win 32792 <mss 1000,nop,wscale 7>\n";
//! let script = script::parse("demo.pkt", src).unwrap();
//! assert_eq!(script.option("tolerance_usecs"), Some(Some("10000")));
//! assert_eq!(script.events.len(), 2);
//! let EventKind::Packet(packet) = &script.events[1].kind else { panic!() };
//! let PacketBody::Tcp(tcp) = &packet.body else { panic!() };
//! assert!(tcp.flags.syn);
//! assert_eq!(tcp.win.as_ref().unwrap().value, 32792);
//!
//! let err = script::parse("bad.pkt", b"+0 > S 0:0(0) ack\n").unwrap_err();
//! assert_eq!(err.to_string(), "bad.pkt:1:18: expected ack number after 'ack', found end of file");
//! ```
//!
//! The grammar follows google/packetdrill's `parser.y` and accepts all 162 upstream TCP scripts;
//! where packetdrill has a dedicated rule for a C struct (msghdr, pollfd, …), this parser has
//! the general struct literal of [`ExprKind::Struct`].

pub mod ast;
pub mod diagnostic;
pub mod lexer;
mod parser;
mod print;
pub mod span;
pub mod spanless;

pub use ast::*;
pub use diagnostic::Diagnostic;
pub use span::{Pos, Span, Spanned};
pub use spanless::ClearSpans;

/// Parses a script. `file_name` is only used in diagnostics. Source that is not UTF-8 is
/// rejected with the position of the first bad byte.
pub fn parse(file_name: &str, source: &[u8]) -> Result<Script, Diagnostic> {
    let text = std::str::from_utf8(source).map_err(|e| utf8_error(file_name, source, e))?;
    parse_str(file_name, text)
}

/// Parses a script that is already a `str`.
pub fn parse_str(file_name: &str, source: &str) -> Result<Script, Diagnostic> {
    parser::Parser::new(source)
        .parse_script()
        .map_err(|e| Diagnostic::new(file_name, e.pos, e.message))
}

fn utf8_error(file_name: &str, source: &[u8], error: std::str::Utf8Error) -> Diagnostic {
    let offset = error.valid_up_to();
    // The prefix is valid UTF-8 by definition, so lines and columns count characters.
    let prefix = std::str::from_utf8(&source[..offset]).unwrap_or("");
    let line_start = prefix.rfind('\n').map_or(0, |i| i + 1);
    let pos = Pos {
        offset,
        line: 1 + prefix.matches('\n').count() as u32,
        col: 1 + prefix[line_start..].chars().count() as u32,
    };
    let message = format!(
        "invalid UTF-8 (byte 0x{:02x}); scripts must be UTF-8 text",
        source[offset]
    );
    Diagnostic::new(file_name, pos, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_errors_have_a_position() {
        let err = parse("x.pkt", b"0 socket()\n  // \xc3\xa9 ok\n  +0 \xff").unwrap_err();
        assert_eq!((err.line, err.col), (3, 6));
        assert_eq!(
            err.message,
            "invalid UTF-8 (byte 0xff); scripts must be UTF-8 text"
        );
        let err = parse("x.pkt", b"// \xc3\xa9\xc3").unwrap_err();
        assert_eq!((err.line, err.col), (1, 5));
    }

    #[test]
    fn empty_script() {
        let script = parse("e.pkt", b"  // nothing\n").unwrap();
        assert!(script.events.is_empty() && script.options.is_empty());
        assert_eq!(script.to_string(), "");
    }
}
