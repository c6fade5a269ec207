// Package cli implements the registrar command: serve, check, token and
// version. main calls Main and exits with its status; nothing else lives
// in main.
package cli
