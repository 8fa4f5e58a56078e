//! Rust natives behind the JavaScript builtins of `prelude.js` (`__lf_native`): log capture,
//! UTF-8/latin1/hex/base64 conversions and the `crypto` digests (RustCrypto md-5, sha1, sha2,
//! hmac). They take and return `Uint8Array`s and strings; `prelude.js` shapes the public API.

use base64::Engine as _;
use boa_engine::object::builtins::{AlignedVec, JsArrayBuffer, JsUint8Array};
use boa_engine::object::ObjectInitializer;
use boa_engine::property::Attribute;
use boa_engine::{
    js_string, Context, JsNativeError, JsObject, JsResult, JsString, JsValue, NativeFunction,
};
use hmac::{Hmac, Mac};
use sha2::Digest as _;

use crate::{budget, run_state};

/// A native function as boa calls it.
type Native = fn(&JsValue, &[JsValue], &mut Context) -> JsResult<JsValue>;

/// Builds the `__lf_native` object.
pub(crate) fn object(context: &mut Context) -> JsObject {
    let mut init = ObjectInitializer::new(context);
    let fns: [(&str, Native, usize); 14] = [
        ("log", log, 1),
        ("utf8Encode", utf8_encode, 1),
        ("utf8Decode", utf8_decode, 1),
        ("utf8DecodeStrict", utf8_decode_strict, 1),
        ("latin1Encode", latin1_encode, 1),
        ("latin1Decode", latin1_decode, 1),
        ("hexEncode", hex_encode, 1),
        ("hexDecode", hex_decode, 1),
        ("base64Encode", base64_encode, 2),
        ("base64Decode", base64_decode, 1),
        ("hash", hash, 2),
        ("hmac", hmac, 3),
        ("checkAllocation", check_allocation, 1),
        ("unescapeLenient", unescape_lenient, 1),
    ];
    for (name, f, len) in fns {
        init.function(NativeFunction::from_fn_ptr(f), JsString::from(name), len);
    }
    init.property(js_string!("version"), 1, Attribute::empty());
    init.build()
}

fn arg(args: &[JsValue], i: usize) -> JsValue {
    args.get(i).cloned().unwrap_or_default()
}

fn string_arg(args: &[JsValue], i: usize, context: &mut Context) -> JsResult<JsString> {
    arg(args, i).to_string(context)
}

fn bytes_arg(args: &[JsValue], i: usize, context: &mut Context) -> JsResult<Vec<u8>> {
    let value = arg(args, i);
    let Some(obj) = value.as_object() else {
        return Err(JsNativeError::typ()
            .with_message("expected a Uint8Array")
            .into());
    };
    JsUint8Array::from_object(obj.clone())?.to_vec(context)
}

/// A new `Uint8Array` holding `bytes`.
pub(crate) fn bytes_value(bytes: &[u8], context: &mut Context) -> JsResult<JsValue> {
    let block = AlignedVec::from_iter(0, bytes.iter().copied());
    let buffer = JsArrayBuffer::from_byte_block(block, context)?;
    Ok(JsUint8Array::from_array_buffer(buffer, context)?.into())
}

fn log(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let line = string_arg(args, 0, context)?.to_std_string_escaped();
    run_state::with(|s| s.log(line));
    Ok(JsValue::undefined())
}

fn utf8_encode(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    // Lone surrogates become U+FFFD, as in Node.js.
    let s = string_arg(args, 0, context)?.to_std_string_lossy();
    bytes_value(s.as_bytes(), context)
}

fn utf8_decode(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let bytes = bytes_arg(args, 0, context)?;
    Ok(JsString::from(String::from_utf8_lossy(&bytes).as_ref()).into())
}

fn utf8_decode_strict(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let bytes = bytes_arg(args, 0, context)?;
    Ok(match std::str::from_utf8(&bytes) {
        Ok(s) => JsString::from(s).into(),
        Err(_) => JsValue::null(),
    })
}

fn latin1_encode(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let s = string_arg(args, 0, context)?;
    let bytes: Vec<u8> = s.iter().map(|u| (u & 0xff) as u8).collect();
    bytes_value(&bytes, context)
}

fn latin1_decode(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let bytes = bytes_arg(args, 0, context)?;
    let units: Vec<u16> = bytes.iter().map(|&b| u16::from(b)).collect();
    Ok(JsString::from(units.as_slice()).into())
}

fn hex_encode(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let bytes = bytes_arg(args, 0, context)?;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    Ok(JsString::from(out.as_str()).into())
}

fn hex_decode(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    // Node.js stops at the first invalid pair.
    let s = string_arg(args, 0, context)?.to_std_string_lossy();
    let bytes: Vec<u8> = s
        .as_bytes()
        .chunks_exact(2)
        .map_while(|p| {
            std::str::from_utf8(p)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
        })
        .collect();
    bytes_value(&bytes, context)
}

fn base64_encode(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let bytes = bytes_arg(args, 0, context)?;
    let out = if arg(args, 1).to_boolean() {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    } else {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    };
    Ok(JsString::from(out.as_str()).into())
}

fn base64_decode(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    // Like Node.js: both alphabets, padding optional, other characters skipped.
    let s = string_arg(args, 0, context)?.to_std_string_lossy();
    let cleaned: String = s
        .chars()
        .filter_map(|c| match c {
            '-' => Some('+'),
            '_' => Some('/'),
            c if c.is_ascii_alphanumeric() || c == '+' || c == '/' => Some(c),
            _ => None,
        })
        .collect();
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let usable = if cleaned.len() % 4 == 1 {
        &cleaned[..cleaned.len() - 1]
    } else {
        &cleaned[..]
    };
    let bytes = engine.decode(usable).unwrap_or_default();
    bytes_value(&bytes, context)
}

fn digest(alg: &str, key: Option<&[u8]>, data: &[u8]) -> JsResult<Vec<u8>> {
    macro_rules! run {
        ($h:ty) => {
            match key {
                None => Ok(<$h>::digest(data).to_vec()),
                Some(key) => {
                    let mut mac = <Hmac<$h> as Mac>::new_from_slice(key)
                        .map_err(|e| JsNativeError::typ().with_message(e.to_string()))?;
                    mac.update(data);
                    Ok(mac.finalize().into_bytes().to_vec())
                }
            }
        };
    }
    match alg {
        "md5" => run!(md5::Md5),
        "sha1" => run!(sha1::Sha1),
        "sha256" => run!(sha2::Sha256),
        _ => Err(JsNativeError::typ()
            .with_message(format!("Digest method not supported: {alg}"))
            .into()),
    }
}

fn hash(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let alg = string_arg(args, 0, context)?.to_std_string_escaped();
    let data = bytes_arg(args, 1, context)?;
    let out = digest(&alg, None, &data)?;
    bytes_value(&out, context)
}

fn hmac(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let alg = string_arg(args, 0, context)?.to_std_string_escaped();
    let key = bytes_arg(args, 1, context)?;
    let data = bytes_arg(args, 2, context)?;
    let out = digest(&alg, Some(&key), &data)?;
    bytes_value(&out, context)
}

fn check_allocation(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let size = arg(args, 0).to_number(context)?;
    if !(0.0..=f64::from(u32::MAX)).contains(&size) || size.fract() != 0.0 {
        return Err(JsNativeError::range()
            .with_message(format!("The value of \"size\" is out of range: {size}"))
            .into());
    }
    budget::reserve(size as usize)?;
    Ok(JsValue::undefined())
}

/// `querystring.unescape` of a malformed escape: decode what decodes, keep the rest (Node.js).
fn unescape_lenient(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let s = string_arg(args, 0, context)?.to_std_string_lossy();
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    Ok(JsString::from(String::from_utf8_lossy(&out).as_ref()).into())
}
