//! Hand-written lexer for packetdrill scripts.
//!
//! Like packetdrill's flex lexer, whitespace and newlines are insignificant: the grammar alone
//! decides where an event ends. Comments are `// …` to end of line and `/* … */` (packetdrill has
//! no `#` comments; `#` only appears inside backtick shell commands and `%{ }%` Python code, which
//! are kept raw). The parser pulls tokens one at a time, which lets it read the free text of a
//! syscall note such as `(Operation now in progress)` raw instead of tokenizing it.

use super::span::{Pos, Span};

/// A lexical error or parse error at one position; [`parse`](super::parse) adds the file name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where the problem is.
    pub pos: Pos,
    /// What is wrong.
    pub message: String,
}

impl SyntaxError {
    /// An error at `pos`.
    pub fn new(pos: Pos, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            pos,
            message: message.into(),
        }
    }
}

/// What kind of token was read. The token's text is `span.text(source)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// Decimal digits: `1000`.
    Int,
    /// `0x` and hex digits: `0xffffffff`.
    Hex,
    /// A decimal with a fraction: `1.5`, `.1`, `0.100` (packetdrill's FLOAT, used for times).
    Float,
    /// An identifier: `[A-Za-z_][A-Za-z0-9_]*`.
    Word,
    /// Starts with a digit and contains letters, e.g. the fast open cookie `1234abcd`.
    Alnum,
    /// A string literal with escapes already decoded (strings may hold arbitrary bytes).
    Str(Vec<u8>),
    /// A backtick shell command, delimiters included in the span.
    Command,
    /// A `%{ … }%` code block, delimiters included in the span.
    Code,
    /// A `--name` or `--name=value` option line start (the value is the following run of
    /// non-whitespace characters).
    CliOption,
    /// `...`
    Ellipsis,
    /// `.`
    Dot,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `~`
    Tilde,
    /// `:`
    Colon,
    /// `,`
    Comma,
    /// `=`
    Equals,
    /// `|`
    Pipe,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// End of input.
    Eof,
}

/// One token and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// Its kind (and decoded value for strings).
    pub kind: TokenKind,
    /// Its extent in the source.
    pub span: Span,
}

/// Pulls tokens from a UTF-8 source.
#[derive(Clone, Debug)]
pub struct Lexer<'a> {
    src: &'a str,
    pos: Pos,
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `src`.
    pub fn new(src: &'a str) -> Lexer<'a> {
        Lexer {
            src,
            pos: Pos::START,
        }
    }

    /// The current position (just after the last token or raw text read).
    pub fn pos(&self) -> Pos {
        self.pos
    }

    fn byte_at(&self, n: usize) -> Option<u8> {
        self.src.as_bytes().get(self.pos.offset + n).copied()
    }

    fn peek_char(&self) -> Option<char> {
        self.src[self.pos.offset..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek_char()?;
        self.pos.offset += c.len_utf8();
        if c == '\n' {
            self.pos.line += 1;
            self.pos.col = 1;
        } else {
            self.pos.col += 1;
        }
        Some(c)
    }

    fn bump_while(&mut self, pred: impl Fn(u8) -> bool) {
        while self.byte_at(0).is_some_and(&pred) {
            self.bump();
        }
    }

    fn skip_trivia(&mut self) -> Result<(), SyntaxError> {
        loop {
            match (self.byte_at(0), self.byte_at(1)) {
                (Some(b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c), _) => {
                    self.bump();
                }
                (Some(b'/'), Some(b'/')) => self.bump_while(|b| b != b'\n'),
                (Some(b'/'), Some(b'*')) => {
                    let open = self.pos;
                    self.bump();
                    self.bump();
                    loop {
                        match (self.byte_at(0), self.byte_at(1)) {
                            (Some(b'*'), Some(b'/')) => {
                                self.bump();
                                self.bump();
                                break;
                            }
                            (Some(_), _) => {
                                self.bump();
                            }
                            (None, _) => {
                                return Err(SyntaxError::new(open, "unterminated '/*' comment"))
                            }
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    /// Reads the next token, skipping whitespace and comments.
    pub fn next_token(&mut self) -> Result<Token, SyntaxError> {
        self.skip_trivia()?;
        let start = self.pos;
        let kind = self.token_kind(start)?;
        Ok(Token {
            kind,
            span: Span::new(start, self.pos),
        })
    }

    fn token_kind(&mut self, start: Pos) -> Result<TokenKind, SyntaxError> {
        let Some(c) = self.peek_char() else {
            return Ok(TokenKind::Eof);
        };
        if c.is_ascii_digit() {
            return self.number(start);
        }
        if c.is_ascii_alphabetic() || c == '_' {
            self.bump_while(is_ident_char);
            return Ok(TokenKind::Word);
        }
        self.bump();
        let kind = match c {
            '.' if self.byte_at(0) == Some(b'.') && self.byte_at(1) == Some(b'.') => {
                self.bump();
                self.bump();
                TokenKind::Ellipsis
            }
            '.' if self.byte_at(0).is_some_and(|b| b.is_ascii_digit()) => {
                self.bump_while(|b| b.is_ascii_digit());
                self.after_number(start, TokenKind::Float)?
            }
            '.' => TokenKind::Dot,
            '"' => self.string(start)?,
            '`' => {
                self.raw_until(
                    "`",
                    start,
                    "unterminated backtick command (missing closing '`')",
                )?;
                TokenKind::Command
            }
            '%' if self.byte_at(0) == Some(b'{') => {
                self.bump();
                self.raw_until("}%", start, "unterminated '%{' code block (missing '}%')")?;
                TokenKind::Code
            }
            '-' if self.byte_at(0) == Some(b'-') && self.byte_at(1).is_some_and(is_ident_char) => {
                self.cli_option(start)?
            }
            '-' => TokenKind::Minus,
            '+' => TokenKind::Plus,
            '*' => TokenKind::Star,
            '~' => TokenKind::Tilde,
            ':' => TokenKind::Colon,
            ',' => TokenKind::Comma,
            '=' => TokenKind::Equals,
            '|' => TokenKind::Pipe,
            '<' => TokenKind::Lt,
            '>' => TokenKind::Gt,
            '(' => TokenKind::LParen,
            ')' => TokenKind::RParen,
            '[' => TokenKind::LBracket,
            ']' => TokenKind::RBracket,
            '{' => TokenKind::LBrace,
            '}' => TokenKind::RBrace,
            other => {
                return Err(SyntaxError::new(
                    start,
                    format!("unexpected character {other:?}"),
                ))
            }
        };
        Ok(kind)
    }

    /// `[0-9]+`, then a hex prefix, a fraction, or trailing letters decide the kind.
    fn number(&mut self, start: Pos) -> Result<TokenKind, SyntaxError> {
        if self.byte_at(0) == Some(b'0') && matches!(self.byte_at(1), Some(b'x' | b'X')) {
            self.bump();
            self.bump();
            let digits = self.pos.offset;
            self.bump_while(|b| b.is_ascii_hexdigit());
            if self.pos.offset == digits || self.byte_at(0).is_some_and(is_ident_char) {
                self.bump_while(is_ident_char);
                let text = &self.src[start.offset..self.pos.offset];
                return Err(SyntaxError::new(
                    start,
                    format!("malformed hex number '{text}'"),
                ));
            }
            return Ok(TokenKind::Hex);
        }
        self.bump_while(|b| b.is_ascii_digit());
        if self.byte_at(0) == Some(b'.') && self.byte_at(1).is_some_and(|b| b.is_ascii_digit()) {
            self.bump();
            self.bump_while(|b| b.is_ascii_digit());
            return self.after_number(start, TokenKind::Float);
        }
        if self.byte_at(0).is_some_and(is_ident_char) {
            self.bump_while(is_ident_char);
            return Ok(TokenKind::Alnum);
        }
        Ok(TokenKind::Int)
    }

    /// Rejects `1.2.3` and `1.5abc` right after a float.
    fn after_number(&mut self, start: Pos, kind: TokenKind) -> Result<TokenKind, SyntaxError> {
        let dot_digit =
            self.byte_at(0) == Some(b'.') && self.byte_at(1).is_some_and(|b| b.is_ascii_digit());
        if dot_digit || self.byte_at(0).is_some_and(is_ident_char) {
            self.bump_while(|b| is_ident_char(b) || b == b'.');
            let text = &self.src[start.offset..self.pos.offset];
            return Err(SyntaxError::new(
                start,
                format!("malformed number '{text}'"),
            ));
        }
        Ok(kind)
    }

    fn raw_until(&mut self, close: &str, open: Pos, message: &str) -> Result<(), SyntaxError> {
        match self.src[self.pos.offset..].find(close) {
            Some(n) => {
                let end = self.pos.offset + n + close.len();
                while self.pos.offset < end {
                    self.bump();
                }
                Ok(())
            }
            None => Err(SyntaxError::new(open, message)),
        }
    }

    /// `--name` or `--name=value`; the leading `-` is already consumed.
    fn cli_option(&mut self, start: Pos) -> Result<TokenKind, SyntaxError> {
        self.bump();
        self.bump_while(is_ident_char);
        if self.byte_at(0) == Some(b'=') {
            self.bump();
            let value = self.pos.offset;
            self.bump_while(|b| !b.is_ascii_whitespace());
            if self.pos.offset == value {
                let name = &self.src[start.offset..value - 1];
                return Err(SyntaxError::new(
                    self.pos,
                    format!("missing value after '=' in option '{name}'"),
                ));
            }
        }
        Ok(TokenKind::CliOption)
    }

    /// A C-style string literal; the opening quote is already consumed.
    fn string(&mut self, open: Pos) -> Result<TokenKind, SyntaxError> {
        let mut bytes = Vec::new();
        loop {
            let escape_pos = self.pos;
            match self.bump() {
                None | Some('\n') => {
                    return Err(SyntaxError::new(open, "unterminated string literal"))
                }
                Some('"') => return Ok(TokenKind::Str(bytes)),
                Some('\\') => bytes.push(self.escape(escape_pos)?),
                Some(c) => {
                    let mut buf = [0; 4];
                    bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
    }

    /// The C escapes packetdrill's strings accept; `\` is already consumed.
    fn escape(&mut self, at: Pos) -> Result<u8, SyntaxError> {
        let Some(c) = self.bump() else {
            return Err(SyntaxError::new(at, "unterminated string literal"));
        };
        let byte = match c {
            'n' => b'\n',
            't' => b'\t',
            'r' => b'\r',
            'a' => 0x07,
            'b' => 0x08,
            'f' => 0x0c,
            'v' => 0x0b,
            'e' => 0x1b,
            '\\' | '"' | '\'' | '?' => c as u8,
            'x' => {
                let mut value: u32 = 0;
                let mut digits = 0;
                while digits < 2 {
                    let Some(d) = self.byte_at(0).and_then(|b| (b as char).to_digit(16)) else {
                        break;
                    };
                    self.bump();
                    value = value * 16 + d;
                    digits += 1;
                }
                if digits == 0 {
                    return Err(SyntaxError::new(at, "'\\x' escape needs hex digits"));
                }
                value as u8
            }
            '0'..='7' => {
                let mut value = c as u32 - '0' as u32;
                for _ in 0..2 {
                    let Some(d) = self.byte_at(0).and_then(|b| (b as char).to_digit(8)) else {
                        break;
                    };
                    self.bump();
                    value = value * 8 + d;
                }
                u8::try_from(value)
                    .map_err(|_| SyntaxError::new(at, "octal escape out of range (max \\377)"))?
            }
            other => {
                return Err(SyntaxError::new(
                    at,
                    format!("unknown escape '\\{other}' in string"),
                ))
            }
        };
        Ok(byte)
    }

    /// Reads the free text of a syscall note after its `(` up to the matching `)` on the same
    /// line, e.g. `Operation now in progress`. Returns the inner text and its span; the lexer
    /// ends just after the `)`.
    pub fn read_note(&mut self, open: Pos) -> Result<(String, Span), SyntaxError> {
        let start = self.pos;
        let mut depth = 1u32;
        loop {
            let before = self.pos;
            match self.bump() {
                None | Some('\n') => {
                    return Err(SyntaxError::new(open, "unterminated note (missing ')')"))
                }
                Some('(') => depth += 1,
                Some(')') => {
                    depth -= 1;
                    if depth == 0 {
                        let text = self.src[start.offset..before.offset].to_string();
                        return Ok((text, Span::new(start, before)));
                    }
                }
                Some(_) => {}
            }
        }
    }
}

/// Lexes all of `src` (mainly for tests and tools); the last token is [`TokenKind::Eof`].
pub fn tokenize(src: &str) -> Result<Vec<Token>, SyntaxError> {
    let mut lexer = Lexer::new(src);
    let mut tokens = Vec::new();
    loop {
        let token = lexer.next_token()?;
        let eof = token.kind == TokenKind::Eof;
        tokens.push(token);
        if eof {
            return Ok(tokens);
        }
    }
}

#[cfg(test)]
mod tests;
