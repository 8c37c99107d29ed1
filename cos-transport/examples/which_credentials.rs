//! Finds credentials the way Tencent's SDKs do (`DefaultCredentials`: environment, profile
//! file, TKE web identity, CVM instance role) and says where they came from — the SecretId and
//! expiry, never the secret key or token. Exit status 1 with the chain's error (every source
//! tried, and why it had nothing) when none has keys.
//!
//! ```text
//! cargo run -p cos-transport --example which_credentials [-- PROFILE]
//! ```
//!
//! `PROFILE` picks a profile of `~/.tencentcloud/credentials` other than `[default]`.

use std::process::ExitCode;
use std::time::SystemTime;

use cos_transport::DefaultCredentials;

#[tokio::main]
async fn main() -> ExitCode {
    let mut builder = DefaultCredentials::builder();
    if let Some(profile) = std::env::args().nth(1) {
        builder = builder.profile(profile);
    }
    let chain = builder.build();
    let keys = match chain.keys(SystemTime::now()).await {
        Ok(keys) => keys,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let source = chain.source().map_or("?", |s| s.name());
    println!("source:    {source}");
    println!("secret id: {}", keys.credentials.secret_id());
    match (keys.credentials.security_token().is_some(), keys.expires_at) {
        (true, Some(at)) => println!("temporary: yes, expires at Unix second {at}"),
        (true, None) => println!("temporary: yes (a token, no expiry given)"),
        (false, _) => println!("temporary: no"),
    }
    ExitCode::SUCCESS
}
