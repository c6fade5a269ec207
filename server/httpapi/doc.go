// Package httpapi is Registrar's HTTP interface (DESIGN §3), and the only
// package that imports gin.
//
// It serves the registration endpoint of RFC 7591 (POST /connect/dcr), the
// client configuration endpoint of RFC 7592 (GET, PUT, DELETE
// /connect/dcr/{client_id}, and the ?client_id= alias), /healthz and
// /readyz. It enforces the transport rules: application/json bodies within
// the size limit (415, 413), allowed methods (405), Cache-Control: no-store
// on every answer, and one error writer that turns every failure into
// {"error", "error_description"} with the right status, WWW-Authenticate
// only on 401 and 403, and internals in the log only.
package httpapi
