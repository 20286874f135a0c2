//! The thread that makes system calls which may block, so that the script goes on while one
//! is blocked (packetdrill's syscall thread). It is spawned by the worker thread, so it is
//! in the run's namespace. Whether a call blocked is read from the kernel — the thread's
//! state in /proc is "S" (sleeping) while it is inside the call — not guessed from a delay.

use super::native;
use crate::backend::call::{Call, Returned};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};
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
    /// Starts the thread.
    pub fn spawn() -> Helper {
        let (calls, inbox) = channel::<Call>();
        let (outbox, results) = channel::<Done>();
        let tid = Arc::new(AtomicI32::new(0));
        let in_call = Arc::new(AtomicBool::new(false));
        let (t, busy) = (tid.clone(), in_call.clone());
        std::thread::spawn(move || {
            // SAFETY: gettid has no preconditions.
            t.store(unsafe { libc::gettid() }, Ordering::SeqCst);
            while let Ok(call) = inbox.recv() {
                busy.store(true, Ordering::SeqCst);
                let r = native::execute(&call);
                let at = super::realtime();
                busy.store(false, Ordering::SeqCst);
                if outbox.send((at, r)).is_err() {
                    break;
                }
            }
        });
        Helper { calls, results, tid, in_call }
    }

    /// Hands `call` to the thread; returns its result if it returns at once, or `None` once
    /// the thread is asleep inside it (it blocks).
    pub fn start(&self, call: Call) -> Result<Option<Done>, String> {
        self.calls.send(call).map_err(|_| "the syscall thread is gone".to_string())?;
        loop {
            match self.results.try_recv() {
                Ok(done) => return Ok(Some(done)),
                Err(TryRecvError::Disconnected) => return Err("the syscall thread is gone".to_string()),
                Err(TryRecvError::Empty) => {}
            }
            if self.in_call.load(Ordering::SeqCst) && self.sleeping() {
                // Asleep in the kernel; check once more that it did not just return.
                return Ok(self.results.try_recv().ok());
            }
            std::thread::sleep(Duration::from_micros(20));
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
