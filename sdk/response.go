package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
)

// DefaultResponseGenerator writes the client information response of
// RFC 7591 §3.2.1 and RFC 7592 §3: every accepted metadata member plus
// client_id, client_id_issued_at, client_secret (only when issued by this
// request), client_secret_expires_at (only when the client has a secret),
// registration_access_token and registration_client_uri. Create answers
// 201, read and update 200, delete 204 with an empty body (RFC 7592 §2.3).
//
// A plugin that adds fields can call it and edit the JSON it returns.
type DefaultResponseGenerator struct{}

var _ ResponseGenerator = DefaultResponseGenerator{}

// clientInformation holds the server-managed members of the response.
type clientInformation struct {
	ClientID                string `json:"client_id"`
	ClientIDIssuedAt        int64  `json:"client_id_issued_at"`
	ClientSecret            string `json:"client_secret,omitempty"`
	ClientSecretExpiresAt   *int64 `json:"client_secret_expires_at,omitempty"`
	RegistrationAccessToken string `json:"registration_access_token,omitempty"`
	RegistrationClientURI   string `json:"registration_client_uri"`
}

// Generate implements ResponseGenerator.
func (DefaultResponseGenerator) Generate(_ context.Context, rc RegistrationContext, registrationClientURI string) (Response, error) {
	status := http.StatusOK
	switch rc.Operation {
	case OperationDelete:
		return Response{Status: http.StatusNoContent}, nil
	case OperationCreate:
		status = http.StatusCreated
	}
	body, err := ClientInformation(rc.Client, rc.Issued, registrationClientURI)
	if err != nil {
		return Response{}, err
	}
	return Response{Status: status, Body: body}, nil
}

// ClientInformation renders the JSON client information of c: the
// server-managed members first, then the metadata.
func ClientInformation(c Client, issued Credentials, registrationClientURI string) ([]byte, error) {
	info := clientInformation{
		ClientID:                c.ID,
		ClientIDIssuedAt:        c.IssuedAt,
		ClientSecret:            issued.ClientSecret,
		RegistrationAccessToken: issued.RegistrationAccessToken,
		RegistrationClientURI:   registrationClientURI,
	}
	if c.HasSecret() {
		exp := c.SecretExpiresAt
		info.ClientSecretExpiresAt = &exp
	}
	head, err := json.Marshal(info)
	if err != nil {
		return nil, err
	}
	// MarshalJSON directly: json.Marshal would scan its output once more
	// to compact it.
	md, err := c.Metadata.MarshalJSON()
	if err != nil {
		return nil, err
	}
	if len(md) <= 2 { // "{}"
		return head, nil
	}
	var buf bytes.Buffer
	buf.Grow(len(head) + len(md))
	buf.Write(head[:len(head)-1])
	buf.WriteByte(',')
	buf.Write(md[1:])
	return buf.Bytes(), nil
}
