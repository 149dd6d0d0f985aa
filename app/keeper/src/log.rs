//! Structured logs through `tracing`: every keeper event is a `tracing` event (target
//! `rpv_keeper`, its level, the vault and the event's fields), and [`JsonLines`] — a
//! `tracing-subscriber` layer — writes each one as a JSON object per line,
//! `{"ts_ms": …, "level": "info", "target": "rpv_keeper", "event": "…", "vault": "…", "fields": {…}}`,
//! to stderr (or to memory, for tests). The binary installs that subscriber as the process's
//! global default, so events from other crates that use `tracing` go to the same stream.

use std::{
    fmt::Debug,
    io::Write,
    sync::{Arc, Mutex},
    time::{SystemTime, UNIX_EPOCH},
};

use serde_json::{json, Value};
use tracing::{
    field::{Field, Visit},
    Dispatch, Event, Subscriber,
};
use tracing_subscriber::{
    filter::LevelFilter,
    layer::{Context, SubscriberExt},
    Layer, Registry,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "debug" => Some(Self::Debug),
            "info" => Some(Self::Info),
            "warn" | "warning" => Some(Self::Warn),
            "error" => Some(Self::Error),
            _ => None,
        }
    }

    fn filter(self) -> LevelFilter {
        match self {
            Self::Debug => LevelFilter::DEBUG,
            Self::Info => LevelFilter::INFO,
            Self::Warn => LevelFilter::WARN,
            Self::Error => LevelFilter::ERROR,
        }
    }
}

#[derive(Clone)]
enum Sink {
    Stderr,
    Memory(Arc<Mutex<Vec<String>>>),
}

/// The `tracing-subscriber` layer that writes each event as one JSON line.
pub struct JsonLines {
    sink: Sink,
}

/// Collects an event's fields: `vault`, `fields` (a JSON object, passed as its text) and the
/// message (the event's name); any other field is kept under `fields` by name.
#[derive(Default)]
struct Collect {
    message: String,
    vault: String,
    fields: serde_json::Map<String, Value>,
}

impl Visit for Collect {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => self.message = value.to_string(),
            "vault" => self.vault = value.to_string(),
            "fields" => self.merge(value),
            name => {
                self.fields.insert(name.to_string(), Value::String(value.to_string()));
            }
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.record_str(field, &format!("{value:?}"))
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.fields.insert(field.name().to_string(), json!(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.fields.insert(field.name().to_string(), json!(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.fields.insert(field.name().to_string(), json!(value));
    }
}

impl Collect {
    fn merge(&mut self, text: &str) {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => self.fields.extend(m),
            Ok(Value::Null) => {}
            Ok(other) => {
                self.fields.insert("value".into(), other);
            }
            Err(_) => {
                self.fields.insert("fields".into(), Value::String(text.to_string()));
            }
        }
    }
}

impl<S: Subscriber> Layer<S> for JsonLines {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut c = Collect::default();
        event.record(&mut c);
        let meta = event.metadata();
        let line = json!({
            "ts_ms": wall_ms(),
            "level": meta.level().as_str().to_ascii_lowercase(),
            "target": meta.target(),
            "event": c.message,
            "vault": c.vault,
            "fields": Value::Object(c.fields),
        })
        .to_string();
        match &self.sink {
            Sink::Stderr => {
                let mut e = std::io::stderr().lock();
                let _ = writeln!(e, "{line}");
            }
            Sink::Memory(buf) => buf.lock().expect("log buffer").push(line),
        }
    }
}

/// A `tracing` subscriber writing JSON lines at or above `min` to `sink`.
fn subscriber(min: Level, sink: Sink) -> Dispatch {
    Dispatch::new(Registry::default().with(JsonLines { sink }.with_filter(min.filter())))
}

/// The keeper's handle for emitting events: the vault every event names, the level it keeps,
/// and the `tracing` dispatcher its events go through.
#[derive(Clone)]
pub struct Logger {
    min: Level,
    vault: String,
    dispatch: Dispatch,
}

/// Wall-clock milliseconds since the epoch.
pub fn wall_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

impl Logger {
    /// JSON lines to stderr; the subscriber also becomes the process's global default (when
    /// none is set yet), so other crates' `tracing` events join the same stream.
    pub fn stderr(min: Level) -> Self {
        let dispatch = subscriber(min, Sink::Stderr);
        let _ = tracing::dispatcher::set_global_default(dispatch.clone());
        Self { min, vault: String::new(), dispatch }
    }

    /// Lines kept in memory (returned with the logger), for tests.
    pub fn memory(min: Level) -> (Self, Arc<Mutex<Vec<String>>>) {
        let buf = Arc::new(Mutex::new(Vec::new()));
        (Self { min, vault: String::new(), dispatch: subscriber(min, Sink::Memory(buf.clone())) }, buf)
    }

    /// The vault every line names.
    pub fn for_vault(mut self, vault: &str) -> Self {
        self.vault = vault.to_string();
        self
    }

    pub fn enabled(&self, level: Level) -> bool {
        level >= self.min
    }

    /// Emits one `tracing` event: `event` with `fields` (a JSON object).
    pub fn log(&self, level: Level, event: &str, fields: Value) {
        if !self.enabled(level) {
            return;
        }
        let vault = self.vault.as_str();
        let fields = fields.to_string();
        tracing::dispatcher::with_default(&self.dispatch, || match level {
            Level::Debug => tracing::debug!(target: "rpv_keeper", vault, fields = fields.as_str(), "{event}"),
            Level::Info => tracing::info!(target: "rpv_keeper", vault, fields = fields.as_str(), "{event}"),
            Level::Warn => tracing::warn!(target: "rpv_keeper", vault, fields = fields.as_str(), "{event}"),
            Level::Error => tracing::error!(target: "rpv_keeper", vault, fields = fields.as_str(), "{event}"),
        });
    }

    pub fn debug(&self, event: &str, fields: Value) {
        self.log(Level::Debug, event, fields)
    }
    pub fn info(&self, event: &str, fields: Value) {
        self.log(Level::Info, event, fields)
    }
    pub fn warn(&self, event: &str, fields: Value) {
        self.log(Level::Warn, event, fields)
    }
    pub fn error(&self, event: &str, fields: Value) {
        self.log(Level::Error, event, fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(buf: &Arc<Mutex<Vec<String>>>) -> Vec<Value> {
        buf.lock().unwrap().iter().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    #[test]
    fn an_event_is_a_tracing_event_written_as_one_json_line() {
        let (log, buf) = Logger::memory(Level::Info);
        let log = log.for_vault("Vau1t");
        log.info("tick", json!({"slot": 7, "nested": {"a": [1, 2]}, "name": "x"}));
        let got = lines(&buf);
        assert_eq!(got.len(), 1);
        let l = &got[0];
        assert_eq!(l["target"], "rpv_keeper", "written by the tracing layer");
        assert_eq!(
            (l["level"].as_str(), l["event"].as_str(), l["vault"].as_str()),
            (Some("info"), Some("tick"), Some("Vau1t"))
        );
        assert_eq!(l["fields"], json!({"slot": 7, "nested": {"a": [1, 2]}, "name": "x"}));
        assert!(l["ts_ms"].as_u64().unwrap() > 1_600_000_000_000);
    }

    #[test]
    fn levels_below_the_minimum_are_dropped_by_the_logger_and_the_subscriber() {
        let (log, buf) = Logger::memory(Level::Warn);
        log.debug("d", json!({}));
        log.info("i", json!({}));
        log.warn("w", json!({}));
        log.error("e", json!({}));
        // the subscriber's filter also holds for events that bypass the logger's own check
        tracing::dispatcher::with_default(&log.dispatch, || tracing::info!(target: "other", "dropped"));
        tracing::dispatcher::with_default(&log.dispatch, || tracing::warn!(target: "other", n = 3u64, "kept"));
        let got = lines(&buf);
        let events: Vec<_> =
            got.iter().map(|l| (l["target"].as_str().unwrap(), l["event"].as_str().unwrap())).collect();
        assert_eq!(events, vec![("rpv_keeper", "w"), ("rpv_keeper", "e"), ("other", "kept")]);
        assert_eq!(got[2]["fields"]["n"], 3);
        assert_eq!(got[1]["level"], "error");
    }
}
