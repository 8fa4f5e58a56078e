//! The HTTPS listener's certificate: the configured one, or a generated dev certificate for
//! `localhost`, the loopback addresses and every distribution's names, kept in the state dir and
//! regenerated only when those names change.

use std::path::{Path, PathBuf};

use localfront_config::Config;

/// Paths of the certificate chain and key the HTTPS listener uses.
pub fn certificate(config: &Config) -> Result<(PathBuf, PathBuf), String> {
    if let Some(tls) = &config.server.tls {
        return Ok((tls.cert.clone(), tls.key.clone()));
    }
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    for d in &config.distributions {
        names.push(d.domain_name.clone());
        names.extend(d.aliases.iter().cloned());
    }
    names.sort();
    names.dedup();
    dev_certificate(&config.server.state_dir.join("tls"), &names)
}

fn dev_certificate(dir: &Path, names: &[String]) -> Result<(PathBuf, PathBuf), String> {
    let cert = dir.join("dev-cert.pem");
    let key = dir.join("dev-key.pem");
    let names_file = dir.join("dev-cert.names");
    let wanted = names.join("\n");
    let current = std::fs::read_to_string(&names_file).ok();
    if current.as_deref() == Some(wanted.as_str()) && cert.is_file() && key.is_file() {
        return Ok((cert, key));
    }
    let generated = rcgen::generate_simple_self_signed(names.to_vec())
        .map_err(|e| format!("cannot generate a dev certificate: {e}"))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let write = |path: &Path, text: String| {
        std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write(&cert, generated.cert.pem())?;
    write(&key, generated.signing_key.serialize_pem())?;
    write(&names_file, wanted)?;
    tracing::info!(
        "generated a dev certificate for {} in {}",
        names.join(", "),
        dir.display()
    );
    Ok((cert, key))
}
