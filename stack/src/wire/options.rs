//! TCP options (RFC 9293 §3.2 and the RFCs that define each kind), lossless in wire order.

/// The experimental TCP Fast Open option's magic (RFC 6994 / RFC 7413 §4.1.1, kind 254).
pub const TFO_EXP_MAGIC: u16 = 0xf989;

/// One TCP option as it appeared on the wire.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum TcpOption {
    /// Kind 0. Every zero octet in the option area is one `EndOfList` (padding included); the
    /// stack's interpretation stops at the first one (RFC 9293 §3.2), the representation does not.
    EndOfList,
    /// Kind 1.
    NoOp,
    /// Kind 2, length 4 (RFC 9293 §3.7.1).
    Mss(u16),
    /// Kind 3, length 3: the raw shift count, not yet clamped (RFC 7323 §2.2).
    WindowScale(u8),
    /// Kind 4, length 2 (RFC 2018).
    SackPermitted,
    /// Kind 5, length 2 + 8n: (left edge, right edge) pairs (RFC 2018 §3).
    Sack(Vec<(u32, u32)>),
    /// Kind 8, length 10 (RFC 7323 §3.2).
    Timestamps { tsval: u32, tsecr: u32 },
    /// Kind 19, length 18 (RFC 2385): the 16-octet digest, opaque to us.
    Md5([u8; 16]),
    /// Kind 34 (RFC 7413): empty cookie = cookie request.
    FastOpen(Vec<u8>),
    /// Kind 254 with the TFO magic 0xF989: the pre-RFC experimental Fast Open form.
    FastOpenExp(Vec<u8>),
    /// A well-formed kind/length frame whose kind we do not know (or kind 254 with another magic).
    Unknown { kind: u8, data: Vec<u8> },
    /// A known kind whose length is not valid for it (e.g. MSS of length 3): kept, not interpreted.
    WrongLength { kind: u8, data: Vec<u8> },
    /// The rest of the option area from the first octet that cannot be framed (a length below 2,
    /// or running past the header). Always the last entry.
    Malformed(Vec<u8>),
}
