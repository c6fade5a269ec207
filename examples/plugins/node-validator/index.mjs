// node-validator: a Registrar validator plugin written in Node.
//
// It refuses a registration whose client_name (or a language-tagged
// client_name#xx) contains one of the configured blocked words, with the
// OAuth error invalid_client_metadata / "client_name: contains a blocked
// word" / HTTP 400 (RFC 7591 §3.2.2). It decides nothing else: list it after
// the built-in "rfc" validator, whose accepted metadata it passes on
// unchanged.
//
// A plugin in another language speaks the plugin protocol
// (proto/registrar/plugin/v1/plugin.proto) and go-plugin's conventions
// itself. This file does all of it, with @grpc/grpc-js, @grpc/proto-loader
// and protobufjs:
//
//   - the handshake: exit unless REGISTRAR_PLUGIN holds the magic cookie;
//     listen on 127.0.0.1 (tcp, any port); print
//     "1|1|tcp|127.0.0.1:PORT|grpc" on stdout (go-plugin core protocol 1,
//     Registrar plugin protocol 1);
//   - the go-plugin services: grpc.health.v1.Health reporting "plugin" as
//     SERVING, plugin.GRPCController.Shutdown, and plugin.GRPCStdio and
//     plugin.GRPCBroker streams that stay open and carry nothing;
//   - the Registrar services: Plugin (Configure, Health, Describe) and
//     Validator (Validate);
//   - errors: an OAuth error is a gRPC status whose details (the
//     "grpc-status-details-bin" trailer, a google.rpc.Status) hold one
//     registrar.plugin.v1.Error; a rejected configuration is
//     INVALID_ARGUMENT with a registrar.plugin.v1.ConfigError;
//   - logs: one JSON object per line on stderr ("@level", "@message"), which
//     the server shows under the plugin's name.
//
// It does not implement go-plugin's automatic mutual TLS: the server must
// launch it with tls = false (LaunchConfig.DisableMTLS). The connection is
// then a plain TCP socket on the loopback interface, readable by any local
// process that can reach it: weaker than the default, and the reason Go
// plugins should be preferred. A launch that asks for mTLS is refused with a
// message that says so.

import { fileURLToPath } from 'node:url';
import path from 'node:path';
import process from 'node:process';

import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';

// The go-plugin handshake of Registrar plugins (sdk/plugin.Handshake).
const MAGIC_COOKIE_KEY = 'REGISTRAR_PLUGIN';
const MAGIC_COOKIE_VALUE = '26eea944bcd5df9cda1b810bd6df7db6a9f1d6f674a90e58';
const CORE_PROTOCOL_VERSION = 1; // go-plugin's own
const APP_PROTOCOL_VERSION = 1; // registrar.plugin.v1

const here = path.dirname(fileURLToPath(import.meta.url));
const PLUGIN_PROTO = path.resolve(here, '../../../proto/registrar/plugin/v1/plugin.proto');
const LOCAL_PROTOS = ['health.proto', 'goplugin.proto', 'status.proto'].map((f) => path.join(here, 'proto', f));

// --- logging ---------------------------------------------------------------

// log writes one hclog-style JSON line to stderr, the format go-plugin
// parses (its timestamp layout has microseconds). Never log a secret, a
// token or a whole request.
function log(level, message, fields = {}) {
  const timestamp = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  process.stderr.write(JSON.stringify({ '@level': level, '@message': message, '@timestamp': timestamp, ...fields }) + '\n');
}

// --- handshake checks --------------------------------------------------------

if (process.env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
  process.stderr.write(
    'This program is a Registrar plugin: the Registrar server starts it.\n' +
      'It is not meant to be run by hand.\n',
  );
  process.exit(1);
}
if (process.env.PLUGIN_CLIENT_CERT) {
  // Logged as JSON so that the server shows it at error level.
  log('error', 'node-validator does not support go-plugin automatic mutual TLS: ' +
    'set tls = false in its plugin block (LaunchConfig.DisableMTLS)');
  process.exit(1);
}
// The host lists the protocol versions it speaks. This plugin speaks one;
// when the host does not offer it, the plugin still answers with its own
// and the host reports the mismatch (as a Go plugin does).
const offered = (process.env.PLUGIN_PROTOCOL_VERSIONS || '').split(',').map((v) => v.trim());
if (!offered.includes(String(APP_PROTOCOL_VERSION))) {
  log('warn', 'the host does not offer this plugin protocol version', {
    offered: offered.join(','),
    version: APP_PROTOCOL_VERSION,
  });
}

// --- protocol definitions -----------------------------------------------------

const loaderOptions = { keepCase: true, longs: String, enums: String, defaults: false, oneofs: true };
const definition = protoLoader.loadSync([PLUGIN_PROTO, ...LOCAL_PROTOS], loaderOptions);
const proto = grpc.loadPackageDefinition(definition);

// protobufjs encodes the error details, which grpc-js leaves to us.
const root = new protobuf.Root().loadSync([PLUGIN_PROTO, path.join(here, 'proto', 'status.proto')], { keepCase: true });
const ErrorType = root.lookupType('registrar.plugin.v1.Error');
const ConfigErrorType = root.lookupType('registrar.plugin.v1.ConfigError');
const StatusType = root.lookupType('google.rpc.Status');

// statusError builds a grpc-js error whose details carry one message of
// type, as google.golang.org/grpc/status reads them.
function statusError(code, message, type, detail) {
  const value = type.encode(type.create(detail)).finish();
  const st = StatusType.encode(
    StatusType.create({
      code,
      message,
      details: [{ type_url: 'type.googleapis.com/' + type.fullName.replace(/^\./, ''), value }],
    }),
  ).finish();
  const metadata = new grpc.Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(st));
  return { code, details: message, metadata };
}

// oauthError is an sdk.Error on the wire: the host rebuilds it with the
// same code, description and HTTP status. The gRPC code is informative; it
// follows the HTTP status as the Go SDK does.
function oauthError(code, description, httpStatus) {
  const grpcCode = httpStatus === 401 ? grpc.status.UNAUTHENTICATED
    : httpStatus === 403 ? grpc.status.PERMISSION_DENIED
    : httpStatus === 429 ? grpc.status.RESOURCE_EXHAUSTED
    : httpStatus >= 400 && httpStatus < 500 ? grpc.status.INVALID_ARGUMENT
    : grpc.status.INTERNAL;
  return statusError(grpcCode, `${code}: ${description}`, ErrorType, { code, description, status: httpStatus });
}

// configError rejects one attribute of the config block.
function configError(attribute, message) {
  return statusError(grpc.status.INVALID_ARGUMENT, 'invalid configuration: ' + message, ConfigErrorType, { attribute, message });
}

// plainError is any other failure: the server logs its message and answers
// server_error; the registering client never sees it.
function plainError(code, message) {
  return { code, details: message };
}

// --- the validator ------------------------------------------------------------

let blockedWords = null; // lower-case, NFKC; null until configured

// configure checks {"blocked_words": ["admin", ...]}.
function configure(configJSON) {
  let config = {};
  const text = configJSON && configJSON.length ? Buffer.from(configJSON).toString('utf8') : '{}';
  try {
    config = JSON.parse(text);
  } catch {
    return configError('', 'the config block must be a JSON object');
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    return configError('', 'the config block must be an object');
  }
  for (const name of Object.keys(config)) {
    if (name !== 'blocked_words') {
      return configError(name, 'unknown attribute (this plugin takes blocked_words)');
    }
  }
  const words = config.blocked_words;
  if (words === undefined || words === null) {
    return configError('blocked_words', 'required: the words a client_name may not contain, e.g. ["admin"]');
  }
  if (!Array.isArray(words) || words.length === 0 || !words.every((w) => typeof w === 'string' && w.trim() !== '')) {
    return configError('blocked_words', 'must be a non-empty list of non-blank strings');
  }
  blockedWords = words.map(normalize);
  log('info', 'configured', { blocked_words: blockedWords.length });
  return null;
}

// normalize folds compatibility forms and case, so that "ＡＤＭＩＮ" and
// "Admin" match "admin".
function normalize(s) {
  return s.normalize('NFKC').toLowerCase();
}

// metadata decodes an RFC 7591 JSON object from the wire; empty means {}.
function metadata(bytes) {
  if (!bytes || bytes.length === 0) return {};
  const md = JSON.parse(Buffer.from(bytes).toString('utf8'));
  return md && typeof md === 'object' && !Array.isArray(md) ? md : {};
}

// validate refuses a blocked word in client_name or client_name#tag, in the
// request and in the metadata the earlier validators accepted. On success
// it returns the context unchanged: client.metadata_json stays what the
// earlier validators accepted.
function validate(rc) {
  if (blockedWords === null) {
    return { error: plainError(grpc.status.FAILED_PRECONDITION, 'node-validator: not configured') };
  }
  let request;
  let accepted;
  try {
    request = metadata(rc.request_metadata_json);
    accepted = metadata(rc.client && rc.client.metadata_json);
  } catch (e) {
    return { error: plainError(grpc.status.INVALID_ARGUMENT, 'node-validator: metadata is not JSON: ' + e.message) };
  }
  if (Object.keys(accepted).length === 0) {
    // Nothing accepted yet: this validator would register an empty client.
    return {
      error: plainError(grpc.status.FAILED_PRECONDITION,
        'node-validator only refuses; list it after "rfc" in the profile\'s validators'),
    };
  }
  for (const md of [request, accepted]) {
    for (const [name, value] of Object.entries(md)) {
      if (name !== 'client_name' && !name.startsWith('client_name#')) continue;
      if (typeof value !== 'string') continue;
      const v = normalize(value);
      if (blockedWords.some((w) => v.includes(w))) {
        return { error: oauthError('invalid_client_metadata', `${name}: contains a blocked word`, 400) };
      }
    }
  }
  return { result: rc };
}

// --- gRPC services ------------------------------------------------------------

const v1 = proto.registrar.plugin.v1;
const server = new grpc.Server();

server.addService(v1.Plugin.service, {
  Configure(call, callback) {
    const err = configure(call.request.config_json);
    if (err) callback(err);
    else callback(null, {});
  },
  Health(_call, callback) {
    callback(null, {});
  },
  Describe(_call, callback) {
    callback(null, { kinds: ['validator'] });
  },
});

server.addService(v1.Validator.service, {
  Validate(call, callback) {
    const { error, result } = validate(call.request);
    if (error) callback(error);
    else callback(null, result);
  },
});

server.addService(proto.grpc.health.v1.Health.service, {
  Check(call, callback) {
    const service = call.request.service || '';
    if (service === '' || service === 'plugin') {
      callback(null, { status: 'SERVING' });
    } else {
      callback(plainError(grpc.status.NOT_FOUND, 'unknown service ' + service));
    }
  },
  Watch(call) {
    call.emit('error', plainError(grpc.status.UNIMPLEMENTED, 'Watch is not supported'));
  },
});

// go-plugin's services.
let stopping = false;
function shutdown() {
  if (stopping) return;
  stopping = true;
  log('debug', 'shutting down');
  const force = setTimeout(() => {
    server.forceShutdown();
    process.exit(0);
  }, 1000);
  force.unref();
  server.tryShutdown(() => process.exit(0));
}

server.addService(proto.plugin.GRPCController.service, {
  Shutdown(_call, callback) {
    callback(null, {});
    setImmediate(shutdown);
  },
});

// The streams stay open and carry nothing: stdout and stderr reach the host
// through the process's pipes, and this plugin opens no extra connection.
function holdOpen(call) {
  call.on('error', () => {});
  if (call.readable) {
    // The broker's stream: read and drop, end when the host ends.
    call.on('data', () => {});
    call.on('end', () => call.end());
  }
}
server.addService(proto.plugin.GRPCStdio.service, { StreamStdio: holdOpen });
server.addService(proto.plugin.GRPCBroker.service, { StartStream: holdOpen });

// The host stops the plugin with Shutdown, then a kill. A Ctrl-C in the
// server's terminal reaches the plugin too (same process group): ignore it
// and let the server shut the plugin down in order.
process.on('SIGINT', () => log('debug', 'ignoring SIGINT; the server stops this plugin'));
process.on('SIGTERM', shutdown);

server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) {
    log('error', 'cannot listen', { error: err.message });
    process.exit(1);
  }
  // The handshake line: CORE|APP|NETWORK|ADDRESS|PROTOCOL.
  process.stdout.write(`${CORE_PROTOCOL_VERSION}|${APP_PROTOCOL_VERSION}|tcp|127.0.0.1:${port}|grpc\n`);
  log('debug', 'serving', { address: `127.0.0.1:${port}` });
});
