//! The keeper's HTTP endpoints on loopback (`--http-port`): `GET /metrics` in Prometheus'
//! text format ([`Metrics::prometheus`]) and `GET /health` — `200 ok` while the last tick ended
//! without an error and no longer ago than `stale_after`, else `503` with the reason. Plain std
//! sockets, one request per connection, served from a thread; the loop publishes a copy of its
//! metrics after every tick ([`Shared::publish`]).

use std::{
    io::{BufRead, BufReader, Write},
    net::{SocketAddr, TcpListener, TcpStream},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use crate::metrics::Metrics;

/// What the endpoints serve: the metrics after the last tick, when it ended and how.
#[derive(Clone, Default)]
pub struct Shared(Arc<Mutex<State>>);

#[derive(Default)]
struct State {
    metrics: Metrics,
    last_tick: Option<Instant>,
    last_tick_ok: bool,
}

impl Shared {
    /// Records a finished tick.
    pub fn publish(&self, metrics: &Metrics, ok: bool) {
        let mut s = self.0.lock().unwrap_or_else(|p| p.into_inner());
        s.metrics = metrics.clone();
        s.last_tick = Some(Instant::now());
        s.last_tick_ok = ok;
    }

    /// `(healthy, reason)`.
    fn health(&self, stale_after: Duration) -> (bool, String) {
        let s = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match s.last_tick {
            None => (false, "no tick finished yet".into()),
            Some(t) if t.elapsed() > stale_after => {
                (false, format!("the last tick ended {} s ago", t.elapsed().as_secs()))
            }
            Some(_) if !s.last_tick_ok => {
                (false, format!("the last tick failed: {}", s.metrics.last_error.clone().unwrap_or_default()))
            }
            Some(_) => (true, "ok".into()),
        }
    }
}

/// Binds `127.0.0.1:port` (0: any free port) and serves from a thread; returns the address.
pub fn serve(port: u16, shared: Shared, stale_after: Duration) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    let addr = listener.local_addr()?;
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = answer(stream, &shared, stale_after);
        }
    });
    Ok(addr)
}

fn answer(mut stream: TcpStream, shared: &Shared, stale_after: Duration) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut line = String::new();
    BufReader::new(&stream).read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (status, kind, body) = match (method, path) {
        ("GET", "/metrics") => {
            let m = shared.0.lock().unwrap_or_else(|p| p.into_inner()).metrics.clone();
            ("200 OK", "text/plain; version=0.0.4", m.prometheus())
        }
        ("GET", "/health") => match shared.health(stale_after) {
            (true, why) => ("200 OK", "text/plain", why + "\n"),
            (false, why) => ("503 Service Unavailable", "text/plain", why + "\n"),
        },
        ("GET", _) => ("404 Not Found", "text/plain", "GET /metrics or /health\n".into()),
        _ => ("405 Method Not Allowed", "text/plain", "GET only\n".into()),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}
