//! Which keys each table of the document accepts, read from the raw structs themselves.
//!
//! serde's derive passes a struct's field names to `deserialize_struct`; a tiny deserializer that
//! records them and stops lets the unknown-key check and its "did you mean" hints use exactly the
//! names serde accepts, with no second list to keep in sync.

use serde::de::{self, Deserialize, Deserializer, Visitor};

use crate::raw::*;
use crate::raw_apis::*;
use crate::raw_policies::*;

/// The keys accepted by the table at `table_path` (key names only, array indices dropped, e.g.
/// `["distributions", "origins"]`); `None` for free-form tables like `custom_headers`.
pub(crate) fn keys_of_table(table_path: &[&str]) -> Option<&'static [&'static str]> {
    Some(match table_path {
        [] => fields_of::<RawConfig>(),
        ["server"] => fields_of::<RawServer>(),
        ["distributions"] => fields_of::<RawDistribution>(),
        ["distributions", "origins"] => fields_of::<RawOrigin>(),
        ["distributions", "origins", "s3"] => fields_of::<RawS3>(),
        ["distributions", "origin_groups"] => fields_of::<RawOriginGroup>(),
        ["distributions", "default_cache_behavior" | "cache_behaviors"] => {
            fields_of::<RawCacheBehavior>()
        }
        ["distributions", "custom_error_responses"] => fields_of::<RawCustomErrorResponse>(),
        ["cache_policies"] => fields_of::<RawCachePolicy>(),
        ["functions"] => fields_of::<RawFunction>(),
        ["edge_functions"] => fields_of::<RawEdgeFunction>(),
        ["distributions", "default_cache_behavior" | "cache_behaviors", "lambda_associations"] => {
            fields_of::<RawLambdaAssociations>()
        }
        ["key_value_stores"] => fields_of::<RawKeyValueStore>(),
        ["distributions", "default_cache_behavior" | "cache_behaviors", "function_associations"] => {
            fields_of::<RawFunctionAssociations>()
        }
        ["origin_request_policies"] => fields_of::<RawOriginRequestPolicy>(),
        ["response_headers_policies"] => fields_of::<RawResponseHeadersPolicy>(),
        ["key_groups"] => fields_of::<RawKeyGroup>(),
        ["viewer"] => fields_of::<RawViewer>(),
        ["viewer", "locations"] => fields_of::<RawViewerLocation>(),
        ["distributions", "geo_restriction"] => fields_of::<RawGeoRestriction>(),
        ["distributions", "continuous_deployment_policy"] => {
            fields_of::<RawContinuousDeploymentPolicy>()
        }
        ["distributions", "continuous_deployment_policy", "single_weight"] => {
            fields_of::<RawSingleWeight>()
        }
        ["distributions", "continuous_deployment_policy", "single_weight", "session_stickiness"] => {
            fields_of::<RawSessionStickiness>()
        }
        ["distributions", "continuous_deployment_policy", "single_header"] => {
            fields_of::<RawSingleHeader>()
        }
        ["key_groups", "public_keys"] => fields_of::<RawPublicKey>(),
        ["response_headers_policies", "cors"] => fields_of::<RawCors>(),
        ["response_headers_policies", "security_headers"] => fields_of::<RawSecurityHeaders>(),
        ["response_headers_policies", "security_headers", "strict_transport_security"] => {
            fields_of::<RawStrictTransportSecurity>()
        }
        ["response_headers_policies", "security_headers", "content_security_policy" | "frame_options" | "referrer_policy"] => {
            fields_of::<RawValueHeader>()
        }
        ["response_headers_policies", "security_headers", "content_type_options"] => {
            fields_of::<RawOverrideOnly>()
        }
        ["response_headers_policies", "security_headers", "xss_protection"] => {
            fields_of::<RawXssProtection>()
        }
        ["response_headers_policies", "custom_headers"] => fields_of::<RawCustomHeader>(),
        ["response_headers_policies", "server_timing"] => fields_of::<RawServerTiming>(),
        ["apis"] => fields_of::<RawApi>(),
        ["apis", "stages"] => fields_of::<RawStage>(),
        ["apis", "routes", _] => fields_of::<RawRoute>(),
        ["apis", "authorizers"] => fields_of::<RawAuthorizer>(),
        ["issuers"] => fields_of::<RawIssuer>(),
        ["issuers", "users"] => fields_of::<RawIssuerUser>(),
        ["apis", "cors"] => fields_of::<RawApiCors>(),
        ["lambda_functions"] => fields_of::<RawLambdaFunction>(),
        ["apis", "stages", "throttling"]
        | ["apis", "routes", _, "throttling"]
        | ["usage_plans", "throttle"] => fields_of::<RawThrottle>(),
        ["api_keys"] => fields_of::<RawApiKey>(),
        ["usage_plans"] => fields_of::<RawUsagePlan>(),
        ["usage_plans", "apis"] => fields_of::<RawPlanStage>(),
        ["usage_plans", "quota"] => fields_of::<RawQuota>(),
        _ => return None,
    })
}

/// The field names serde's derive gives for `T`.
fn fields_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(FieldNames(&mut fields));
    fields
}

struct FieldNames<'a>(&'a mut &'static [&'static str]);

#[derive(Debug)]
struct Stop;

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("field names recorded")
    }
}

impl std::error::Error for Stop {}

impl de::Error for Stop {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Stop
    }
}

impl<'de> Deserializer<'de> for FieldNames<'_> {
    type Error = Stop;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
        Err(Stop)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Stop> {
        *self.0 = fields;
        Err(Stop)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_field_names_from_the_raw_structs() {
        let keys = keys_of_table(&["distributions", "cache_behaviors"]).unwrap();
        assert!(keys.contains(&"target_origin_id"));
        assert!(keys_of_table(&["distributions", "origins", "custom_headers"]).is_none());
    }
}
