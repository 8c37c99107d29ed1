//! Policies from scopes: [`Scope`] (actions × one bucket × one key or prefix, with
//! conditions) gives the statement Tencent's `getPolicy`/`getScopePolicy` give, in the modern
//! resource form (sts.md §3.5, §4.2); [`UploadPolicy`] is the "upload this key" / "upload under
//! this prefix" preset.

use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use super::policy::{ConditionValues, Conditions, Effect, Policy, Statement};
use super::{CamError, actions, condition};

/// What a scope grants within its bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Exactly this object key (`dir/1.txt`).
    Key(String),
    /// Every key that starts with this prefix (`dir/`; `""` for the whole bucket).
    Prefix(String),
}

impl Target {
    /// Reads the `prefix` of a scope as Tencent's `scope.md` writes it: `dir/*` is the
    /// prefix `dir/`, `*` the whole bucket, anything else one key. A `*` anywhere but at the
    /// end is refused ([`CamError::Wildcard`]).
    ///
    /// ```
    /// use cos_sign::cam::Target;
    /// assert_eq!(Target::from_scope_prefix("dir/*")?, Target::Prefix("dir/".into()));
    /// assert_eq!(Target::from_scope_prefix("dir/1.txt")?, Target::Key("dir/1.txt".into()));
    /// # Ok::<(), cos_sign::cam::CamError>(())
    /// ```
    pub fn from_scope_prefix(prefix: &str) -> Result<Self, CamError> {
        match prefix.strip_suffix('*') {
            Some(p) => Ok(Self::Prefix(p.to_string())),
            None => Ok(Self::Key(prefix.to_string())),
        }
        .and_then(|t| t.checked())
    }

    /// A leading `/` removed (resources name keys without it); `*` and empty keys refused.
    fn checked(self) -> Result<Self, CamError> {
        let strip = |s: String| match s.strip_prefix('/') {
            Some(rest) => rest.to_string(),
            None => s,
        };
        let target = match self {
            Self::Key(k) => Self::Key(strip(k)),
            Self::Prefix(p) => Self::Prefix(strip(p)),
        };
        match &target {
            Self::Key(k) | Self::Prefix(k) if k.contains('*') => Err(CamError::Wildcard(k.clone())),
            Self::Key(k) if k.is_empty() => Err(CamError::EmptyKey),
            _ => Ok(target),
        }
    }

    /// The resource's key part: the key, or the prefix followed by `*`.
    fn pattern(&self) -> String {
        match self {
            Self::Key(k) => k.clone(),
            Self::Prefix(p) => alloc::format!("{p}*"),
        }
    }

    /// Whether `key` is one this target grants.
    pub fn covers(&self, key: &str) -> bool {
        match self {
            Self::Key(k) => k == key,
            Self::Prefix(p) => key.starts_with(p.as_str()),
        }
    }
}

/// One bucket, one key or prefix, a set of actions and optional conditions: one `allow`
/// statement on `qcs::cos:<region>:uid/<appid>:<bucket>/<key or prefix*>`.
///
/// ```
/// use cos_sign::cam::{Policy, Scope, Target};
/// let scope = Scope::new(["name/cos:GetObject"], "examplebucket-1250000000", "ap-guangzhou",
///     Target::Prefix("dir/".into()))?;
/// assert_eq!(scope.resource(), "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/dir/*");
/// assert_eq!(
///     Policy::from_scopes(&[scope]).to_json(),
///     r#"{"version":"2.0","statement":[{"effect":"allow","action":["name/cos:GetObject"],"resource":["qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/dir/*"]}]}"#,
/// );
/// # Ok::<(), cos_sign::cam::CamError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    actions: Vec<String>,
    bucket: String,
    appid: String,
    region: String,
    target: Target,
    condition: Conditions,
}

impl Scope {
    /// A scope of `actions` (`name/cos:PutObject`…) on `bucket` (`<name>-<appid>`) in
    /// `region` (`ap-guangzhou`) for `target`. Refuses a bucket without its APPID, a region
    /// that is not a region name, a key or prefix with `*` (a resource cannot name such a key
    /// exactly), an empty key, and no actions.
    pub fn new<A>(actions: A, bucket: &str, region: &str, target: Target) -> Result<Self, CamError>
    where
        A: IntoIterator,
        A::Item: Into<String>,
    {
        let actions: Vec<String> = actions.into_iter().map(Into::into).collect();
        if actions.is_empty() {
            return Err(CamError::EmptyList("action"));
        }
        let appid = appid_of(bucket).ok_or_else(|| CamError::InvalidBucket(bucket.into()))?;
        let region_ok = !region.is_empty()
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !region_ok {
            return Err(CamError::InvalidRegion(region.into()));
        }
        Ok(Self {
            actions,
            bucket: bucket.into(),
            appid: appid.into(),
            region: region.into(),
            target: target.checked()?,
            condition: Conditions::new(),
        })
    }

    /// Adds `operator: {key: values}` to the statement's conditions.
    #[must_use]
    pub fn with_condition(
        mut self,
        operator: impl Into<String>,
        key: impl Into<String>,
        values: impl Into<ConditionValues>,
    ) -> Self {
        super::policy::add_condition(&mut self.condition, operator, key, values);
        self
    }

    /// The actions.
    pub fn actions(&self) -> &[String] {
        &self.actions
    }

    /// The target.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// `qcs::cos:<region>:uid/<appid>:<bucket>/<key or prefix*>`.
    pub fn resource(&self) -> String {
        object_resource(
            &self.region,
            &self.appid,
            &self.bucket,
            &self.target.pattern(),
        )
    }

    /// The `allow` statement.
    pub fn statement(&self) -> Statement {
        Statement {
            effect: Effect::Allow,
            action: self.actions.clone(),
            resource: vec![self.resource()],
            condition: self.condition.clone(),
            principal: None,
        }
    }
}

/// The resource of an object (or pattern of objects) in modern form.
///
/// ```
/// assert_eq!(
///     cos_sign::cam::object_resource("ap-guangzhou", "1250000000", "b-1250000000", "a.txt"),
///     "qcs::cos:ap-guangzhou:uid/1250000000:b-1250000000/a.txt",
/// );
/// ```
pub fn object_resource(region: &str, appid: &str, bucket: &str, key: &str) -> String {
    alloc::format!("qcs::cos:{region}:uid/{appid}:{bucket}/{key}")
}

/// The APPID of `<name>-<appid>`: the digits after the last `-`.
fn appid_of(bucket: &str) -> Option<&str> {
    let (name, appid) = bucket.rsplit_once('-')?;
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    (name_ok && !appid.is_empty() && appid.bytes().all(|b| b.is_ascii_digit())).then_some(appid)
}

impl Policy {
    /// One `allow` statement per scope, in order.
    pub fn from_scopes(scopes: &[Scope]) -> Self {
        Self::new(scopes.iter().map(Scope::statement).collect())
    }
}

/// The preset for direct uploads: the actions a simple upload, a POST form upload and a
/// resumable multipart upload need (sts.md §4.3: `PutObject`, `PostObject`,
/// `InitiateMultipartUpload`, `ListMultipartUploads`, `ListParts`, `UploadPart`,
/// `CompleteMultipartUpload`, `AbortMultipartUpload`), all on one key or under one prefix —
/// `ListMultipartUploads` included, on the same resource, as in Tencent's samples (the SDKs
/// scope it by the key as prefix when they look for an upload to resume).
///
/// Optional limits (sts.md §4.5): `max_content_length` (`numeric_less_than_equal` on
/// `cos:content-length`) and `content_type` (`string_equal` on `cos:content-type`). Each is
/// put only on the actions whose request carries what it checks, which splits the statement:
/// the content type on `PutObject`, `PostObject` and `InitiateMultipartUpload` (where an object
/// gets its type); the length on `PutObject`, `PostObject` and `UploadPart`. Put on
/// `CompleteMultipartUpload` (an XML body) or `ListParts` (no body), they would refuse every
/// multipart upload. CAM cannot bound a multipart upload's total: with a length limit each part
/// is bounded, so an object may reach 10 000 times the limit; [`simple_upload_only`] drops the
/// multipart actions when the bound must be exact.
///
/// [`simple_upload_only`]: Self::simple_upload_only
///
/// ```
/// use cos_sign::cam::UploadPolicy;
/// let policy = UploadPolicy::key("examplebucket-1250000000", "ap-guangzhou", "avatars/42.png")?
///     .content_type("image/png")
///     .policy();
/// let key = "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/avatars/42.png";
/// let png = [("cos:content-type", "image/png")];
/// assert!(policy.allows("name/cos:PutObject", key, &png));
/// assert!(!policy.allows("name/cos:PutObject", key, &[("cos:content-type", "text/html")]));
/// assert!(policy.allows("name/cos:CompleteMultipartUpload", key, &[("cos:content-type", "application/xml")]));
/// assert!(!policy.allows("name/cos:PutObject", &key.replace("42", "43"), &png));
/// # Ok::<(), cos_sign::cam::CamError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPolicy {
    bucket: String,
    region: String,
    target: Target,
    max_content_length: Option<u64>,
    content_type: Option<String>,
    multipart: bool,
}

impl UploadPolicy {
    /// Uploading exactly `key` of `bucket` (`<name>-<appid>`) in `region`.
    pub fn key(bucket: &str, region: &str, key: &str) -> Result<Self, CamError> {
        Self::new(bucket, region, Target::Key(key.into()))
    }

    /// Uploading any key under `prefix` (`""`: anywhere in the bucket).
    pub fn prefix(bucket: &str, region: &str, prefix: &str) -> Result<Self, CamError> {
        Self::new(bucket, region, Target::Prefix(prefix.into()))
    }

    fn new(bucket: &str, region: &str, target: Target) -> Result<Self, CamError> {
        // Validates the bucket, region and target once, here.
        let scope = Scope::new([actions::PUT_OBJECT], bucket, region, target)?;
        Ok(Self {
            bucket: scope.bucket,
            region: scope.region,
            target: scope.target,
            max_content_length: None,
            content_type: None,
            multipart: true,
        })
    }

    /// Refuses bodies longer than `bytes` (each part, for multipart uploads).
    #[must_use]
    pub fn max_content_length(mut self, bytes: u64) -> Self {
        self.max_content_length = Some(bytes);
        self
    }

    /// Refuses objects of any other `Content-Type`.
    #[must_use]
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Grants `PutObject` and `PostObject` only: no multipart upload.
    #[must_use]
    pub fn simple_upload_only(mut self) -> Self {
        self.multipart = false;
        self
    }

    /// The actions granted, in the order the statements list them.
    pub fn actions(&self) -> Vec<&'static str> {
        let mut out = vec![actions::PUT_OBJECT, actions::POST_OBJECT];
        if self.multipart {
            out.extend(actions::MULTIPART_UPLOAD);
        }
        out
    }

    /// The scopes: the actions grouped by the conditions that apply to them (one scope when
    /// there are no conditions).
    pub fn scopes(&self) -> Vec<Scope> {
        let mut groups: Vec<(Conditions, Vec<&'static str>)> = Vec::new();
        for action in self.actions() {
            let conditions = self.conditions_for(action);
            match groups.iter_mut().find(|(c, _)| *c == conditions) {
                Some((_, actions)) => actions.push(action),
                None => groups.push((conditions, vec![action])),
            }
        }
        groups
            .into_iter()
            .map(|(condition, actions)| Scope {
                actions: actions.into_iter().map(String::from).collect(),
                bucket: self.bucket.clone(),
                appid: appid_of(&self.bucket).unwrap_or_default().into(),
                region: self.region.clone(),
                target: self.target.clone(),
                condition,
            })
            .collect()
    }

    /// The policy: one statement per scope.
    pub fn policy(&self) -> Policy {
        Policy::from_scopes(&self.scopes())
    }

    fn conditions_for(&self, action: &str) -> Conditions {
        let mut conditions = Conditions::new();
        let sets_type = [
            actions::PUT_OBJECT,
            actions::POST_OBJECT,
            actions::INITIATE_MULTIPART_UPLOAD,
        ];
        let carries_body = [
            actions::PUT_OBJECT,
            actions::POST_OBJECT,
            actions::UPLOAD_PART,
        ];
        if let Some(content_type) = &self.content_type
            && sets_type.contains(&action)
        {
            conditions
                .entry(condition::STRING_EQUAL.into())
                .or_default()
                .insert(condition::CONTENT_TYPE.into(), content_type.as_str().into());
        }
        if let Some(max) = self.max_content_length
            && carries_body.contains(&action)
        {
            conditions
                .entry(condition::NUMERIC_LESS_THAN_EQUAL.into())
                .or_default()
                .insert(condition::CONTENT_LENGTH.into(), max.into());
        }
        conditions
    }
}
