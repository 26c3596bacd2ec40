//! `TCP_NODELAY` on the connections to a database server.
//!
//! sqlx 0.9.0 stopped setting it (sqlx issue 4335; fixed upstream, not released yet). With
//! Nagle's algorithm on, a statement that leaves in more than one write waits for the
//! server's delayed acknowledgement, 40 ms on Linux: on PostgreSQL over TCP a bulk read of
//! 10,000 tokens took 1.33 s instead of 0.37 s, and every large statement (an import's,
//! an audit batch's) paid it. sqlx gives no access to its socket, so after a connection
//! opens this finds the process's TCP sockets to the server's port that lack the option
//! and sets it through a duplicate (`pidfd_getfd`: the duplicate shares the socket, and
//! closing it leaves the original open). Linux only; elsewhere, and on any failure,
//! nothing changes but speed. Remove when sqlx sets it again.

/// Sets `TCP_NODELAY` on every TCP socket of this process connected to `port`.
#[cfg(target_os = "linux")]
pub(crate) fn set_on_sockets_to(port: u16) {
    use rustix::process::{PidfdFlags, PidfdGetfdFlags, getpid, pidfd_getfd, pidfd_open};
    let Ok(me) = pidfd_open(getpid(), PidfdFlags::empty()) else {
        return;
    };
    let Ok(entries) = std::fs::read_dir("/proc/self/fd") else {
        return;
    };
    for entry in entries.flatten() {
        let is_socket = std::fs::read_link(entry.path())
            .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"));
        let Some(fd) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        if !is_socket {
            continue;
        }
        if let Ok(socket) = pidfd_getfd(&me, fd, PidfdGetfdFlags::empty()) {
            set_if_tcp_to(&socket, port);
        }
    }
}

#[cfg(target_os = "linux")]
fn set_if_tcp_to(socket: &rustix::fd::OwnedFd, port: u16) {
    use rustix::net::sockopt;
    let peer = rustix::net::getpeername(socket)
        .ok()
        .flatten()
        .and_then(|a| std::net::SocketAddr::try_from(a).ok());
    let tcp = sockopt::socket_type(socket).is_ok_and(|t| t == rustix::net::SocketType::STREAM);
    if tcp
        && peer.is_some_and(|p| p.port() == port)
        && sockopt::tcp_nodelay(socket).is_ok_and(|on| !on)
        && let Err(e) = sockopt::set_tcp_nodelay(socket, true)
    {
        tracing::debug!(error = %e, "TCP_NODELAY not set on a database connection");
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn set_on_sockets_to(_port: u16) {}

/// Whether each TCP socket of this process connected to `port` has the option (tests).
#[cfg(all(test, target_os = "linux"))]
#[allow(
    clippy::unwrap_used,
    reason = "a test's helper: a failure fails the test"
)]
pub(crate) fn states_of_sockets_to(port: u16) -> Vec<bool> {
    use rustix::process::{PidfdFlags, PidfdGetfdFlags, getpid, pidfd_getfd, pidfd_open};
    let me = pidfd_open(getpid(), PidfdFlags::empty()).unwrap();
    let mut states = Vec::new();
    for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        let Some(fd) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        let Ok(socket) = pidfd_getfd(&me, fd, PidfdGetfdFlags::empty()) else {
            continue;
        };
        let peer = rustix::net::getpeername(&socket)
            .ok()
            .flatten()
            .and_then(|a| std::net::SocketAddr::try_from(a).ok());
        if peer.is_some_and(|p| p.port() == port) {
            states.push(rustix::net::sockopt::tcp_nodelay(&socket).unwrap());
        }
    }
    states
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::io::Read;

    /// A socket to the port gets the option; one to another port keeps its own.
    #[test]
    fn sets_the_option_on_sockets_to_the_port_only() {
        let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = server.local_addr().unwrap().port();
        let to_db = std::net::TcpStream::connect(server.local_addr().unwrap()).unwrap();
        let elsewhere = std::net::TcpStream::connect(other.local_addr().unwrap()).unwrap();
        assert!(!to_db.nodelay().unwrap() && !elsewhere.nodelay().unwrap());
        super::set_on_sockets_to(port);
        assert!(to_db.nodelay().unwrap(), "the database's socket");
        assert!(
            !elsewhere.nodelay().unwrap(),
            "another socket is left alone"
        );
        // The duplicate was closed, the socket itself was not.
        drop(server.accept().unwrap());
        let mut buf = [0u8; 1];
        assert_eq!((&to_db).read(&mut buf).unwrap(), 0);
    }
}
