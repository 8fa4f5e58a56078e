//! localfront's one config model.
//!
//! `model` is what the rest of localfront sees; `toml` is the TOML front end (spanned errors, unknown
//! keys rejected); `validate` converts raw documents into the model, collecting every error in one
//! pass. Shape and limits follow CloudFront's `DistributionConfig` (spec/distribution.md).

pub mod api_auth;
pub mod api_limits;
pub mod apis;
pub mod continuous_deployment;
mod error;
pub mod model;
mod openapi;
pub mod path_pattern;
pub mod policies;
pub mod private_content;
mod raw;
mod raw_apis;
mod raw_policies;
mod raw_selection;
pub mod response_headers;
mod schema;
pub mod toml;
mod validate;
pub mod viewer;

pub use api_auth::*;
pub use api_limits::*;
pub use apis::*;
pub use continuous_deployment::*;
pub use error::{ConfigError, ConfigErrors, ConfigNotice, Severity};
pub use model::*;
pub use policies::*;
pub use private_content::*;
pub use response_headers::*;
pub use viewer::*;
