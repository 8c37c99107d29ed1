//! `FakeCos`: an in-memory COS bucket implementing [`CosApi`], with seeded random faults and
//! scripted ones, a log of every call and the peak of concurrent part requests. A
//! [`WriteGauge`] shared by several fakes counts their write requests together (for limits
//! shared across APIs). For tests (feature `test-util`).
//!
//! The fake stands where cos-transport's `Client` stands, so an injected fault is what a call
//! returns after the client's retries: the client's own error value (a 5xx, SlowDown, a reset
//! before or after the server acted, a timeout, refused credentials, clock skew), or a corrupted
//! part, a wrong object CRC64, a vanished upload. Its resend permits follow a budget the test
//! sets, as the client's retry policy would.
//!
//! This file is long (a whole bucket's rules) but holds one thing, the fake; it is test support,
//! not library code.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use cos_model::limits::MIN_PART_SIZE;
use cos_model::ops::{CompletedParts, UploadMarker};
use cos_model::{BucketName, CosError, ETag, ErrorCode, ObjectKey, PartNumber, UploadId};
use cos_transport::{ErrorKind, RequestState, TimeoutKind, TransportError, TransportErrorKind};
use futures_util::future::BoxFuture;
use http::StatusCode;
use md5::{Digest, Md5};

use crate::api::{
    Ack, CosApi, ListedPart, ListedUpload, PartsPage, UploadOptions, UploadsPage, WriteRequest,
};
use crate::call_error::CallError;
use crate::error::CallKind;

/// What a call ends with after the client's retries, injected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// 500 InternalError (the client's attempts used up).
    Server,
    /// 503 SlowDown.
    SlowDown,
    /// A connection reset (before the server acted when injected `Before`, after it when
    /// injected `After`).
    Reset,
    /// No response in time.
    Timeout,
    /// COS refused the temporary credentials (`ExpiredToken`).
    ExpiredToken,
    /// `RequestTimeTooSkewed` that the client's correction did not mend.
    ClockSkew,
    /// `NoSuchUpload`.
    NoSuchUpload,
    /// `NoSuchKey`.
    NotFound,
    /// `BadDigest`: the body arrived corrupted.
    BadDigest,
    /// `AccessDenied`.
    AccessDenied,
}

/// A fault to inject into one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Injected {
    /// Fail before the server acts.
    Before(Fault),
    /// Act, then fail (the answer lost after the request was processed).
    After(Fault),
    /// Store corrupted bytes for a part or PUT and answer with their CRC64.
    Corrupt,
    /// Complete correctly but answer with a wrong CRC64.
    WrongCrc,
    /// Forget the multipart upload before handling the call (`NoSuchUpload`).
    Vanish,
}

/// Probabilities (0..=1) of random faults, drawn per call.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FaultRates {
    /// 500 InternalError.
    pub server: f64,
    /// 503 SlowDown.
    pub slow_down: f64,
    /// A reset before the server acted.
    pub reset_before: f64,
    /// A reset after the server acted.
    pub reset_after: f64,
    /// A timeout (before the server acted).
    pub timeout: f64,
    /// An expired temporary credential.
    pub expired_token: f64,
    /// RequestTimeTooSkewed.
    pub clock_skew: f64,
    /// Corrupted part/PUT bytes (COS's CRC64 then differs from the sent one).
    pub corrupt: f64,
}

/// One logged call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedCall {
    /// Which call.
    pub kind: CallKind,
    /// The part number, for Upload Part.
    pub part: Option<u32>,
    /// The upload id, for multipart calls.
    pub upload_id: Option<UploadId>,
    /// The body length, for PUT and Upload Part.
    pub len: Option<u64>,
}

#[derive(Debug)]
struct Upload {
    key: String,
    parts: BTreeMap<PartNumber, (Bytes, ETag)>,
    initiated: SystemTime,
}

#[derive(Debug, Default)]
struct State {
    objects: HashMap<String, (Bytes, ETag)>,
    uploads: HashMap<UploadId, Upload>,
    next_id: u64,
    rng: u64,
    rates: FaultRates,
    scripted: VecDeque<(CallKind, Option<u32>, Injected)>,
    log: Vec<LoggedCall>,
    parts_in_flight: usize,
    max_parts_in_flight: usize,
    part_delay: Duration,
    min_part_size: u64,
    omit_crc: bool,
    now: Option<SystemTime>,
    gauge: Option<WriteGauge>,
    /// Resends the fake permits (`None`: any number), like a client's retry budget.
    resend_budget: Option<u32>,
    resends_asked: u32,
}

#[derive(Debug, Default)]
struct GaugeState {
    requests: usize,
    bytes: u64,
    max_requests: usize,
    max_bytes: u64,
}

/// Counts the write requests (Upload Part and PUT Object) in progress, and their body bytes,
/// across every [`FakeCos`] it is given to, with the peaks of both. Clones share the counts.
#[derive(Debug, Clone, Default)]
pub struct WriteGauge {
    state: Arc<Mutex<GaugeState>>,
}

impl WriteGauge {
    /// A gauge at zero.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, GaugeState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn enter(&self, bytes: u64) -> GaugeGuard {
        let mut g = self.lock();
        g.requests += 1;
        g.bytes += bytes;
        g.max_requests = g.max_requests.max(g.requests);
        g.max_bytes = g.max_bytes.max(g.bytes);
        GaugeGuard {
            gauge: self.clone(),
            bytes,
        }
    }

    /// Write requests in progress now.
    pub fn requests(&self) -> usize {
        self.lock().requests
    }

    /// The most write requests that were in progress at once.
    pub fn max_requests(&self) -> usize {
        self.lock().max_requests
    }

    /// The most body bytes that were in write requests in progress at once.
    pub fn max_bytes(&self) -> u64 {
        self.lock().max_bytes
    }
}

/// One write request counted by a [`WriteGauge`]; uncounted when dropped.
struct GaugeGuard {
    gauge: WriteGauge,
    bytes: u64,
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        let mut g = self.gauge.lock();
        g.requests = g.requests.saturating_sub(1);
        g.bytes = g.bytes.saturating_sub(self.bytes);
    }
}

/// See the module documentation. Clones share the bucket.
#[derive(Debug, Clone)]
pub struct FakeCos {
    bucket: BucketName,
    state: Arc<Mutex<State>>,
}

fn etag_of(data: &[u8]) -> ETag {
    ETag::from_md5(Md5::digest(data).into())
}

fn crc(data: &[u8]) -> u64 {
    cos_model::crc64::crc64(data)
}

/// The client's error for a COS answer `code` with `status`, after `attempts` sends.
fn cos_error(call: CallKind, code: ErrorCode, status: u16, attempts: u32) -> CallError {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut cos = CosError::new(status, code, "fake COS");
    cos.request_id = Some("fake-request-id".into());
    let kind = if cos.is_credential_expired() {
        ErrorKind::CredentialsRefused {
            error: cos,
            temporary: true,
            refreshed: true,
        }
    } else {
        ErrorKind::Service(cos)
    };
    CallError::from(cos_transport::Error::new(kind, call.operation(), attempts))
}

fn transport_error(call: CallKind, error: TransportError, attempts: u32) -> CallError {
    CallError::from(cos_transport::Error::new(
        ErrorKind::Transport(error),
        call.operation(),
        attempts,
    ))
}

/// What `fault` on `call` returns. `acted`: the server applied the request before the answer
/// was lost (the client then reports more than one send, as its retry would have).
fn fault_error(call: CallKind, fault: Fault, acted: bool) -> CallError {
    let attempts = if acted { 2 } else { 1 };
    match fault {
        Fault::Server => cos_error(call, ErrorCode::InternalError, 500, 4),
        Fault::SlowDown => cos_error(call, ErrorCode::SlowDown, 503, 4),
        Fault::Reset => transport_error(
            call,
            TransportError::new(
                TransportErrorKind::Io,
                if acted {
                    RequestState::MaybeSent
                } else {
                    RequestState::NotSent
                },
            ),
            attempts,
        ),
        Fault::Timeout => transport_error(
            call,
            TransportError::timeout(TimeoutKind::ResponseHeaders),
            4,
        ),
        Fault::ExpiredToken => cos_error(call, ErrorCode::ExpiredToken, 400, 2),
        Fault::ClockSkew => cos_error(call, ErrorCode::RequestTimeTooSkewed, 403, 2),
        Fault::NoSuchUpload if acted => {
            // the first send was applied and its answer lost; the client's retry found no upload
            let status = StatusCode::NOT_FOUND;
            let cos = CosError::new(status, ErrorCode::NoSuchUpload, "fake COS");
            CallError::from(
                cos_transport::Error::new(ErrorKind::Service(cos), call.operation(), 2)
                    .with_maybe_applied(),
            )
        }
        Fault::NoSuchUpload => cos_error(call, ErrorCode::NoSuchUpload, 404, attempts),
        Fault::NotFound => cos_error(call, ErrorCode::NoSuchKey, 404, 1),
        Fault::BadDigest => cos_error(call, ErrorCode::BadDigest, 400, 1),
        Fault::AccessDenied => cos_error(call, ErrorCode::AccessDenied, 403, 1),
    }
}

fn no_such_upload(call: CallKind) -> CallError {
    fault_error(call, Fault::NoSuchUpload, false)
}

fn refused(call: CallKind, code: ErrorCode) -> CallError {
    cos_error(call, code, 400, 1)
}

impl State {
    fn random(&mut self) -> f64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// The fault for this call: scripted first, else random.
    fn draw(&mut self, kind: CallKind, part: Option<u32>) -> Option<Injected> {
        if let Some(i) = self
            .scripted
            .iter()
            .position(|(k, p, _)| *k == kind && (p.is_none() || *p == part))
        {
            return self.scripted.remove(i).map(|(_, _, inj)| inj);
        }
        let r = self.rates;
        let mut x = self.random();
        let table = [
            (r.server, Injected::Before(Fault::Server)),
            (r.slow_down, Injected::Before(Fault::SlowDown)),
            (r.reset_before, Injected::Before(Fault::Reset)),
            (r.reset_after, Injected::After(Fault::Reset)),
            (r.timeout, Injected::Before(Fault::Timeout)),
            (r.expired_token, Injected::Before(Fault::ExpiredToken)),
            (r.clock_skew, Injected::Before(Fault::ClockSkew)),
            (r.corrupt, Injected::Corrupt),
        ];
        for (p, inj) in table {
            if x < p {
                return Some(inj);
            }
            x -= p;
        }
        None
    }

    fn log(
        &mut self,
        kind: CallKind,
        part: Option<PartNumber>,
        upload_id: Option<&UploadId>,
        len: Option<u64>,
    ) {
        self.log.push(LoggedCall {
            kind,
            part: part.map(PartNumber::get),
            upload_id: upload_id.cloned(),
            len,
        });
    }
}

/// Splits an injected fault into (fail before, fail after, corrupt, wrong crc, vanish).
fn plan(inj: Option<Injected>) -> (Option<Fault>, Option<Fault>, bool, bool, bool) {
    match inj {
        None => (None, None, false, false, false),
        Some(Injected::Before(k)) => (Some(k), None, false, false, false),
        Some(Injected::After(k)) => (None, Some(k), false, false, false),
        Some(Injected::Corrupt) => (None, None, true, false, false),
        Some(Injected::WrongCrc) => (None, None, false, true, false),
        Some(Injected::Vanish) => (None, None, false, false, true),
    }
}

fn corrupt(data: &Bytes) -> Bytes {
    let mut v = data.to_vec();
    if let Some(b) = v.first_mut() {
        *b ^= 0xFF;
    } else {
        v.push(0);
    }
    Bytes::from(v)
}

struct InFlight(Arc<Mutex<State>>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut s = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        s.parts_in_flight = s.parts_in_flight.saturating_sub(1);
    }
}

impl FakeCos {
    /// An empty bucket named `bucket`, faults off.
    ///
    /// # Panics
    /// When `bucket` is not a valid bucket name (a test's mistake).
    pub fn new(bucket: &str) -> Self {
        #[allow(clippy::expect_used)]
        let bucket = BucketName::new(bucket).expect("a valid bucket name for the fake");
        Self {
            bucket,
            state: Arc::new(Mutex::new(State {
                min_part_size: MIN_PART_SIZE,
                rng: 1,
                ..State::default()
            })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Random faults with `rates`, seeded.
    pub fn set_faults(&self, rates: FaultRates, seed: u64) {
        let mut s = self.lock();
        s.rates = rates;
        s.rng = seed;
    }

    /// Permits `resends` resends in all from now on (as a client whose retry budget holds that
    /// many), or any number with `None` (the default).
    pub fn set_resend_budget(&self, resends: Option<u32>) {
        self.lock().resend_budget = resends;
    }

    /// How many resends the upload asked permission for.
    pub fn resends_asked(&self) -> u32 {
        self.lock().resends_asked
    }

    /// Injects `fault` into the next `kind` call (for Upload Part: of part `part`, or any).
    pub fn inject(&self, kind: CallKind, part: Option<u32>, fault: Injected) {
        self.lock().scripted.push_back((kind, part, fault));
    }

    /// Each Upload Part takes at least this long (so tests can pause mid-flight).
    pub fn set_part_delay(&self, delay: Duration) {
        self.lock().part_delay = delay;
    }

    /// Leaves `x-cos-hash-crc64ecma` out of every answer.
    pub fn omit_crc(&self, yes: bool) {
        self.lock().omit_crc = yes;
    }

    /// Pins the time new uploads are initiated at.
    pub fn set_now(&self, now: SystemTime) {
        self.lock().now = Some(now);
    }

    /// The stored object under `key`.
    pub fn object(&self, key: &str) -> Option<Bytes> {
        self.lock().objects.get(key).map(|(b, _)| b.clone())
    }

    /// The stored object's ETag under `key`.
    pub fn object_etag(&self, key: &str) -> Option<ETag> {
        self.lock().objects.get(key).map(|(_, e)| e.clone())
    }

    /// Stores an object directly.
    pub fn put_raw(&self, key: &str, data: Bytes) {
        let etag = etag_of(&data);
        self.lock().objects.insert(key.to_owned(), (data, etag));
    }

    /// Ids of the incomplete multipart uploads.
    pub fn upload_ids(&self) -> Vec<UploadId> {
        let mut v: Vec<UploadId> = self.lock().uploads.keys().cloned().collect();
        v.sort();
        v
    }

    /// Forgets a multipart upload (as if aborted by someone else).
    pub fn drop_upload(&self, upload_id: &UploadId) {
        self.lock().uploads.remove(upload_id);
    }

    /// Every call so far.
    pub fn log(&self) -> Vec<LoggedCall> {
        self.lock().log.clone()
    }

    /// How many calls of `kind` were made.
    pub fn calls(&self, kind: CallKind) -> usize {
        self.lock().log.iter().filter(|c| c.kind == kind).count()
    }

    /// The most Upload Part requests that were in progress at once.
    pub fn max_parts_in_flight(&self) -> usize {
        self.lock().max_parts_in_flight
    }

    /// Counts this bucket's write requests in `gauge` too (several fakes may share one).
    pub fn share_gauge(&self, gauge: &WriteGauge) {
        self.lock().gauge = Some(gauge.clone());
    }

    fn gauge_enter(&self, bytes: u64) -> Option<GaugeGuard> {
        self.lock().gauge.as_ref().map(|g| g.enter(bytes))
    }

    fn check_key(&self, key: &ObjectKey) -> String {
        key.as_str().to_owned()
    }
}

fn md5_mismatch(request: &WriteRequest<'_>) -> bool {
    request.content_md5.as_ref().is_some_and(|md5| {
        *md5 != cos_model::options::content_md5_from_digest(Md5::digest(&request.body).into())
    })
}

impl CosApi for FakeCos {
    fn bucket(&self) -> Option<&BucketName> {
        Some(&self.bucket)
    }

    fn put_object<'a>(
        &'a self,
        request: WriteRequest<'a>,
    ) -> BoxFuture<'a, Result<Ack, CallError>> {
        Box::pin(async move {
            const CALL: CallKind = CallKind::PutObject;
            let key = self.check_key(request.key);
            let _gauge = self.gauge_enter(request.body.len() as u64);
            let mut s = self.lock();
            s.log(CALL, None, None, Some(request.body.len() as u64));
            let (before, after, corrupted, _, _) = plan(s.draw(CALL, None));
            if let Some(k) = before {
                return Err(fault_error(CALL, k, false));
            }
            if md5_mismatch(&request) {
                return Err(fault_error(CALL, Fault::BadDigest, false));
            }
            if let Some(w) = &request.wire {
                w.sent(request.body.len() as u64);
            }
            let data = if corrupted {
                corrupt(&request.body)
            } else {
                request.body
            };
            let etag = etag_of(&data);
            let c = crc(&data);
            s.objects.insert(key, (data, etag.clone()));
            if let Some(k) = after {
                return Err(fault_error(CALL, k, true));
            }
            Ok(Ack {
                etag,
                crc64: (!s.omit_crc).then_some(c),
                size: None,
            })
        })
    }

    fn initiate<'a>(
        &'a self,
        key: &'a ObjectKey,
        _options: &'a UploadOptions,
    ) -> BoxFuture<'a, Result<UploadId, CallError>> {
        Box::pin(async move {
            const CALL: CallKind = CallKind::Initiate;
            let key = self.check_key(key);
            let mut s = self.lock();
            s.log(CALL, None, None, None);
            let (before, after, _, _, _) = plan(s.draw(CALL, None));
            if let Some(k) = before {
                return Err(fault_error(CALL, k, false));
            }
            s.next_id += 1;
            let id = UploadId::new(format!("fake-upload-{:04}", s.next_id))
                .map_err(|e| CallError::new(crate::CallErrorKind::Failed, e.to_string()))?;
            let initiated = s.now.unwrap_or_else(SystemTime::now);
            s.uploads.insert(
                id.clone(),
                Upload {
                    key,
                    parts: BTreeMap::new(),
                    initiated,
                },
            );
            if let Some(k) = after {
                return Err(fault_error(CALL, k, true));
            }
            Ok(id)
        })
    }

    fn upload_part<'a>(
        &'a self,
        upload_id: &'a UploadId,
        number: PartNumber,
        request: WriteRequest<'a>,
    ) -> BoxFuture<'a, Result<Ack, CallError>> {
        Box::pin(async move {
            const CALL: CallKind = CallKind::UploadPart;
            let key = self.check_key(request.key);
            let (delay, before, after, corrupted, vanish) = {
                let mut s = self.lock();
                s.log(
                    CALL,
                    Some(number),
                    Some(upload_id),
                    Some(request.body.len() as u64),
                );
                s.parts_in_flight += 1;
                s.max_parts_in_flight = s.max_parts_in_flight.max(s.parts_in_flight);
                let (b, a, c, _, v) = plan(s.draw(CALL, Some(number.get())));
                (s.part_delay, b, a, c, v)
            };
            let _guard = InFlight(self.state.clone());
            let _gauge = self.gauge_enter(request.body.len() as u64);
            if let Some(w) = &request.wire {
                w.sent(request.body.len() as u64);
            }
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let mut s = self.lock();
            if vanish {
                s.uploads.remove(upload_id);
            }
            if let Some(k) = before {
                return Err(fault_error(CALL, k, false));
            }
            if md5_mismatch(&request) {
                return Err(fault_error(CALL, Fault::BadDigest, false));
            }
            let omit = s.omit_crc;
            let Some(upload) = s.uploads.get_mut(upload_id) else {
                return Err(no_such_upload(CALL));
            };
            if upload.key != key {
                return Err(no_such_upload(CALL));
            }
            let data = if corrupted {
                corrupt(&request.body)
            } else {
                request.body
            };
            let etag = etag_of(&data);
            let c = crc(&data);
            upload.parts.insert(number, (data, etag.clone()));
            if let Some(k) = after {
                return Err(fault_error(CALL, k, true));
            }
            Ok(Ack {
                etag,
                crc64: (!omit).then_some(c),
                size: None,
            })
        })
    }

    fn complete<'a>(
        &'a self,
        key: &'a ObjectKey,
        upload_id: &'a UploadId,
        parts: &'a CompletedParts,
        _options: &'a UploadOptions,
    ) -> BoxFuture<'a, Result<Ack, CallError>> {
        Box::pin(async move {
            const CALL: CallKind = CallKind::Complete;
            let key = self.check_key(key);
            let mut s = self.lock();
            s.log(CALL, None, Some(upload_id), None);
            let (before, after, _, wrong_crc, vanish) = plan(s.draw(CALL, None));
            if vanish {
                s.uploads.remove(upload_id);
            }
            if let Some(k) = before {
                return Err(fault_error(CALL, k, false));
            }
            let min = s.min_part_size;
            let Some(upload) = s.uploads.get(upload_id) else {
                return Err(no_such_upload(CALL));
            };
            if upload.key != key || parts.is_empty() {
                return Err(refused(CALL, ErrorCode::InvalidPart));
            }
            let mut data = Vec::new();
            let count = parts.len();
            // CompletedParts is ordered and unique by construction: COS's InvalidPartOrder
            // cannot arise from it.
            for (i, (number, etag)) in parts.iter().enumerate() {
                let Some((bytes, stored)) = upload.parts.get(&number) else {
                    return Err(refused(CALL, ErrorCode::InvalidPart));
                };
                if stored != etag {
                    return Err(refused(CALL, ErrorCode::InvalidPart));
                }
                if i + 1 < count && (bytes.len() as u64) < min {
                    return Err(refused(CALL, ErrorCode::EntityTooSmall));
                }
                data.extend_from_slice(bytes);
            }
            let data = Bytes::from(data);
            let etag = ETag::new(format!("{}-{count}", hex::encode(Md5::digest(&data))));
            let mut c = crc(&data);
            if wrong_crc {
                c ^= 1;
            }
            let omit = s.omit_crc;
            s.uploads.remove(upload_id);
            s.objects.insert(key, (data, etag.clone()));
            if let Some(k) = after {
                return Err(fault_error(CALL, k, true));
            }
            Ok(Ack {
                etag,
                crc64: (!omit).then_some(c),
                size: None,
            })
        })
    }

    fn abort<'a>(
        &'a self,
        key: &'a ObjectKey,
        upload_id: &'a UploadId,
    ) -> BoxFuture<'a, Result<(), CallError>> {
        Box::pin(async move {
            const CALL: CallKind = CallKind::Abort;
            let key = self.check_key(key);
            let mut s = self.lock();
            s.log(CALL, None, Some(upload_id), None);
            let (before, after, _, _, _) = plan(s.draw(CALL, None));
            if let Some(k) = before {
                return Err(fault_error(CALL, k, false));
            }
            match s.uploads.get(upload_id) {
                Some(u) if u.key == key => {
                    s.uploads.remove(upload_id);
                }
                _ => return Err(no_such_upload(CALL)),
            }
            if let Some(k) = after {
                return Err(fault_error(CALL, k, true));
            }
            Ok(())
        })
    }

    fn list_parts<'a>(
        &'a self,
        key: &'a ObjectKey,
        upload_id: &'a UploadId,
        marker: Option<PartNumber>,
    ) -> BoxFuture<'a, Result<PartsPage, CallError>> {
        Box::pin(async move {
            const CALL: CallKind = CallKind::ListParts;
            let key = self.check_key(key);
            let mut s = self.lock();
            s.log(CALL, None, Some(upload_id), None);
            let (before, _, _, _, vanish) = plan(s.draw(CALL, None));
            if vanish {
                s.uploads.remove(upload_id);
            }
            if let Some(k) = before {
                return Err(fault_error(CALL, k, false));
            }
            let Some(upload) = s.uploads.get(upload_id).filter(|u| u.key == key) else {
                return Err(no_such_upload(CALL));
            };
            // Pages of 2 parts, to exercise paging.
            let after: Vec<ListedPart> = upload
                .parts
                .iter()
                .filter(|(n, _)| marker.is_none_or(|m| **n > m))
                .take(3)
                .map(|(n, (b, e))| ListedPart {
                    number: *n,
                    etag: e.clone(),
                    size: b.len() as u64,
                })
                .collect();
            let more = after.len() > 2;
            let page: Vec<ListedPart> = after.into_iter().take(2).collect();
            Ok(PartsPage {
                next_marker: if more {
                    page.last().map(|l| l.number)
                } else {
                    None
                },
                parts: page,
            })
        })
    }

    fn list_uploads<'a>(
        &'a self,
        prefix: &'a str,
        marker: Option<UploadMarker>,
    ) -> BoxFuture<'a, Result<UploadsPage, CallError>> {
        Box::pin(async move {
            const CALL: CallKind = CallKind::ListUploads;
            let mut s = self.lock();
            s.log(CALL, None, None, None);
            let (before, _, _, _, _) = plan(s.draw(CALL, None));
            if let Some(k) = before {
                return Err(fault_error(CALL, k, false));
            }
            let mut all: Vec<ListedUpload> = s
                .uploads
                .iter()
                .filter(|(_, u)| u.key.starts_with(prefix))
                .map(|(id, u)| ListedUpload {
                    key: u.key.clone(),
                    upload_id: id.clone(),
                    initiated: Some(u.initiated),
                })
                .collect();
            all.sort_by(|a, b| (&a.key, &a.upload_id).cmp(&(&b.key, &b.upload_id)));
            let start = match &marker {
                Some(m) => all
                    .iter()
                    .position(|u| {
                        (u.key.as_str(), u.upload_id.as_str())
                            > (m.key.as_str(), m.upload_id.as_deref().unwrap_or(""))
                    })
                    .unwrap_or(all.len()),
                None => 0,
            };
            let page: Vec<ListedUpload> = all[start..].iter().take(3).cloned().collect();
            let next = (start + page.len() < all.len())
                .then(|| {
                    page.last().map(|u| UploadMarker {
                        key: u.key.clone(),
                        upload_id: Some(u.upload_id.as_str().to_owned()),
                    })
                })
                .flatten();
            Ok(UploadsPage {
                uploads: page,
                next,
            })
        })
    }

    fn head_object<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, Result<Ack, CallError>> {
        Box::pin(async move {
            const CALL: CallKind = CallKind::HeadObject;
            let key = self.check_key(key);
            let mut s = self.lock();
            s.log(CALL, None, None, None);
            let (before, _, _, _, _) = plan(s.draw(CALL, None));
            if let Some(k) = before {
                return Err(fault_error(CALL, k, false));
            }
            let omit = s.omit_crc;
            match s.objects.get(&key) {
                Some((data, etag)) => Ok(Ack {
                    size: Some(data.len() as u64),
                    etag: etag.clone(),
                    crc64: (!omit).then(|| crc(data)),
                }),
                None => Err(fault_error(CALL, Fault::NotFound, false)),
            }
        })
    }

    fn delete_object<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, Result<(), CallError>> {
        Box::pin(async move {
            const CALL: CallKind = CallKind::DeleteObject;
            let key = self.check_key(key);
            let mut s = self.lock();
            s.log(CALL, None, None, None);
            let (before, _, _, _, _) = plan(s.draw(CALL, None));
            if let Some(k) = before {
                return Err(fault_error(CALL, k, false));
            }
            s.objects.remove(&key);
            Ok(())
        })
    }

    fn resend_permit(&self, _resend: u32) -> Option<Duration> {
        let mut s = self.lock();
        s.resends_asked += 1;
        match &mut s.resend_budget {
            None => Some(Duration::ZERO),
            Some(0) => None,
            Some(left) => {
                *left -= 1;
                Some(Duration::ZERO)
            }
        }
    }
}
