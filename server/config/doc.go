// Package config decodes Registrar's single HCL configuration file into
// typed, validated values: Load or Parse return a Config whose every field
// holds its final value (defaults applied, relative paths resolved against
// the file's directory, secrets read), or an hcl.Diagnostics listing every
// problem with its file:line,column, which FormatDiagnostics renders one per
// line. Unknown blocks and attributes are errors. Expressions may call
// env("NAME"), which fails when the variable is unset, and file("path"),
// which returns a file's contents without trailing newlines; no diagnostic
// ever contains a token or key. The file holds, all optional unless noted:
// server (listen, public_base_url, timeouts, size limits), log (level,
// format), exactly one store "sqlite" { path } or store "memory" {},
// secrets (encryption_key, a base64 AES-256 key enabling client_secret_jwt),
// and one or more profile "name" blocks, each with an authentication block
// (anonymous, initial_access_token "name" { token }) and a policy block
// (grant_types, response_types, token_endpoint_auth_methods, scopes,
// default_scope, redirect_uri_mode, allow_http_redirects, signing_algs,
// keep_unknown_metadata, max_token_lifetime, client_secret_lifetime,
// registration_token_rotation). The annotated schema with every default is
// at the top of load.go.
package config
