//! [`Environment`]: where the chain reads variables and the home directory from. The process
//! environment in production ([`ProcessEnvironment`]); a map in tests ([`MapEnvironment`]), so
//! tests never set process-wide variables and never race each other.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

/// A source of environment variables.
pub trait Environment: Send + Sync + 'static {
    /// The variable's value; `None` when unset or not UTF-8.
    fn var(&self, name: &str) -> Option<String>;

    /// The user's home directory: `HOME`, else `USERPROFILE` (Windows), as the Tencent SDKs
    /// look it up (tencentcloud-sdk-go `profile_provider.go`, `getHomePath`).
    fn home_dir(&self) -> Option<PathBuf> {
        self.var("HOME")
            .filter(|h| !h.is_empty())
            .or_else(|| self.var("USERPROFILE").filter(|h| !h.is_empty()))
            .map(PathBuf::from)
    }
}

/// The process's own environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnvironment;

impl Environment for ProcessEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

/// Variables from a map (tests, or a configuration read elsewhere). `Debug` shows the names,
/// never the values (some are secrets).
#[derive(Clone, Default)]
pub struct MapEnvironment {
    vars: HashMap<String, String>,
}

impl MapEnvironment {
    /// No variables at all.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a variable.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.vars.insert(name.into(), value.into());
        self
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for MapEnvironment {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self {
            vars: iter
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }
}

impl fmt::Debug for MapEnvironment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&str> = self.vars.keys().map(String::as_str).collect();
        names.sort_unstable();
        f.debug_struct("MapEnvironment")
            .field("names", &names)
            .finish()
    }
}

impl Environment for MapEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        self.vars.get(name).cloned()
    }
}

/// A variable's value, an empty one counting as unset (a CI template that expands a missing
/// secret to "" should not stop the chain).
pub(crate) fn non_empty(env: &dyn Environment, name: &str) -> Option<String> {
    env.var(name).filter(|v| !v.is_empty())
}

/// The first of `names` that is set, with its name.
pub(crate) fn first_of(
    env: &dyn Environment,
    names: &[&'static str],
) -> Option<(&'static str, String)> {
    names
        .iter()
        .find_map(|name| non_empty(env, name).map(|v| (*name, v)))
}
