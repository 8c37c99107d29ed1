//! What an upload logs, captured from a real upload to the emulator through faults injected
//! under the client: one `attempt` event per request sent (status and COS request id), one
//! `retrying` event per retry with its reason and delay, a few `info` lines per upload (started,
//! initiated, completed), checkpoint saves and the reconciliation of a resume — and never the
//! secret key, the token, an Authorization value or a signature.
//!
//! The tests run on tokio's current-thread runtime, so the emulator, the upload's part tasks
//! and its checkpoint writer all log under the subscriber installed on this thread.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cos_emulator::{Emulator, RunningEmulator};
use cos_model::{BucketName, Endpoint, ObjectKey};
use cos_transport::test_util::{Fault, FaultTransport, RecordingTransport};
use cos_transport::test_util::{LogCapture, capture_logs};
use cos_transport::{
    BoxError, Client, HyperTransport, RetryPolicy, TemporaryCredentials, TemporaryKey,
};
use cos_upload::{MemoryStore, PartPolicy, Source, UploadError, UploadRequest, Uploader};

const ID: &str = "AKIDcosrsTRACINGtest0000000000000000";
const SECRET: &str = "cos-upload-tracing-secret-key-0000";
const BUCKET: &str = "logs-1250000000";
const MIB: usize = 1024 * 1024;

fn capture(filter: &str) -> (LogCapture, tracing::subscriber::DefaultGuard) {
    capture_logs(filter)
}

fn lines_with<'a>(text: &'a str, needle: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.contains(needle)).collect()
}

/// A client with temporary keys (a token on every request) from the emulator, over `transport`.
fn client(
    emu: &Arc<RunningEmulator>,
    transport: RecordingTransport<FaultTransport<HyperTransport>>,
) -> (Client, Arc<Mutex<Vec<String>>>) {
    let issuer = emu.clone();
    let secrets = Arc::new(Mutex::new(Vec::new()));
    let seen = secrets.clone();
    let provider = TemporaryCredentials::new(move || {
        let key = issuer.issue_temporary_key(Duration::from_secs(3600));
        let seen = seen.clone();
        async move {
            let k = key.map_err(|e| Box::new(e) as BoxError)?;
            seen.lock()
                .unwrap()
                .extend([k.tmp_secret_key.clone(), k.session_token.clone()]);
            Ok::<_, BoxError>(
                TemporaryKey::new(k.tmp_secret_id, k.tmp_secret_key)
                    .with_security_token(k.session_token)
                    .with_start_time(u64::try_from(k.start_time).unwrap())
                    .with_expired_time(u64::try_from(k.expired_time).unwrap()),
            )
        }
    });
    let client = Client::builder(Endpoint::path_style(&emu.endpoint_url()).unwrap())
        .bucket(BucketName::new(BUCKET).unwrap())
        .credentials(provider)
        .transport(transport)
        .retry(
            RetryPolicy::builder()
                .backoff(Duration::from_millis(1), Duration::from_millis(5))
                .slow_down_backoff(Duration::from_millis(1), Duration::from_millis(5))
                .build(),
        )
        .build()
        .unwrap();
    (client, secrets)
}

fn uploader(client: Client, store: &MemoryStore) -> Uploader {
    Uploader::builder(client)
        .part_policy(
            PartPolicy::new()
                .target_part_size(MIB as u64)
                .single_put_threshold(MIB as u64),
        )
        .parts_in_flight(1)
        .checkpoint_store(store.clone())
        .progress_interval(Duration::from_millis(10))
        .build()
}

async fn emulator() -> Arc<RunningEmulator> {
    Arc::new(
        Emulator::builder()
            .credential(ID, SECRET)
            .bucket(BUCKET)
            .start()
            .await
            .unwrap(),
    )
}

/// Neither a key, a token, an Authorization value nor a signature is in `text`.
fn assert_nothing_secret(
    text: &str,
    secrets: &[String],
    recorded: &RecordingTransport<FaultTransport<HyperTransport>>,
) {
    assert!(!secrets.is_empty());
    for secret in secrets.iter().map(String::as_str).chain([SECRET]) {
        assert!(!text.contains(secret), "a secret was logged:\n{text}");
    }
    let requests = recorded.requests();
    assert!(!requests.is_empty());
    for request in &requests {
        let authorization = request.header("authorization").unwrap();
        let signature = authorization.rsplit("q-signature=").next().unwrap();
        assert!(!text.contains(authorization) && !text.contains(signature));
        let token = request.header("x-cos-security-token").unwrap();
        assert!(!text.contains(token));
    }
    for marker in [
        "q-signature",
        "q-ak=",
        "q-sign-algorithm",
        "x-cos-security-token",
    ] {
        assert!(!text.contains(marker), "{marker} was logged:\n{text}");
    }
    assert!(
        !text.to_ascii_lowercase().contains("authorization"),
        "{text}"
    );
}

#[tokio::test]
async fn an_upload_through_faults_logs_each_request_once_and_nothing_secret() {
    let (captured, _guard) = capture("cos_transport=debug,cos_upload=debug");
    let emu = emulator().await;
    // requests in order (one part in flight): Initiate, part 1 (503), part 1, part 2 (SlowDown),
    // part 2, part 3 (reset after the emulator stored it), part 3, Complete
    let script = [
        None,
        Some(Fault::ServerError(503)),
        None,
        Some(Fault::SlowDown),
        None,
        Some(Fault::ResetAfterSend),
    ];
    let transport = RecordingTransport::new(FaultTransport::scripted(
        HyperTransport::builder().build().unwrap(),
        script,
    ));
    let (client, secrets) = client(&emu, transport.clone());
    let store = MemoryStore::new();
    let summary = uploader(client, &store)
        .upload(UploadRequest::new(
            ObjectKey::new("logs/a.bin").unwrap(),
            Source::bytes(vec![9u8; 2 * MIB + 1000]),
        ))
        .join()
        .await
        .unwrap();
    assert_eq!(summary.parts, 3);
    let text = captured.text();
    let sent = transport.requests().len();
    assert_eq!(sent, 8);

    // one debug event per request sent, in the upload's span and the operation's
    let attempts = lines_with(&text, " attempt ");
    assert_eq!(attempts.len(), sent, "{text}");
    for line in &attempts {
        assert!(line.contains(" DEBUG "), "{line}");
        assert!(
            line.contains("upload{bucket=logs-1250000000 key=logs/a.bin"),
            "{line}"
        );
        assert!(line.contains(":request{operation="), "{line}");
        assert!(line.contains("duration_ms="), "{line}");
    }
    // the request span does not repeat what the upload span says
    assert!(
        attempts
            .iter()
            .all(|l| !l.contains("request{operation=UploadPart key=")),
        "{text}"
    );
    let answered: Vec<&&str> = attempts.iter().filter(|l| l.contains("status=")).collect();
    assert_eq!(
        answered.len(),
        sent - 1,
        "all but the reset got an answer:\n{text}"
    );
    assert!(answered.iter().all(|l| l.contains("request_id=")), "{text}");
    let refused: Vec<&&str> = attempts
        .iter()
        .filter(|l| l.contains("status=503"))
        .collect();
    assert_eq!(refused.len(), 2, "{text}");
    let part_one: Vec<&&str> = attempts
        .iter()
        .filter(|l| l.contains("request{operation=UploadPart part_number=1}:attempt"))
        .collect();
    assert_eq!(part_one.len(), 2, "{text}");
    assert!(
        part_one[0].contains("attempt{attempt=1}")
            && part_one[0].contains("error=ServiceUnavailable"),
        "{}",
        part_one[0]
    );
    assert!(
        part_one[1].contains("attempt{attempt=2}") && part_one[1].contains("status=200"),
        "{}",
        part_one[1]
    );
    assert!(
        part_one[1].contains(&format!("sent={MIB}")),
        "{}",
        part_one[1]
    );

    // the retries: why, and how long they wait
    let retries = lines_with(&text, "retrying");
    assert_eq!(retries.len(), 3, "{text}");
    assert!(
        retries[0].contains("why=ServiceUnavailable") && retries[0].contains("delay_ms="),
        "{}",
        retries[0]
    );
    assert!(retries[1].contains("why=SlowDown"), "{}", retries[1]);
    assert!(
        retries[2].contains("why=the connection broke"),
        "{}",
        retries[2]
    );

    // the upload's own lines
    for message in [
        "upload started",
        "multipart upload initiated",
        "upload completed",
    ] {
        let found = lines_with(&text, message);
        assert_eq!(found.len(), 1, "{message}:\n{text}");
        assert!(found[0].contains(" INFO "), "{}", found[0]);
    }
    let completed = lines_with(&text, "upload completed")[0];
    assert!(completed.contains("upload_id="), "{completed}");
    assert!(
        completed.contains(&format!("bytes={}", 2 * MIB + 1000)),
        "{completed}"
    );
    assert!(!lines_with(&text, "checkpoint saved").is_empty(), "{text}");
    assert_eq!(lines_with(&text, "checkpoint removed").len(), 1, "{text}");
    assert_eq!(lines_with(&text, "credentials obtained").len(), 1, "{text}");

    assert_nothing_secret(&text, &secrets.lock().unwrap(), &transport);
}

#[tokio::test]
async fn info_is_a_few_lines_per_upload_and_a_resume_says_what_it_found() {
    let (captured, _guard) = capture("info,cos_emulator=warn");
    let emu = emulator().await;
    let transport = RecordingTransport::new(FaultTransport::scripted(
        HyperTransport::builder().build().unwrap(),
        [],
    ));
    let (client, secrets) = client(&emu, transport.clone());
    let store = MemoryStore::new();
    let data = vec![3u8; 4 * MIB];
    let key = ObjectKey::new("logs/resumed.bin").unwrap();
    // parts take a while, so the pause lands after the second
    emu.set_faults("delay=1:150,ops=UploadPart".parse().unwrap());

    // the first run stops after two of four parts
    let first = uploader(client.clone(), &store)
        .upload(UploadRequest::new(key.clone(), Source::bytes(data.clone())));
    let mut watch = first.progress_watch();
    while watch.borrow().parts_done < 2 {
        watch.changed().await.unwrap();
    }
    first.pause();
    assert!(matches!(
        first.join().await,
        Err(UploadError::Paused { .. })
    ));
    let first_run = captured.text();
    let paused = lines_with(&first_run, "upload paused");
    assert_eq!(paused.len(), 1, "{first_run}");

    let summary = uploader(client, &store)
        .upload(UploadRequest::new(key, Source::bytes(data)))
        .join()
        .await
        .unwrap();
    assert!(summary.resumed_parts >= 2);
    let text = captured.text();
    let second_run = &text[first_run.len()..];
    let resumed = lines_with(second_run, "resuming from the checkpoint");
    assert_eq!(resumed.len(), 1, "{second_run}");
    // every part the first run recorded is listed, trusted, and not sent again
    let n = summary.resumed_parts;
    for field in [
        format!("recorded={n}"),
        format!("by_checkpoint={n}"),
        format!("to_send={}", 4 - n),
    ] {
        assert!(resumed[0].contains(&field), "{field}: {}", resumed[0]);
    }
    let started = lines_with(second_run, "upload started");
    assert!(
        started[0].contains(&format!(
            "resumed_bytes={}",
            summary.resumed_parts as usize * MIB
        )),
        "{}",
        started[0]
    );
    // a whole upload at info: started, completed, the resume's finding; no line per request
    let lines = second_run.lines().count();
    assert!(
        lines <= 4,
        "{lines} info lines for one upload:\n{second_run}"
    );
    assert!(lines_with(&text, " attempt ").is_empty());
    assert_nothing_secret(&text, &secrets.lock().unwrap(), &transport);
}
