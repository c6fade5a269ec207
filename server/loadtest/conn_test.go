package loadtest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestConn(t *testing.T) {
	var requests, badBodies atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := requests.Add(1)
		body, _ := io.ReadAll(r.Body)
		if string(body) != string(Body) || r.Header.Get("Authorization") != "Bearer tok" || r.URL.Path != "/connect/dcr" {
			badBodies.Add(1)
		}
		switch {
		case n == 3:
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"client_id":"c3"}`)
		case n == 5:
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"invalid_client_metadata"}`)
		case n == 4 || n == 6:
			// Flushing before the end makes net/http chunk the answer,
			// as it does Hydra's clients, larger than its buffer.
			if n == 4 {
				w.WriteHeader(http.StatusCreated)
			} else {
				w.WriteHeader(http.StatusConflict)
			}
			io.WriteString(w, `{"error":`)
			w.(http.Flusher).Flush()
			io.WriteString(w, `"`+strings.Repeat("y", 5000)+`"}`)
		default:
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"client_id":"`+strings.Repeat("x", int(n)*100)+`"}`)
		}
	}))
	defer srv.Close()

	c, err := newConn(srv.URL, "tok")
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := 1; i <= 7; i++ {
		err := c.register(ctx)
		switch {
		case i == 5 && (err == nil || !strings.Contains(err.Error(), "status 400: {\"error\":\"invalid_client_metadata\"}")):
			t.Errorf("request 5: err = %v, want the 400 and its body", err)
		case i == 6 && (err == nil || !strings.HasSuffix(err.Error(), "status 409: {\"error\":\""+strings.Repeat("y", maxErrorBody-len(`{"error":"`)))):
			t.Errorf("request 6: err = %.80v, want the 409 and the first %d bytes of its chunked body", err, maxErrorBody)
		case i != 5 && i != 6 && err != nil:
			t.Errorf("request %d: %v", i, err)
		}
	}
	if requests.Load() != 7 || badBodies.Load() != 0 {
		t.Errorf("server saw %d requests, %d malformed", requests.Load(), badBodies.Load())
	}

	if _, err := newConn("https://example.com", "tok"); err == nil {
		t.Error("newConn accepted an https URL")
	}
	dead, _ := newConn("http://127.0.0.1:1", "tok")
	if err := dead.register(ctx); err == nil {
		t.Error("register succeeded against a closed port")
	}
}
