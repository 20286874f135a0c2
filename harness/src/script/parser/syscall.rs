//! System call lines and the expression language of their arguments.
//!
//! `name(args) = value [ERRNO] [(note)]`, as in packetdrill's `syscall_spec` rule. packetdrill
//! has dedicated grammar rules for msghdr, iovec, pollfd, linger, epoll_event, cmsg…; here they
//! are all struct literals whose members are `name=value`, `name(index)=value` or positional, so
//! a runner can map them onto its own C structs.

use super::{PResult, Parser};
use crate::script::ast::*;
use crate::script::lexer::{SyntaxError, Token, TokenKind};
use crate::script::span::{Span, Spanned};

impl Parser<'_> {
    /// A system call after its event time (and `... end` time, if blocking).
    pub(super) fn syscall(&mut self, end_time: Option<Time>) -> PResult<SyscallEvent> {
        let Some(name) = self.peek_word()? else {
            return Err(self.expected("a system call name after the blocking end time"));
        };
        let name_token = self.bump()?;
        let name = Spanned::new(name.to_string(), name_token.span);
        if self.eat(&TokenKind::LParen)?.is_none() {
            let what = format!("'(' after system call name '{}'", name.value);
            return Err(self.expected(&what));
        }
        let args = self.expr_list(&TokenKind::RParen, "',' or ')' in the argument list")?;
        if self.eat(&TokenKind::Equals)?.is_none() {
            return Err(self.expected("'=' and the expected return value after the system call"));
        }
        let result = self.syscall_result()?;
        Ok(SyscallEvent {
            end_time,
            name,
            args,
            result,
        })
    }

    /// `value [ERRNO] [(free text)]`. A call is not allowed at the top of the value, so that
    /// `-1 EPIPE(Broken pipe)` reads as an errno and a note.
    fn syscall_result(&mut self) -> PResult<SyscallResult> {
        let value = self.expr(false)?;
        let start = value.span.start;
        let errno = match self.peek_word()? {
            Some(word) => {
                let token = self.bump()?;
                Some(Spanned::new(word.to_string(), token.span))
            }
            None => None,
        };
        let note = match self.eat(&TokenKind::LParen)? {
            Some(open) => {
                // Read the note raw: it is prose, not tokens (`(Operation now in progress)`).
                let (text, span) = self.lexer.read_note(open.span.start)?;
                self.prev_end = self.lexer.pos();
                Some(Spanned::new(text, span))
            }
            None => None,
        };
        Ok(SyscallResult {
            value,
            errno,
            note,
            span: Span::new(start, self.prev_end),
        })
    }

    /// Expressions separated by commas up to `close` (which is consumed).
    fn expr_list(&mut self, close: &TokenKind, what: &str) -> PResult<Vec<Expr>> {
        let mut items = Vec::new();
        if self.eat(close)?.is_some() {
            return Ok(items);
        }
        loop {
            items.push(self.expr(true)?);
            if self.eat(&TokenKind::Comma)?.is_some() {
                continue;
            }
            if self.eat(close)?.is_some() {
                return Ok(items);
            }
            return Err(self.expected(what));
        }
    }

    /// `unary ('|' unary)*`.
    pub(super) fn expr(&mut self, allow_call: bool) -> PResult<Expr> {
        let first = self.unary(allow_call)?;
        self.binary_rest(first, allow_call)
    }

    /// Continues `lhs | …` once the left operand is parsed (left-associative).
    fn binary_rest(&mut self, mut lhs: Expr, allow_call: bool) -> PResult<Expr> {
        while self.eat(&TokenKind::Pipe)?.is_some() {
            let rhs = self.unary(allow_call)?;
            let span = lhs.span.to(rhs.span);
            lhs = Expr {
                kind: ExprKind::Binary {
                    op: BinaryOp::BitOr,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
                span,
            };
        }
        Ok(lhs)
    }

    /// `-N` or a primary expression.
    fn unary(&mut self, allow_call: bool) -> PResult<Expr> {
        let Some(minus) = self.eat(&TokenKind::Minus)? else {
            return self.primary(allow_call);
        };
        if !self.peek_is(&TokenKind::Int)? {
            return Err(self.expected("a decimal number after '-'"));
        }
        let token = self.bump()?;
        let magnitude = self.decimal(&token)?;
        let value = i64::try_from(-i128::from(magnitude)).map_err(|_| {
            SyntaxError::new(
                minus.span.start,
                format!("number '-{magnitude}' is too small (min {})", i64::MIN),
            )
        })?;
        Ok(Expr {
            kind: ExprKind::Int(value),
            span: minus.span.to(token.span),
        })
    }

    fn primary(&mut self, allow_call: bool) -> PResult<Expr> {
        let token = self.peek()?.clone();
        let kind = match &token.kind {
            TokenKind::Ellipsis => ExprKind::Ellipsis,
            TokenKind::Int => ExprKind::Int(self.signed(&token)?),
            TokenKind::Hex => ExprKind::Hex(self.hex(&token)?),
            TokenKind::Str(bytes) => ExprKind::Str(bytes.clone()),
            TokenKind::Word => {
                self.bump()?;
                let name = self.text(&token).to_string();
                if allow_call && self.peek_is(&TokenKind::LParen)? {
                    return self.call(Spanned::new(name, token.span));
                }
                return Ok(Expr {
                    kind: ExprKind::Ident(name),
                    span: token.span,
                });
            }
            TokenKind::LBracket => return self.array(&token),
            TokenKind::LBrace => return self.struct_literal(&token),
            TokenKind::Alnum => {
                let text = self.text(&token);
                return Err(SyntaxError::new(
                    token.span.start,
                    format!("malformed number '{text}'"),
                ));
            }
            TokenKind::Float
            | TokenKind::Command
            | TokenKind::Code
            | TokenKind::CliOption
            | TokenKind::Dot
            | TokenKind::Plus
            | TokenKind::Minus
            | TokenKind::Star
            | TokenKind::Tilde
            | TokenKind::Colon
            | TokenKind::Comma
            | TokenKind::Equals
            | TokenKind::Pipe
            | TokenKind::Lt
            | TokenKind::Gt
            | TokenKind::LParen
            | TokenKind::RParen
            | TokenKind::RBracket
            | TokenKind::RBrace
            | TokenKind::Eof => return Err(self.expected("an expression")),
        };
        self.bump()?;
        Ok(Expr {
            kind,
            span: token.span,
        })
    }

    fn signed(&self, token: &Token) -> PResult<i64> {
        let value = self.decimal(token)?;
        i64::try_from(value).map_err(|_| {
            SyntaxError::new(
                token.span.start,
                format!(
                    "number '{value}' is too large (max {}; use hex for larger values)",
                    i64::MAX
                ),
            )
        })
    }

    pub(super) fn hex(&self, token: &Token) -> PResult<u64> {
        let text = self.text(token);
        u64::from_str_radix(&text[2..], 16).map_err(|_| {
            SyntaxError::new(
                token.span.start,
                format!("hex number '{text}' is too large (max 64 bits)"),
            )
        })
    }

    /// `name(args)` once `name` is consumed and `(` is next.
    fn call(&mut self, name: Spanned<String>) -> PResult<Expr> {
        let open = self.bump()?;
        self.enter(open.span.start)?;
        let args = self.expr_list(&TokenKind::RParen, "',' or ')' in the argument list")?;
        self.leave();
        let span = Span::new(name.span.start, self.prev_end);
        Ok(Expr {
            kind: ExprKind::Call { name, args },
            span,
        })
    }

    /// `[a, b, …]`.
    fn array(&mut self, open: &Token) -> PResult<Expr> {
        self.bump()?;
        self.enter(open.span.start)?;
        let items = self.expr_list(&TokenKind::RBracket, "',' or ']' in the array")?;
        self.leave();
        Ok(Expr {
            kind: ExprKind::Array(items),
            span: Span::new(open.span.start, self.prev_end),
        })
    }

    /// `{member, member, …}`.
    fn struct_literal(&mut self, open: &Token) -> PResult<Expr> {
        self.bump()?;
        self.enter(open.span.start)?;
        let mut fields = Vec::new();
        if self.eat(&TokenKind::RBrace)?.is_none() {
            loop {
                fields.push(self.field()?);
                if self.eat(&TokenKind::Comma)?.is_some() {
                    continue;
                }
                if self.eat(&TokenKind::RBrace)?.is_some() {
                    break;
                }
                return Err(self.expected("',' or '}' in the struct"));
            }
        }
        self.leave();
        Ok(Expr {
            kind: ExprKind::Struct(fields),
            span: Span::new(open.span.start, self.prev_end),
        })
    }

    /// `name=value`, `name(index)=value`, or a positional expression.
    fn field(&mut self) -> PResult<Field> {
        let Some(word) = self.peek_word()? else {
            let value = self.expr(true)?;
            return Ok(Field {
                key: None,
                span: value.span,
                value,
            });
        };
        let word_token = self.bump()?;
        let name = Spanned::new(word.to_string(), word_token.span);
        let start = word_token.span.start;
        if self.eat(&TokenKind::Equals)?.is_some() {
            let value = self.expr(true)?;
            let span = Span::new(start, value.span.end);
            return Ok(Field {
                key: Some(FieldKey { name, index: None }),
                value,
                span,
            });
        }
        let positional = if let Some(open) = self.eat(&TokenKind::LParen)? {
            self.enter(open.span.start)?;
            let mut args = self.expr_list(&TokenKind::RParen, "',' or ')' after the index")?;
            self.leave();
            if self.eat(&TokenKind::Equals)?.is_some() {
                if args.len() != 1 {
                    return Err(SyntaxError::new(
                        start,
                        format!(
                            "the index of member '{}' must be a single expression",
                            name.value
                        ),
                    ));
                }
                let index = Some(Box::new(args.remove(0)));
                let value = self.expr(true)?;
                let span = Span::new(start, value.span.end);
                return Ok(Field {
                    key: Some(FieldKey { name, index }),
                    value,
                    span,
                });
            }
            Expr {
                kind: ExprKind::Call { name, args },
                span: Span::new(start, self.prev_end),
            }
        } else {
            Expr {
                kind: ExprKind::Ident(name.value),
                span: name.span,
            }
        };
        let value = self.binary_rest(positional, true)?;
        Ok(Field {
            key: None,
            span: value.span,
            value,
        })
    }
}
