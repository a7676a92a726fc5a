//! Positioned reads that never wait for the disk: what the page cache holds is copied at once,
//! so an event-loop thread can serve hot files itself (as nginx does) and hand only real disk
//! reads to the blocking pool.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

/// Reads into `buf` at `offset` only what is already cached (`preadv2` with `RWF_NOWAIT`).
/// `Ok(Some(0))` is the end of the file; `Ok(None)` means the read would wait for the disk (or
/// the kernel or file system cannot tell), and the caller should read on a blocking thread.
pub fn read_cached_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<Option<usize>> {
    let Ok(offset) = libc::off_t::try_from(offset) else {
        return Err(io::Error::from(io::ErrorKind::InvalidInput));
    };
    let iov = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() };
    // SAFETY: `iov` describes `buf`, which is valid and exclusively borrowed for the whole call;
    // the descriptor stays open while `file` is borrowed.
    let n = unsafe { libc::preadv2(file.as_raw_fd(), &iov, 1, offset, libc::RWF_NOWAIT) };
    match usize::try_from(n) {
        Ok(n) => Ok(Some(n)),
        Err(_) => {
            let e = io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::EAGAIN | libc::EOPNOTSUPP | libc::ENOSYS | libc::EINVAL) => Ok(None),
                _ => Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn cached_bytes_are_read_and_the_end_is_zero() {
        let path = std::env::temp_dir().join(format!("veza-page-cache-{}", uuid::Uuid::now_v7()));
        let body: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &body).unwrap_or_else(|e| panic!("{e}"));
        let f = File::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let _ = std::fs::remove_file(&path);
        // Just written: in the page cache.
        let mut buf = vec![0u8; 4000];
        let n = read_cached_at(&f, &mut buf, 5000).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(n, Some(4000));
        assert_eq!(buf, body[5000..9000]);
        let n = read_cached_at(&f, &mut buf, 9000).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(n, Some(1000));
        assert_eq!(&buf[..1000], &body[9000..]);
        assert_eq!(read_cached_at(&f, &mut buf, 10_000).unwrap_or_else(|e| panic!("{e}")), Some(0));
    }
}
