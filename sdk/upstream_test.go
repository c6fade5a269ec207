package sdk

import (
	"fmt"
	"strings"
	"testing"
)

func TestProvisionOf(t *testing.T) {
	client := Client{ID: "c1", SecretHash: HashToken("s3cret"), RegistrationTokenHash: HashToken("regtoken-xyz"),
		SecretSealed: []byte{1, 2, 3}, Revision: 4}
	tests := []struct {
		name    string
		rc      RegistrationContext
		wantRev int64
	}{
		{name: "create", rc: RegistrationContext{Operation: OperationCreate, Client: client}, wantRev: 1},
		{name: "update", rc: RegistrationContext{Operation: OperationUpdate, Client: client, Current: &client}, wantRev: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.rc.Issued = Credentials{ClientSecret: "s3cret", RegistrationAccessToken: "regtoken-xyz"}
			p := ProvisionOf(tt.rc)
			if p.Revision != tt.wantRev || p.Operation != tt.rc.Operation || p.ClientSecret != "s3cret" {
				t.Fatalf("ProvisionOf = %+v (secret %q)", p, p.ClientSecret)
			}
			if p.Client.SecretHash != RedactedHash || p.Client.RegistrationTokenHash != RedactedHash || p.Client.SecretSealed != nil {
				t.Fatalf("credentials reach the upstream: %+v", p.Client)
			}
			for _, s := range []string{fmt.Sprint(p), fmt.Sprintf("%#v", p), fmt.Sprintf("%v", Provisioned{ClientSecret: "s3cret"})} {
				if strings.Contains(s, "s3cret") || strings.Contains(s, "regtoken-xyz") {
					t.Fatalf("printed a credential: %s", s)
				}
			}
		})
	}
}
