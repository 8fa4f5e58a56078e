// localfront's CloudFront Functions builtins in JavaScript (spec/cloudfront-functions.md §7):
// `console.log`, `require('crypto' | 'querystring' | 'buffer')`, `Buffer` (2.0), the 1.0
// byte-string helpers. Evaluated once per context, before the function's own code; `__lf_native`
// (Rust natives, see natives.rs) is captured here and removed from the global object.
// This file is trusted code and is not instrumented with budget ticks: every loop is bounded by
// its input, which the function's own (ticked) code had to build.
(function (native, global, runtime) {
  'use strict';
  var define = function (obj, name, value) {
    Object.defineProperty(obj, name, { value: value, writable: true, configurable: true, enumerable: false });
  };

  // console.log only (§7). Objects are shown as JSON, like CloudFront's log lines.
  var show = function (v) {
    if (typeof v === 'string') return v;
    if (v !== null && typeof v === 'object') {
      try { return JSON.stringify(v); } catch (e) { return String(v); }
    }
    return String(v);
  };
  var console = {};
  define(console, 'log', function log() {
    var parts = [];
    for (var i = 0; i < arguments.length; i++) parts.push(show(arguments[i]));
    native.log(parts.join(' '));
  });
  define(global, 'console', console);

  var toBytes = function (data, encoding) {
    if (typeof data === 'string') {
      switch (encoding) {
        case undefined: case 'utf8': case 'utf-8': return native.utf8Encode(data);
        case 'hex': return native.hexDecode(data);
        case 'base64': case 'base64url': return native.base64Decode(data);
        case 'latin1': case 'binary': case 'ascii': return native.latin1Encode(data);
        default: throw new TypeError('Unknown encoding: ' + encoding);
      }
    }
    if (data instanceof Uint8Array) return data;
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    throw new TypeError('data must be a string, Buffer, TypedArray or DataView');
  };
  var fromBytes = function (bytes, encoding) {
    switch (encoding) {
      case undefined: case 'utf8': case 'utf-8': return native.utf8Decode(bytes);
      case 'hex': return native.hexEncode(bytes);
      case 'base64': return native.base64Encode(bytes, false);
      case 'base64url': return native.base64Encode(bytes, true);
      case 'latin1': case 'binary': return native.latin1Decode(bytes);
      case 'ascii': return native.latin1Decode(bytes.map(function (b) { return b & 0x7f; }));
      default: throw new TypeError('Unknown encoding: ' + encoding);
    }
  };

  // Buffer (2.0 only): the Node.js subset CloudFront documents, on top of Uint8Array.
  var Buffer;
  if (runtime === 2) {
    Buffer = class Buffer extends Uint8Array {
      static from(value, encodingOrOffset, length) {
        if (typeof value === 'string') return Buffer.fromBytes(toBytes(value, encodingOrOffset));
        if (value instanceof ArrayBuffer) return new Buffer(value, encodingOrOffset || 0, length === undefined ? value.byteLength - (encodingOrOffset || 0) : length);
        if (ArrayBuffer.isView(value) || Array.isArray(value)) {
          var b = new Buffer(value.length);
          for (var i = 0; i < value.length; i++) b[i] = value[i];
          return b;
        }
        throw new TypeError('The first argument must be a string, Buffer, ArrayBuffer or Array');
      }
      static fromBytes(u8) { var b = new Buffer(u8.length); b.set(u8); return b; }
      static alloc(size, fill, encoding) {
        native.checkAllocation(size);
        var b = new Buffer(size);
        if (fill !== undefined) b.fill(typeof fill === 'string' ? toBytes(fill, encoding)[0] || 0 : fill);
        return b;
      }
      static allocUnsafe(size) { native.checkAllocation(size); return new Buffer(size); }
      static isBuffer(v) { return v instanceof Buffer; }
      static isEncoding(e) { return ['utf8', 'utf-8', 'hex', 'base64', 'base64url', 'latin1', 'binary', 'ascii'].indexOf(String(e).toLowerCase()) >= 0; }
      static byteLength(v, encoding) { return typeof v === 'string' ? toBytes(v, encoding).length : v.byteLength; }
      static concat(list, total) {
        if (total === undefined) { total = 0; for (var i = 0; i < list.length; i++) total += list[i].length; }
        native.checkAllocation(total);
        var out = new Buffer(total), at = 0;
        for (var j = 0; j < list.length && at < total; j++) {
          var part = list[j].subarray(0, total - at);
          out.set(part, at); at += part.length;
        }
        return out;
      }
      static compare(a, b) { return a.compare(b); }
      toString(encoding, start, end) {
        return fromBytes(this.subarray(start || 0, end === undefined ? this.length : end), encoding);
      }
      toJSON() { return { type: 'Buffer', data: Array.prototype.slice.call(this) }; }
      equals(other) { return this.compare(other) === 0; }
      compare(other) {
        var n = Math.min(this.length, other.length);
        for (var i = 0; i < n; i++) if (this[i] !== other[i]) return this[i] < other[i] ? -1 : 1;
        return this.length === other.length ? 0 : (this.length < other.length ? -1 : 1);
      }
      slice(start, end) { return this.subarray(start, end); }
      subarray(start, end) {
        var s = Uint8Array.prototype.subarray.call(this, start, end);
        return new Buffer(s.buffer, s.byteOffset, s.length);
      }
      write(string, offset, encoding) {
        var bytes = toBytes(string, encoding), at = offset || 0, n = Math.min(bytes.length, this.length - at);
        this.set(bytes.subarray(0, n), at);
        return n;
      }
      readUInt8(o) { return new DataView(this.buffer, this.byteOffset).getUint8(o || 0); }
      readUInt16BE(o) { return new DataView(this.buffer, this.byteOffset).getUint16(o || 0); }
      readUInt16LE(o) { return new DataView(this.buffer, this.byteOffset).getUint16(o || 0, true); }
      readUInt32BE(o) { return new DataView(this.buffer, this.byteOffset).getUint32(o || 0); }
      readUInt32LE(o) { return new DataView(this.buffer, this.byteOffset).getUint32(o || 0, true); }
      readInt32BE(o) { return new DataView(this.buffer, this.byteOffset).getInt32(o || 0); }
      readInt32LE(o) { return new DataView(this.buffer, this.byteOffset).getInt32(o || 0, true); }
    };
    define(global, 'Buffer', Buffer);
  }

  // crypto (§7): createHash / createHmac with md5, sha1, sha256. `digest()` without an encoding
  // returns a Buffer (2.0) or a byte string (1.0).
  var ALGORITHMS = ['md5', 'sha1', 'sha256'];
  var checkAlgorithm = function (alg) {
    if (ALGORITHMS.indexOf(alg) < 0) throw new Error('Digest method not supported: ' + alg);
  };
  var Digest = function (alg, key) {
    this.alg = alg; this.key = key; this.parts = []; this.done = false;
  };
  Digest.prototype.update = function (data, encoding) {
    if (this.done) throw new Error('Digest already called');
    this.parts.push(typeof data === 'string' && runtime === 1 && encoding === undefined
      ? native.utf8Encode(data) : toBytes(data, encoding));
    return this;
  };
  Digest.prototype.digest = function (encoding) {
    if (this.done) throw new Error('Digest already called');
    this.done = true;
    var total = 0;
    for (var i = 0; i < this.parts.length; i++) total += this.parts[i].length;
    var data = new Uint8Array(total), at = 0;
    for (var j = 0; j < this.parts.length; j++) { data.set(this.parts[j], at); at += this.parts[j].length; }
    var out = this.key === undefined ? native.hash(this.alg, data) : native.hmac(this.alg, this.key, data);
    if (encoding === undefined) return runtime === 2 ? Buffer.fromBytes(out) : native.latin1Decode(out);
    if (encoding !== 'hex' && encoding !== 'base64' && encoding !== 'base64url') throw new TypeError('Unknown digest encoding: ' + encoding);
    return fromBytes(out, encoding);
  };
  var crypto = {
    createHash: function (alg) { checkAlgorithm(alg); return new Digest(alg); },
    createHmac: function (alg, key) {
      checkAlgorithm(alg);
      return new Digest(alg, typeof key === 'string' ? native.utf8Encode(key) : toBytes(key));
    }
  };

  // querystring (§7): Node's parse/decode, stringify/encode, escape, unescape; maxKeys 1000.
  var qsUnescape = function (s) {
    s = s.replace(/\+/g, ' ');
    try { return decodeURIComponent(s); } catch (e) { return native.unescapeLenient(s); }
  };
  var qsEscape = function (s) { return encodeURIComponent(s); };
  var stringifyPrimitive = function (v) {
    if (typeof v === 'string') return v;
    if ((typeof v === 'number' && isFinite(v)) || typeof v === 'bigint') return '' + v;
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    return '';
  };
  var querystring = {
    escape: qsEscape,
    unescape: qsUnescape,
    parse: function (str, sep, eq, options) {
      sep = sep || '&'; eq = eq || '=';
      var obj = {}, maxKeys = 1000;
      if (options && typeof options.maxKeys === 'number') maxKeys = options.maxKeys;
      var decode = (options && typeof options.decodeURIComponent === 'function') ? options.decodeURIComponent : qsUnescape;
      if (typeof str !== 'string' || str.length === 0) return obj;
      var pieces = str.split(sep);
      if (maxKeys > 0 && pieces.length > maxKeys) pieces = pieces.slice(0, maxKeys);
      for (var i = 0; i < pieces.length; i++) {
        var p = pieces[i], at = p.indexOf(eq), k, v;
        if (at >= 0) { k = p.slice(0, at); v = p.slice(at + eq.length); } else { k = p; v = ''; }
        k = decode(k); v = decode(v);
        if (!Object.prototype.hasOwnProperty.call(obj, k)) obj[k] = v;
        else if (Array.isArray(obj[k])) obj[k].push(v);
        else obj[k] = [obj[k], v];
      }
      return obj;
    },
    stringify: function (obj, sep, eq, options) {
      sep = sep || '&'; eq = eq || '=';
      var encode = (options && typeof options.encodeURIComponent === 'function') ? options.encodeURIComponent : qsEscape;
      if (obj === null || typeof obj !== 'object') return '';
      var out = [], keys = Object.keys(obj);
      for (var i = 0; i < keys.length; i++) {
        var k = encode(stringifyPrimitive(keys[i])) + eq, v = obj[keys[i]];
        if (Array.isArray(v)) { for (var j = 0; j < v.length; j++) out.push(k + encode(stringifyPrimitive(v[j]))); }
        else out.push(k + encode(stringifyPrimitive(v)));
      }
      return out.join(sep);
    }
  };
  querystring.decode = querystring.parse;
  querystring.encode = querystring.stringify;

  var modules = { crypto: crypto, querystring: querystring };
  if (runtime === 2) modules.buffer = { Buffer: Buffer };
  define(global, 'require', function require(name) {
    if (Object.prototype.hasOwnProperty.call(modules, name)) return modules[name];
    throw new Error('Cannot find module \'' + name + '\'');
  });

  // The njs byte-string helpers of cloudfront-js-1.0 (removed in 2.0, §7). A byte string is a
  // string whose code units are all below 256.
  if (runtime === 1) {
    var isBytes = function (s) { return !/[^\x00-\xff]/.test(s); };
    define(String, 'bytesFrom', function bytesFrom(value, encoding) {
      if (typeof value === 'string') return native.latin1Decode(toBytes(value, encoding || 'hex'));
      return native.latin1Decode(Uint8Array.from(value));
    });
    define(String.prototype, 'fromBytes', function fromBytes(start, end) {
      var s = String(this).slice(start, end);
      return isBytes(s) ? s : null;
    });
    define(String.prototype, 'fromUTF8', function fromUTF8(start, end) {
      var s = String(this).slice(start, end);
      return isBytes(s) ? native.utf8DecodeStrict(native.latin1Encode(s)) : null;
    });
    define(String.prototype, 'toBytes', function toBytes(start, end) {
      var s = String(this).slice(start, end);
      return isBytes(s) ? s : null;
    });
    define(String.prototype, 'toUTF8', function toUTF8(start, end) {
      return native.latin1Decode(native.utf8Encode(String(this).slice(start, end)));
    });
  }
})
