//! `[[key_groups]]` and behaviors' `trusted_key_groups` (spec/distribution.md §12): the public keys
//! are read and parsed here, so a bad key is a config error at its position.

use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;
use rsa::RsaPublicKey;

use super::{quoted, Checker};
use crate::error::{did_you_mean, KeyPath};
use crate::private_content::{KeyGroup, PublicKey};
use crate::raw_policies::RawKeyGroup;

/// CloudFront's quotas: public keys per key group, key groups per behavior.
const MAX_KEYS: usize = 5;
const MAX_GROUPS_PER_BEHAVIOR: usize = 4;

/// Converts the file's key groups.
pub(super) fn key_groups(c: &mut Checker, raw: Vec<RawKeyGroup>) -> Vec<KeyGroup> {
    let mut out: Vec<KeyGroup> = Vec::new();
    for (i, g) in raw.into_iter().enumerate() {
        let at = KeyPath::default().key("key_groups").index(i);
        let Some(name) = c.required(g.name, &at, "name") else {
            continue;
        };
        if out.iter().any(|x| x.name == name) {
            c.error(
                &at.key("name"),
                format!("a second key group named `{name}`"),
            );
        }
        if g.public_keys.is_empty() {
            c.error(
                &at,
                "missing required key `public_keys`: a key group has 1 to 5 keys",
            );
        } else if g.public_keys.len() > MAX_KEYS {
            c.error(
                &at.key("public_keys"),
                format!(
                    "{} keys: a key group has at most {MAX_KEYS}",
                    g.public_keys.len()
                ),
            );
        }
        let mut public_keys: Vec<PublicKey> = Vec::new();
        for (j, k) in g.public_keys.into_iter().enumerate() {
            let at = at.key("public_keys").index(j);
            let Some(id) = c.required(k.id, &at, "id") else {
                continue;
            };
            if public_keys.iter().any(|p| p.id == id) {
                c.error(&at.key("id"), format!("key id `{id}` is listed twice"));
            }
            let path = k.file.as_deref().map(|f| c.path(f));
            let pem = match (k.file, k.encoded_key) {
                (Some(file), None) => match std::fs::read_to_string(c.path(&file)) {
                    Ok(pem) => pem,
                    Err(e) => {
                        c.error(&at.key("file"), format!("cannot read `{file}`: {e}"));
                        continue;
                    }
                },
                (None, Some(pem)) => pem,
                _ => {
                    c.error(
                        &at,
                        "expected exactly one of `file` or `encoded_key` (a PEM public key)",
                    );
                    continue;
                }
            };
            let key_at = at.clone();
            match parse_public_key(&pem) {
                Ok(key) if key.size() * 8 == 2048 => public_keys.push(PublicKey {
                    id,
                    key,
                    file: path,
                }),
                Ok(key) => c.error(
                    &key_at,
                    format!(
                        "a {}-bit RSA key: CloudFront accepts 2048-bit RSA keys",
                        key.size() * 8
                    ),
                ),
                Err(e) => c.error_hint(
                    &key_at,
                    format!("not a PEM RSA public key: {e}"),
                    "make one with `openssl pkey -in private.pem -pubout -out public.pem`",
                ),
            }
        }
        out.push(KeyGroup { name, public_keys });
    }
    out
}

/// `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo) or `-----BEGIN RSA PUBLIC KEY-----` (PKCS#1).
fn parse_public_key(pem: &str) -> Result<RsaPublicKey, String> {
    let pem = pem.trim();
    RsaPublicKey::from_public_key_pem(pem)
        .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem))
        .map_err(|e| e.to_string())
}

/// A behavior's `trusted_key_groups`, resolved.
pub(super) fn trusted(
    c: &mut Checker,
    names: Option<Vec<String>>,
    groups: &[KeyGroup],
    at: &KeyPath,
) -> Vec<KeyGroup> {
    let Some(names) = names else {
        return Vec::new();
    };
    if names.is_empty() {
        c.error(
            at,
            "an empty list: name at least one key group, or leave the key out",
        );
    }
    if names.len() > MAX_GROUPS_PER_BEHAVIOR {
        c.error(
            at,
            format!(
                "{} key groups: a behavior trusts at most {MAX_GROUPS_PER_BEHAVIOR}",
                names.len()
            ),
        );
    }
    let mut out = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match groups.iter().find(|g| &g.name == name) {
            Some(g) => out.push(g.clone()),
            None => {
                let known: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
                let message = format!("unknown key group `{name}`");
                match did_you_mean(name, known.iter().copied()) {
                    Some(h) => c.error_hint(&at.index(i), message, h),
                    None if known.is_empty() => {
                        c.error_hint(&at.index(i), message, "declare it in `[[key_groups]]`")
                    }
                    None => c.error_hint(
                        &at.index(i),
                        message,
                        format!("expected one of {}", quoted(&known)),
                    ),
                }
            }
        }
    }
    out
}
