// Package upstream provisions Registrar's clients into Ory Hydra (v2) through
// its admin API: an sdk.Upstream that creates, replaces and deletes OAuth 2.0
// clients at /admin/clients with the client_id Registrar chose and the
// plaintext client secret the registration issued (RFC 7591 §3.2.1), so that
// Hydra's token endpoint accepts the credentials of Registrar's 201.
//
// Every client it writes carries a marker: Hydra's owner field set to the
// configured owner ("registrar" by default) and metadata.registrar
// ({"owner": ..., "revision": N}), where N is the revision of Registrar's
// record. List returns only marked clients of this owner, for `registrar
// reconcile`; Update and Delete refuse, as sdk.ErrNotFound, a client that
// does not carry this owner's marker, so that clients Hydra holds for others
// are never changed.
//
// It speaks plain HTTP and JSON (no Ory SDK), never follows a redirect,
// bounds every answer's size and every call's time, and never logs a secret,
// the admin token or a request body. See the plugin's README.md for the
// field mapping and the members Hydra cannot hold.
package upstream
