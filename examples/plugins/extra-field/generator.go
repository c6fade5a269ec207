package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"sync/atomic"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugin"
)

// member is the name of the added member.
const member = "registrar_example"

// extra is the value of the added member.
type extra struct {
	Profile string `json:"profile"`
	Docs    string `json:"docs,omitempty"`
}

// generator is the ResponseGenerator.
type generator struct {
	docsURL atomic.Pointer[string]
}

var _ sdk.ResponseGenerator = (*generator)(nil)

// Generate implements sdk.ResponseGenerator: the default answer, with the
// extra member appended to its JSON object.
func (g *generator) Generate(ctx context.Context, rc sdk.RegistrationContext, registrationClientURI string) (sdk.Response, error) {
	docs := g.docsURL.Load()
	if docs == nil {
		return sdk.Response{}, errors.New("extra-field: not configured")
	}
	resp, err := sdk.DefaultResponseGenerator{}.Generate(ctx, rc, registrationClientURI)
	if err != nil || len(resp.Body) == 0 { // delete: 204, no body
		return resp, err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(resp.Body, &members); err != nil {
		return sdk.Response{}, err
	}
	if _, taken := members[member]; taken {
		return resp, nil
	}
	profile := rc.Client.Profile
	if profile == "" {
		profile = rc.Caller.Profile
	}
	value, err := json.Marshal(extra{Profile: profile, Docs: *docs})
	if err != nil {
		return sdk.Response{}, err
	}
	// Append before the closing brace, so the default members keep their
	// order and bytes.
	body := bytes.TrimRight(resp.Body, " \t\r\n")
	var buf bytes.Buffer
	buf.Grow(len(body) + len(member) + len(value) + 4)
	buf.Write(body[:len(body)-1])
	if len(members) > 0 {
		buf.WriteByte(',')
	}
	buf.WriteString(`"` + member + `":`)
	buf.Write(value)
	buf.WriteByte('}')
	resp.Body = buf.Bytes()
	return resp, nil
}

// configure decodes the config block, {"docs_url": "https://..."}. docs_url
// is optional; when set it must be an absolute http(s) URL.
func (g *generator) configure(_ context.Context, raw []byte) error {
	var attrs map[string]json.RawMessage
	if err := json.Unmarshal(raw, &attrs); err != nil || attrs == nil {
		return &plugin.ConfigError{Message: "the config block must be an object"}
	}
	docs := ""
	for name, v := range attrs {
		if name != "docs_url" {
			return &plugin.ConfigError{Attribute: name, Message: "unknown attribute (this plugin takes docs_url)"}
		}
		if bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			continue
		}
		if json.Unmarshal(v, &docs) != nil {
			return &plugin.ConfigError{Attribute: name, Message: "must be a string"}
		}
		u, err := url.Parse(docs)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			return &plugin.ConfigError{Attribute: name, Message: "must be an absolute http or https URL"}
		}
	}
	g.docsURL.Store(&docs)
	return nil
}
