package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"

	"github.com/registrar-dcr/registrar/sdk"
)

// member is the name of the added member.
const member = "registrar_example"

// extra is the value of the added member.
type extra struct {
	Profile string `json:"profile"`
	Docs    string `json:"docs,omitempty"`
}

// config is the plugin's config block, decoded by sdk.DecodeConfig.
type config struct {
	// DocsURL is optional (nil when absent); when set it must be an
	// absolute http(s) URL.
	DocsURL *string `json:"docs_url"`
}

// generator is the ResponseGenerator. Its configuration is set by
// configure, which plugin.Serve runs before any call and never during one
// (plugin.WithConfig).
type generator struct {
	docsURL string // "" when not configured
}

var _ sdk.ResponseGenerator = (*generator)(nil)

// Generate implements sdk.ResponseGenerator: the default answer, with the
// extra member appended to its JSON object.
func (g *generator) Generate(ctx context.Context, rc sdk.RegistrationContext, registrationClientURI string) (sdk.Response, error) {
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
	value, err := json.Marshal(extra{Profile: profile, Docs: g.docsURL})
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

// configure checks the decoded config block, {"docs_url": "https://..."}.
// docs_url is optional; when set it must be an absolute http(s) URL.
func (g *generator) configure(_ context.Context, c config) error {
	docs := ""
	if c.DocsURL != nil {
		docs = *c.DocsURL
		u, err := url.Parse(docs)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			return &sdk.ConfigError{Attribute: "docs_url", Message: "must be an absolute http or https URL"}
		}
	}
	g.docsURL = docs
	return nil
}
