//! The order between the sources: the first with keys wins, and nothing after it is read or
//! contacted; when none has keys, the error lists each and why.

use cos_transport::CredentialError;
use cos_transport::credentials::{MapEnvironment, SourceKind};

use super::stand_in::{self, StandIn};
use super::*;

struct World {
    home: tempfile::TempDir,
    token_dir: tempfile::TempDir,
    metadata: StandIn,
    sts: StandIn,
}

impl World {
    async fn new() -> Self {
        let home = tempfile::tempdir().unwrap();
        write_profile(home.path(), TWO_PROFILES);
        let token_dir = tempfile::tempdir().unwrap();
        std::fs::write(token_dir.path().join("token"), "oidc-token").unwrap();
        Self {
            home,
            token_dir,
            metadata: stand_in::metadata(|_| T0 + 3600).await,
            sts: stand_in::sts(|_| T0 + 7200).await,
        }
    }

    /// Every source configured, the ones in `without` left out.
    fn env(&self, without: &[SourceKind]) -> MapEnvironment {
        let mut env = MapEnvironment::new();
        if !without.contains(&SourceKind::Environment) {
            env = env
                .with("TENCENTCLOUD_SECRET_ID", "AKIDenv")
                .with("TENCENTCLOUD_SECRET_KEY", "env-s3cr3t");
        }
        if !without.contains(&SourceKind::ProfileFile) {
            env = env.with("HOME", self.home.path().to_str().unwrap());
        }
        if !without.contains(&SourceKind::WebIdentity) {
            env = env
                .with("TKE_REGION", "ap-guangzhou")
                .with("TKE_PROVIDER_ID", "tke")
                .with("TKE_ROLE_ARN", "qcs::cam::uin/1:roleName/pod")
                .with(
                    "TKE_WEB_IDENTITY_TOKEN_FILE",
                    self.token_dir.path().join("token").to_str().unwrap(),
                );
        }
        env
    }

    async fn first_id(&self, without: &[SourceKind]) -> (String, Option<SourceKind>) {
        let mut builder = chain(self.env(without)).sts_endpoint(self.sts.url());
        if !without.contains(&SourceKind::InstanceRole) {
            builder = builder.metadata_endpoint(self.metadata.url());
        }
        let chain = builder.build();
        let k = keys_at(&chain, T0).await.unwrap();
        (k.credentials.secret_id().to_owned(), chain.source())
    }
}

#[tokio::test]
async fn the_first_source_with_keys_wins_and_nothing_after_it_is_contacted() {
    use SourceKind::*;
    let w = World::new().await;
    assert_eq!(w.first_id(&[]).await, ("AKIDenv".into(), Some(Environment)));
    assert_eq!(
        w.first_id(&[Environment]).await,
        ("AKIDprofileDEFAULT".into(), Some(ProfileFile))
    );
    assert_eq!((w.sts.count(), w.metadata.count()), (0, 0));
    assert_eq!(
        w.first_id(&[Environment, ProfileFile]).await,
        ("AKIDsts1".into(), Some(WebIdentity))
    );
    assert_eq!((w.sts.count(), w.metadata.count()), (1, 0));
    assert_eq!(
        w.first_id(&[Environment, ProfileFile, WebIdentity]).await,
        ("AKIDrole1".into(), Some(InstanceRole))
    );
    assert_eq!((w.sts.count(), w.metadata.count()), (1, 2));
}

#[tokio::test]
async fn a_custom_order_is_kept() {
    let w = World::new().await;
    let chain = chain(w.env(&[]))
        .metadata_endpoint(w.metadata.url())
        .sources([SourceKind::InstanceRole, SourceKind::Environment])
        .build();
    let k = keys_at(&chain, T0).await.unwrap();
    assert_eq!(k.credentials.secret_id(), "AKIDrole1");
}

#[tokio::test]
async fn with_nothing_anywhere_the_error_lists_what_was_tried() {
    let home = tempfile::tempdir().unwrap();
    let chain = chain(home_env(home.path())).build();
    let e = keys_at(&chain, T0).await.unwrap_err();
    let CredentialError::NotFound(found) = &e else {
        panic!("{e:?}");
    };
    let names: Vec<&str> = found.tried.iter().map(|t| t.source_name).collect();
    assert_eq!(
        names,
        [
            "environment",
            "profile file",
            "TKE web identity",
            "CVM instance role"
        ]
    );
    let text = e.to_string();
    assert!(text.starts_with("no credentials found; tried environment: neither TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY nor COS_SECRET_ID/COS_SECRET_KEY is set; profile file: "), "{text}");
    assert!(text.contains(".tencentcloud/credentials"), "{text}");
    assert!(text.contains("TKE web identity: TKE_ROLE_ARN, TKE_PROVIDER_ID and TKE_WEB_IDENTITY_TOKEN_FILE are not set"), "{text}");
    assert!(
        text.contains("CVM instance role: the metadata service at http://127.0.0.1:"),
        "{text}"
    );
    assert!(chain.source().is_none());

    // a profile written later is found by the next request
    write_profile(home.path(), TWO_PROFILES);
    let k = keys_at(&chain, T0).await.unwrap();
    assert_eq!(k.credentials.secret_id(), "AKIDprofileDEFAULT");
}
