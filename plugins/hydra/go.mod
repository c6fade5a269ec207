module github.com/registrar-dcr/registrar/plugins/hydra

go 1.26.0
