//! Structured logs: one JSON object per line,
//! `{"ts_ms": …, "level": "info", "event": "…", "vault": "…", "fields": {…}}`, to stderr (or to
//! memory, for tests).

use std::{
    io::Write,
    sync::{Arc, Mutex},
    time::{SystemTime, UNIX_EPOCH},
};

use serde_json::{json, Value};

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
}

#[derive(Clone)]
enum Sink {
    Stderr,
    Memory(Arc<Mutex<Vec<String>>>),
}

/// Writes log lines at or above a level.
#[derive(Clone)]
pub struct Logger {
    min: Level,
    vault: String,
    sink: Sink,
}

/// Wall-clock milliseconds since the epoch.
pub fn wall_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

impl Logger {
    /// Lines to stderr.
    pub fn stderr(min: Level) -> Self {
        Self { min, vault: String::new(), sink: Sink::Stderr }
    }

    /// Lines kept in memory (returned with the logger), for tests.
    pub fn memory(min: Level) -> (Self, Arc<Mutex<Vec<String>>>) {
        let buf = Arc::new(Mutex::new(Vec::new()));
        (Self { min, vault: String::new(), sink: Sink::Memory(buf.clone()) }, buf)
    }

    /// The vault every line names.
    pub fn for_vault(mut self, vault: &str) -> Self {
        self.vault = vault.to_string();
        self
    }

    pub fn enabled(&self, level: Level) -> bool {
        level >= self.min
    }

    /// Writes one line: `event` with `fields` (a JSON object).
    pub fn log(&self, level: Level, event: &str, fields: Value) {
        if !self.enabled(level) {
            return;
        }
        let line = json!({
            "ts_ms": wall_ms(),
            "level": level.as_str(),
            "event": event,
            "vault": self.vault,
            "fields": fields,
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
