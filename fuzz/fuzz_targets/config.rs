//! The config front end: any text goes through the TOML parser and the validation without a panic,
//! and every error it reports points into the text (`file:line:col`).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let file = Path::new("fuzz.toml");
    // Referenced files (functions, certificates) resolve against a folder that does not exist.
    match localfront_config::toml::parse(source, file, Path::new("/nonexistent-fuzz-dir")) {
        Ok(config) => {
            let _ = format!("{config:?}");
        }
        Err(errors) => {
            assert!(!errors.0.is_empty(), "an error result names an error");
            let lines = source.split('\n').count();
            for e in &errors.0 {
                if e.file == file {
                    assert!(
                        e.line >= 1 && e.line <= lines && e.col >= 1,
                        "error position {}:{} outside the text: {e}",
                        e.line,
                        e.col
                    );
                }
            }
            let _ = errors.to_string();
        }
    }
});
