//! `Acl`: a canned access control list (`x-cos-acl`) for buckets and objects.

use super::string_enum::string_enum;

string_enum! {
    /// A canned ACL (`x-cos-acl`).
    Acl {
        /// `private`.
        Private = "private",
        /// `public-read`.
        PublicRead = "public-read",
        /// `public-read-write` (buckets).
        PublicReadWrite = "public-read-write",
        /// `authenticated-read` (buckets).
        AuthenticatedRead = "authenticated-read",
        /// `default`: inherit the bucket's ACL (objects).
        Default = "default",
        /// `bucket-owner-read` (objects).
        BucketOwnerRead = "bucket-owner-read",
        /// `bucket-owner-full-control` (objects).
        BucketOwnerFullControl = "bucket-owner-full-control",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for a in Acl::known() {
            assert_eq!(&Acl::from(a.as_str()), a);
        }
    }
}
