//! Packet lines: `< [ect0] S. 0:0(0) ack 1 win 5840 <mss 1460,nop,wscale 6>`, ICMP and UDP.

use super::{PResult, Parser};
use crate::script::ast::*;
use crate::script::lexer::{SyntaxError, Token, TokenKind};
use crate::script::span::{Pos, Span, Spanned};

const U16: u64 = u16::MAX as u64;
const U32: u64 = u32::MAX as u64;

/// TCP option space is 40 bytes. RFC 7413 caps cookies at 16 bytes, but upstream scripts send
/// longer ones on purpose (`valid-cookie-format.pkt` injects 18), so the parser only enforces
/// what fits: 40 - kind - length = 38 for `FO`, 2 fewer for `FOEXP`'s magic number.
const MAX_FO_COOKIE_BYTES: usize = 38;
const MAX_FOEXP_COOKIE_BYTES: usize = 36;

impl Parser<'_> {
    /// `direction [ip-info] (tcp | icmp | udp)`.
    pub(super) fn packet(&mut self) -> PResult<PacketEvent> {
        let dir_token = self.bump()?;
        let direction = if dir_token.kind == TokenKind::Lt {
            Direction::Inbound
        } else {
            Direction::Outbound
        };
        let ip = self.ip_info()?;
        let body = match self.peek_word()? {
            Some("icmp") => PacketBody::Icmp(self.icmp()?),
            Some("udp") => PacketBody::Udp(self.udp()?),
            Some(_) | None => PacketBody::Tcp(self.tcp()?),
        };
        Ok(PacketEvent {
            direction: Spanned::new(direction, dir_token.span),
            ip,
            body,
            span: Span::new(dir_token.span.start, self.prev_end),
        })
    }

    /// Bracketed decorations after the direction, in any order, each at most once:
    /// `[noecn]`, `[ect0]`, `[ect1]`, `[ect01]`, `[ce]` (packetdrill), and synack's
    /// `[port N]`, the remote port of the packet's connection (for scripts with several).
    fn ip_info(&mut self) -> PResult<IpInfo> {
        let mut info = IpInfo::default();
        while let Some(open) = self.eat(&TokenKind::LBracket)? {
            const WHAT: &str =
                "an ECN codepoint (noecn, ect0, ect1, ect01 or ce), or port/tos/ttl/flowlabel N, after '['";
            let at = self.peek()?.span.start;
            let word = self.peek_word()?;
            let ecn = match word {
                Some("noecn") => Ecn::NoEcn,
                Some("ect0") => Ecn::Ect0,
                Some("ect1") => Ecn::Ect1,
                Some("ect01") => Ecn::Ect01,
                Some("ce") => Ecn::Ce,
                Some(word @ ("port" | "tos" | "ttl" | "flowlabel")) => {
                    let word = word.to_string();
                    self.bump()?;
                    self.numeric_decoration(&word, open, at, &mut info)?;
                    continue;
                }
                Some(other) => {
                    return Err(SyntaxError::new(
                        at,
                        format!("unknown IP decoration '{other}'; {WHAT}"),
                    ));
                }
                None => return Err(self.expected(WHAT)),
            };
            self.bump()?;
            let close = self.expect(&TokenKind::RBracket, "']' after the ECN codepoint")?;
            if info.ecn.is_some() {
                return Err(SyntaxError::new(at, "duplicate ECN decoration".to_string()));
            }
            info.ecn = Some(Spanned::new(ecn, open.span.to(close.span)));
        }
        Ok(info)
    }

    /// `[port N]`, `[tos N]`, `[ttl N]` or `[flowlabel N]` (decimal or hex), after the word.
    fn numeric_decoration(&mut self, word: &str, open: Token, at: Pos, info: &mut IpInfo) -> PResult<()> {
        let max: u64 = match word {
            "port" => U16,
            "tos" | "ttl" => 255,
            _ => 0xf_ffff,
        };
        let token = self.peek()?.clone();
        let value = match token.kind {
            TokenKind::Hex => {
                self.bump()?;
                self.hex(&token)?
            }
            _ => self.bounded(&format!("a number after '{word}'"), word, max)?.value,
        };
        if value > max {
            return Err(SyntaxError::new(token.span.start, format!("{word} out of range: {value} > {max}")));
        }
        let close = self.expect(&TokenKind::RBracket, &format!("']' after the {word}"))?;
        let span = open.span.to(close.span);
        let duplicate = || SyntaxError::new(at, format!("duplicate {word} decoration"));
        match word {
            "port" => {
                if info.port.is_some() {
                    return Err(duplicate());
                }
                info.port = Some(Spanned::new(value as u16, span));
            }
            "tos" => {
                if info.tos.is_some() {
                    return Err(duplicate());
                }
                info.tos = Some(Spanned::new(value as u8, span));
            }
            "ttl" => {
                if info.ttl.is_some() {
                    return Err(duplicate());
                }
                info.ttl = Some(Spanned::new(value as u8, span));
            }
            _ => {
                if info.flowlabel.is_some() {
                    return Err(duplicate());
                }
                info.flowlabel = Some(Spanned::new(value as u32, span));
            }
        }
        Ok(())
    }

    /// `flags seq [ack N] [win N] [urg N] [<options>]`.
    fn tcp(&mut self) -> PResult<TcpPacket> {
        let flags = self.tcp_flags()?;
        let seq = self.seq_range()?;
        let ack = self.keyword_number("ack", "ack number after 'ack'", "TCP ack number", U32)?;
        let win =
            self.keyword_number("win", "window value after 'win'", "TCP window value", U16)?;
        let urg = self.keyword_number("urg", "urgent pointer after 'urg'", "TCP urg_ptr", U16)?;
        let options = if self.peek_is(&TokenKind::Lt)? {
            Some(self.tcp_options()?)
        } else {
            None
        };
        if let Some(word) = self.peek_word()? {
            // A field after its place, e.g. `win 5 ack 1`: explain instead of "expected time".
            let token = self.peek()?.clone();
            if token.span.start.line == self.prev_end.line {
                return Err(SyntaxError::new(
                    token.span.start,
                    format!(
                        "unexpected '{word}' in TCP packet (fields go in the order: flags, \
                         start:end(len), ack, win, urg, <options>)"
                    ),
                ));
            }
        }
        Ok(TcpPacket {
            flags,
            seq,
            ack: narrow(ack),
            win: narrow(win),
            urg: narrow(urg),
            options,
        })
    }

    /// `S`, `S.`, `.`, `SEW`, `-` (packetdrill's `flags` rule: WORD, '.', WORD '.', '-').
    fn tcp_flags(&mut self) -> PResult<TcpFlags> {
        const WHAT: &str = "TCP flags (such as 'S', 'P.', '.' or '-')";
        let token = self.peek()?.clone();
        let (raw, span) = if matches!(token.kind, TokenKind::Minus | TokenKind::Dot) {
            self.bump()?;
            (self.text(&token).to_string(), token.span)
        } else if token.kind == TokenKind::Word {
            self.bump()?;
            let mut raw = self.text(&token).to_string();
            let mut span = token.span;
            if let Some(dot) = self.eat(&TokenKind::Dot)? {
                raw.push('.');
                span = span.to(dot.span);
            }
            (raw, span)
        } else {
            return Err(self.expected(WHAT));
        };
        TcpFlags::from_letters(&raw, span).map_err(|(index, message)| {
            // Flag words are ASCII, so the bad letter is `index` columns in.
            let pos = Pos {
                offset: span.start.offset + index,
                line: span.start.line,
                col: span.start.col + index as u32,
            };
            SyntaxError::new(pos, message)
        })
    }

    /// `start:end(len)`, with packetdrill's range and consistency checks.
    pub(super) fn seq_range(&mut self) -> PResult<SeqRange> {
        let start = self.bounded("start sequence number", "TCP start sequence number", U32)?;
        self.expect(&TokenKind::Colon, "':' after the start sequence number")?;
        let end = self.bounded(
            "end sequence number after ':'",
            "TCP end sequence number",
            U32,
        )?;
        self.expect(
            &TokenKind::LParen,
            "'(' and the payload length after the end sequence number",
        )?;
        let len = self.bounded("payload length after '('", "TCP payload size", U16)?;
        self.expect(&TokenKind::RParen, "')' after the payload length")?;
        if start.value + len.value != end.value {
            return Err(SyntaxError::new(
                start.span.start,
                format!(
                    "inconsistent TCP sequence numbers and payload size: {} + {} != {}",
                    start.value, len.value, end.value
                ),
            ));
        }
        Ok(SeqRange {
            start: start.value as u32,
            end: end.value as u32,
            len: len.value as u16,
            span: Span::new(start.span.start, self.prev_end),
        })
    }

    /// `keyword N` if the next word is `keyword`.
    fn keyword_number(
        &mut self,
        keyword: &str,
        what: &str,
        field: &str,
        max: u64,
    ) -> PResult<Option<Spanned<u64>>> {
        if self.peek_word()? != Some(keyword) {
            return Ok(None);
        }
        self.bump()?;
        self.bounded(what, field, max).map(Some)
    }

    /// `<...>` or `<option, option, …>`.
    fn tcp_options(&mut self) -> PResult<Spanned<TcpOptions>> {
        let open = self.bump()?;
        if self.eat(&TokenKind::Ellipsis)?.is_some() {
            let close = self.expect(&TokenKind::Gt, "'>' after '<...'")?;
            return Ok(Spanned::new(TcpOptions::Any, open.span.to(close.span)));
        }
        let mut list = Vec::new();
        loop {
            list.push(self.tcp_option()?);
            if self.eat(&TokenKind::Comma)?.is_some() {
                continue;
            }
            match self.eat(&TokenKind::Gt)? {
                Some(close) => {
                    return Ok(Spanned::new(
                        TcpOptions::List(list),
                        open.span.to(close.span),
                    ))
                }
                None => return Err(self.expected("',' or '>' in the TCP option list")),
            }
        }
    }

    fn tcp_option(&mut self) -> PResult<TcpOption> {
        const WHAT: &str = "a TCP option (mss, nop, eol, wscale, sackOK, sack, TS, FO, FOEXP, md5)";
        let Some(name) = self.peek_word()? else {
            return Err(self.expected(WHAT));
        };
        let token = self.bump()?;
        let kind = match name {
            "nop" => TcpOptionKind::Nop,
            "eol" => TcpOptionKind::Eol,
            "sackOK" => TcpOptionKind::SackPermitted,
            "mss" => {
                let v = self.bounded("MSS value after 'mss'", "mss value", U16)?;
                TcpOptionKind::Mss(v.value as u16)
            }
            "wscale" => {
                let v = self.bounded(
                    "shift count after 'wscale'",
                    "window scale shift count",
                    255,
                )?;
                TcpOptionKind::WindowScale(v.value as u8)
            }
            "sack" => TcpOptionKind::Sack(self.sack_blocks()?),
            "TS" => {
                self.expect_word("val", "'val' after 'TS'")?;
                let val = self.bounded("TS val value after 'val'", "TS val", U32)?;
                self.expect_word("ecr", "'ecr' after the TS val value")?;
                let ecr = self.bounded("TS ecr value after 'ecr'", "TS ecr", U32)?;
                TcpOptionKind::Timestamp {
                    val: val.value as u32,
                    ecr: ecr.value as u32,
                }
            }
            "FO" => TcpOptionKind::FastOpen(self.cookie(MAX_FO_COOKIE_BYTES)?),
            "FOEXP" => TcpOptionKind::FastOpenExp(self.cookie(MAX_FOEXP_COOKIE_BYTES)?),
            "md5" => TcpOptionKind::Md5(self.md5()?),
            other => {
                return Err(SyntaxError::new(
                    token.span.start,
                    format!("unknown TCP option '{other}'"),
                ))
            }
        };
        Ok(TcpOption {
            kind,
            span: Span::new(token.span.start, self.prev_end),
        })
    }

    /// `a:b c:d …` after `sack`.
    fn sack_blocks(&mut self) -> PResult<Vec<SackBlock>> {
        let mut blocks = Vec::new();
        while blocks.is_empty() || self.peek_is(&TokenKind::Int)? {
            let start = self.bounded(
                "a SACK block 'start:end' after 'sack'",
                "SACK block start",
                U32,
            )?;
            self.expect(&TokenKind::Colon, "':' in the SACK block")?;
            let end = self.bounded("the SACK block's end after ':'", "SACK block end", U32)?;
            blocks.push(SackBlock {
                start: start.value as u32,
                end: end.value as u32,
                span: start.span.to(end.span),
            });
        }
        Ok(blocks)
    }

    /// The optional cookie after `FO` / `FOEXP`: hex digits or a define name.
    fn cookie(&mut self, max_bytes: usize) -> PResult<Option<FastOpenCookie>> {
        let token = self.peek()?.clone();
        if !matches!(
            token.kind,
            TokenKind::Word | TokenKind::Alnum | TokenKind::Int | TokenKind::Hex
        ) {
            return Ok(None);
        }
        self.bump()?;
        let text = self.text(&token);
        let at = token.span.start;
        if text.bytes().all(|b| b.is_ascii_hexdigit()) {
            let bytes = hex_bytes(text, at, "fast open cookie")?;
            if bytes.len() > max_bytes {
                return Err(SyntaxError::new(
                    at,
                    format!(
                        "fast open cookie is {} bytes; at most {max_bytes} fit in the option space",
                        bytes.len()
                    ),
                ));
            }
            return Ok(Some(FastOpenCookie::Bytes(bytes)));
        }
        if token.kind == TokenKind::Word {
            return Ok(Some(FastOpenCookie::Define(text.to_string())));
        }
        Err(SyntaxError::new(
            at,
            format!("invalid fast open cookie '{text}' (expected hex digits or a define name)"),
        ))
    }

    /// The 16-byte digest after `md5`, as 32 hex digits.
    fn md5(&mut self) -> PResult<[u8; 16]> {
        let token = self.peek()?.clone();
        if !matches!(
            token.kind,
            TokenKind::Word | TokenKind::Alnum | TokenKind::Int
        ) {
            return Err(self.expected("32 hex digits after 'md5'"));
        }
        self.bump()?;
        let at = token.span.start;
        let bytes = hex_bytes(self.text(&token), at, "md5 digest")?;
        <[u8; 16]>::try_from(bytes.as_slice()).map_err(|_| {
            SyntaxError::new(
                at,
                format!("md5 digest is {} bytes; it must be 16", bytes.len()),
            )
        })
    }

    /// `icmp TYPE [CODE] [mtu N] [[start:end(len)]]`.
    fn icmp(&mut self) -> PResult<IcmpPacket> {
        self.bump()?;
        let Some(type_name) = self.peek_word()? else {
            return Err(self.expected("an ICMP type after 'icmp' (such as 'unreachable')"));
        };
        let type_token = self.bump()?;
        let icmp_type = Spanned::new(type_name.to_string(), type_token.span);
        let code = match self.peek_word()? {
            Some(word) if word != "mtu" => {
                let token = self.bump()?;
                Some(Spanned::new(word.to_string(), token.span))
            }
            Some(_) | None => None,
        };
        let mtu = self.keyword_number("mtu", "MTU value after 'mtu'", "ICMP MTU", U32)?;
        let echoed = if self.eat(&TokenKind::LBracket)?.is_some() {
            let seq = self.seq_range()?;
            self.expect(
                &TokenKind::RBracket,
                "']' after the quoted TCP sequence range",
            )?;
            Some(seq)
        } else {
            None
        };
        Ok(IcmpPacket {
            icmp_type,
            code,
            mtu: narrow(mtu),
            echoed,
        })
    }

    /// `udp (LEN)`.
    fn udp(&mut self) -> PResult<UdpPacket> {
        self.bump()?;
        self.expect(&TokenKind::LParen, "'(' and the payload length after 'udp'")?;
        let len = self.bounded("UDP payload length after '('", "UDP payload length", U16)?;
        self.expect(&TokenKind::RParen, "')' after the UDP payload length")?;
        Ok(UdpPacket {
            len: Spanned::new(len.value as u16, len.span),
        })
    }
}

/// Converts a range-checked number to its field type.
fn narrow<T: TryFrom<u64>>(v: Option<Spanned<u64>>) -> Option<Spanned<T>> {
    v.map(|s| {
        Spanned::new(
            T::try_from(s.value)
                .ok()
                .expect("range checked by bounded()"),
            s.span,
        )
    })
}

/// Decodes an even number of hex digits.
fn hex_bytes(text: &str, at: Pos, what: &str) -> PResult<Vec<u8>> {
    if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(SyntaxError::new(
            at,
            format!("{what} '{text}' is not hex digits"),
        ));
    }
    if text.len() % 2 != 0 {
        return Err(SyntaxError::new(
            at,
            format!("{what} '{text}' has an odd number of hex digits"),
        ));
    }
    Ok((0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("checked hex digits"))
        .collect())
}
