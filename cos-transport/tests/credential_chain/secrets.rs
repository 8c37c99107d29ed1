//! No secret in any Debug, log line or error of the chain: every source is run with secrets
//! containing `SECRET` (keys, tokens, the OIDC token), at trace level, through success and
//! failure, and nothing printed shows one.

use cos_model::sts::AssumeRole;
use cos_transport::credentials::{MapEnvironment, SourceKind};
use cos_transport::test_util::capture_logs;

use super::stand_in::{self, StandIn};
use super::*;

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains("s3cr3t"), "a secret in {what}: {text}");
}

#[tokio::test]
async fn no_secret_in_debug_logs_or_errors() {
    let (logs, _guard) = capture_logs("trace");
    let home = tempfile::tempdir().unwrap();
    write_profile(home.path(), TWO_PROFILES);
    let token_dir = tempfile::tempdir().unwrap();
    let token_file = token_dir.path().join("token");
    std::fs::write(&token_file, "oidc-token-s3cr3t").unwrap();
    let metadata = stand_in::metadata(|n| T0 + 3600 * n as u64).await;
    let sts = stand_in::sts(|n| T0 + 3600 * n as u64).await;
    let tke = MapEnvironment::new()
        .with("TKE_REGION", "ap-guangzhou")
        .with("TKE_PROVIDER_ID", "tke")
        .with("TKE_ROLE_ARN", "qcs::cam::uin/1:roleName/pod")
        .with("TKE_WEB_IDENTITY_TOKEN_FILE", token_file.to_str().unwrap());
    let env = MapEnvironment::new()
        .with("TENCENTCLOUD_SECRET_ID", "AKIDenv")
        .with("TENCENTCLOUD_SECRET_KEY", "env-s3cr3t")
        .with("TENCENTCLOUD_TOKEN", "env-token-s3cr3t");
    let mut shown = Vec::new();
    shown.push(format!("{env:?}"));

    let chains = [
        chain(env.clone()).sts_endpoint(sts.url()),
        chain(env)
            .sts_endpoint(sts.url())
            .assume_role(AssumeRole::new("qcs::cam::uin/1:roleName/r", "s")),
        chain(home_env(home.path())),
        chain(home_env(home.path())).profile("ci"),
        chain(tke.clone()).sts_endpoint(sts.url()),
        chain(MapEnvironment::new()).metadata_endpoint(metadata.url()),
    ];
    for builder in chains {
        shown.push(format!("{builder:?}"));
        let chain = builder.build();
        for at in [T0, T0 + 3500] {
            let k = keys_at(&chain, at).await.unwrap();
            shown.push(format!("{k:?}"));
        }
        shown.push(format!("{chain:?}"));
    }

    // failures: refused keys, a refused token, a service going down, half-set variables
    let refusing = StandIn::start(|_| {
        (200, r#"{"Response":{"Error":{"Code":"AuthFailure.SecretIdNotFound","Message":"no such key"},"RequestId":"r"}}"#.into())
    })
    .await;
    let failing = [
        chain(tke).sts_endpoint(refusing.url()),
        chain(MapEnvironment::new().with("TENCENTCLOUD_SECRET_KEY", "env-s3cr3t")),
        chain(MapEnvironment::new().with("COS_SECURITY_TOKEN", "cos-token-s3cr3t")),
        chain(
            MapEnvironment::new()
                .with("COS_SECRET_ID", "AKIDx")
                .with("COS_SECRET_KEY", "cos-s3cr3t"),
        )
        .sts_endpoint(refusing.url())
        .assume_role(AssumeRole::new("qcs::cam::uin/1:roleName/r", "s")),
    ];
    for builder in failing {
        let e = keys_at(&builder.build(), T0).await.unwrap_err();
        shown.push(format!("{e} / {e:?}"));
    }
    let down = chain(MapEnvironment::new())
        .metadata_endpoint(metadata.url())
        .sources([SourceKind::InstanceRole])
        .build();
    keys_at(&down, T0 + 7200).await.unwrap();
    metadata.set_down(true);
    let e = keys_at(&down, T0 + 7200 + 3599).await.unwrap_err();
    shown.push(format!("{e} / {e:?}"));

    for text in &shown {
        assert_clean("Debug or Display", text);
    }
    let logged = logs.text();
    assert!(logged.contains("credentials found"), "{logged}");
    assert_clean("the logs", &logged);
}
