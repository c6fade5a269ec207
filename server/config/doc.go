// Package config decodes Registrar's single HCL configuration file into
// typed, validated values: Load or Parse return a Config whose every field
// holds its final value (defaults applied, relative paths resolved against
// the file's directory, secrets read), or an hcl.Diagnostics listing every
// problem with its file:line,column, which FormatDiagnostics renders one per
// line. Unknown blocks and attributes are errors. Expressions may call
// env("NAME"), which fails when the variable is unset, and file("path"),
// which returns a file's contents without trailing newlines; no diagnostic
// ever contains a token or key. The file holds, all optional unless noted:
// server (listen, public_base_url, timeouts, size limits, trusted_proxies),
// log (level, format), rate_limit (per client IP), fetch (the outbound
// fetcher's rules), exactly one store "sqlite" { path }, store "memory" {} or
// store "plugin" { plugin }, secrets (encryption_key, a base64 AES-256 key
// enabling client_secret_jwt), and one or more profile "name" blocks, each
// with validators (default ["rfc"], the built-in validator; plugin names
// may be listed too), cors_origins, max_clients, an authentication block
// (anonymous, issued_tokens, initial_access_token "name" { token },
// bearer_jwt { issuer, audiences, required_scope, ... }), an optional
// software_statement block (trusted issuer "iss" { jwks_uri | jwks }
// blocks, required, strict, max_age, require_jti) and a policy block (grant_types,
// response_types, token_endpoint_auth_methods, scopes, default_scope,
// redirect_uri_mode, allow_http_redirects, infer_native_application_type,
// signing_algs,
// keep_unknown_metadata, max_token_lifetime, client_secret_lifetime,
// registration_token_rotation).
//
// Out-of-process plugins (hashicorp/go-plugin) are plugin "name" blocks:
// path (the executable, relative to the file, checked to exist and be
// executable), sha256 (required unless dev_mode = true), args, timeout,
// start_timeout, optional, tls, env (the plugin's whole environment) and
// a free-form config block that the plugin receives as one JSON object
// (Plugin.Config); Plugin.ConfigError turns a plugin's complaint about
// that block into a diagnostic at the attribute's line. A plugin serves
// through store "plugin" { plugin = "name" }, processor { plugin = "name" },
// response { plugin = "name" } or a profile's validators; every such
// reference must name a plugin block. Config.VerifyPlugins then compares
// each executable with its pinned sha256 and warns about dev_mode, without
// starting anything ("registrar check" and "serve" run it after Load). The
// annotated schema with every default is at the top of load.go.
package config
