//! Recursive-descent parser over the lexer's token stream.
//!
//! The grammar is packetdrill's (`parser.y`): newline-insensitive, one token of look-ahead, and
//! the first error stops the parse. Messages point at the offending token, or just after the
//! previous token when the parser ran into the next line or the end of the file, so that a
//! truncated line is reported on that line.
//!
//! Submodules: [`packet`] (packet lines), [`syscall`] (system calls and the expression
//! language). This module has the token plumbing, the script/event structure and times.

mod packet;
mod syscall;

use super::ast::*;
use super::lexer::{Lexer, SyntaxError, Token, TokenKind};
use super::span::{Pos, Span, Spanned};

type PResult<T> = Result<T, SyntaxError>;

/// How deeply arrays, structs and calls may nest before the parser gives up (keeps hostile
/// input from overflowing the stack).
const MAX_NESTING: u32 = 64;

/// Parser state: the lexer plus one token of look-ahead.
pub(crate) struct Parser<'a> {
    src: &'a str,
    lexer: Lexer<'a>,
    peeked: Option<Token>,
    /// End of the last consumed token ([`Pos::DUMMY`] before the first one).
    prev_end: Pos,
    depth: u32,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(src: &'a str) -> Parser<'a> {
        Parser {
            src,
            lexer: Lexer::new(src),
            peeked: None,
            prev_end: Pos::DUMMY,
            depth: 0,
        }
    }

    // ----- token plumbing -----

    fn peek(&mut self) -> PResult<&Token> {
        if self.peeked.is_none() {
            self.peeked = Some(self.lexer.next_token()?);
        }
        Ok(self.peeked.as_ref().expect("just filled"))
    }

    fn peek_is(&mut self, kind: &TokenKind) -> PResult<bool> {
        Ok(&self.peek()?.kind == kind)
    }

    /// The text of the next token if it is a word.
    fn peek_word(&mut self) -> PResult<Option<&'a str>> {
        let src = self.src;
        let token = self.peek()?;
        Ok((token.kind == TokenKind::Word).then(|| token.span.text(src)))
    }

    fn bump(&mut self) -> PResult<Token> {
        let token = match self.peeked.take() {
            Some(token) => token,
            None => self.lexer.next_token()?,
        };
        self.prev_end = token.span.end;
        Ok(token)
    }

    fn eat(&mut self, kind: &TokenKind) -> PResult<Option<Token>> {
        if self.peek_is(kind)? {
            self.bump().map(Some)
        } else {
            Ok(None)
        }
    }

    fn expect(&mut self, kind: &TokenKind, what: &str) -> PResult<Token> {
        match self.eat(kind)? {
            Some(token) => Ok(token),
            None => Err(self.expected(what)),
        }
    }

    /// Consumes the word `word` or fails with "expected `what`".
    fn expect_word(&mut self, word: &str, what: &str) -> PResult<Token> {
        if self.peek_word()? == Some(word) {
            self.bump()
        } else {
            Err(self.expected(what))
        }
    }

    fn text(&self, token: &Token) -> &'a str {
        token.span.text(self.src)
    }

    /// "expected `what`, found …", placed at the next token, or right after the previous one
    /// if the next token is on a later line or is the end of the file.
    fn expected(&mut self, what: &str) -> SyntaxError {
        let prev_end = self.prev_end;
        let after_prev = prev_end != Pos::DUMMY;
        let token = match self.peek() {
            Ok(token) => token.clone(),
            // A bad token on a later line: the unfinished line is the first error.
            Err(lex_error) if after_prev && lex_error.pos.line > prev_end.line => {
                return SyntaxError::new(prev_end, format!("expected {what}, found end of line"))
            }
            Err(lex_error) => return lex_error,
        };
        if token.kind == TokenKind::Eof {
            let pos = if after_prev {
                self.prev_end
            } else {
                token.span.start
            };
            return SyntaxError::new(pos, format!("expected {what}, found end of file"));
        }
        if after_prev && token.span.start.line > self.prev_end.line {
            return SyntaxError::new(self.prev_end, format!("expected {what}, found end of line"));
        }
        SyntaxError::new(
            token.span.start,
            format!("expected {what}, found {}", describe(&token, self.src)),
        )
    }

    fn enter(&mut self, at: Pos) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(SyntaxError::new(
                at,
                format!("nesting too deep (limit {MAX_NESTING})"),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    // ----- numbers -----

    /// A decimal number no larger than `max`; `what` names it in "expected …" errors and
    /// `field` in range errors (packetdrill's wording, e.g. "TCP window value out of range").
    fn bounded(&mut self, what: &str, field: &str, max: u64) -> PResult<Spanned<u64>> {
        let token = self.peek()?.clone();
        if token.kind == TokenKind::Alnum {
            let text = self.text(&token);
            return Err(SyntaxError::new(
                token.span.start,
                format!("malformed number '{text}'"),
            ));
        }
        if token.kind != TokenKind::Int {
            return Err(self.expected(what));
        }
        self.bump()?;
        let value = self.decimal(&token)?;
        if value > max {
            return Err(SyntaxError::new(
                token.span.start,
                format!("{field} out of range: {value} > {max}"),
            ));
        }
        Ok(Spanned::new(value, token.span))
    }

    /// The value of an [`TokenKind::Int`] token, diagnosing overflow.
    fn decimal(&self, token: &Token) -> PResult<u64> {
        let text = self.text(token);
        text.parse::<u64>().map_err(|_| {
            SyntaxError::new(
                token.span.start,
                format!("number '{text}' is too large (max {})", u64::MAX),
            )
        })
    }

    // ----- script structure -----

    /// `opt_options opt_init_command events opt_cleanup_command`.
    pub(crate) fn parse_script(&mut self) -> PResult<Script> {
        let mut options = Vec::new();
        while self.peek_is(&TokenKind::CliOption)? {
            let token = self.bump()?;
            options.push(self.cli_option(&token));
        }
        let init_command = self
            .eat(&TokenKind::Command)?
            .map(|token| self.raw_text(&token, 1));
        let mut events = Vec::new();
        let mut cleanup_command = None;
        loop {
            let token = self.peek()?.clone();
            if token.kind == TokenKind::Eof {
                break;
            } else if token.kind == TokenKind::Command {
                self.bump()?;
                if !self.peek_is(&TokenKind::Eof)? {
                    return Err(SyntaxError::new(
                        token.span.start,
                        "a backtick command without a time must be the first or the last item \
                         of a script; give it a time such as '+0'",
                    ));
                }
                cleanup_command = Some(self.raw_text(&token, 1));
            } else if token.kind == TokenKind::CliOption {
                return Err(SyntaxError::new(
                    token.span.start,
                    format!(
                        "option '{}' must come before any command or event",
                        self.text(&token)
                    ),
                ));
            } else {
                events.push(self.event()?);
            }
        }
        Ok(Script {
            options,
            init_command,
            events,
            cleanup_command,
        })
    }

    fn cli_option(&self, token: &Token) -> CliOption {
        let text = self.text(token);
        let body = &text[2..];
        let (name, value) = match body.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (body, None),
        };
        // The name is ASCII, so columns advance one per byte up to the value.
        let at = |n: usize| Pos {
            offset: token.span.start.offset + n,
            line: token.span.start.line,
            col: token.span.start.col + n as u32,
        };
        let name_span = Span::new(at(2), at(2 + name.len()));
        CliOption {
            name: Spanned::new(name.to_string(), name_span),
            value: value.map(|v| {
                Spanned::new(v.to_string(), Span::new(at(3 + name.len()), token.span.end))
            }),
            span: token.span,
        }
    }

    /// The text of a backtick command or code block without its `delim`-byte delimiters.
    fn raw_text(&self, token: &Token, delim: usize) -> RawText {
        let text = self.text(token);
        RawText {
            text: text[delim..text.len() - delim].to_string(),
            span: token.span,
        }
    }

    /// `event_time action`, plus packetdrill's checks on where `*` and ranges may appear.
    fn event(&mut self) -> PResult<Event> {
        let start = self.peek()?.span.start;
        let time = self.event_time()?;
        let token = self.peek()?.clone();
        let kind = if matches!(token.kind, TokenKind::Lt | TokenKind::Gt) {
            EventKind::Packet(self.packet()?)
        } else if token.kind == TokenKind::Word {
            EventKind::Syscall(self.syscall(None)?)
        } else if token.kind == TokenKind::Ellipsis {
            self.bump()?;
            let end = self.time("a blocking system call's end time after '...'")?;
            EventKind::Syscall(self.syscall(Some(end))?)
        } else if token.kind == TokenKind::Command {
            self.bump()?;
            EventKind::Command(self.raw_text(&token, 1))
        } else if token.kind == TokenKind::Code {
            self.bump()?;
            EventKind::Code(self.raw_text(&token, 2))
        } else {
            return Err(self.expected(
                "a packet ('<' or '>'), a system call, a `command` or a %{ }% block after the \
                 event time",
            ));
        };
        check_event_time(&time, &kind, start)?;
        Ok(Event {
            time,
            kind,
            span: Span::new(start, self.prev_end),
        })
    }

    /// `*` | `+t` | `t` | `t~t` | `+t~+t`.
    fn event_time(&mut self) -> PResult<EventTime> {
        let token = self.peek()?.clone();
        if token.kind == TokenKind::Star {
            self.bump()?;
            Ok(EventTime::Any(token.span))
        } else if token.kind == TokenKind::Plus {
            self.bump()?;
            let start = self.time("a time after '+'")?;
            if self.eat(&TokenKind::Tilde)?.is_none() {
                return Ok(EventTime::Relative(start));
            }
            if self.eat(&TokenKind::Plus)?.is_none() {
                return Err(self.mixed_range("'+' and a relative end time after '~'"));
            }
            let end = self.time("a time after '+'")?;
            Ok(EventTime::RelativeRange { start, end })
        } else if matches!(token.kind, TokenKind::Int | TokenKind::Float) {
            let start = self.time("a time")?;
            if self.eat(&TokenKind::Tilde)?.is_none() {
                return Ok(EventTime::Absolute(start));
            }
            if self.peek_is(&TokenKind::Plus)? {
                return Err(self.mixed_range("an absolute end time after '~'"));
            }
            let end = self.time("an absolute end time after '~'")?;
            Ok(EventTime::AbsoluteRange { start, end })
        } else {
            Err(self.expected("an event time (such as '0', '+0.1' or '*')"))
        }
    }

    fn mixed_range(&mut self, what: &str) -> SyntaxError {
        match self.peek() {
            Ok(token)
                if matches!(
                    token.kind,
                    TokenKind::Int | TokenKind::Float | TokenKind::Plus
                ) =>
            {
                SyntaxError::new(
                    token.span.start,
                    "time range mixes absolute and relative times (write 'a~b' or '+a~+b')",
                )
            }
            Ok(_) | Err(_) => self.expected(what),
        }
    }

    /// An unsigned time in seconds (`INTEGER` or `FLOAT` in packetdrill), kept in microseconds.
    fn time(&mut self, what: &str) -> PResult<Time> {
        let token = self.peek()?.clone();
        if !matches!(token.kind, TokenKind::Int | TokenKind::Float) {
            if token.kind == TokenKind::Alnum {
                let text = self.text(&token);
                return Err(SyntaxError::new(
                    token.span.start,
                    format!("malformed time '{text}'"),
                ));
            }
            return Err(self.expected(what));
        }
        self.bump()?;
        let text = self.text(&token);
        let micros = seconds_to_micros(text)
            .map_err(|message| SyntaxError::new(token.span.start, message))?;
        Ok(Time {
            micros,
            span: token.span,
        })
    }
}

/// `"1.5"` → 1 500 000. More than six decimals are allowed only if the extra ones are zeros.
fn seconds_to_micros(text: &str) -> Result<u64, String> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let too_large = || format!("time '{text}' is too large");
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_large())?
    };
    if frac.len() > 6 && frac[6..].bytes().any(|b| b != b'0') {
        return Err(format!("time '{text}' is more precise than a microsecond"));
    }
    let mut micros_part = 0u64;
    for i in 0..6 {
        let digit = frac.as_bytes().get(i).map_or(0, |b| u64::from(b - b'0'));
        micros_part = micros_part * 10 + digit;
    }
    whole
        .checked_mul(1_000_000)
        .and_then(|w| w.checked_add(micros_part))
        .ok_or_else(too_large)
}

/// packetdrill's semantic checks on event times (`event` rule of `parser.y`).
fn check_event_time(time: &EventTime, kind: &EventKind, at: Pos) -> PResult<()> {
    let outbound_packet = match kind {
        EventKind::Packet(p) => p.direction.value == Direction::Outbound,
        EventKind::Syscall(_) | EventKind::Command(_) | EventKind::Code(_) => false,
    };
    match time {
        EventTime::Absolute(_) | EventTime::Relative(_) => Ok(()),
        EventTime::Any(_) if outbound_packet => Ok(()),
        EventTime::Any(_) => Err(SyntaxError::new(
            at,
            "event time '*' can only be used with outbound packets",
        )),
        EventTime::AbsoluteRange { start, end } | EventTime::RelativeRange { start, end } => {
            if !outbound_packet {
                return Err(SyntaxError::new(
                    at,
                    "event time range can only be used with outbound packets",
                ));
            }
            if end.micros < start.micros {
                return Err(SyntaxError::new(end.span.start, "time range is backwards"));
            }
            Ok(())
        }
    }
}

/// How a token is quoted in "found …".
fn describe(token: &Token, src: &str) -> String {
    let text = token.span.text(src);
    let first_line = text.lines().next().unwrap_or("");
    let mut shown: String = first_line.chars().take(24).collect();
    if shown.len() < text.len() {
        shown.push('…');
    }
    format!("'{shown}'")
}

#[cfg(test)]
mod tests;
