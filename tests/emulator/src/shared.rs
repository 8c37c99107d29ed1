//! The state one running emulator shares between its connections: storage, the data index,
//! keys, faults, the clock offset and id generation.

use crate::faults::{FaultDraw, FaultPlan, FaultSpec};
use crate::keys::KeyStore;
use crate::operation::Operation;
use crate::storage::Storage;
use crate::timefmt::Millis;
use crate::world::World;
use rand::Rng as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Locks a mutex, ignoring poisoning (the data stays consistent: every critical section is
/// a few map operations that cannot panic halfway on user input).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Read-locks, ignoring poisoning.
pub fn read<T>(m: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|e| e.into_inner())
}

/// Write-locks, ignoring poisoning.
pub fn write<T>(m: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(|e| e.into_inner())
}

/// Faults in force and their draw.
#[derive(Debug)]
pub struct FaultState {
    /// The specification.
    pub spec: FaultSpec,
    /// The seeded draw.
    pub draw: FaultDraw,
}

/// Everything the connections share.
#[derive(Debug)]
pub struct Shared {
    /// Where bytes go.
    pub storage: Arc<dyn Storage>,
    /// Buckets, objects, uploads.
    pub world: Mutex<World>,
    /// Known key pairs.
    pub keys: RwLock<KeyStore>,
    /// Faults.
    pub faults: Mutex<FaultState>,
    /// The server clock's offset in seconds.
    pub skew: AtomicI64,
    /// The region the emulator is pinned to, if any.
    pub pinned_region: Option<String>,
    /// Region of buckets created through hosts that name none.
    pub default_region: String,
    /// Origins whose pages may call the STS listener (`--allow-origin`).
    pub allowed_origins: Vec<String>,
    counter: AtomicU64,
}

impl Shared {
    /// New shared state.
    pub fn new(
        storage: Arc<dyn Storage>,
        pinned_region: Option<String>,
        faults: FaultSpec,
        seed: u64,
    ) -> Self {
        let skew = faults.skew;
        Shared {
            storage,
            world: Mutex::new(World::default()),
            keys: RwLock::new(KeyStore::default()),
            faults: Mutex::new(FaultState {
                spec: faults,
                draw: FaultDraw::new(seed),
            }),
            skew: AtomicI64::new(skew),
            default_region: pinned_region
                .clone()
                .unwrap_or_else(|| "ap-guangzhou".to_string()),
            pinned_region,
            allowed_origins: Vec::new(),
            counter: AtomicU64::new(1),
        }
    }

    /// The server clock (real time plus the offset).
    pub fn now(&self) -> Millis {
        Millis::now_with_skew(self.skew.load(Ordering::Relaxed))
    }

    /// Replaces the fault specification (its `skew` becomes the clock offset).
    pub fn set_faults(&self, spec: FaultSpec) {
        self.skew.store(spec.skew, Ordering::Relaxed);
        let mut f = lock(&self.faults);
        f.draw.reset();
        f.spec = spec;
    }

    /// Draws the faults of one request.
    pub fn draw_faults(&self, op: Operation, identity: &str) -> FaultPlan {
        let mut f = lock(&self.faults);
        let FaultState { spec, draw } = &mut *f;
        draw.draw(spec, op, identity)
    }

    fn next(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    /// A new `x-cos-request-id` (COS's are Base64 of `<hex time>_<host>_<seq>_<rand>`).
    pub fn request_id(&self) -> String {
        use base64::Engine as _;
        let raw = format!(
            "{:x}_{:x}_{:x}",
            self.now().secs(),
            self.next(),
            rand::rng().random::<u32>()
        );
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(raw)
    }

    /// A new TraceId for an error answer.
    pub fn trace_id(&self) -> String {
        use base64::Engine as _;
        let r: [u8; 48] = rand::rng().random();
        base64::engine::general_purpose::STANDARD.encode(r)
    }

    /// A new upload id: the time (10 digits), a counter, random hex — so ids sort by creation.
    pub fn upload_id(&self) -> String {
        let r: [u8; 24] = rand::rng().random();
        format!(
            "{:010}{:010x}{}",
            self.now().secs().max(0),
            self.next(),
            hex::encode(r)
        )
    }
}
