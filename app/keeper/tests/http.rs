//! `/metrics` and `/health` on loopback.

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    time::Duration,
};

use rpv_keeper::{http, metrics::Metrics};

fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status = text.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, text.split("\r\n\r\n").nth(1).unwrap_or_default().to_string())
}

#[test]
fn metrics_and_health_are_served_on_loopback() {
    let shared = http::Shared::default();
    let addr = http::serve(0, shared.clone(), Duration::from_secs(60)).unwrap();
    assert!(addr.ip().is_loopback());
    let (status, body) = get(addr, "/health");
    assert_eq!((status, body.trim()), (503, "no tick finished yet"));

    let mut m =
        Metrics { vault: "V".into(), keeper: "K".into(), ticks: 3, trades: 2, flash_trades: 1, ..Default::default() };
    m.counts("rebalance_flash").confirmed = 1;
    m.program_error("RebalanceUnderpaid");
    shared.publish(&m, true);
    assert_eq!(get(addr, "/health"), (200, "ok\n".to_string()));
    let (status, body) = get(addr, "/metrics");
    assert_eq!(status, 200);
    for line in [
        "# TYPE rpv_keeper_ticks_total counter",
        "rpv_keeper_ticks_total{vault=\"V\",keeper=\"K\"} 3",
        "rpv_keeper_flash_trades_total{vault=\"V\",keeper=\"K\"} 1",
        "rpv_keeper_instructions_total{vault=\"V\",keeper=\"K\",instruction=\"rebalance_flash\",outcome=\"confirmed\"} 1",
        "rpv_keeper_program_errors_total{vault=\"V\",keeper=\"K\",error=\"RebalanceUnderpaid\"} 1",
    ] {
        assert!(body.lines().any(|l| l == line), "{line} missing:\n{body}");
    }
    // a failed tick makes the keeper unhealthy, with the reason
    m.last_error = Some("getAccountInfo(vault) failed: timeout".into());
    shared.publish(&m, false);
    let (status, body) = get(addr, "/health");
    assert_eq!(status, 503);
    assert!(body.contains("the last tick failed: getAccountInfo(vault) failed: timeout"), "{body}");
    assert_eq!(get(addr, "/other").0, 404);
}

#[test]
fn a_keeper_whose_ticks_stopped_is_unhealthy() {
    let shared = http::Shared::default();
    let addr = http::serve(0, shared.clone(), Duration::from_millis(200)).unwrap();
    shared.publish(&Metrics::default(), true);
    assert_eq!(get(addr, "/health").0, 200);
    std::thread::sleep(Duration::from_millis(1_100));
    let (status, body) = get(addr, "/health");
    assert_eq!(status, 503);
    assert!(body.contains("the last tick ended 1 s ago"), "{body}");
}
