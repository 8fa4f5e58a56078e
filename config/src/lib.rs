//! localfront's one config model.
//!
//! `model` is what the rest of localfront sees; `toml` is the TOML front end (spanned errors, unknown
//! keys rejected); `validate` converts raw documents into the model, collecting every error in one
//! pass. Shape and limits follow CloudFront's `DistributionConfig` (spec/distribution.md).

pub mod apis;
mod error;
pub mod model;
pub mod policies;
mod raw;
mod raw_apis;
mod raw_selection;
mod schema;
pub mod toml;
mod validate;

pub use apis::*;
pub use error::{ConfigError, ConfigErrors};
pub use model::*;
pub use policies::*;
