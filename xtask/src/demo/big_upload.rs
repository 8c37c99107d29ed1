//! Step 2: a big generated file through cos-upload in parts, paused half-way (as a crash or a
//! user would stop it) and resumed from its checkpoint, sending only the missing parts.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use cos_model::ObjectKey;
use cos_upload::{PartPolicy, Progress, UploadError, UploadRequest, Uploader};

use super::report::Report;
use super::show::{self, Lines};
use super::stack::Stack;
use crate::data;

const PART_SIZE: u64 = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT: usize = 4;

/// Runs step 2 with a file of `mib` MiB.
pub async fn run(stack: &Stack, report: &mut Report, mib: u64) -> Result<(), String> {
    let size = mib * 1024 * 1024;
    println!(
        "\n== 3. a {mib} MiB file with cos-upload: {} MiB parts, {PARTS_IN_FLIGHT} in flight, paused half-way, resumed",
        PART_SIZE >> 20
    );
    let path = stack.workdir().join("big.bin");
    let crc64 = data::write_file(&path, 7, size)?;
    let checkpoints = stack.subdir("checkpoints")?;
    let uploader = Uploader::builder(stack.client.clone())
        .part_policy(
            PartPolicy::new()
                .target_part_size(PART_SIZE)
                .single_put_threshold(PART_SIZE),
        )
        .parts_in_flight(PARTS_IN_FLIGHT)
        .total_parts_in_flight(PARTS_IN_FLIGHT)
        .checkpoint_dir(&checkpoints)
        .progress_interval(Duration::from_millis(100))
        .build();
    let key_text = format!("demo/big/{mib}MiB.bin");
    let key = ObjectKey::new(&key_text).map_err(|e| e.to_string())?;

    let started = Instant::now();
    let view = View::new(size, started);
    let first = uploader.upload(view.report(UploadRequest::file(key.clone(), &path)));
    let mut watch = first.progress_watch();
    let half = size / 2;
    while watch.borrow().acknowledged_bytes < half && !watch.borrow().finished {
        if watch.changed().await.is_err() {
            break;
        }
    }
    first.pause();
    let paused_at = match first.join().await {
        Err(UploadError::Paused { upload_id }) => {
            let stored = watch.borrow().acknowledged_bytes;
            view.suspend(|| {
                println!(
                    "   paused at {} MiB of {mib} (upload id {}); the checkpoint is in {}",
                    stored >> 20,
                    upload_id.as_ref().map_or("?", |u| u.as_str()),
                    checkpoints.display()
                );
            });
            stored
        }
        Ok(_) => return Err("the upload finished before it could be paused".into()),
        Err(e) => return Err(format!("first half of the big upload: {e}")),
    };

    let summary = uploader
        .upload(view.report(UploadRequest::file(key, &path)))
        .join()
        .await
        .map_err(|e| format!("resuming the big upload: {e}"))?;
    view.finish();
    let elapsed = started.elapsed();
    if summary.resumed_parts == 0 {
        return Err("the second run re-sent everything: nothing was resumed".into());
    }
    if summary.crc64 != crc64 || !summary.crc64_verified {
        return Err(format!(
            "CRC64 mismatch: COS {} (verified: {}), file {crc64}",
            summary.crc64, summary.crc64_verified
        ));
    }
    println!(
        "   resumed: {} of {} parts were already stored ({} MiB before the pause); only the rest was sent",
        summary.resumed_parts,
        summary.parts,
        paused_at >> 20
    );
    println!(
        "   done: {key_text}  ETag {}  CRC64 {} verified against COS's x-cos-hash-crc64ecma  {:.1} MiB/s",
        summary.etag,
        summary.crc64,
        size as f64 / (1024.0 * 1024.0) / elapsed.as_secs_f64().max(0.001)
    );
    report.add("cos-upload", &key_text, size, crc64, elapsed);
    Ok(())
}

/// The big upload's progress: a bar on a terminal, plain lines elsewhere. The bar follows
/// the bytes on the wire and shows the upload's own speed and ETA, which after the resume
/// count only what this run sends (the stored half is shown apart).
#[derive(Clone)]
enum View {
    Bar(indicatif::ProgressBar),
    Lines(Arc<Mutex<Lines>>, Instant),
}

impl View {
    fn new(size: u64, started: Instant) -> Self {
        if !show::bars() {
            return View::Lines(Arc::new(Mutex::new(Lines::new())), started);
        }
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(size),
            indicatif::ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template("   {bar:40} {msg}") {
            bar.set_style(style);
        }
        View::Bar(bar)
    }

    fn report(&self, request: UploadRequest) -> UploadRequest {
        let view = self.clone();
        request.on_progress(move |p: &Progress| match &view {
            View::Bar(bar) => {
                bar.set_position(p.position());
                bar.set_message(p.line().to_string());
            }
            View::Lines(lines, started) => {
                if !p.finished {
                    lines
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .tick(*started, || p.line().to_string());
                }
            }
        })
    }

    fn suspend(&self, f: impl FnOnce()) {
        match self {
            View::Bar(bar) => bar.suspend(f),
            View::Lines(..) => f(),
        }
    }

    fn finish(&self) {
        if let View::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}
