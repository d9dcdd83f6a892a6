//! The library's error type. Every variant names what the user must look at (a path, a
//! line, a key) and maps to one of the documented exit codes.
use std::path::PathBuf;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Wrong flags, missing arguments, a prompt that cannot be asked.
    #[error("{0}")]
    Usage(String),
    /// `dbarch.toml` or an environment variable is wrong. The message names file, line, key.
    #[error("{0}")]
    Config(String),
    /// A document that cannot be parsed or edited safely. It is left untouched.
    #[error("{}:{line}:{col}: {msg}", path.display())]
    Document {
        path: PathBuf,
        line: usize,
        col: usize,
        msg: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A git operation failed.
    #[error("git: {context}: {}", source.message())]
    Git {
        context: String,
        #[source]
        source: git2::Error,
    },
    /// History the operation needs is not in this clone.
    #[error("{0}")]
    History(String),
    /// GitHub (or the network to it) failed or refused a request, after the retries. The
    /// message says what to do; `status` is the HTTP status when there was an answer.
    #[error("{message}")]
    Remote {
        status: Option<u16>,
        message: String,
    },
    /// A bug or an environment failure we cannot explain to the user.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The process exit code for this error (see [`crate::exit`]).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Internal(_) => crate::exit::INTERNAL,
            Error::Remote { .. } => crate::exit::REMOTE,
            _ => crate::exit::USAGE,
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub fn git(context: impl Into<String>, source: git2::Error) -> Self {
        Error::Git {
            context: context.into(),
            source,
        }
    }
}
