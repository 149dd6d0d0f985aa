//! Keypair files in the Solana CLI format (a JSON array of the 64 secret-and-public key
//! bytes), read and written by `solana-keypair` itself. A written file is readable by its owner
//! only (mode 0600 on Unix), also when it replaces an existing file.

use std::path::{Path, PathBuf};

use solana_keypair::Keypair;

/// The Solana CLI's default keypair file.
pub const DEFAULT_PATH: &str = "~/.config/solana/id.json";

/// `~/x` → `$HOME/x` (other paths unchanged).
pub fn expand_home(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(p),
    }
}

/// [`DEFAULT_PATH`], expanded.
pub fn default_path() -> PathBuf {
    expand_home(DEFAULT_PATH)
}

/// Reads the keypair file at `path`.
pub fn read(path: &Path) -> Result<Keypair, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("cannot read keypair file {}: {e}", path.display()))?;
    solana_keypair::read_keypair(&mut text.as_bytes()).map_err(|e| {
        format!("keypair file {} is not a Solana CLI keypair (a JSON array of 64 numbers 0–255): {e}", path.display())
    })
}

/// Writes `kp` to `path` (creating its directory), readable by its owner only.
pub fn write(kp: &Keypair, path: &Path) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| format!("cannot write keypair file {}: {e}", path.display());
    solana_keypair::write_keypair_file(kp, path).map_err(|e| fail(&e))?;
    // `write_keypair_file` sets 0600 when it creates the file; an existing file keeps its mode
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(|e| fail(&e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_signer::Signer;

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("rpv-sdk-keypair-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    #[test]
    fn the_default_path_is_under_home() {
        if let Some(home) = std::env::var_os("HOME") {
            assert_eq!(default_path(), PathBuf::from(home).join(".config/solana/id.json"));
        }
        assert_eq!(expand_home("/etc/id.json"), PathBuf::from("/etc/id.json"));
    }

    #[test]
    fn round_trip_in_the_cli_format() {
        let kp = Keypair::new();
        let path = temp("id.json");
        write(&kp, &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with('[') && text.ends_with(']') && text.matches(',').count() == 63, "{text}");
        assert_eq!(read(&path).unwrap().pubkey(), kp.pubkey());
        let e = read(Path::new("/nonexistent/id.json")).unwrap_err();
        assert!(e.starts_with("cannot read keypair file /nonexistent/id.json: "), "{e}");
        std::fs::write(&path, "not json").unwrap();
        assert!(read(&path).unwrap_err().contains("is not a Solana CLI keypair"));
        std::fs::write(&path, "[1,2,3]").unwrap();
        let e = read(&path).unwrap_err();
        assert!(e.contains("is not a Solana CLI keypair") && e.contains("found 3"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn written_files_are_not_world_readable() {
        use std::os::unix::fs::PermissionsExt;
        let path = temp("secret.json");
        // a file that exists already, readable by everyone, is tightened too
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write(&Keypair::new(), &path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "mode {mode:o}");
        let fresh = temp("fresh.json");
        let _ = std::fs::remove_file(&fresh);
        write(&Keypair::new(), &fresh).unwrap();
        assert_eq!(std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o077, 0, "no group/other bits");
    }
}

/// The Solana CLI's configuration file (`solana config set …` writes it), as far as a client
/// reads it: the cluster URL, the keypair and the commitment, each when set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SolanaConfig {
    pub json_rpc_url: Option<String>,
    pub keypair_path: Option<PathBuf>,
    pub commitment: Option<String>,
}

/// Where the Solana CLI keeps its configuration.
pub const SOLANA_CONFIG_PATH: &str = "~/.config/solana/cli/config.yml";

impl SolanaConfig {
    /// The configuration at [`SOLANA_CONFIG_PATH`]; empty when there is none.
    pub fn load() -> Result<Self, String> {
        let path = expand_home(SOLANA_CONFIG_PATH);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Self::parse(&text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(format!("cannot read the Solana CLI configuration {}: {e}", path.display())),
        }
    }

    /// Its flat `key: value` lines (the YAML the Solana CLI writes: values bare or quoted).
    pub fn parse(text: &str) -> Self {
        let mut c = Self::default();
        for line in text.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim().trim_matches(|ch| ch == '"' || ch == '\'').to_string();
            if value.is_empty() {
                continue;
            }
            match key.trim() {
                "json_rpc_url" => c.json_rpc_url = Some(value),
                "keypair_path" => c.keypair_path = Some(expand_home(&value)),
                "commitment" => c.commitment = Some(value),
                _ => {}
            }
        }
        c
    }
}

#[cfg(test)]
mod solana_config {
    use super::*;

    #[test]
    fn the_solana_cli_configuration_is_read() {
        let text = "---\njson_rpc_url: \"http://127.0.0.1:8899\"\nwebsocket_url: \"\"\nkeypair_path: /tmp/k.json\n\
                    address_labels:\n  \"11111111111111111111111111111111\": System Program\ncommitment: confirmed\n";
        let c = SolanaConfig::parse(text);
        assert_eq!(c.json_rpc_url.as_deref(), Some("http://127.0.0.1:8899"));
        assert_eq!(c.keypair_path, Some(PathBuf::from("/tmp/k.json")));
        assert_eq!(c.commitment.as_deref(), Some("confirmed"));
        assert_eq!(SolanaConfig::parse("").json_rpc_url, None);
    }
}
