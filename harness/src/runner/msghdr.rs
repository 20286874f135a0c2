//! `recvmsg()` with control messages: packetdrill's `msghdr` literals, e.g.
//!
//! ```text
//! recvmsg(4, {msg_name(...)=..., msg_iov(1)=[{...,0}], msg_flags=MSG_ERRQUEUE,
//!             msg_control=[{cmsg_level=CMSG_LEVEL_IP, cmsg_type=CMSG_TYPE_RECVERR,
//!                           cmsg_data={ee_errno=0, ee_origin=SO_EE_ORIGIN_ZEROCOPY, …}}]},
//!         MSG_ERRQUEUE) = 0
//! ```
//!
//! Only what the script writes is checked: `msg_flags`, and each control message's level,
//! type and data (an `int`, a `sock_extended_err`, or a timestamp within the tolerance).

use super::syscalls::int;
use super::Stop;
use crate::backend::call::{Cmsg, CmsgData};
use crate::script::{Expr, ExprKind};
use std::collections::BTreeMap;
use std::time::Duration;

/// The total buffer length of the msghdr's iovecs.
pub fn iov_total(msg: &Expr) -> Result<usize, Stop> {
    let iov = msg.field("msg_iov").ok_or_else(|| Stop::error(msg.span, "msghdr without msg_iov"))?;
    super::syscalls::iov_len(&iov.value)
}

/// An integer that may be one of the runner's defines (`CMSG_LEVEL_IP` → `SOL_IP`).
fn value(e: &Expr, defines: &BTreeMap<String, String>) -> Result<i64, String> {
    if let ExprKind::Ident(name) = &e.kind {
        if let Some(v) = defines.get(name) {
            let as_expr = Expr::dummy(ExprKind::Ident(v.clone()));
            return int(&as_expr).map_err(|s| s.message);
        }
    }
    int(e).map_err(|s| s.message)
}

/// Checks the returned `msg_flags` and control messages against the script's msghdr.
pub fn check(want: &Expr, flags: i32, control: &[Cmsg], defines: &BTreeMap<String, String>, tolerance: Duration) -> Result<(), String> {
    if let Some(f) = want.field("msg_flags") {
        let w = value(&f.value, defines)?;
        if w != i64::from(flags) {
            return Err(format!("recvmsg msg_flags is {flags:#x}, the script expects {w:#x}"));
        }
    }
    let Some(c) = want.field("msg_control") else { return Ok(()) };
    let ExprKind::Array(items) = &c.value.kind else {
        return Err("msg_control must be an array of cmsgs".to_string());
    };
    if items.len() != control.len() {
        return Err(format!("recvmsg returned {} control messages, the script expects {}", control.len(), items.len()));
    }
    for (i, (w, got)) in items.iter().zip(control).enumerate() {
        let level = w.field("cmsg_level").map(|f| value(&f.value, defines)).transpose()?;
        let ty = w.field("cmsg_type").map(|f| value(&f.value, defines)).transpose()?;
        if level.is_some_and(|l| l != i64::from(got.level)) || ty.is_some_and(|t| t != i64::from(got.ty)) {
            return Err(format!("control message {i} is level {} type {}, the script expects {w}", got.level, got.ty));
        }
        let Some(data) = w.field("cmsg_data") else { continue };
        check_data(i, &data.value, &got.data, defines, tolerance)?;
    }
    Ok(())
}

fn check_data(i: usize, want: &Expr, got: &CmsgData, defines: &BTreeMap<String, String>, tolerance: Duration) -> Result<(), String> {
    let field = |name: &str| want.field(name).map(|f| value(&f.value, defines)).transpose();
    match got {
        CmsgData::Int(v) => {
            let w = value(want, defines)?;
            if w == *v {
                Ok(())
            } else {
                Err(format!("control message {i} data is {v}, the script expects {w}"))
            }
        }
        CmsgData::ExtendedErr { errno, origin, ty, code, info, data } => {
            let checks: [(&str, i64); 6] = [
                ("ee_errno", (*errno).into()),
                ("ee_origin", (*origin).into()),
                ("ee_type", (*ty).into()),
                ("ee_code", (*code).into()),
                ("ee_info", (*info).into()),
                ("ee_data", (*data).into()),
            ];
            for (name, actual) in checks {
                if let Some(w) = field(name)? {
                    if w != actual {
                        return Err(format!("control message {i}: {name} is {actual}, the script expects {w}"));
                    }
                }
            }
            Ok(())
        }
        CmsgData::Timestamp(at) => {
            let secs = field("scm_sec")?.unwrap_or(0);
            let nsecs = field("scm_nsec")?.unwrap_or(0);
            let w = Duration::from_secs(secs.max(0) as u64) + Duration::from_nanos(nsecs.max(0) as u64);
            let off = if *at > w { *at - w } else { w - *at };
            if off <= tolerance {
                Ok(())
            } else {
                Err(format!("control message {i}: timestamp {at:?}, the script expects {w:?} (± {tolerance:?})"))
            }
        }
        CmsgData::Raw(bytes) => Err(format!("control message {i} has {} bytes this runner cannot compare with {want}", bytes.len())),
    }
}
