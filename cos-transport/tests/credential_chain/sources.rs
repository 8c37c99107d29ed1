//! Each source on its own: what it reads, what it sends, how it fails.

use std::sync::Arc;

use cos_model::sts::AssumeRole;
use cos_transport::credentials::{DefaultCredentials, MapEnvironment, SourceKind};
use cos_transport::{CredentialError, CredentialProvider};

use super::stand_in::{self, ROLE, StandIn};
use super::*;

fn source_error(e: CredentialError) -> String {
    match e {
        CredentialError::Source(s) => s.to_string(),
        other => panic!("expected a source error, got {other:?}"),
    }
}

#[tokio::test]
async fn environment_keys_and_tokens() {
    let env = MapEnvironment::new()
        .with("TENCENTCLOUD_SECRET_ID", "AKIDenv")
        .with("TENCENTCLOUD_SECRET_KEY", "env-s3cr3t")
        .with("TENCENTCLOUD_SESSION_TOKEN", "env-token-s3cr3t");
    let chain = chain(env).build();
    let k = keys_at(&chain, T0).await.unwrap();
    assert_eq!(k.credentials.secret_id(), "AKIDenv");
    assert_eq!(k.credentials.secret_key(), "env-s3cr3t");
    assert_eq!(k.credentials.security_token(), Some("env-token-s3cr3t"));
    assert_eq!(chain.source(), Some(SourceKind::Environment));
    assert!(
        !chain.can_refresh(),
        "fixed keys have nothing to refresh from"
    );

    // TENCENTCLOUD_TOKEN is the other name of the token (reqsign)
    let env = MapEnvironment::new()
        .with("TENCENTCLOUD_SECRET_ID", "AKIDenv")
        .with("TENCENTCLOUD_SECRET_KEY", "env-s3cr3t")
        .with("TENCENTCLOUD_TOKEN", "tok");
    let k = keys_at(&chain_of(env), T0).await.unwrap();
    assert_eq!(k.credentials.security_token(), Some("tok"));

    // this project's own names, when Tencent's are not set
    let env = MapEnvironment::new()
        .with("COS_SECRET_ID", "AKIDcos")
        .with("COS_SECRET_KEY", "cos-s3cr3t")
        .with("COS_SECURITY_TOKEN", "cos-tok")
        .with("TENCENTCLOUD_SECRET_ID", "");
    let k = keys_at(&chain_of(env), T0).await.unwrap();
    assert_eq!(k.credentials.secret_id(), "AKIDcos");
    assert_eq!(k.credentials.security_token(), Some("cos-tok"));

    // Tencent's names win over this project's
    let env = MapEnvironment::new()
        .with("COS_SECRET_ID", "AKIDcos")
        .with("COS_SECRET_KEY", "cos-s3cr3t")
        .with("TENCENTCLOUD_SECRET_ID", "AKIDtc")
        .with("TENCENTCLOUD_SECRET_KEY", "tc-s3cr3t");
    let k = keys_at(&chain_of(env), T0).await.unwrap();
    assert_eq!(k.credentials.secret_id(), "AKIDtc");
    assert_eq!(k.credentials.security_token(), None);
}

fn chain_of(env: MapEnvironment) -> DefaultCredentials {
    chain(env).build()
}

#[tokio::test]
async fn half_a_pair_in_the_environment_says_which_half() {
    let env = MapEnvironment::new().with("TENCENTCLOUD_SECRET_KEY", "env-s3cr3t");
    let e = keys_at(&chain_of(env), T0).await.unwrap_err();
    assert_eq!(
        source_error(e),
        "environment: TENCENTCLOUD_SECRET_KEY is set but TENCENTCLOUD_SECRET_ID is not"
    );
    let env = MapEnvironment::new().with("COS_SECRET_ID", "AKIDcos");
    let e = keys_at(&chain_of(env), T0).await.unwrap_err();
    assert_eq!(
        source_error(e),
        "environment: COS_SECRET_ID is set but COS_SECRET_KEY is not"
    );
    let env = MapEnvironment::new().with("TENCENTCLOUD_TOKEN", "tok");
    let e = keys_at(&chain_of(env), T0).await.unwrap_err();
    assert_eq!(
        source_error(e),
        "environment: TENCENTCLOUD_TOKEN is set but TENCENTCLOUD_SECRET_ID and \
         TENCENTCLOUD_SECRET_KEY are not"
    );
}

#[tokio::test]
async fn profile_file_with_two_profiles() {
    let home = tempfile::tempdir().unwrap();
    write_profile(home.path(), TWO_PROFILES);
    let default = chain(home_env(home.path())).build();
    let k = keys_at(&default, T0).await.unwrap();
    assert_eq!(k.credentials.secret_id(), "AKIDprofileDEFAULT");
    assert_eq!(k.credentials.secret_key(), "profile-default-s3cr3t");
    assert_eq!(default.source(), Some(SourceKind::ProfileFile));

    let ci = chain(home_env(home.path())).profile("ci").build();
    let k = keys_at(&ci, T0).await.unwrap();
    assert_eq!(k.credentials.secret_id(), "AKIDprofileCI");
    assert_eq!(k.credentials.secret_key(), "profile-ci-s3cr3t");

    let missing = chain(home_env(home.path())).profile("prod").build();
    let e = source_error(keys_at(&missing, T0).await.unwrap_err());
    assert!(
        e.starts_with("profile file: ") && e.ends_with("has no [prod] profile"),
        "{e}"
    );

    // TENCENTCLOUD_CREDENTIALS_FILE names the file (tencentcloud-sdk-go)
    let other = tempfile::tempdir().unwrap();
    let file = other.path().join("creds.ini");
    std::fs::write(
        &file,
        "[default]\nsecret_id=AKIDfile\nsecret_key=file-s3cr3t\n",
    )
    .unwrap();
    let env = home_env(home.path()).with("TENCENTCLOUD_CREDENTIALS_FILE", file.to_str().unwrap());
    let k = keys_at(&chain_of(env), T0).await.unwrap();
    assert_eq!(k.credentials.secret_id(), "AKIDfile");
    let env = MapEnvironment::new().with(
        "TENCENTCLOUD_CREDENTIALS_FILE",
        other.path().join("nope").to_str().unwrap(),
    );
    let e = source_error(keys_at(&chain_of(env), T0).await.unwrap_err());
    assert!(
        e.contains("TENCENTCLOUD_CREDENTIALS_FILE names") && e.ends_with("which does not exist"),
        "{e}"
    );

    // a profile without its key is an error naming the key
    write_profile(home.path(), "[default]\nsecret_id = AKIDx\n");
    let e = source_error(
        keys_at(&chain_of(home_env(home.path())), T0)
            .await
            .unwrap_err(),
    );
    assert!(e.ends_with("has no secret_key"), "{e}");
}

#[tokio::test]
async fn instance_role_from_the_metadata_service() {
    let metadata = stand_in::metadata(|n| T0 + 3600 * n as u64).await;
    let chain = chain(MapEnvironment::new())
        .metadata_endpoint(metadata.url())
        .build();
    let first = keys_at(&chain, T0).await.unwrap();
    assert_eq!(chain.source(), Some(SourceKind::InstanceRole));
    assert_eq!(first.credentials.secret_id(), "AKIDrole1");
    assert_eq!(first.credentials.secret_key(), "role-key-s3cr3t-1");
    assert_eq!(
        first.credentials.security_token(),
        Some("role-token-s3cr3t-1")
    );
    assert_eq!(first.expires_at, Some(T0 + 3600));
    let paths: Vec<String> = metadata.seen().iter().map(|s| s.path.clone()).collect();
    assert_eq!(
        paths,
        [
            "/latest/meta-data/cam/security-credentials/".to_owned(),
            format!("/latest/meta-data/cam/security-credentials/{ROLE}"),
        ]
    );
    assert!(metadata.seen().iter().all(|s| s.method == "GET"));

    // 10 minutes before expiry the keys are still fresh: nothing asked
    let again = keys_at(&chain, T0 + 3000).await.unwrap();
    assert_eq!(again.generation, first.generation);
    assert_eq!(metadata.count(), 2);
    // inside the 5-minute margin: refreshed ahead of expiry, the role name not asked again
    let fresh = keys_at(&chain, T0 + 3400).await.unwrap();
    assert_eq!(fresh.credentials.secret_id(), "AKIDrole2");
    assert_eq!(fresh.expires_at, Some(T0 + 7200));
    assert_eq!(metadata.count(), 3);
}

#[tokio::test]
async fn instance_role_refreshes_once_for_many_waiting_requests() {
    let metadata = stand_in::metadata(|n| T0 + 3600 * n as u64).await;
    let chain = chain(MapEnvironment::new())
        .metadata_endpoint(metadata.url())
        .build();
    let many = (0..16).map(|_| {
        let chain = chain.clone();
        tokio::spawn(async move { keys_at(&chain, T0).await.unwrap() })
    });
    for k in futures_util::future::join_all(many).await {
        assert_eq!(k.unwrap().credentials.secret_id(), "AKIDrole1");
    }
    assert_eq!(metadata.count(), 2, "one role-name and one keys request");
    let many = (0..16).map(|_| {
        let chain = chain.clone();
        tokio::spawn(async move { keys_at(&chain, T0 + 3400).await.unwrap() })
    });
    for k in futures_util::future::join_all(many).await {
        assert_eq!(k.unwrap().credentials.secret_id(), "AKIDrole2");
    }
    assert_eq!(metadata.count(), 3, "one refresh for all");
}

#[tokio::test]
async fn instance_role_with_the_metadata_service_down() {
    // down from the start: not a CVM, the chain says so
    let chain_down = chain(MapEnvironment::new())
        .sources([SourceKind::InstanceRole])
        .build();
    match keys_at(&chain_down, T0).await.unwrap_err() {
        CredentialError::NotFound(e) => {
            assert_eq!(e.tried.len(), 1);
            assert_eq!(e.tried[0].source_name, "CVM instance role");
            assert!(e.tried[0].reason.contains("did not answer"), "{e}");
        }
        other => panic!("{other:?}"),
    }

    // no role bound (404): nothing either
    let no_role = StandIn::start(|_| (404, "not found".into())).await;
    let chain_404 = chain(MapEnvironment::new())
        .metadata_endpoint(no_role.url())
        .sources([SourceKind::InstanceRole])
        .build();
    let e = keys_at(&chain_404, T0).await.unwrap_err().to_string();
    assert!(e.contains("no role is bound to this instance"), "{e}");

    // down after the keys were fetched: the cached keys serve until they are about to expire,
    // then the error names the source
    let metadata = stand_in::metadata(|n| T0 + 3600 * n as u64).await;
    let chain = chain(MapEnvironment::new())
        .metadata_endpoint(metadata.url())
        .build();
    keys_at(&chain, T0).await.unwrap();
    metadata.set_down(true);
    let cached = keys_at(&chain, T0 + 3400).await.unwrap();
    assert_eq!(cached.credentials.secret_id(), "AKIDrole1");
    let e = keys_at(&chain, T0 + 3590).await.unwrap_err().to_string();
    assert!(e.contains("CVM instance role: GET http://"), "{e}");
    // back up: fresh keys
    metadata.set_down(false);
    let fresh = keys_at(&chain, T0 + 3590).await.unwrap();
    assert_eq!(fresh.credentials.secret_id(), "AKIDrole2");
}

fn tke_env(token_file: &std::path::Path) -> MapEnvironment {
    MapEnvironment::new()
        .with("TKE_REGION", "ap-shanghai")
        .with("TKE_PROVIDER_ID", "tke-oidc")
        .with("TKE_ROLE_ARN", "qcs::cam::uin/100:roleName/pod-role")
        .with("TKE_WEB_IDENTITY_TOKEN_FILE", token_file.to_str().unwrap())
}

#[tokio::test]
async fn web_identity_reads_the_rotated_token_for_each_refresh() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "oidc-token-s3cr3t-1\n").unwrap();
    let sts = stand_in::sts(|n| T0 + 7200 * n as u64).await;
    let chain = chain(tke_env(&token_file)).sts_endpoint(sts.url()).build();
    let first = keys_at(&chain, T0).await.unwrap();
    assert_eq!(chain.source(), Some(SourceKind::WebIdentity));
    assert_eq!(first.credentials.secret_id(), "AKIDsts1");
    assert_eq!(
        first.credentials.security_token(),
        Some("sts-token-s3cr3t-1")
    );
    assert_eq!(first.expires_at, Some(T0 + 7200));

    let seen = sts.seen();
    assert_eq!(seen.len(), 1);
    let call = &seen[0];
    assert_eq!(call.method, "POST");
    assert_eq!(
        call.header("x-tc-action"),
        Some("AssumeRoleWithWebIdentity")
    );
    assert_eq!(call.header("x-tc-version"), Some("2018-08-13"));
    assert_eq!(call.header("x-tc-region"), Some("ap-shanghai"));
    assert_eq!(call.header("authorization"), Some("SKIP"));
    assert_eq!(call.header("x-tc-token"), None);
    let body = call.json();
    assert_eq!(body["ProviderId"], "tke-oidc");
    assert_eq!(body["RoleArn"], "qcs::cam::uin/100:roleName/pod-role");
    assert_eq!(body["WebIdentityToken"], "oidc-token-s3cr3t-1");
    assert_eq!(body["DurationSeconds"], 7200);
    assert!(
        body["RoleSessionName"]
            .as_str()
            .unwrap()
            .starts_with("cos-rs-")
    );

    // the kubelet rotates the token; the refresh ahead of expiry sends the new one
    std::fs::write(&token_file, "oidc-token-s3cr3t-2").unwrap();
    let still = keys_at(&chain, T0 + 6000).await.unwrap();
    assert_eq!(still.generation, first.generation);
    let fresh = keys_at(&chain, T0 + 7000).await.unwrap();
    assert_eq!(fresh.credentials.secret_id(), "AKIDsts2");
    let seen = sts.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].json()["WebIdentityToken"], "oidc-token-s3cr3t-2");
}

#[tokio::test]
async fn web_identity_half_configured_or_refused_says_why() {
    let env = MapEnvironment::new().with("TKE_ROLE_ARN", "qcs::cam::uin/100:roleName/r");
    let e = source_error(keys_at(&chain_of(env), T0).await.unwrap_err());
    assert_eq!(
        e,
        "TKE web identity: TKE_ROLE_ARN is set but TKE_PROVIDER_ID and \
         TKE_WEB_IDENTITY_TOKEN_FILE are not"
    );
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "oidc-token-s3cr3t").unwrap();
    let sts = StandIn::start(|_| {
        (
            200,
            r#"{"Response":{"Error":{"Code":"InvalidParameter.WebIdentityTokenError","Message":"the token is expired"},"RequestId":"r-9"}}"#.into(),
        )
    })
    .await;
    let chain = chain(tke_env(&token_file)).sts_endpoint(sts.url()).build();
    let e = keys_at(&chain, T0).await.unwrap_err().to_string();
    assert!(
        e.contains(
            "TKE web identity: AssumeRoleWithWebIdentity of qcs::cam::uin/100:roleName/pod-role"
        ) && e.contains("InvalidParameter.WebIdentityTokenError"),
        "{e}"
    );
}

#[tokio::test]
async fn assumed_role_around_a_source() {
    let sts = stand_in::sts(|n| T0 + 3600 * n as u64).await;
    let env = MapEnvironment::new()
        .with("TENCENTCLOUD_SECRET_ID", "AKIDbase")
        .with("TENCENTCLOUD_SECRET_KEY", "base-s3cr3t")
        .with("TENCENTCLOUD_SESSION_TOKEN", "base-token-s3cr3t");
    let chain = chain(env)
        .sts_endpoint(sts.url())
        .assume_role(
            AssumeRole::new("qcs::cam::uin/100:roleName/uploader", "nightly")
                .duration_seconds(3600),
        )
        .build();
    let k = keys_at(&chain, T0).await.unwrap();
    assert_eq!(chain.source(), Some(SourceKind::Environment));
    assert_eq!(k.credentials.secret_id(), "AKIDsts1");
    assert_eq!(k.credentials.security_token(), Some("sts-token-s3cr3t-1"));
    assert_eq!(k.expires_at, Some(T0 + 3600));
    assert_eq!(k.valid_from, Some(T0));
    let seen = sts.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].header("x-tc-action"), Some("AssumeRole"));
    let auth = seen[0].header("authorization").unwrap();
    assert!(
        auth.starts_with("TC3-HMAC-SHA256 Credential=AKIDbase/"),
        "{auth}"
    );
    assert_eq!(seen[0].header("x-tc-token"), Some("base-token-s3cr3t"));
    let body = seen[0].json();
    assert_eq!(body["RoleArn"], "qcs::cam::uin/100:roleName/uploader");
    assert_eq!(body["RoleSessionName"], "nightly");
    assert_eq!(body["DurationSeconds"], 3600);
    // refreshed ahead of expiry with the source's keys again
    let fresh = keys_at(&chain, T0 + 3400).await.unwrap();
    assert_eq!(fresh.credentials.secret_id(), "AKIDsts2");
    assert_eq!(sts.count(), 2);
}

#[tokio::test]
async fn assumed_role_around_the_instance_role() {
    // the role is assumed with the source's keys as of this machine's clock
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let metadata = stand_in::metadata(move |_| now + 3600).await;
    let sts = stand_in::sts(|n| T0 + 1800 * n as u64).await;
    let role = cos_transport::MintedCredentials::assume_role_with(
        Arc::new(
            chain(MapEnvironment::new())
                .metadata_endpoint(metadata.url())
                .build(),
        ),
        cos_transport::StsClient::keyless_builder()
            .endpoint(sts.url())
            .build()
            .unwrap(),
        AssumeRole::new("qcs::cam::uin/100:roleName/other", "from-cvm").duration_seconds(1800),
    );
    let k = keys_at(&role, T0).await.unwrap();
    assert_eq!(k.credentials.secret_id(), "AKIDsts1");
    let auth = sts.seen()[0].header("authorization").unwrap().to_owned();
    assert!(
        auth.starts_with("TC3-HMAC-SHA256 Credential=AKIDrole1/"),
        "{auth}"
    );
    assert_eq!(
        sts.seen()[0].header("x-tc-token"),
        Some("role-token-s3cr3t-1")
    );
}

#[tokio::test(start_paused = true)]
async fn a_metadata_service_that_never_answers_is_given_up_on() {
    // accepts connections and says nothing (paused time: the wait is the runtime's, not real)
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let chain = chain(MapEnvironment::new())
        .metadata_endpoint(format!("http://{addr}"))
        .sources([SourceKind::InstanceRole])
        .build();
    let e = keys_at(&chain, T0).await.unwrap_err().to_string();
    assert!(e.contains("did not answer within 3 s"), "{e}");
}

#[tokio::test]
async fn a_keyless_sts_client_sends_nothing_that_must_be_signed() {
    let sts = stand_in::sts(|_| T0 + 3600).await;
    let client = cos_transport::StsClient::keyless_builder()
        .endpoint(sts.url())
        .build()
        .unwrap();
    let e = client
        .call(&AssumeRole::new("qcs::cam::uin/1:roleName/r", "s1"))
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("AssumeRole must be signed and the STS client has no keys"),
        "{e}"
    );
    assert_eq!(sts.count(), 0);
}
