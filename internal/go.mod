module github.com/registrar-dcr/registrar/internal

go 1.26.0

require github.com/registrar-dcr/registrar/sdk v0.0.0

require github.com/go-jose/go-jose/v4 v4.1.9 // indirect

// The SDK is not published: it resolves to this checkout, so that this
// module builds and `go mod tidy` runs without the go.work at the root.
replace github.com/registrar-dcr/registrar/sdk => ../sdk
