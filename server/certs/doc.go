// Package certs keeps the TLS certificate of a listener current: a
// Reloader serves the certificate it last loaded to every new handshake
// (tls.Config.GetCertificate), and loads the files again on Reload (SIGHUP)
// or when Watch sees them change. Connections already open keep theirs, so
// a rotation drops none; a pair that does not load (a key written after its
// certificate, a typo) is logged and the previous certificate stays.
package certs
