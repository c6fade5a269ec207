package ferrettest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/registrar-dcr/registrar/plugins/mongodb/internal/ferrettest"
)

// TestStopRestart: Stop makes the server unreachable at once, Restart
// brings it back on the same URI with the same data, in both modes.
func TestStopRestart(t *testing.T) {
	for _, mode := range []string{ferrettest.ModeInProcess, ferrettest.ModeProcess} {
		t.Run(mode, func(t *testing.T) {
			srv := ferrettest.New(t, ferrettest.WithMode(mode))
			if srv.Mode() != mode || !srv.Running() {
				t.Fatalf("Mode %q, Running %v", srv.Mode(), srv.Running())
			}
			uri := srv.URI()
			client, err := mongo.Connect(options.Client().ApplyURI(uri).SetServerSelectionTimeout(500 * time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
			coll := client.Database("ferrettest").Collection("things")
			ctx := t.Context()
			if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "a"}, {Key: "v", Value: 1}}); err != nil {
				t.Fatal(err)
			}

			srv.Stop()
			srv.Stop() // idempotent
			if srv.Running() {
				t.Fatal("Running after Stop")
			}
			err = coll.FindOne(ctx, bson.D{{Key: "_id", Value: "a"}}).Err()
			if err == nil || errors.Is(err, mongo.ErrNoDocuments) {
				t.Fatalf("FindOne while stopped: %v, want a connection error", err)
			}

			srv.Restart()
			if srv.URI() != uri {
				t.Fatalf("URI changed across Restart: %s, then %s", uri, srv.URI())
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				var doc struct {
					V int `bson:"v"`
				}
				err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "a"}}).Decode(&doc)
				if err == nil {
					if doc.V != 1 {
						t.Fatalf("document after Restart: %+v", doc)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("FindOne after Restart: %v", err)
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
}

func TestURIFromEnvironment(t *testing.T) {
	t.Setenv(ferrettest.EnvURI, "mongodb://mongo.example.com:27017/")
	uri, real := ferrettest.URI(t)
	if uri != "mongodb://mongo.example.com:27017/" || !real {
		t.Fatalf("URI() = %q, %v", uri, real)
	}
}
