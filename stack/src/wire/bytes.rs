//! Big-endian (network order, RFC 791 Appendix B) field access that cannot panic.
//!
//! Readers return `None` past the end of the buffer; writers do nothing there. Callers check
//! lengths first (so the `None` / no-op paths are unreachable in practice), but a wrong
//! length computation degrades into a wrong value, never into a panic.

pub(crate) fn u8_at(buf: &[u8], off: usize) -> Option<u8> {
    buf.get(off).copied()
}

pub(crate) fn u16_at(buf: &[u8], off: usize) -> Option<u16> {
    let b = buf.get(off..off.checked_add(2)?)?;
    Some(u16::from_be_bytes([*b.first()?, *b.get(1)?]))
}

pub(crate) fn u32_at(buf: &[u8], off: usize) -> Option<u32> {
    let b = buf.get(off..off.checked_add(4)?)?;
    let mut a = [0u8; 4];
    a.copy_from_slice(b);
    Some(u32::from_be_bytes(a))
}

/// `N` octets at `off`, as an array.
pub(crate) fn array_at<const N: usize>(buf: &[u8], off: usize) -> Option<[u8; N]> {
    let b = buf.get(off..off.checked_add(N)?)?;
    let mut a = [0u8; N];
    a.copy_from_slice(b);
    Some(a)
}

/// `buf[from..to]`, or an empty slice if that range is not inside `buf`.
pub(crate) fn range(buf: &[u8], from: usize, to: usize) -> &[u8] {
    buf.get(from..to).unwrap_or(&[])
}

/// `buf[from..]`, or an empty slice if `from` is past the end.
pub(crate) fn tail(buf: &[u8], from: usize) -> &[u8] {
    buf.get(from..).unwrap_or(&[])
}

pub(crate) fn put(buf: &mut [u8], off: usize, bytes: &[u8]) {
    if let Some(dst) = off.checked_add(bytes.len()).and_then(|end| buf.get_mut(off..end)) {
        dst.copy_from_slice(bytes);
    }
}

pub(crate) fn put_u8(buf: &mut [u8], off: usize, v: u8) {
    put(buf, off, &[v]);
}

pub(crate) fn put_u16(buf: &mut [u8], off: usize, v: u16) {
    put(buf, off, &v.to_be_bytes());
}

pub(crate) fn put_u32(buf: &mut [u8], off: usize, v: u32) {
    put(buf, off, &v.to_be_bytes());
}

/// Zero `buf[from..to]` (clamped to the buffer).
pub(crate) fn zero(buf: &mut [u8], from: usize, to: usize) {
    let to = to.min(buf.len());
    if let Some(dst) = buf.get_mut(from..to) {
        dst.fill(0);
    }
}
