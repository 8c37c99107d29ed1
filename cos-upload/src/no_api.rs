//! The stand-in API of an uploader built without a default one
//! (`Uploader::builder_without_api`): it sends nothing and refuses every call, so only requests
//! that carry their own API (`UploadRequest::api`) reach COS.

use cos_model::ObjectKey;
use futures_util::future::BoxFuture;

use crate::api::{
    CosApi, ObjectHead, PartsPage, UploadOptions, UploadsPage, WriteAck, WriteRequest,
};
use crate::fault::{ApiError, FaultKind};
use crate::state::CompletedPart;

/// The stand-in API of an uploader built without one: refuses every call. Requests without
/// their own API never reach it (they fail with `UploadError::NoApi` first); only
/// `Uploader::abort_incomplete` can call it.
pub(crate) struct NoApi;

fn no_api<'a, T: Send + 'a>() -> BoxFuture<'a, Result<T, ApiError>> {
    Box::pin(std::future::ready(Err(ApiError::new(
        FaultKind::Rejected,
        "this uploader has no default COS API: give the request one with UploadRequest::api",
    ))))
}

impl CosApi for NoApi {
    fn bucket(&self) -> &str {
        ""
    }

    fn put_object<'a>(
        &'a self,
        _request: WriteRequest<'a>,
    ) -> BoxFuture<'a, Result<WriteAck, ApiError>> {
        no_api()
    }

    fn initiate<'a>(
        &'a self,
        _key: &'a ObjectKey,
        _options: &'a UploadOptions,
    ) -> BoxFuture<'a, Result<String, ApiError>> {
        no_api()
    }

    fn upload_part<'a>(
        &'a self,
        _upload_id: &'a str,
        _number: u32,
        _request: WriteRequest<'a>,
    ) -> BoxFuture<'a, Result<WriteAck, ApiError>> {
        no_api()
    }

    fn complete<'a>(
        &'a self,
        _key: &'a ObjectKey,
        _upload_id: &'a str,
        _parts: &'a [CompletedPart],
        _options: &'a UploadOptions,
    ) -> BoxFuture<'a, Result<WriteAck, ApiError>> {
        no_api()
    }

    fn abort<'a>(
        &'a self,
        _key: &'a ObjectKey,
        _upload_id: &'a str,
    ) -> BoxFuture<'a, Result<(), ApiError>> {
        no_api()
    }

    fn list_parts<'a>(
        &'a self,
        _key: &'a ObjectKey,
        _upload_id: &'a str,
        _marker: Option<u32>,
    ) -> BoxFuture<'a, Result<PartsPage, ApiError>> {
        no_api()
    }

    fn list_uploads<'a>(
        &'a self,
        _prefix: &'a str,
        _marker: Option<(String, String)>,
    ) -> BoxFuture<'a, Result<UploadsPage, ApiError>> {
        no_api()
    }

    fn head_object<'a>(
        &'a self,
        _key: &'a ObjectKey,
    ) -> BoxFuture<'a, Result<ObjectHead, ApiError>> {
        no_api()
    }

    fn delete_object<'a>(&'a self, _key: &'a ObjectKey) -> BoxFuture<'a, Result<(), ApiError>> {
        no_api()
    }
}
