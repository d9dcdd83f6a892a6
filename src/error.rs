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
    /// Reading or writing a file failed. Shown in words ("no such file"), never as an
    /// OS error number; the source keeps the details for `-v` and the cause chain.
    #[error("{}: {}", path.display(), plain_io(source))]
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
        source: crate::git::GitError,
    },
    /// History the operation needs is not in this clone.
    #[error("{0}")]
    History(String),
    /// A person stopped the command (Ctrl-C at a prompt). Nothing was written.
    #[error("cancelled; nothing was written")]
    Cancelled,
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
            Error::Cancelled => crate::exit::CANCELLED,
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

    /// A git operation failed (`source`: a libgit2 error, through [`crate::git::GitError`]).
    pub fn git(context: impl Into<String>, source: impl Into<crate::git::GitError>) -> Self {
        Error::Git {
            context: context.into(),
            source: source.into(),
        }
    }
}

/// An I/O error in words a person reads without knowing the OS: "no such file",
/// "permission denied", ... The OS error number (`(os error 2)`) never reaches them.
pub fn plain_io(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let words = match e.kind() {
        K::NotFound => "no such file or directory",
        K::PermissionDenied => "permission denied",
        K::AlreadyExists => "already exists",
        K::IsADirectory => "is a directory, not a file",
        K::NotADirectory => "a part of the path is not a directory",
        K::InvalidData => "not valid text (UTF-8)",
        K::StorageFull => "the disk is full",
        K::ReadOnlyFilesystem => "the file system is read-only",
        K::Interrupted => "interrupted",
        K::UnexpectedEof => "the file ended early",
        K::WriteZero | K::BrokenPipe => "the output was closed",
        K::FileTooLarge => "the file is too large",
        K::InvalidFilename => "the file name is not valid",
        _ => "",
    };
    if !words.is_empty() {
        return words.to_string();
    }
    // Another kind: the OS text without its number.
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(i) => text[..i].to_lowercase(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_are_words_without_os_numbers() {
        let e = Error::io(
            "docs/db.md",
            std::io::Error::from(std::io::ErrorKind::NotFound),
        );
        assert_eq!(e.to_string(), "docs/db.md: no such file or directory");
        let raw = std::io::Error::from_raw_os_error(28);
        assert_eq!(plain_io(&raw), "the disk is full");
        assert!(!plain_io(&std::io::Error::from_raw_os_error(5)).contains("os error"));
    }
}
