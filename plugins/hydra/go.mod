module github.com/registrar-dcr/registrar/plugins/hydra

go 1.26.0

// None of these modules is published: both resolve to this checkout, so that this
// module builds and `go mod tidy` runs without the go.work at the root.
replace (
	github.com/registrar-dcr/registrar/internal => ../../internal
	github.com/registrar-dcr/registrar/sdk => ../../sdk
)

require (
	github.com/hashicorp/go-hclog v1.6.3
	github.com/registrar-dcr/registrar/internal v0.0.0
	github.com/registrar-dcr/registrar/sdk v0.0.0
)

require (
	github.com/fatih/color v1.13.0 // indirect
	github.com/go-jose/go-jose/v4 v4.1.9 // indirect
	github.com/golang/protobuf v1.5.4 // indirect
	github.com/hashicorp/go-plugin v1.8.0 // indirect
	github.com/hashicorp/yamux v0.1.2 // indirect
	github.com/mattn/go-colorable v0.1.12 // indirect
	github.com/mattn/go-isatty v0.0.24 // indirect
	github.com/oklog/run v1.1.0 // indirect
	golang.org/x/net v0.61.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260817212433-ac3dfec99bb1 // indirect
	google.golang.org/grpc v1.85.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)
