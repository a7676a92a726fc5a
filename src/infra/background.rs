//! Threads for work that must not compete with the chat: each runs at a lower scheduling
//! priority (nice 10), so on a small machine the HTTP workers and room shards win the cores
//! while tracks are spooled and decoded. A thread of its own each, because a thread cannot be
//! made urgent again once it is nice (that needs CAP_SYS_NICE), so pooled threads would stay slow.

/// How nice background threads are (0 normal, 19 the least urgent).
const NICENESS: i32 = 10;

/// Runs `f` on a fresh low-priority thread named `name`.
pub fn spawn<F>(name: &str, f: F) -> std::io::Result<std::thread::JoinHandle<()>>
where
    F: FnOnce() + Send + 'static,
{
    std::thread::Builder::new().name(name.to_owned()).spawn(move || {
        lower_priority();
        f();
    })
}

/// This thread only (Linux schedules threads as tasks: `setpriority` on the thread's id).
fn lower_priority() {
    // SAFETY: gettid and setpriority only read their arguments; failing leaves the priority.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, NICENESS);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_thread_runs_nice() {
        let (tx, rx) = std::sync::mpsc::channel();
        let spawned = super::spawn("veza-test-nice", move || {
            // SAFETY: reads this thread's priority.
            let nice = unsafe {
                *libc::__errno_location() = 0;
                libc::getpriority(libc::PRIO_PROCESS, libc::syscall(libc::SYS_gettid) as libc::id_t)
            };
            let _ = tx.send(nice);
        });
        spawned.unwrap_or_else(|e| panic!("{e}"));
        let nice = rx.recv().unwrap_or_else(|e| panic!("{e}"));
        assert!(nice >= super::NICENESS, "nice {nice}");
    }
}
