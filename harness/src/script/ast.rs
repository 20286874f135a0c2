//! The packetdrill script AST.
//!
//! The shape follows packetdrill's grammar (`parser.y`): a script is `opt_options
//! opt_init_command events opt_cleanup_command`, and an event is a time followed by a packet, a
//! system call, a backtick shell command or a `%{ }%` code block. Numbers are already
//! range-checked for the field they fill (e.g. `win` is a `u16`), so a runner can use them
//! directly. Symbols that only a runner can resolve (`SOCK_STREAM`, `TFO_COOKIE`, ICMP code
//! names, errno names) are kept as text.
//!
//! Every node has a [`Span`]. Derived `PartialEq` compares spans too; use
//! [`Script::eq_ignoring_spans`] to compare content only.

use super::span::{Span, Spanned};

/// A whole script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Script {
    /// The `--name[=value]` lines before the first event (packetdrill command-line options).
    pub options: Vec<CliOption>,
    /// A backtick command without a time before the first event; packetdrill runs it before
    /// the script starts (upstream scripts use it for `../common/defaults.sh`).
    pub init_command: Option<RawText>,
    /// The timed events in file order.
    pub events: Vec<Event>,
    /// A backtick command without a time after the last event; packetdrill runs it when the
    /// script ends (upstream scripts restore sysctls with it).
    pub cleanup_command: Option<RawText>,
}

/// `--name` or `--name=value`, e.g. `--tolerance_usecs=10000` or `--strict_segments`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CliOption {
    /// The name without the leading `--`.
    pub name: Spanned<String>,
    /// The text after `=` up to the next whitespace, if there is an `=`.
    pub value: Option<Spanned<String>>,
    /// The whole option.
    pub span: Span,
}

/// Raw text kept verbatim: the body of a backtick command or of a `%{ }%` code block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawText {
    /// The text between the delimiters (newlines and all).
    pub text: String,
    /// The span including the delimiters.
    pub span: Span,
}

/// One timed line (or multi-line statement) of a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// When it happens.
    pub time: EventTime,
    /// What happens.
    pub kind: EventKind,
    /// From the time to the end of the action.
    pub span: Span,
}

/// A time written in a script, in microseconds (packetdrill keeps microseconds too).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Time {
    /// The value, e.g. `0.1` is 100 000.
    pub micros: u64,
    /// Where it was written (without any leading `+`).
    pub span: Span,
}

/// The time column of an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventTime {
    /// `1.5`: seconds since the script started.
    Absolute(Time),
    /// `+0.1`: seconds after the previous event's (start) time.
    Relative(Time),
    /// `0.1~0.2`: any time in the absolute range; only for outbound packets.
    AbsoluteRange {
        /// Earliest time.
        start: Time,
        /// Latest time.
        end: Time,
    },
    /// `+0.1~+0.2`: any time in the range relative to the previous event; only for outbound
    /// packets.
    RelativeRange {
        /// Earliest offset.
        start: Time,
        /// Latest offset.
        end: Time,
    },
    /// `*`: any time; only for outbound packets.
    Any(Span),
}

/// What an event does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// A packet injected (`<`) or expected (`>`).
    Packet(PacketEvent),
    /// A system call and its expected result.
    Syscall(SyscallEvent),
    /// A backtick shell command.
    Command(RawText),
    /// A `%{ … }%` Python block over `tcpi_*` values.
    Code(RawText),
}

/// Which way a packet goes, from the point of view of the stack under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `<`: the script injects it into the stack.
    Inbound,
    /// `>`: the stack is expected to send it.
    Outbound,
}

/// A packet line: `+0 < [ect0] S 0:0(0) win 1000 <mss 1460>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PacketEvent {
    /// `<` or `>`.
    pub direction: Spanned<Direction>,
    /// Bracketed IP-level decorations after the direction.
    pub ip: IpInfo,
    /// The transport part.
    pub body: PacketBody,
    /// From the direction to the end of the packet.
    pub span: Span,
}

/// IP-level decorations; absent ones are not checked / use defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IpInfo {
    /// `[noecn]`, `[ect0]`, `[ect1]`, `[ect01]` or `[ce]`, spanning the brackets.
    pub ecn: Option<Spanned<Ecn>>,
    /// `[port N]` (a synack extension): the remote port of the connection the packet
    /// belongs to, for scripts with more than one connection; spans the brackets.
    pub port: Option<Spanned<u16>>,
    /// `[tos N]`: the whole IPv4 TOS / IPv6 traffic-class octet (DSCP and ECN).
    pub tos: Option<Spanned<u8>>,
    /// `[ttl N]`: the IPv4 TTL / IPv6 hop limit.
    pub ttl: Option<Spanned<u8>>,
    /// `[flowlabel N]`: the IPv6 flow label (20 bits).
    pub flowlabel: Option<Spanned<u32>>,
}

/// The ECN codepoint of the IP header (RFC 3168), as packetdrill spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ecn {
    /// `noecn`: Not-ECT (00).
    NoEcn,
    /// `ect0`: ECT(0) (10).
    Ect0,
    /// `ect1`: ECT(1) (01).
    Ect1,
    /// `ect01`: either ECT(0) or ECT(1) is accepted (outbound only in packetdrill).
    Ect01,
    /// `ce`: Congestion Experienced (11).
    Ce,
}

/// The transport layer of a packet line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PacketBody {
    /// A TCP segment.
    Tcp(TcpPacket),
    /// `icmp TYPE [CODE] [mtu N] [[seq]]`.
    Icmp(IcmpPacket),
    /// `udp (LEN)`.
    Udp(UdpPacket),
}

/// A TCP segment: `FLAGS start:end(len) [ack N] [win N] [urg N] [<options>]` (in that order,
/// as in packetdrill's grammar).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpPacket {
    /// The flags column.
    pub flags: TcpFlags,
    /// `start:end(len)`.
    pub seq: SeqRange,
    /// `ack N`; for outbound packets the ACK number is checked only if present.
    pub ack: Option<Spanned<u32>>,
    /// `win N`; for outbound packets the window is checked only if present.
    pub win: Option<Spanned<u16>>,
    /// `urg N`, the urgent pointer.
    pub urg: Option<Spanned<u16>>,
    /// `<…>`; `None` means the packet has no options (checked as such on outbound packets).
    pub options: Option<Spanned<TcpOptions>>,
}

/// The flags column, e.g. `S.`, `P.`, `SEW`, `.` or `-` (no flags).
///
/// `raw` is the text as written (`""` for `-`); the booleans are what it means. Unknown and
/// duplicate letters are rejected by the parser.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TcpFlags {
    /// The letters as written, e.g. `"SE."`; empty for `-`.
    pub raw: String,
    /// `F`
    pub fin: bool,
    /// `S`
    pub syn: bool,
    /// `R`
    pub rst: bool,
    /// `P`
    pub psh: bool,
    /// `.`
    pub ack: bool,
    /// `U`
    pub urg: bool,
    /// `E`: ECN-Echo.
    pub ece: bool,
    /// `W`: Congestion Window Reduced.
    pub cwr: bool,
    /// `A`: the AccECN AE bit (RFC 9768), as newer packetdrill spells it.
    pub ae: bool,
    /// Where the flags were written.
    pub span: Span,
}

/// The `start:end(len)` column: relative sequence numbers and payload length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeqRange {
    /// First sequence number.
    pub start: u32,
    /// Sequence number after the payload; the parser checks `end == start + len`.
    pub end: u32,
    /// Payload length in bytes.
    pub len: u16,
    /// Where it was written.
    pub span: Span,
}

/// The `<…>` part of a TCP packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TcpOptions {
    /// `<mss 1460,nop,…>`: exactly these options, in this order.
    List(Vec<TcpOption>),
    /// `<...>`: any options; outbound options are not checked.
    Any,
}

/// One TCP option in a `<…>` list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpOption {
    /// Which option, with its value.
    pub kind: TcpOptionKind,
    /// Where it was written.
    pub span: Span,
}

/// The TCP option kinds packetdrill scripts use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TcpOptionKind {
    /// `nop` (kind 1).
    Nop,
    /// `eol` (kind 0).
    Eol,
    /// `mss N` (kind 2).
    Mss(u16),
    /// `wscale N` (kind 3): the shift count.
    WindowScale(u8),
    /// `sackOK` (kind 4).
    SackPermitted,
    /// `sack a:b c:d …` (kind 5): one or more blocks (the runner checks the option space).
    Sack(Vec<SackBlock>),
    /// `TS val N ecr N` (kind 8).
    Timestamp {
        /// TSval.
        val: u32,
        /// TSecr.
        ecr: u32,
    },
    /// `FO [cookie]` (kind 34, RFC 7413); no cookie is a cookie request.
    FastOpen(Option<FastOpenCookie>),
    /// `FOEXP [cookie]`: the experimental fast open option (kind 254, magic 0xF989).
    FastOpenExp(Option<FastOpenCookie>),
    /// `md5 <32 hex digits>` (kind 19, RFC 2385 signature).
    Md5([u8; 16]),
}

/// A block of a `sack` option: `start:end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SackBlock {
    /// Left edge.
    pub start: u32,
    /// Right edge.
    pub end: u32,
    /// Where it was written.
    pub span: Span,
}

/// A fast open cookie as written after `FO` / `FOEXP`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FastOpenCookie {
    /// An even number of hex digits, e.g. `abcd1234`; at most what fits in the option space
    /// (RFC 7413's 16-byte limit is for the stack to enforce: upstream tests send 18).
    Bytes(Vec<u8>),
    /// A name defined outside the script, e.g. `TFO_COOKIE` (upstream's runner defines it per
    /// IP mode; the runner resolves it).
    Define(String),
}

/// `icmp TYPE [CODE] [mtu N] [[start:end(len)]]`, e.g. `icmp unreachable frag_needed mtu 1200`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IcmpPacket {
    /// Type name, e.g. `unreachable`, `packet_too_big`; resolved by the runner per IP version.
    pub icmp_type: Spanned<String>,
    /// Code name, e.g. `frag_needed`, `host_unreachable`, or a define such as `CODE`.
    pub code: Option<Spanned<String>>,
    /// `mtu N`, the next-hop MTU of a fragmentation-needed / packet-too-big message.
    pub mtu: Option<Spanned<u32>>,
    /// `[start:end(len)]`: the TCP segment the ICMP message quotes.
    pub echoed: Option<SeqRange>,
}

/// `udp (LEN)`: a UDP datagram with `LEN` payload bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UdpPacket {
    /// Payload length.
    pub len: Spanned<u16>,
}

/// `NAME(ARGS) = RESULT`, optionally blocking: `+0...0.1 read(4, ..., 1000) = 1000`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyscallEvent {
    /// The time after `...` for a blocking call. As in packetdrill, it is on the same basis as
    /// the event's start time: absolute if the start is absolute, otherwise relative to the
    /// previous event (so `+.1...0.2` starts 0.1 s and returns 0.2 s after the previous event).
    pub end_time: Option<Time>,
    /// The system call's name, e.g. `setsockopt`.
    pub name: Spanned<String>,
    /// Arguments in order.
    pub args: Vec<Expr>,
    /// Everything after `=`.
    pub result: SyscallResult,
}

/// `= VALUE [ERRNO] [(note)]`, e.g. `= -1 EINPROGRESS (Operation now in progress)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyscallResult {
    /// The expected return value.
    pub value: Expr,
    /// The expected errno name.
    pub errno: Option<Spanned<String>>,
    /// Free text in parentheses (strerror text or a remark), never checked.
    pub note: Option<Spanned<String>>,
    /// From the value to the end of the result.
    pub span: Span,
}

/// A syscall argument or return value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it was written.
    pub span: Span,
}

/// The expression language of syscall arguments (packetdrill's `expression` rule, with its
/// special-purpose structs — msghdr, iovec, pollfd, linger, cmsg… — generalized into
/// [`ExprKind::Struct`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExprKind {
    /// `...`: an argument the runner fills in (buffer, address, length) or does not check.
    Ellipsis,
    /// A decimal integer, possibly negative: `1000`, `-1`.
    Int(i64),
    /// A hex integer: `0xffffffff`.
    Hex(u64),
    /// A string literal, escapes decoded: `"\xf7\x63"`.
    Str(Vec<u8>),
    /// A symbolic constant or define: `SOCK_STREAM`, `NULL`, `CMSG_LEVEL_IP`.
    Ident(String),
    /// `lhs OP rhs`, left-associative: `O_RDWR|O_NONBLOCK`.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `[a, b, …]`: an array or a pointer to a value (`[1]` for an int option).
    Array(Vec<Expr>),
    /// `{…}`: a struct, with named (`fd=4`), indexed (`msg_iov(1)=[…]`) or positional
    /// (`{..., 1000}` for an iovec) fields.
    Struct(Vec<Field>),
    /// `name(args)`: a helper such as `htons(8080)` or `inet_addr("192.0.2.1")`.
    Call {
        /// The function name.
        name: Spanned<String>,
        /// Its arguments.
        args: Vec<Expr>,
    },
}

/// Binary operators of the expression language (packetdrill only has `|`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `|`: bitwise or of flags.
    BitOr,
}

/// One member of a struct literal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// `name=` or `name(index)=`; `None` for a positional member.
    pub key: Option<FieldKey>,
    /// The member's value.
    pub value: Expr,
    /// The whole member.
    pub span: Span,
}

/// The `name` or `name(index)` before `=` in a struct member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldKey {
    /// The member name, e.g. `msg_iov`.
    pub name: Spanned<String>,
    /// The parenthesized index, e.g. the `1` of `msg_iov(1)` (an element count) or the `...`
    /// of `msg_name(...)`.
    pub index: Option<Box<Expr>>,
}

impl Expr {
    /// An expression with [`Span::DUMMY`], for building ASTs by hand.
    pub fn dummy(kind: ExprKind) -> Expr {
        Expr {
            kind,
            span: Span::DUMMY,
        }
    }

    /// The value of an integer literal (`Int` or `Hex` that fits an `i64`).
    pub fn as_int(&self) -> Option<i64> {
        match &self.kind {
            ExprKind::Int(v) => Some(*v),
            ExprKind::Hex(v) => i64::try_from(*v).ok(),
            ExprKind::Ellipsis
            | ExprKind::Str(_)
            | ExprKind::Ident(_)
            | ExprKind::Binary { .. }
            | ExprKind::Array(_)
            | ExprKind::Struct(_)
            | ExprKind::Call { .. } => None,
        }
    }

    /// The named member `name` of a struct literal.
    pub fn field(&self, name: &str) -> Option<&Field> {
        match &self.kind {
            ExprKind::Struct(fields) => fields
                .iter()
                .find(|f| f.key.as_ref().is_some_and(|k| k.name.value == name)),
            ExprKind::Ellipsis
            | ExprKind::Int(_)
            | ExprKind::Hex(_)
            | ExprKind::Str(_)
            | ExprKind::Ident(_)
            | ExprKind::Binary { .. }
            | ExprKind::Array(_)
            | ExprKind::Call { .. } => None,
        }
    }
}

impl TcpFlags {
    /// Parses flag letters as packetdrill does (`F S R P . U E W A`); `"-"` and `""` mean no
    /// flags. On error returns the byte index of the bad letter and a message.
    pub fn from_letters(raw: &str, span: Span) -> Result<TcpFlags, (usize, String)> {
        let mut flags = TcpFlags {
            span,
            ..TcpFlags::default()
        };
        if raw == "-" {
            return Ok(flags);
        }
        flags.raw = raw.to_string();
        for (i, c) in raw.char_indices() {
            let slot = match c {
                'F' => &mut flags.fin,
                'S' => &mut flags.syn,
                'R' => &mut flags.rst,
                'P' => &mut flags.psh,
                '.' => &mut flags.ack,
                'U' => &mut flags.urg,
                'E' => &mut flags.ece,
                'W' => &mut flags.cwr,
                'A' => &mut flags.ae,
                other => return Err((i, format!("unknown TCP flag '{other}' in '{raw}'"))),
            };
            if *slot {
                return Err((i, format!("duplicate TCP flag '{c}' in '{raw}'")));
            }
            *slot = true;
        }
        Ok(flags)
    }
}

impl Script {
    /// The packet events, in order.
    pub fn packets(&self) -> impl Iterator<Item = &PacketEvent> {
        self.events.iter().filter_map(|e| match &e.kind {
            EventKind::Packet(p) => Some(p),
            EventKind::Syscall(_) | EventKind::Command(_) | EventKind::Code(_) => None,
        })
    }

    /// The syscall events, in order.
    pub fn syscalls(&self) -> impl Iterator<Item = &SyscallEvent> {
        self.events.iter().filter_map(|e| match &e.kind {
            EventKind::Syscall(s) => Some(s),
            EventKind::Packet(_) | EventKind::Command(_) | EventKind::Code(_) => None,
        })
    }

    /// The value of option `--name`: `Some(Some(v))` for `--name=v`, `Some(None)` for a bare
    /// `--name`, `None` if absent. The last occurrence wins.
    pub fn option(&self, name: &str) -> Option<Option<&str>> {
        self.options
            .iter()
            .rev()
            .find(|o| o.name.value == name)
            .map(|o| o.value.as_ref().map(|v| v.value.as_str()))
    }
}
