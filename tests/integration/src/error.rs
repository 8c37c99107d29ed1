//! [`SuiteError`]: why a conformance case failed (or could not run), and the [`ensure!`]
//! macro the cases use instead of panicking.

use std::fmt;

/// Why a case failed. Every variant says what was expected and what happened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SuiteError {
    /// A check did not hold.
    #[error("check failed: {0}")]
    Check(String),
    /// An operation through the Client failed when it should have succeeded.
    #[error("{context}: {source}")]
    Client {
        /// What the case was doing.
        context: String,
        /// The Client's error (COS code, request id, attempts).
        #[source]
        source: Box<cos_transport::Error>,
    },
    /// A plain HTTP exchange (pre-signed URL, POST form) failed below HTTP.
    #[error("{context}: HTTP exchange failed: {message}")]
    Http {
        /// What the case was doing.
        context: String,
        /// What went wrong.
        message: String,
    },
    /// The case needs something the target does not offer; it fails rather than pass unrun.
    #[error("cannot run against {target}: {reason}")]
    CannotRun {
        /// The target (`the emulator`, `real COS`).
        target: String,
        /// Why, and what would make it runnable.
        reason: String,
    },
    /// Setting up the target (emulator, client) failed.
    #[error("setup failed: {0}")]
    Setup(String),
}

/// The result of one case.
pub type Outcome = Result<(), SuiteError>;

impl SuiteError {
    /// A failed check with a message.
    pub fn check(message: impl fmt::Display) -> Self {
        SuiteError::Check(message.to_string())
    }

    /// A setup failure with a message.
    pub fn setup(message: impl fmt::Display) -> Self {
        SuiteError::Setup(message.to_string())
    }
}

/// Adds what a case was doing to a Client error.
pub trait Context<T> {
    /// Wraps the error with `context`.
    fn context(self, context: impl fmt::Display) -> Result<T, SuiteError>;
}

impl<T> Context<T> for Result<T, cos_transport::Error> {
    fn context(self, context: impl fmt::Display) -> Result<T, SuiteError> {
        self.map_err(|source| SuiteError::Client {
            context: context.to_string(),
            source: Box::new(source),
        })
    }
}

/// Fails the case with a [`SuiteError::Check`] unless the condition holds.
///
/// `ensure!(cond, "format {}", args)`.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err($crate::SuiteError::Check(format!($($arg)+)));
        }
    };
}

/// Fails the case unless both sides are equal, printing both.
#[macro_export]
macro_rules! ensure_eq {
    ($left:expr, $right:expr, $($arg:tt)+) => {
        match (&$left, &$right) {
            (left, right) => {
                if left != right {
                    return Err($crate::SuiteError::Check(format!(
                        "{}: got {:?}, want {:?}",
                        format!($($arg)+),
                        left,
                        right
                    )));
                }
            }
        }
    };
}
