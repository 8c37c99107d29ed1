//! Runs every conformance case against the target the environment selects: an emulator
//! started in-process for each case (default), or real COS when `COS_SECRET_ID`,
//! `COS_SECRET_KEY`, `COS_BUCKET` and `COS_REGION` are set. `cargo xtask integration` runs this.

use cos_integration::Context;
use cos_integration::cases::{
    addressing, auth, bucket, copy, cors, delete_multiple, faults, keys, listing, multipart,
    object_ops,
    objects, post_object, presign, scoped, skew, temporary,
};

fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

macro_rules! conformance {
    ($($name:ident => $case:path,)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                init_tracing();
                let ctx = match Context::start(stringify!($name)).await {
                    Ok(ctx) => ctx,
                    Err(e) => panic!("{}: {}", stringify!($name), cos_integration::context::render(&e)),
                };
                let outcome = $case(&ctx).await;
                if let Err(message) = ctx.finish(outcome).await {
                    panic!("{message}");
                }
            }
        )*
    };
}

conformance! {
    service_lists_the_bucket => bucket::service_lists_the_bucket,
    head_bucket => bucket::head_bucket,
    put_bucket_already_owned => bucket::put_bucket_already_owned,
    put_bucket_creates => bucket::put_bucket_creates,
    no_such_bucket => bucket::no_such_bucket,

    put_head_get_delete => objects::put_head_get_delete,
    overwrite_and_empty => objects::overwrite_and_empty,
    range_get => objects::range_get,
    content_md5_checked => objects::content_md5_checked,
    missing_keys => objects::missing_keys,
    put_object_copy => copy::put_object_copy,
    upload_part_copy => copy::upload_part_copy,
    delete_multiple_objects => delete_multiple::delete_multiple_objects,

    awkward_keys_round_trip => keys::awkward_keys_round_trip,
    key_too_long => keys::key_too_long,

    listing_prefix_delimiter_and_paging => listing::prefix_delimiter_and_paging,

    object_ops_listing_streams => object_ops::listing_streams,
    object_ops_delete_by_prefix => object_ops::delete_by_prefix,
    object_ops_multipart_copy => object_ops::multipart_copy,

    multipart_round_trip => multipart::round_trip,
    multipart_abort_and_no_such_upload => multipart::abort_and_no_such_upload,
    multipart_complete_errors => multipart::complete_errors,
    multipart_part_number_limits => multipart::part_number_limits,

    auth_wrong_secret_key => auth::wrong_secret_key,
    auth_unknown_access_key => auth::unknown_access_key,
    auth_expired_and_missing_signatures => auth::expired_and_missing_signatures,
    auth_no_retry_on_auth_errors => auth::no_retry_on_auth_errors,

    presigned_put_and_get => presign::presigned_put_and_get,
    presigned_url_expired => presign::presigned_url_expired,

    post_object_accepted => post_object::post_object_accepted,
    post_object_policy_violations => post_object::post_object_policy_violations,
    post_object_through_client => post_object::post_object_through_client,

    temporary_key_lifecycle => temporary::temporary_key_lifecycle,
    temporary_credentials_refresh => temporary::temporary_credentials_refresh,
    least_privilege_matrix => scoped::least_privilege_matrix,
    sts_mints_scoped_keys => scoped::sts_mints_scoped_keys,

    clock_skew_server_ahead => skew::server_clock_ahead,
    clock_skew_server_behind => skew::server_clock_behind,

    faults_survived => faults::faults_survived,

    path_style_addressing => addressing::path_style,

    cors_rules_replaced_and_deleted => cors::cors_rules_replaced_and_deleted,
    cors_preflights => cors::cors_preflights,
    cors_headers_on_actual_answers => cors::cors_headers_on_actual_answers,
}
