package sdk_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
)

type tlsConfig struct {
	CAFile   string `json:"ca_file"`
	Insecure bool   `json:"insecure_skip_verify"`
}

type Embedded struct {
	Region string `json:"region"`
}

type testConfig struct {
	Embedded
	URI      string              `json:"uri"`
	Domains  []string            `json:"allowed_domains"`
	Lifetime int64               `json:"max_lifetime,omitempty"`
	Ratio    float64             `json:"ratio"`
	Port     uint16              `json:"port"`
	Enabled  *bool               `json:"enabled"`
	Roles    map[string][]string `json:"role_scopes"`
	TLS      *tlsConfig          `json:"tls"`
	JWKS     json.RawMessage     `json:"jwks"`
	Timeout  duration            `json:"timeout"`
	Servers  []server            `json:"servers"`
	ByZone   map[string]*server  `json:"by_zone"`
	Untagged string
	Skipped  string `json:"-"`
	hidden   string //lint:ignore U1000 present so that DecodeConfig is shown to ignore unexported fields
}

type server struct {
	Host string `json:"host"`
	Port int    `json:"port"`
}

// duration is a field type with its own decoding.
type duration time.Duration

func (d *duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New("must be a duration string such as \"5s\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("must be a duration such as \"5s\"")
	}
	*d = duration(v)
	return nil
}

func TestDecodeConfig(t *testing.T) {
	yes := true
	tests := []struct {
		name      string
		raw       string
		want      testConfig
		attribute string // of the *ConfigError; "-" when none is wanted
		message   string // a part of its message
	}{
		{name: "nil", raw: "", attribute: "-"},
		{name: "empty object", raw: `{}`, attribute: "-"},
		{name: "every attribute", raw: `{"uri": "mongodb://x", "allowed_domains": ["a.example", "b.example"],
			"servers": [{"host": "a", "port": 1}], "by_zone": {"eu": {"host": "b"}},
			"max_lifetime": 60, "ratio": 0.5, "port": 8080, "enabled": true, "role_scopes": {"AISP": ["accounts"]},
			"tls": {"ca_file": "/ca.pem", "insecure_skip_verify": true}, "jwks": {"keys": []}, "timeout": "5s",
			"Untagged": "u", "region": "eu"}`,
			want: testConfig{Embedded: Embedded{Region: "eu"}, URI: "mongodb://x", Domains: []string{"a.example", "b.example"},
				Lifetime: 60, Ratio: 0.5, Port: 8080, Enabled: &yes, Roles: map[string][]string{"AISP": {"accounts"}},
				TLS: &tlsConfig{CAFile: "/ca.pem", Insecure: true}, JWKS: json.RawMessage(`{"keys":[]}`),
				Timeout: duration(5 * time.Second), Untagged: "u",
				Servers: []server{{Host: "a", Port: 1}}, ByZone: map[string]*server{"eu": {Host: "b"}}},
			attribute: "-"},
		{name: "null is absent", raw: `{"uri": null, "allowed_domains": null, "tls": null, "jwks": null, "timeout": null}`, attribute: "-"},

		{name: "not an object", raw: `["a.example"]`, attribute: "", message: "must be an object"},
		{name: "null block", raw: `null`, attribute: "", message: "must be an object"},
		{name: "not JSON", raw: `{uri:`, attribute: "", message: "must be an object"},
		{name: "unknown attribute", raw: `{"uri": "x", "colour": "blue"}`, attribute: "colour", message: "unknown attribute (this plugin takes region, uri, allowed_domains"},
		{name: "names are case-sensitive", raw: `{"URI": "x"}`, attribute: "URI", message: "unknown attribute"},
		{name: "skipped field is unknown", raw: `{"Skipped": "x"}`, attribute: "Skipped", message: "unknown attribute"},
		{name: "unexported field is unknown", raw: `{"hidden": "x"}`, attribute: "hidden", message: "unknown attribute"},
		{name: "first unknown by name", raw: `{"zz": 1, "aa": 2}`, attribute: "aa", message: "unknown attribute"},
		{name: "string expected", raw: `{"uri": 42}`, attribute: "uri", message: "must be a string"},
		{name: "list expected", raw: `{"allowed_domains": "a.example"}`, attribute: "allowed_domains", message: "must be a list of strings"},
		{name: "list of strings expected", raw: `{"allowed_domains": [1]}`, attribute: "allowed_domains", message: "must be a string"},
		{name: "fraction for an integer", raw: `{"max_lifetime": 1.5}`, attribute: "max_lifetime", message: "must be a whole number"},
		{name: "string for an integer", raw: `{"max_lifetime": "1h"}`, attribute: "max_lifetime", message: "must be a whole number"},
		{name: "negative for unsigned", raw: `{"port": -1}`, attribute: "port", message: "must be a non-negative whole number"},
		{name: "overflow", raw: `{"port": 70000}`, attribute: "port", message: "must be a non-negative whole number"},
		{name: "boolean expected", raw: `{"enabled": "yes"}`, attribute: "enabled", message: "must be a boolean"},
		{name: "map expected", raw: `{"role_scopes": ["AISP"]}`, attribute: "role_scopes", message: "must be an object whose values are lists of strings"},
		{name: "nested type", raw: `{"tls": {"insecure_skip_verify": "no"}}`, attribute: "tls", message: "insecure_skip_verify: must be a boolean"},
		{name: "nested unknown", raw: `{"tls": {"ca": "x"}}`, attribute: "tls", message: `ca: unknown attribute (takes ca_file, insecure_skip_verify)`},
		{name: "nested names are case-sensitive", raw: `{"tls": {"CA_FILE": "x"}}`, attribute: "tls", message: `CA_FILE: unknown attribute`},
		{name: "unknown in a list", raw: `{"servers": [{"host": "a"}, {"host": "b", "prot": 1}]}`, attribute: "servers", message: `[1].prot: unknown attribute (takes host, port)`},
		{name: "unknown in a map", raw: `{"by_zone": {"eu": {"hots": "a"}}}`, attribute: "by_zone", message: `eu.hots: unknown attribute`},
		{name: "own decoder makes its own rules", raw: `{"timeout": "5s"}`, attribute: "-", want: testConfig{Timeout: duration(5 * time.Second)}},
		{name: "own decoder", raw: `{"timeout": "soon"}`, attribute: "timeout", message: `must be a duration such as "5s"`},
		{name: "embedded field", raw: `{"region": 3}`, attribute: "region", message: "must be a string"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sdk.DecodeConfig[testConfig]([]byte(tc.raw))
			if tc.attribute == "-" {
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("decoded\n %+v\nwant\n %+v", got, tc.want)
				}
				return
			}
			var ce *sdk.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *sdk.ConfigError", err)
			}
			if ce.Attribute != tc.attribute || !strings.Contains(ce.Message, tc.message) {
				t.Fatalf("ConfigError{Attribute: %q, Message: %q}, want attribute %q and a message with %q", ce.Attribute, ce.Message, tc.attribute, tc.message)
			}
			if !reflect.DeepEqual(got, testConfig{}) {
				t.Errorf("a refused configuration decoded to %+v, want the zero value", got)
			}
		})
	}
}

func TestDecodeConfigNotAStruct(t *testing.T) {
	_, err := sdk.DecodeConfig[map[string]any]([]byte(`{"a": 1}`))
	var ce *sdk.ConfigError
	if err == nil || errors.As(err, &ce) {
		t.Fatalf("err = %v, want a plain error (a programming error, not the operator's)", err)
	}
	type empty struct{}
	_, err = sdk.DecodeConfig[empty]([]byte(`{"a": 1}`))
	if !errors.As(err, &ce) || ce.Attribute != "a" || !strings.Contains(ce.Message, "takes no attributes") {
		t.Fatalf("err = %v, want unknown attribute a", err)
	}
}
