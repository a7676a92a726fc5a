//! The listening socket, built by hand so accepted sockets inherit a bounded send buffer and
//! `TCP_USER_TIMEOUT`: a client that stops reading is then reset by the kernel instead of
//! pinning megabytes of socket memory forever (see STACK.md's measurements).

use socket2::{Domain, Protocol, Socket, Type};
use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::time::Duration;

pub fn bind(host: &str, port: u16, send_buffer: usize, user_timeout: Duration) -> io::Result<TcpListener> {
    let addr: SocketAddr = (host, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("cannot resolve {host}")))?;
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    if send_buffer > 0 {
        socket.set_send_buffer_size(send_buffer)?;
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if !user_timeout.is_zero() {
        socket.set_tcp_user_timeout(Some(user_timeout))?;
    }
    socket.set_tcp_nodelay(true)?;
    socket.bind(&addr.into())?;
    socket.listen(2048)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}
