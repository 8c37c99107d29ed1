//! `CorsMethod`: an HTTP method a bucket CORS rule allows (`<AllowedMethod>`).

use super::string_enum::string_enum;

string_enum! {
    /// An HTTP method a bucket CORS rule allows (`<AllowedMethod>`); COS accepts these five.
    CorsMethod {
        /// `GET`.
        Get = "GET",
        /// `PUT`.
        Put = "PUT",
        /// `POST`.
        Post = "POST",
        /// `DELETE`.
        Delete = "DELETE",
        /// `HEAD`.
        Head = "HEAD",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for m in CorsMethod::known() {
            assert_eq!(&CorsMethod::from(m.as_str()), m);
        }
        assert_eq!(CorsMethod::from("PATCH"), CorsMethod::Other("PATCH".into()));
    }
}
