// Package pipeline runs one registration request through Registrar's steps:
// authenticate → parse → validator chain → processor → store → response
// generator (DESIGN §2), for the four operations of RFC 7591 §3 and
// RFC 7592 §2.
//
// Each step is an sdk interface, so the pipeline runs built-ins and plugins
// alike. It owns the rules that no step may weaken: which members a caller
// may send on create and update, how a registration access token is
// checked and revoked (RFC 7592 §2.1), and that a failed request writes
// nothing. Errors it returns are *sdk.Error values ready for the caller,
// sdk store sentinels, or internal errors that the HTTP layer answers as
// server_error while logging the cause.
package pipeline
