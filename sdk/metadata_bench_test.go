package sdk

import (
	"encoding/json"
	"strings"
	"testing"
)

var benchMD = []byte(`{"redirect_uris":["https://app.example.com/callback"],"token_endpoint_auth_method":"client_secret_basic","grant_types":["authorization_code","refresh_token"],"response_types":["code"],"client_name":"load test","scope":"openid profile","application_type":"web","client_name#ja-Jpan-JP":"x","x_ext":{"a":1}}`)

func BenchmarkMetadataUnmarshal(b *testing.B) {
	for i := 0; i < b.N; i++ {
		var m Metadata
		if err := json.Unmarshal(benchMD, &m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMetadataMarshal(b *testing.B) {
	var m Metadata
	json.Unmarshal(benchMD, &m)
	for i := 0; i < b.N; i++ {
		if _, err := json.Marshal(m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseMetadata(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, _, err := ParseMetadata(benchMD, ParseOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMetadataMarshalDirect(b *testing.B) {
	var m Metadata
	json.Unmarshal(benchMD, &m)
	for i := 0; i < b.N; i++ {
		if _, err := m.MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}

// benchLarge is a body near the default size limit: ten RSA keys with a
// certificate each in jwks, and nested unknown metadata.
var benchLarge = []byte(`{"redirect_uris":["https://a.example/cb"],"jwks":{"keys":[` +
	strings.TrimSuffix(strings.Repeat(`{"kty":"RSA","kid":"k","n":"`+strings.Repeat("A", 342)+`","e":"AQAB","x5c":["`+strings.Repeat("B", 1500)+`"]},`, 10), ",") +
	`]},"x_meta":{"a":[1,2,3,{"b":"c\u00e9"}],"d":"` + strings.Repeat("z", 500) + `"}}`)

func BenchmarkParseMetadataLarge(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, _, err := ParseMetadata(benchLarge, ParseOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
