//! Step 3: a dozen files through the cos-vod upload list, a progress bar per file; one file is
//! cancelled once it has started and then resumed from its checkpoint.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use cos_upload::progress::{human_bytes, human_duration};
use cos_vod::{
    AddOptions, CosEngine, FailureInfo, FileId, FileSource, GrantRequest, ListProgress, ListState,
    UploadGrant, VodEvent, VodUploader,
};

use super::report::Report;
use super::show::{self, Lines};
use super::stack::Stack;
use crate::data;

/// The list's files: (name, size).
const FILES: [(&str, u64); 12] = [
    ("clip-01.mp4", 6 << 20),
    ("clip-02.mp4", 3 << 20),
    ("photo-03.jpg", 420 << 10),
    ("clip-04.mp4", 12 << 20),
    ("photo-05.jpg", 96 << 10),
    ("clip-06.mp4", 9 << 20),
    ("doc-07.pdf", 1500 << 10),
    ("clip-08.mp4", 5 << 20),
    ("photo-09.jpg", 700 << 10),
    ("clip-10.mp4", 2 << 20),
    ("empty-11.txt", 0),
    ("clip-12.mp4", 4 << 20),
];
/// The file cancelled and resumed: large enough to be caught mid-upload.
const CANCEL_INDEX: usize = 3;
/// How much longer each UploadPart takes on the emulator during this step.
const PART_DELAY_MS: u64 = 100;
/// No run of this demo should take longer; a hang is a failure, not a wait.
const DEADLINE: Duration = Duration::from_secs(300);

/// Runs step 3.
pub async fn run(stack: &Stack, report: &mut Report) -> Result<(), String> {
    println!(
        "\n== 4. {} files through the cos-vod upload list (3 at a time); {} is cancelled mid-way and resumed",
        FILES.len(),
        FILES[CANCEL_INDEX].0
    );
    let dir = stack.subdir("list")?;
    let mut crcs = HashMap::new();
    for (seed, (name, size)) in FILES.iter().enumerate() {
        let crc = data::write_file(&dir.join(name), 100 + seed as u64, *size)?;
        crcs.insert((*name).to_owned(), crc);
    }

    let engine = CosEngine::builder()
        .checkpoint_dir(stack.subdir("list-checkpoints")?)
        .part_size(1 << 20)
        .parallel(3)
        .progress_interval(Duration::from_millis(100))
        .build()
        .map_err(|e| format!("upload engine: {e}"))?;
    let keys = stack.list_keys.clone();
    // the list goes where the demo's client goes: its endpoint and bucket, already typed
    let bucket = stack
        .client
        .bucket()
        .cloned()
        .ok_or("the demo's client addresses no bucket")?;
    let region = cos_model::Region::new(&stack.region).map_err(|e| format!("region: {e}"))?;
    let list = VodUploader::builder(engine)
        .endpoint(stack.client.endpoint().clone())
        .bucket(bucket)
        .region(region)
        .max_concurrent_files(3)
        .progress_interval(Duration::from_millis(100))
        .provider(move |_request: GrantRequest| {
            let key = keys.clone();
            async move { Ok::<_, FailureInfo>(UploadGrant::new(key)) }
        })
        .spawn();
    let mut events = list.events().await.map_err(|e| e.to_string())?;

    let draw = if show::bars() {
        indicatif::ProgressDrawTarget::stderr()
    } else {
        indicatif::ProgressDrawTarget::hidden()
    };
    let bars = indicatif::MultiProgress::with_draw_target(draw);
    // off a terminal, the list's total every few seconds instead of the bars
    let mut lines = (!show::bars()).then(Lines::new);
    let style = indicatif::ProgressStyle::with_template(
        "   {prefix:<14} {bar:30} {bytes:>10}/{total_bytes:<10} {msg}",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    let mut ids: Vec<FileId> = Vec::new();
    let mut per_file: HashMap<FileId, indicatif::ProgressBar> = HashMap::new();
    for (name, size) in FILES {
        let id = list
            .add_file(
                FileSource::path(dir.join(name)),
                AddOptions::new().key(format!("demo/list/{name}")),
            )
            .await
            .map_err(|e| format!("adding {name}: {e}"))?;
        let bar = bars.add(indicatif::ProgressBar::new(size));
        bar.set_style(style.clone());
        bar.set_prefix(name);
        bar.set_message("ready");
        per_file.insert(id, bar);
        ids.push(id);
    }
    let cancel_id = ids[CANCEL_INDEX];
    // On loopback a 12 MiB file is done in a few milliseconds, before a cancel could reach it;
    // slowing each part down keeps every file in flight long enough to be cancelled mid-way.
    stack.delay_parts(PART_DELAY_MS)?;
    let progress = list.progress_watch().await.map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut started_at: HashMap<FileId, Instant> = HashMap::new();
    list.start_upload().await.map_err(|e| e.to_string())?;

    let mut cancelled = false;
    let mut succeeded = 0usize;
    let outcome = tokio::time::timeout(DEADLINE, async {
        while let Some(event) = events.recv().await {
            if let Some(lines) = &mut lines {
                lines.tick(started, || total_line(&progress.borrow()));
            }
            match event {
                VodEvent::UploadStarted { file, .. } => {
                    started_at.entry(file.id).or_insert_with(Instant::now);
                    if let Some(bar) = per_file.get(&file.id) {
                        bar.set_message("uploading");
                    }
                }
                VodEvent::Progress {
                    file, bytes_done, ..
                } => {
                    if let Some(bar) = per_file.get(&file.id) {
                        bar.set_position(bytes_done);
                    }
                    if file.id == cancel_id && !cancelled && bytes_done > 0 {
                        cancelled = true;
                        list.cancel_file(cancel_id)
                            .await
                            .map_err(|e| e.to_string())?;
                    }
                }
                VodEvent::Canceled { file, .. } => {
                    if let Some(bar) = per_file.get(&file.id) {
                        bar.set_message("cancelled; resuming");
                    }
                    bars.suspend(|| {
                        println!(
                            "   {} cancelled after its first parts; its checkpoint is kept",
                            file.name
                        );
                    });
                    list.resume_file(file.id).await.map_err(|e| e.to_string())?;
                    if list.state().await.map_err(|e| e.to_string())? != ListState::Running {
                        list.start_upload().await.map_err(|e| e.to_string())?;
                    }
                }
                VodEvent::Succeeded { file, result } => {
                    succeeded += 1;
                    if let Some(bar) = per_file.get(&file.id) {
                        bar.set_position(result.bytes);
                        bar.finish_with_message("stored, CRC64 verified");
                    }
                    let local = crcs.get(&file.name).copied().unwrap_or_default();
                    if result.crc64.is_some_and(|c| c != local) {
                        return Err(format!(
                            "{}: CRC64 from COS differs from the file's",
                            file.name
                        ));
                    }
                    let elapsed = started_at
                        .get(&file.id)
                        .map_or_else(|| started.elapsed(), Instant::elapsed);
                    report.add("cos-vod list", &result.key, result.bytes, local, elapsed);
                }
                VodEvent::Failed { file, error } => {
                    return Err(format!("{} failed: {error:?}", file.name));
                }
                VodEvent::TokenExpired { file } => {
                    return Err(format!(
                        "{}: credentials expired during the demo",
                        file.name
                    ));
                }
                VodEvent::ListEnded { counts } if succeeded == FILES.len() => {
                    bars.suspend(|| {
                        println!(
                            "   list ended: {} of {} files stored ({} succeeded events)",
                            counts.succeeded,
                            FILES.len(),
                            succeeded
                        );
                    });
                    return Ok(());
                }
                _ => {}
            }
        }
        Err("the upload list stopped sending events".to_owned())
    })
    .await;
    let _ = bars.clear();
    stack.delay_parts(0)?;
    let _ = list.shutdown().await;
    match outcome {
        Ok(result) => result?,
        Err(_) => {
            return Err(format!(
                "the upload list did not finish within {DEADLINE:?}"
            ));
        }
    }
    if !cancelled {
        return Err(format!(
            "{} finished before it could be cancelled",
            FILES[CANCEL_INDEX].0
        ));
    }
    Ok(())
}

/// `14.2 MiB / 53.5 MiB (26.54%), 9.8 MiB/s, eta 4s, 2/12 stored, 3 uploading`
fn total_line(progress: &ListProgress) -> String {
    let t = progress.total();
    let eta = t.eta.map_or_else(|| "?".to_owned(), human_duration);
    format!(
        "list: {} / {} ({:.2}%), {}/s, eta {eta}, {}/{} stored, {} uploading",
        human_bytes(t.bytes_done),
        human_bytes(t.bytes_total),
        t.percent(),
        human_bytes(t.speed as u64),
        t.succeeded,
        t.files,
        t.uploading
    )
}
