//! `StorageClass`: an object's storage class (`x-cos-storage-class`, `<StorageClass>`).

use super::string_enum::string_enum;

string_enum! {
    /// An object's storage class (`x-cos-storage-class`, `<StorageClass>`).
    StorageClass {
        /// `STANDARD`.
        Standard = "STANDARD",
        /// `STANDARD_IA` (infrequent access).
        StandardIa = "STANDARD_IA",
        /// `ARCHIVE`.
        Archive = "ARCHIVE",
        /// `DEEP_ARCHIVE`.
        DeepArchive = "DEEP_ARCHIVE",
        /// `INTELLIGENT_TIERING`.
        IntelligentTiering = "INTELLIGENT_TIERING",
        /// `MAZ_STANDARD` (multi-AZ).
        MazStandard = "MAZ_STANDARD",
        /// `MAZ_STANDARD_IA`.
        MazStandardIa = "MAZ_STANDARD_IA",
        /// `MAZ_INTELLIGENT_TIERING`.
        MazIntelligentTiering = "MAZ_INTELLIGENT_TIERING",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for s in StorageClass::known() {
            assert_eq!(&StorageClass::from(s.as_str()), s);
        }
        assert_eq!(StorageClass::from("standard"), StorageClass::Standard);
        assert_eq!(
            StorageClass::from("COLD"),
            StorageClass::Other("COLD".into())
        );
    }
}
