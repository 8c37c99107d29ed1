//! The stand-in API of an uploader built without a default one
//! (`Uploader::builder_without_api`): it sends nothing and refuses every call, so only requests
//! that carry their own API (`UploadRequest::api`) reach COS.

use std::time::Duration;

use cos_model::ops::{CompletedParts, UploadMarker};
use cos_model::{BucketName, ObjectKey, PartNumber, UploadId};
use futures_util::future::BoxFuture;

use crate::api::{Ack, CosApi, PartsPage, UploadOptions, UploadsPage, WriteRequest};
use crate::call_error::{CallError, CallErrorKind};

/// The stand-in API of an uploader built without one: refuses every call. Requests without
/// their own API never reach it (they fail with `UploadError::NoApi` first); only
/// `Uploader::abort_incomplete` can call it.
pub(crate) struct NoApi;

fn no_api<'a, T: Send + 'a>() -> BoxFuture<'a, Result<T, CallError>> {
    Box::pin(std::future::ready(Err(CallError::new(
        CallErrorKind::Failed,
        "this uploader has no default COS API: give the request one with UploadRequest::api",
    ))))
}

impl CosApi for NoApi {
    fn bucket(&self) -> Option<&BucketName> {
        None
    }

    fn put_object<'a>(&'a self, _: WriteRequest<'a>) -> BoxFuture<'a, Result<Ack, CallError>> {
        no_api()
    }

    fn initiate<'a>(
        &'a self,
        _: &'a ObjectKey,
        _: &'a UploadOptions,
    ) -> BoxFuture<'a, Result<UploadId, CallError>> {
        no_api()
    }

    fn upload_part<'a>(
        &'a self,
        _: &'a UploadId,
        _: PartNumber,
        _: WriteRequest<'a>,
    ) -> BoxFuture<'a, Result<Ack, CallError>> {
        no_api()
    }

    fn complete<'a>(
        &'a self,
        _: &'a ObjectKey,
        _: &'a UploadId,
        _: &'a CompletedParts,
        _: &'a UploadOptions,
    ) -> BoxFuture<'a, Result<Ack, CallError>> {
        no_api()
    }

    fn abort<'a>(
        &'a self,
        _: &'a ObjectKey,
        _: &'a UploadId,
    ) -> BoxFuture<'a, Result<(), CallError>> {
        no_api()
    }

    fn list_parts<'a>(
        &'a self,
        _: &'a ObjectKey,
        _: &'a UploadId,
        _: Option<PartNumber>,
    ) -> BoxFuture<'a, Result<PartsPage, CallError>> {
        no_api()
    }

    fn list_uploads<'a>(
        &'a self,
        _: &'a str,
        _: Option<UploadMarker>,
    ) -> BoxFuture<'a, Result<UploadsPage, CallError>> {
        no_api()
    }

    fn head_object<'a>(&'a self, _: &'a ObjectKey) -> BoxFuture<'a, Result<Ack, CallError>> {
        no_api()
    }

    fn delete_object<'a>(&'a self, _: &'a ObjectKey) -> BoxFuture<'a, Result<(), CallError>> {
        no_api()
    }

    fn resend_permit(&self, _resend: u32) -> Option<Duration> {
        None
    }
}
