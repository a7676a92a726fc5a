//! Process limits raised by whoever holds many sockets (a node, the load tool): every
//! connection is a file descriptor.

/// Raises the soft open-files limit to the hard one; returns the limit now in force
/// (0 when it cannot be read).
pub fn raise_open_files() -> u64 {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed to them.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 0;
        }
        if lim.rlim_cur < lim.rlim_max {
            let want = libc::rlimit { rlim_cur: lim.rlim_max, rlim_max: lim.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &want) == 0 {
                return want.rlim_cur;
            }
        }
    }
    lim.rlim_cur
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_limit_in_force_is_reported() {
        let n = super::raise_open_files();
        assert!(n >= 16, "a process has at least a few descriptors: {n}");
        assert_eq!(super::raise_open_files(), n, "raising again changes nothing");
    }
}
