// Package sdk is the public Go API of Registrar, an OAuth 2.0 Dynamic Client
// Registration server (RFC 7591, RFC 7592).
//
// It holds everything a plugin author needs and nothing of the server: the
// client metadata and record types, the RegistrationContext that travels
// through the registration pipeline, the interfaces of the four extension
// points (Validator, Processor, Store, ResponseGenerator; Store splits into
// ClientStore, TokenStore and JTIStore), the RFC error type, the built-in
// validation steps (Steps, DefaultSteps, Run, StepNames) that a plugin may
// embed and override one step at a time, the built-in processor
// (DefaultProcessor, with a ClientID hook) and DecodeConfig, the typed
// decoding of a plugin's config block.
//
// Every interface takes values and returns values: a step never reports its
// result by mutating its argument, so a step behaves the same in-process and
// across the plugin wire. sdk imports nothing from the server.
package sdk
