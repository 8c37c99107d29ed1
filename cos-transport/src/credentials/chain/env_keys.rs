//! The environment source: a key pair (and a token for temporary keys) in variables.
//!
//! - `TENCENTCLOUD_SECRET_ID` / `TENCENTCLOUD_SECRET_KEY`: the names tencentcloud-sdk-go
//!   (`env_provider.go`), tencentcloud-sdk-python (`EnvironmentVariableCredential`) and
//!   reqsign's tencent-cos (`env.rs`) read;
//! - the token: `TENCENTCLOUD_SESSION_TOKEN` (the name this project chose, as issue 14 asks;
//!   no SDK reads it), else `TENCENTCLOUD_TOKEN` or `TENCENTCLOUD_SECURITY_TOKEN`
//!   (reqsign); the Go and Python SDKs read no token from the environment;
//! - then this project's `COS_SECRET_ID` / `COS_SECRET_KEY` / `COS_SECURITY_TOKEN`, which its
//!   examples have always read.
//!
//! An empty variable counts as unset. Half a pair, or a token without a pair, is an error
//! rather than "nothing": the chain must not pass over keys the user meant to use.

use std::sync::Arc;

use cos_sign::Credentials;

use super::environment::{Environment, first_of, non_empty};
use super::{Loaded, SourceError};
use crate::credentials::StaticCredentials;

pub(crate) const NAME: &str = "environment";

struct Names {
    id: &'static str,
    key: &'static str,
    tokens: &'static [&'static str],
}

const PAIRS: [Names; 2] = [
    Names {
        id: "TENCENTCLOUD_SECRET_ID",
        key: "TENCENTCLOUD_SECRET_KEY",
        tokens: &[
            "TENCENTCLOUD_SESSION_TOKEN",
            "TENCENTCLOUD_TOKEN",
            "TENCENTCLOUD_SECURITY_TOKEN",
        ],
    },
    Names {
        id: "COS_SECRET_ID",
        key: "COS_SECRET_KEY",
        tokens: &["COS_SECURITY_TOKEN"],
    },
];

pub(crate) fn load(env: &dyn Environment) -> Result<Loaded, SourceError> {
    for names in &PAIRS {
        let token = first_of(env, names.tokens);
        match (non_empty(env, names.id), non_empty(env, names.key)) {
            (Some(id), Some(key)) => {
                let mut credentials = Credentials::new(id, key);
                let mut detail = format!("{} and {}", names.id, names.key);
                if let Some((name, token)) = token {
                    credentials = credentials.with_security_token(token);
                    detail.push_str(&format!(" with {name}"));
                }
                return Ok(Loaded::Found {
                    provider: Arc::new(StaticCredentials::new(credentials)),
                    detail,
                });
            }
            (Some(_), None) => {
                return Err(SourceError::new(
                    NAME,
                    format!("{} is set but {} is not", names.id, names.key),
                ));
            }
            (None, Some(_)) => {
                return Err(SourceError::new(
                    NAME,
                    format!("{} is set but {} is not", names.key, names.id),
                ));
            }
            (None, None) => {
                if let Some((name, _)) = token {
                    return Err(SourceError::new(
                        NAME,
                        format!("{name} is set but {} and {} are not", names.id, names.key),
                    ));
                }
            }
        }
    }
    Ok(Loaded::Nothing(
        "neither TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY nor COS_SECRET_ID/COS_SECRET_KEY \
         is set"
            .into(),
    ))
}
