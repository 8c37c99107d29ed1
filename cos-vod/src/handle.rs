//! `VodUploader`: the cloneable handle over the task that owns the list; every method is a
//! command sent to that task.

use std::time::SystemTime;

use cos_transport::TemporaryKey;
use tokio::sync::{mpsc, oneshot, watch};

use crate::auth::{UploadAuth, UploadGrant};
use crate::command::{Command, Reply, Verb};
use crate::error::VodError;
use crate::id::{FileId, Target};
use crate::listener::{VodListener, dispatch};
use crate::progress::ListProgress;
use crate::snapshot::FileSnapshot;
use crate::source::{AddOptions, FileSource};
use crate::state::ListState;
use crate::stream::EventStream;

/// The upload list. Cheap to clone; every clone talks to the same task. Commands are
/// applied in the order they reach the task; index verbs (`*_at`) resolve the index then.
///
/// When every handle is dropped, the task pauses the active uploads (checkpoints kept) and
/// ends. A listener holding a handle keeps the list alive: call [`VodUploader::shutdown`].
#[derive(Debug, Clone)]
pub struct VodUploader {
    tx: mpsc::UnboundedSender<Command>,
}

impl VodUploader {
    // `VodUploader::builder` and `builder_shared` are with the builder, in config.rs.

    pub(crate) fn new(tx: mpsc::UnboundedSender<Command>) -> Self {
        Self { tx }
    }

    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T, VodError> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(make(reply)).map_err(|_| VodError::Closed)?;
        rx.await.map_err(|_| VodError::Closed)?
    }

    // ----- the list -----

    /// `addFile`: appends a file (a path or bytes) in `Ready`. A file already listed (same
    /// path or content, size, modification time and key) is refused with
    /// [`VodError::Duplicate`]. If the list is running, the file joins the run.
    pub async fn add_file(
        &self,
        source: FileSource,
        options: AddOptions,
    ) -> Result<FileId, VodError> {
        let info = source.describe(options.key_ref()).await?;
        let source = match &info.canonical_path {
            Some(path) => FileSource::Path(path.clone()),
            None => source,
        };
        self.ask(|reply| Command::Add {
            info,
            source,
            options,
            reply,
        })
        .await
    }

    /// `deleteFile`: stops the file, aborts its multipart upload, drops its checkpoint and
    /// removes it. Resolves once the abort is done.
    pub async fn delete_file(&self, file: FileId) -> Result<(), VodError> {
        self.verb(Verb::Delete, Target::Id(file)).await.map(drop)
    }

    /// `cancelFile`: stops the file and keeps its checkpoint; state `Canceled`.
    /// Resolves once the upload stopped.
    pub async fn cancel_file(&self, file: FileId) -> Result<(), VodError> {
        self.verb(Verb::Cancel, Target::Id(file)).await.map(drop)
    }

    /// Pauses the file, flushing its checkpoint; state `Paused`. Resolves once it stopped.
    pub async fn pause_file(&self, file: FileId) -> Result<(), VodError> {
        self.verb(Verb::Pause, Target::Id(file)).await.map(drop)
    }

    /// `resumeFile`: `Canceled`/`Paused`/`Failure` → `Ready`, scheduled if the list runs.
    pub async fn resume_file(&self, file: FileId) -> Result<(), VodError> {
        self.verb(Verb::Resume, Target::Id(file)).await.map(drop)
    }

    /// `deleteFile(index)`: deletes the file at this position now; later indices shift
    /// down. Returns the id of the file deleted.
    pub async fn delete_file_at(&self, index: usize) -> Result<FileId, VodError> {
        self.verb(Verb::Delete, Target::Index(index)).await
    }

    /// `cancelFile(index)`: cancels the file at this position now.
    pub async fn cancel_file_at(&self, index: usize) -> Result<FileId, VodError> {
        self.verb(Verb::Cancel, Target::Index(index)).await
    }

    /// Pauses the file at this position now.
    pub async fn pause_file_at(&self, index: usize) -> Result<FileId, VodError> {
        self.verb(Verb::Pause, Target::Index(index)).await
    }

    /// `resumeFile(index)`: resumes the file at this position now.
    pub async fn resume_file_at(&self, index: usize) -> Result<FileId, VodError> {
        self.verb(Verb::Resume, Target::Index(index)).await
    }

    async fn verb(&self, verb: Verb, target: Target) -> Result<FileId, VodError> {
        self.ask(|reply| Command::Verb {
            verb,
            target,
            reply,
        })
        .await
    }

    /// `listFiles`: snapshots of every file in insertion order.
    pub async fn list_files(&self) -> Result<Vec<FileSnapshot>, VodError> {
        self.ask(|reply| Command::List { reply }).await
    }

    /// The snapshot of one file.
    pub async fn file(&self, file: FileId) -> Result<FileSnapshot, VodError> {
        self.ask(|reply| Command::File {
            target: Target::Id(file),
            reply,
        })
        .await
    }

    /// The list's state.
    pub async fn state(&self) -> Result<ListState, VodError> {
        self.ask(|reply| Command::State { reply }).await
    }

    /// `cleanList`: stops every active file (checkpoints kept, so re-adding resumes) and
    /// empties the list.
    pub async fn clean_list(&self) -> Result<(), VodError> {
        self.ask(|reply| Command::Clean { reply }).await
    }

    /// `startUpload`: starts a run; paused (and, by default, failed) files are queued again.
    pub async fn start_upload(&self) -> Result<(), VodError> {
        self.ask(|reply| Command::Start { reply }).await
    }

    /// `stopUpload`: pauses every active file; resolves once their checkpoints are flushed.
    pub async fn stop_upload(&self) -> Result<(), VodError> {
        self.ask(|reply| Command::Stop { reply }).await
    }

    // ----- credentials -----

    /// Pushes credentials and target for a file (typically from `UploadStarted`). If the
    /// file awaits credentials, it continues.
    pub async fn set_upload_grant(&self, file: FileId, grant: UploadGrant) -> Result<(), VodError> {
        self.auth(Some(Target::Id(file)), grant, false, false)
            .await
            .map(drop)
    }

    /// `setUploadAuthAndAddress`: the familiar base64 JSON blobs (auth `{AccessKeyId,
    /// AccessKeySecret, SecurityToken, Expiration}`, address `{Endpoint, Bucket,
    /// FileName}`), mapped onto temporary keys and bucket/region/key.
    pub async fn set_upload_auth_and_address(
        &self,
        file: FileId,
        upload_auth: &str,
        upload_address: &str,
    ) -> Result<(), VodError> {
        let grant = UploadGrant::from_upload_auth_and_address(
            upload_auth,
            upload_address,
            SystemTime::now(),
        )?;
        self.set_upload_grant(file, grant).await
    }

    /// `setSTSToken`: temporary keys for a file; the target comes from the list's defaults
    /// (or the file's earlier grant).
    pub async fn set_sts_token(
        &self,
        file: FileId,
        access_key_id: &str,
        access_key_secret: &str,
        security_token: &str,
        expiration: SystemTime,
    ) -> Result<(), VodError> {
        let key = sts_key(access_key_id, access_key_secret, security_token, expiration);
        self.auth(Some(Target::Id(file)), UploadGrant::new(key), true, false)
            .await
            .map(drop)
    }

    /// `resumeUploadWithAuth`: new keys (the UploadAuth blob; its address, if any, is not
    /// needed) for a file in `AwaitingAuth`; it continues from its checkpoint. With `None`,
    /// the only file awaiting credentials is meant. Returns the file resumed.
    pub async fn resume_upload_with_auth(
        &self,
        file: Option<FileId>,
        upload_auth: &str,
    ) -> Result<FileId, VodError> {
        let key = UploadAuth::from_base64_json(upload_auth)?.into_key(SystemTime::now());
        self.auth(file.map(Target::Id), UploadGrant::new(key), true, true)
            .await
    }

    /// `resumeUploadWithSTSToken`: new temporary keys for a file in `AwaitingAuth`; it
    /// continues from its checkpoint. With `None`, the only file awaiting credentials.
    pub async fn resume_upload_with_sts_token(
        &self,
        file: Option<FileId>,
        access_key_id: &str,
        access_key_secret: &str,
        security_token: &str,
        expiration: SystemTime,
    ) -> Result<FileId, VodError> {
        let key = sts_key(access_key_id, access_key_secret, security_token, expiration);
        self.auth(file.map(Target::Id), UploadGrant::new(key), true, true)
            .await
    }

    async fn auth(
        &self,
        target: Option<Target>,
        grant: UploadGrant,
        keys_only: bool,
        resume_only: bool,
    ) -> Result<FileId, VodError> {
        self.ask(|reply| Command::Auth {
            target,
            grant,
            keys_only,
            resume_only,
            reply,
        })
        .await
    }

    // ----- events -----

    /// A stream of every event from now on. Each subscriber gets every event (none is
    /// dropped; progress is throttled at the source). The stream ends when the list shuts down.
    pub async fn events(&self) -> Result<EventStream, VodError> {
        let rx = self.ask(|reply| Command::Subscribe { reply }).await?;
        Ok(EventStream::new(rx))
    }

    /// Per-file and total progress ([`ListProgress`]), kept up to date by a small task that
    /// folds the list's events into it: the list as `list_files()` shows it now, then every
    /// change. Bars and status lines read the receiver's latest value whenever they redraw;
    /// the task ends when the list shuts down or the last receiver is dropped.
    pub async fn progress_watch(&self) -> Result<watch::Receiver<ListProgress>, VodError> {
        let mut events = self.events().await?;
        let mut progress = ListProgress::from_snapshots(&self.list_files().await?);
        let (tx, rx) = watch::channel(progress.clone());
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                if progress.apply(&event) && tx.send(progress.clone()).is_err() {
                    break;
                }
            }
        });
        Ok(rx)
    }

    /// Delivers every event from now on to `listener`, on its own task: the listener may
    /// call back into the list (for instance push credentials from `on_upload_started`).
    pub async fn set_listener<L: VodListener>(
        &self,
        listener: L,
    ) -> Result<tokio::task::JoinHandle<()>, VodError> {
        let events = self.events().await?;
        Ok(tokio::spawn(dispatch(events, listener)))
    }

    /// Pauses every active upload (flushing checkpoints) and stops the task; event streams end.
    pub async fn shutdown(&self) -> Result<(), VodError> {
        self.ask(|reply| Command::Shutdown { reply }).await
    }
}

fn sts_key(id: &str, secret: &str, token: &str, expiration: SystemTime) -> TemporaryKey {
    TemporaryKey::new(id, secret)
        .with_security_token(token)
        .with_expiration(expiration)
}
