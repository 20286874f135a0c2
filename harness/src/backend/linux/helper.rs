//! The thread that makes system calls which may block, so that the script goes on while one
//! is blocked (packetdrill's syscall thread). It is spawned by the worker thread, so it is
//! in the run's namespace. Whether a call blocked is read from the kernel — the thread's
//! state in /proc is "S" (sleeping) while it is inside the call — not guessed from a delay.
//!
//! The thread also owns the run's private /tmp: it enters a mount namespace of its own and
//! mounts a tmpfs there, so that what a script's backtick commands write to /tmp (they join
//! this namespace, see `shell`) and what its open() calls read (run on this thread) is one
//! directory that the host never sees and the kernel frees with the thread.

use super::native;
use crate::backend::call::{Call, Returned};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::Duration;

/// What the helper reports: when the call returned (CLOCK_REALTIME) and what it returned.
pub type Done = (Duration, Returned);

/// The helper thread and its channels.
pub struct Helper {
    calls: Sender<Call>,
    results: Receiver<Done>,
    tid: Arc<AtomicI32>,
    in_call: Arc<AtomicBool>,
}

impl Helper {
    /// Starts the thread, in a mount namespace of its own with a fresh tmpfs on /tmp.
    pub fn spawn() -> Result<Helper, String> {
        let (calls, inbox) = channel::<Call>();
        let (outbox, results) = channel::<Done>();
        let (ready, started) = channel::<Result<(), String>>();
        let tid = Arc::new(AtomicI32::new(0));
        let in_call = Arc::new(AtomicBool::new(false));
        let (t, busy) = (tid.clone(), in_call.clone());
        std::thread::spawn(move || {
            // The worker's priority is not inherited (SCHED_RESET_ON_FORK); a failure was
            // noted by the worker already.
            let _ = super::realtime_priority();
            // SAFETY: gettid has no preconditions.
            t.store(unsafe { libc::gettid() }, Ordering::SeqCst);
            let private = private_tmp();
            let ok = private.is_ok();
            if ready.send(private).is_err() || !ok {
                return;
            }
            while let Ok(call) = inbox.recv() {
                busy.store(true, Ordering::SeqCst);
                let r = native::execute(&call);
                let at = super::realtime();
                busy.store(false, Ordering::SeqCst);
                if outbox.send((at, r)).is_err() {
                    break;
                }
            }
            // The run is over: the thread's exit (its mount namespace's teardown) must not
            // wait on the run's CPU behind another run's real-time thread.
            super::cpu::release_this_thread();
        });
        started.recv().map_err(|_| "the syscall thread did not start".to_string())??;
        Ok(Helper { calls, results, tid, in_call })
    }

    /// The thread's mount namespace (the one with the run's /tmp), for commands to join.
    pub fn mount_namespace(&self) -> std::path::PathBuf {
        format!("/proc/self/task/{}/ns/mnt", self.tid.load(Ordering::SeqCst)).into()
    }

    /// Hands `call` to the thread; returns its result if it returns at once, or `None` once
    /// the thread is asleep inside it (it blocks).
    pub fn start(&self, call: Call) -> Result<Option<Done>, String> {
        self.calls.send(call).map_err(|_| "the syscall thread is gone".to_string())?;
        loop {
            // Woken by the result as soon as it is sent (a call that does not block costs
            // two thread switches, not a sleep); every 50 µs, look whether it sleeps.
            match self.results.recv_timeout(Duration::from_micros(50)) {
                Ok(done) => return Ok(Some(done)),
                Err(RecvTimeoutError::Disconnected) => return Err("the syscall thread is gone".to_string()),
                Err(RecvTimeoutError::Timeout) => {}
            }
            if self.in_call.load(Ordering::SeqCst) && self.sleeping() {
                // Asleep in the kernel; check once more that it did not just return.
                return Ok(self.results.try_recv().ok());
            }
        }
    }

    /// The result of the blocked call, if it has returned.
    pub fn poll(&self) -> Option<Done> {
        self.results.try_recv().ok()
    }

    fn sleeping(&self) -> bool {
        let tid = self.tid.load(Ordering::SeqCst);
        if tid == 0 {
            return false;
        }
        let Ok(stat) = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")) else { return false };
        // "tid (comm) S …": the state follows the last ')'.
        stat.rsplit_once(')').and_then(|(_, rest)| rest.trim_start().chars().next()) == Some('S')
    }
}

/// Moves the calling thread into a new mount namespace (it stops sharing its filesystem
/// context with the process: CLONE_NEWNS implies CLONE_FS) where mounts do not propagate to
/// the host, and mounts a tmpfs on /tmp.
fn private_tmp() -> Result<(), String> {
    // SAFETY: plain system calls with static C strings.
    unsafe {
        if libc::unshare(libc::CLONE_NEWNS | libc::CLONE_FS) != 0 {
            return Err(format!("unshare(CLONE_NEWNS): {}", std::io::Error::last_os_error()));
        }
        if libc::mount(std::ptr::null(), c"/".as_ptr(), std::ptr::null(), libc::MS_REC | libc::MS_PRIVATE, std::ptr::null()) != 0 {
            return Err(format!("making / private in the run's mount namespace: {}", std::io::Error::last_os_error()));
        }
        if libc::mount(c"tmpfs".as_ptr(), c"/tmp".as_ptr(), c"tmpfs".as_ptr(), 0, std::ptr::null()) != 0 {
            return Err(format!("mounting the run's private /tmp: {}", std::io::Error::last_os_error()));
        }
    }
    Ok(())
}
