//! The profile file: the INI file Tencent's SDKs read, with one `[section]` per profile and
//! `secret_id` / `secret_key` in it.
//!
//! - the file: `TENCENTCLOUD_CREDENTIALS_FILE` when set (tencentcloud-sdk-go
//!   `profile_provider.go`; then the file must exist), else `~/.tencentcloud/credentials`
//!   (Go and tencentcloud-sdk-python `ProfileCredential`), else, on Unix,
//!   `/etc/tencentcloud/credentials` (Python);
//! - the profile: `default` (both SDKs read only that one), or the one named with
//!   [`DefaultCredentialsBuilder::profile`](super::DefaultCredentialsBuilder::profile);
//! - keys are matched case-insensitively and values trimmed (Python's `configparser`);
//!   `#` and `;` start comment lines.
//!
//! Not read: coscli's `~/.cos.yaml` (YAML whose `secretid`/`secretkey` coscli stores
//! encrypted with its own key, `util/secret.go`) and tccli's `~/.tccli/*.credential` (JSON);
//! both are the tools' private formats, not the SDKs' shared one.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cos_sign::Credentials;

use super::environment::{Environment, non_empty};
use super::{Loaded, SourceError};
use crate::credentials::StaticCredentials;

pub(crate) const NAME: &str = "profile file";

/// The variable naming the profile file.
pub const CREDENTIALS_FILE_VAR: &str = "TENCENTCLOUD_CREDENTIALS_FILE";

/// The system-wide file tencentcloud-sdk-python falls back to.
const SYSTEM_FILE: &str = "/etc/tencentcloud/credentials";

pub(crate) async fn load(env: &dyn Environment, profile: &str) -> Result<Loaded, SourceError> {
    if let Some(path) = non_empty(env, CREDENTIALS_FILE_VAR) {
        let path = PathBuf::from(path);
        return match read(&path).await? {
            Some(text) => found(&path, &text, profile),
            None => Err(SourceError::new(
                NAME,
                format!(
                    "{CREDENTIALS_FILE_VAR} names {}, which does not exist",
                    path.display()
                ),
            )),
        };
    }
    let mut candidates = Vec::new();
    if let Some(home) = env.home_dir() {
        candidates.push(home.join(".tencentcloud").join("credentials"));
    }
    if cfg!(unix) {
        candidates.push(PathBuf::from(SYSTEM_FILE));
    }
    for path in &candidates {
        if let Some(text) = read(path).await? {
            return found(path, &text, profile);
        }
    }
    let shown: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
    Ok(Loaded::Nothing(match shown.as_slice() {
        [] => "no home directory to look in".into(),
        [one] => format!("{one} does not exist"),
        [first, rest @ ..] => format!("neither {first} nor {} exists", rest.join(" nor ")),
    }))
}

/// The file's text, `None` when it does not exist.
async fn read(path: &Path) -> Result<Option<String>, SourceError> {
    match tokio::fs::read_to_string(path).await {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(SourceError::caused_by(
            NAME,
            format!("reading {}", path.display()),
            e,
        )),
    }
}

fn found(path: &Path, text: &str, profile: &str) -> Result<Loaded, SourceError> {
    let sections = parse_ini(text);
    let Some(section) = sections.get(profile) else {
        return Err(SourceError::new(
            NAME,
            format!("{} has no [{profile}] profile", path.display()),
        ));
    };
    let get = |key: &str| {
        section
            .get(key)
            .filter(|v| !v.is_empty())
            .cloned()
            .ok_or_else(|| {
                SourceError::new(
                    NAME,
                    format!("the [{profile}] profile of {} has no {key}", path.display()),
                )
            })
    };
    let credentials = Credentials::new(get("secret_id")?, get("secret_key")?);
    Ok(Loaded::Found {
        provider: Arc::new(StaticCredentials::new(credentials)),
        detail: format!("[{profile}] of {}", path.display()),
    })
}

/// Sections of `key = value` (or `key: value`) lines; keys lowercased, values trimmed.
fn parse_ini(text: &str) -> HashMap<String, HashMap<String, String>> {
    let mut sections: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = name.trim().to_owned();
            sections.entry(name.clone()).or_default();
            current = Some(name);
            continue;
        }
        let (Some(section), Some(at)) = (current.as_ref(), line.find(['=', ':'])) else {
            continue;
        };
        let key = line[..at].trim().to_ascii_lowercase();
        let value = line[at + 1..].trim().to_owned();
        sections
            .entry(section.clone())
            .or_default()
            .insert(key, value);
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sections_keys_and_values() {
        let text = "# comment\n[default]\nsecret_id = AKIDa\nSECRET_KEY=k=with=equals \n\n; x\n[ci]\nsecret_id: AKIDb\nsecret_key:kb\n";
        let s = parse_ini(text);
        assert_eq!(s["default"]["secret_id"], "AKIDa");
        assert_eq!(s["default"]["secret_key"], "k=with=equals");
        assert_eq!(s["ci"]["secret_id"], "AKIDb");
        assert_eq!(s["ci"]["secret_key"], "kb");
    }

    proptest::proptest! {
        /// Whatever the names and values (no line breaks, no delimiters in keys), each
        /// profile's keys read back as written, however they are spaced.
        #[test]
        fn profiles_read_back(
            profiles in proptest::collection::btree_map(
                "[a-z][a-z0-9_-]{0,11}",
                ("[A-Za-z0-9]{1,40}", "[!-~&&[^\\[\\]]][ -~]{0,40}[!-~]"),
                1..4,
            ),
            pad in " {0,3}",
        ) {
            let mut text = String::new();
            for (name, (id, key)) in &profiles {
                text.push_str(&format!("[{name}]\n{pad}secret_id{pad}={pad}{id}{pad}\nsecret_key={key}\n\n"));
            }
            let sections = parse_ini(&text);
            for (name, (id, key)) in &profiles {
                proptest::prop_assert_eq!(&sections[name]["secret_id"], id);
                proptest::prop_assert_eq!(&sections[name]["secret_key"], key);
            }
        }
    }
}
