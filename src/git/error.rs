//! git's errors as the rest of the crate sees them: [`GitError`] keeps libgit2's
//! message, class and code, and answers the few questions callers ask of them, so
//! `crate::Error` does not name git2.
use std::fmt;

/// A failed git operation (libgit2's error, whole: message, class and code).
#[derive(Debug)]
pub struct GitError(git2::Error);

impl GitError {
    /// libgit2's message, without class and code (what the user is shown).
    pub fn message(&self) -> &str {
        self.0.message()
    }

    /// The repository is owned by another user (git's "dubious ownership").
    pub fn is_dubious_ownership(&self) -> bool {
        self.0.code() == git2::ErrorCode::Owner
    }
}

impl From<git2::Error> for GitError {
    fn from(e: git2::Error) -> GitError {
        GitError(e)
    }
}

impl fmt::Display for GitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for GitError {}
