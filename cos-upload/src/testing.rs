//! `FakeCos`: an in-memory COS bucket implementing [`CosApi`], with seeded random faults and
//! scripted ones (5xx, SlowDown, resets before and after the server acted, timeouts, expired
//! tokens, clock skew, corrupted parts, a wrong object CRC64, vanished uploads), a log of every
//! call and the peak of concurrent part requests. A [`WriteGauge`] shared by several fakes
//! counts their write requests together (for limits shared across APIs). For tests (feature
//! `test-util`).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use cos_model::ObjectKey;
use futures_util::future::BoxFuture;
use md5::{Digest, Md5};

use crate::api::{
    CosApi, ListedPart, ListedUpload, ObjectHead, PartsPage, UploadOptions, UploadsPage, WriteAck,
    WriteRequest,
};
use crate::error::CallKind;
use crate::fault::{ApiError, FaultKind};
use crate::plan::MIN_PART_SIZE;
use crate::state::CompletedPart;

/// A fault to inject into one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Injected {
    /// Fail before the server acts.
    Before(FaultKind),
    /// Act, then fail (a reset after the request was processed).
    After(FaultKind),
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
    pub upload_id: Option<String>,
    /// The body length, for PUT and Upload Part.
    pub len: Option<u64>,
}

#[derive(Debug)]
struct Upload {
    key: String,
    parts: BTreeMap<u32, (Bytes, String)>,
    initiated: SystemTime,
}

#[derive(Debug, Default)]
struct State {
    objects: HashMap<String, (Bytes, String)>,
    uploads: HashMap<String, Upload>,
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
    bucket: String,
    state: Arc<Mutex<State>>,
}

fn etag_of(data: &[u8]) -> String {
    format!("\"{}\"", hex::encode(Md5::digest(data)))
}

fn crc(data: &[u8]) -> u64 {
    cos_model::crc64::crc64(data)
}

fn err(kind: FaultKind, code: &str, status: u16) -> ApiError {
    ApiError::new(kind, format!("fake COS: {code}"))
        .with_code(code)
        .with_status(status)
        .with_request_id("fake-request-id")
}

fn no_such_upload() -> ApiError {
    err(FaultKind::NoSuchUpload, "NoSuchUpload", 404)
}

fn fault_error(kind: FaultKind) -> ApiError {
    match kind {
        FaultKind::Server => err(kind, "InternalError", 500),
        FaultKind::SlowDown => err(kind, "SlowDown", 503),
        FaultKind::ClockSkew => err(kind, "RequestTimeTooSkewed", 403),
        FaultKind::CredentialExpired => err(kind, "ExpiredToken", 400),
        FaultKind::NoSuchUpload => no_such_upload(),
        FaultKind::NotFound => err(kind, "NoSuchKey", 404),
        FaultKind::BadDigest => err(kind, "BadDigest", 400),
        FaultKind::Rejected => err(kind, "AccessDenied", 403),
        other => ApiError::new(other, format!("fake COS: injected {other:?}")),
    }
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
            (r.server, Injected::Before(FaultKind::Server)),
            (r.slow_down, Injected::Before(FaultKind::SlowDown)),
            (
                r.reset_before,
                Injected::Before(FaultKind::Connection { maybe_sent: false }),
            ),
            (
                r.reset_after,
                Injected::After(FaultKind::Connection { maybe_sent: true }),
            ),
            (r.timeout, Injected::Before(FaultKind::Timeout)),
            (
                r.expired_token,
                Injected::Before(FaultKind::CredentialExpired),
            ),
            (r.clock_skew, Injected::Before(FaultKind::ClockSkew)),
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
        part: Option<u32>,
        upload_id: Option<&str>,
        len: Option<u64>,
    ) {
        self.log.push(LoggedCall {
            kind,
            part,
            upload_id: upload_id.map(str::to_owned),
            len,
        });
    }
}

/// Splits an injected fault into (fail before, fail after, corrupt, wrong crc, vanish).
fn plan(inj: Option<Injected>) -> (Option<FaultKind>, Option<FaultKind>, bool, bool, bool) {
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
    pub fn new(bucket: &str) -> Self {
        Self {
            bucket: bucket.to_owned(),
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

    /// Stores an object directly.
    pub fn put_raw(&self, key: &str, data: Bytes) {
        let etag = etag_of(&data);
        self.lock().objects.insert(key.to_owned(), (data, etag));
    }

    /// Ids of the incomplete multipart uploads.
    pub fn upload_ids(&self) -> Vec<String> {
        let mut v: Vec<String> = self.lock().uploads.keys().cloned().collect();
        v.sort();
        v
    }

    /// Forgets a multipart upload (as if aborted by someone else).
    pub fn drop_upload(&self, upload_id: &str) {
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

impl CosApi for FakeCos {
    fn bucket(&self) -> &str {
        &self.bucket
    }

    fn put_object<'a>(
        &'a self,
        request: WriteRequest<'a>,
    ) -> BoxFuture<'a, Result<WriteAck, ApiError>> {
        Box::pin(async move {
            let key = self.check_key(request.key);
            let _gauge = self.gauge_enter(request.body.len() as u64);
            let mut s = self.lock();
            s.log(
                CallKind::PutObject,
                None,
                None,
                Some(request.body.len() as u64),
            );
            let (before, after, corrupted, _, _) = plan(s.draw(CallKind::PutObject, None));
            if let Some(k) = before {
                return Err(fault_error(k));
            }
            if let Some(md5) = &request.content_md5 {
                use base64::Engine;
                let actual =
                    base64::engine::general_purpose::STANDARD.encode(Md5::digest(&request.body));
                if *md5 != actual {
                    return Err(fault_error(FaultKind::BadDigest));
                }
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
                return Err(fault_error(k));
            }
            Ok(WriteAck {
                etag,
                crc64: (!s.omit_crc).then_some(c),
            })
        })
    }

    fn initiate<'a>(
        &'a self,
        key: &'a ObjectKey,
        _options: &'a UploadOptions,
    ) -> BoxFuture<'a, Result<String, ApiError>> {
        Box::pin(async move {
            let key = self.check_key(key);
            let mut s = self.lock();
            s.log(CallKind::Initiate, None, None, None);
            let (before, after, _, _, _) = plan(s.draw(CallKind::Initiate, None));
            if let Some(k) = before {
                return Err(fault_error(k));
            }
            s.next_id += 1;
            let id = format!("fake-upload-{:04}", s.next_id);
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
                return Err(fault_error(k));
            }
            Ok(id)
        })
    }

    fn upload_part<'a>(
        &'a self,
        upload_id: &'a str,
        number: u32,
        request: WriteRequest<'a>,
    ) -> BoxFuture<'a, Result<WriteAck, ApiError>> {
        Box::pin(async move {
            let key = self.check_key(request.key);
            let (delay, before, after, corrupted, vanish) = {
                let mut s = self.lock();
                s.log(
                    CallKind::UploadPart,
                    Some(number),
                    Some(upload_id),
                    Some(request.body.len() as u64),
                );
                s.parts_in_flight += 1;
                s.max_parts_in_flight = s.max_parts_in_flight.max(s.parts_in_flight);
                let (b, a, c, _, v) = plan(s.draw(CallKind::UploadPart, Some(number)));
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
                return Err(fault_error(k));
            }
            if let Some(md5) = &request.content_md5 {
                use base64::Engine;
                let actual =
                    base64::engine::general_purpose::STANDARD.encode(Md5::digest(&request.body));
                if *md5 != actual {
                    return Err(fault_error(FaultKind::BadDigest));
                }
            }
            let omit = s.omit_crc;
            let Some(upload) = s.uploads.get_mut(upload_id) else {
                return Err(no_such_upload());
            };
            if upload.key != key {
                return Err(no_such_upload());
            }
            if !(1..=10_000).contains(&number) {
                return Err(err(FaultKind::Rejected, "InvalidArgument", 400));
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
                return Err(fault_error(k));
            }
            Ok(WriteAck {
                etag,
                crc64: (!omit).then_some(c),
            })
        })
    }

    fn complete<'a>(
        &'a self,
        key: &'a ObjectKey,
        upload_id: &'a str,
        parts: &'a [CompletedPart],
        _options: &'a UploadOptions,
    ) -> BoxFuture<'a, Result<WriteAck, ApiError>> {
        Box::pin(async move {
            let key = self.check_key(key);
            let mut s = self.lock();
            s.log(CallKind::Complete, None, Some(upload_id), None);
            let (before, after, _, wrong_crc, vanish) = plan(s.draw(CallKind::Complete, None));
            if vanish {
                s.uploads.remove(upload_id);
            }
            if let Some(k) = before {
                return Err(fault_error(k));
            }
            let min = s.min_part_size;
            let Some(upload) = s.uploads.get(upload_id) else {
                return Err(no_such_upload());
            };
            if upload.key != key || parts.is_empty() {
                return Err(err(FaultKind::Rejected, "InvalidPart", 400));
            }
            let mut data = Vec::new();
            for (i, p) in parts.iter().enumerate() {
                if i > 0 && parts[i - 1].number >= p.number {
                    return Err(err(FaultKind::Rejected, "InvalidPartOrder", 400));
                }
                let Some((bytes, etag)) = upload.parts.get(&p.number) else {
                    return Err(err(FaultKind::Rejected, "InvalidPart", 400));
                };
                if *etag != p.etag {
                    return Err(err(FaultKind::Rejected, "InvalidPart", 400));
                }
                if i + 1 < parts.len() && (bytes.len() as u64) < min {
                    return Err(err(FaultKind::Rejected, "EntityTooSmall", 400));
                }
                data.extend_from_slice(bytes);
            }
            let data = Bytes::from(data);
            let etag = format!("\"{}-{}\"", hex::encode(Md5::digest(&data)), parts.len());
            let mut c = crc(&data);
            if wrong_crc {
                c ^= 1;
            }
            let omit = s.omit_crc;
            s.uploads.remove(upload_id);
            s.objects.insert(key, (data, etag.clone()));
            if let Some(k) = after {
                return Err(fault_error(k));
            }
            Ok(WriteAck {
                etag,
                crc64: (!omit).then_some(c),
            })
        })
    }

    fn abort<'a>(
        &'a self,
        key: &'a ObjectKey,
        upload_id: &'a str,
    ) -> BoxFuture<'a, Result<(), ApiError>> {
        Box::pin(async move {
            let key = self.check_key(key);
            let mut s = self.lock();
            s.log(CallKind::Abort, None, Some(upload_id), None);
            let (before, after, _, _, _) = plan(s.draw(CallKind::Abort, None));
            if let Some(k) = before {
                return Err(fault_error(k));
            }
            match s.uploads.get(upload_id) {
                Some(u) if u.key == key => {
                    s.uploads.remove(upload_id);
                }
                _ => return Err(no_such_upload()),
            }
            if let Some(k) = after {
                return Err(fault_error(k));
            }
            Ok(())
        })
    }

    fn list_parts<'a>(
        &'a self,
        key: &'a ObjectKey,
        upload_id: &'a str,
        marker: Option<u32>,
    ) -> BoxFuture<'a, Result<PartsPage, ApiError>> {
        Box::pin(async move {
            let key = self.check_key(key);
            let mut s = self.lock();
            s.log(CallKind::ListParts, None, Some(upload_id), None);
            let (before, _, _, _, vanish) = plan(s.draw(CallKind::ListParts, None));
            if vanish {
                s.uploads.remove(upload_id);
            }
            if let Some(k) = before {
                return Err(fault_error(k));
            }
            let Some(upload) = s.uploads.get(upload_id).filter(|u| u.key == key) else {
                return Err(no_such_upload());
            };
            // Pages of 2 parts, to exercise paging.
            let start = marker.unwrap_or(0);
            let page: Vec<ListedPart> = upload
                .parts
                .range(start + 1..)
                .take(2)
                .map(|(n, (b, e))| ListedPart {
                    number: *n,
                    etag: e.clone(),
                    size: b.len() as u64,
                })
                .collect();
            let more = page
                .last()
                .is_some_and(|l| upload.parts.range(l.number + 1..).next().is_some());
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
        marker: Option<(String, String)>,
    ) -> BoxFuture<'a, Result<UploadsPage, ApiError>> {
        Box::pin(async move {
            let mut s = self.lock();
            s.log(CallKind::ListUploads, None, None, None);
            let (before, _, _, _, _) = plan(s.draw(CallKind::ListUploads, None));
            if let Some(k) = before {
                return Err(fault_error(k));
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
                Some((k, id)) => all
                    .iter()
                    .position(|u| (&u.key, &u.upload_id) > (k, id))
                    .unwrap_or(all.len()),
                None => 0,
            };
            let page: Vec<ListedUpload> = all[start..].iter().take(3).cloned().collect();
            let next = (start + page.len() < all.len())
                .then(|| page.last().map(|u| (u.key.clone(), u.upload_id.clone())))
                .flatten();
            Ok(UploadsPage {
                uploads: page,
                next,
            })
        })
    }

    fn head_object<'a>(
        &'a self,
        key: &'a ObjectKey,
    ) -> BoxFuture<'a, Result<ObjectHead, ApiError>> {
        Box::pin(async move {
            let key = self.check_key(key);
            let mut s = self.lock();
            s.log(CallKind::HeadObject, None, None, None);
            let (before, _, _, _, _) = plan(s.draw(CallKind::HeadObject, None));
            if let Some(k) = before {
                return Err(fault_error(k));
            }
            let omit = s.omit_crc;
            match s.objects.get(&key) {
                Some((data, etag)) => Ok(ObjectHead {
                    size: data.len() as u64,
                    etag: etag.clone(),
                    crc64: (!omit).then(|| crc(data)),
                }),
                None => Err(fault_error(FaultKind::NotFound)),
            }
        })
    }

    fn delete_object<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, Result<(), ApiError>> {
        Box::pin(async move {
            let key = self.check_key(key);
            let mut s = self.lock();
            s.log(CallKind::DeleteObject, None, None, None);
            let (before, _, _, _, _) = plan(s.draw(CallKind::DeleteObject, None));
            if let Some(k) = before {
                return Err(fault_error(k));
            }
            s.objects.remove(&key);
            Ok(())
        })
    }
}
