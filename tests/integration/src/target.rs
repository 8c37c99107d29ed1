//! Which server the suite runs against: the in-process emulator (default) or real COS when
//! `COS_SECRET_ID`, `COS_SECRET_KEY`, `COS_BUCKET` and `COS_REGION` are all set.

use std::fmt;

use crate::SuiteError;

/// The environment variables that select real COS.
pub const REAL_COS_VARS: [&str; 4] = [
    "COS_SECRET_ID",
    "COS_SECRET_KEY",
    "COS_BUCKET",
    "COS_REGION",
];

/// Optional with the four: `IP:PORT` to connect to instead of COS's host, over plain HTTP,
/// keeping the virtual-host `Host` (the Node SDK's `Ip` option). It points the real-COS mode
/// at a proxy or at a separately started emulator.
pub const IP_VAR: &str = "COS_IP";

use std::net::SocketAddr;

/// Real COS coordinates, from the environment.
#[derive(Clone)]
pub struct RealCos {
    /// `COS_SECRET_ID`.
    pub secret_id: String,
    /// `COS_SECRET_KEY` (never printed).
    pub secret_key: String,
    /// `COS_BUCKET` (`name-appid`).
    pub bucket: String,
    /// `COS_REGION`.
    pub region: String,
    /// `COS_IP`: connect here (plain HTTP) instead of COS's host.
    pub ip: Option<SocketAddr>,
}

impl fmt::Debug for RealCos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RealCos")
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"[redacted]")
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("ip", &self.ip)
            .finish()
    }
}

/// Where the suite runs.
#[derive(Debug, Clone)]
pub enum TargetKind {
    /// An emulator started in-process for each case.
    Emulator,
    /// Real COS.
    RealCos(RealCos),
}

impl TargetKind {
    /// Reads the environment: all four `COS_*` variables select real COS, none selects the
    /// emulator, and some but not all is an error (a half-configured run must not silently
    /// test the emulator instead).
    pub fn from_env() -> Result<Self, SuiteError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// As [`TargetKind::from_env`], reading variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SuiteError> {
        let values: Vec<Option<String>> = REAL_COS_VARS.iter().map(|name| lookup(name)).collect();
        match values.as_slice() {
            [
                Some(secret_id),
                Some(secret_key),
                Some(bucket),
                Some(region),
            ] => {
                let ip = match lookup(IP_VAR) {
                    Some(ip) => Some(ip.parse::<SocketAddr>().map_err(|e| {
                        SuiteError::setup(format!("{IP_VAR}={ip:?} is not IP:PORT: {e}"))
                    })?),
                    None => None,
                };
                Ok(TargetKind::RealCos(RealCos {
                    secret_id: secret_id.clone(),
                    secret_key: secret_key.clone(),
                    bucket: bucket.clone(),
                    region: region.clone(),
                    ip,
                }))
            }
            _ if values.iter().all(Option::is_none) => Ok(TargetKind::Emulator),
            _ => {
                let missing: Vec<&str> = REAL_COS_VARS
                    .iter()
                    .zip(&values)
                    .filter(|(_, v)| v.is_none())
                    .map(|(name, _)| *name)
                    .collect();
                Err(SuiteError::setup(format!(
                    "some COS_* variables are set but {} {} not: set all four for real COS, or none for the emulator",
                    missing.join(", "),
                    if missing.len() == 1 { "is" } else { "are" }
                )))
            }
        }
    }

    /// `the emulator` or `real COS`.
    pub fn name(&self) -> &'static str {
        match self {
            TargetKind::Emulator => "the emulator",
            TargetKind::RealCos(_) => "real COS",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn nothing_set_is_the_emulator() {
        assert!(matches!(
            TargetKind::from_lookup(lookup(&[])).unwrap(),
            TargetKind::Emulator
        ));
    }

    #[test]
    fn all_set_is_real_cos_and_debug_hides_the_key() {
        let vars = [
            ("COS_SECRET_ID", "AKIDx"),
            ("COS_SECRET_KEY", "very-secret"),
            ("COS_BUCKET", "b-1250000000"),
            ("COS_REGION", "ap-guangzhou"),
        ];
        let target = TargetKind::from_lookup(lookup(&vars)).unwrap();
        let TargetKind::RealCos(real) = &target else {
            panic!("not real COS")
        };
        assert_eq!(real.bucket, "b-1250000000");
        assert_eq!(real.ip, None);
        assert!(!format!("{target:?}").contains("very-secret"));
        let with_ip = [vars.as_slice(), &[("COS_IP", "127.0.0.1:9000")]].concat();
        let TargetKind::RealCos(real) = TargetKind::from_lookup(lookup(&with_ip)).unwrap() else {
            panic!("not real COS")
        };
        assert_eq!(real.ip, Some("127.0.0.1:9000".parse().unwrap()));
        let bad_ip = [vars.as_slice(), &[("COS_IP", "localhost")]].concat();
        assert!(TargetKind::from_lookup(lookup(&bad_ip)).is_err());
    }

    #[test]
    fn some_set_is_an_error_naming_the_missing() {
        let err = TargetKind::from_lookup(lookup(&[("COS_BUCKET", "b-1")])).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("COS_SECRET_ID") && text.contains("COS_REGION"),
            "{text}"
        );
        assert!(!text.contains("COS_BUCKET,"), "{text}");
    }
}
