package store

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Index names.
const (
	indexTokenHash = "token_hash_unique"
	indexProfile   = "profile"
)

// codeNotImplemented is the error code of an index option that the server
// does not implement (FerretDB 1.x: partialFilterExpression).
const codeNotImplemented = 238

// ensureIndexes creates the indexes of the clients collection, and the
// collection with them; both are idempotent (createIndexes with the same
// name and specification succeeds and does nothing). It returns the
// specifications it settled on, for the log.
//
// The token hash index is unique over the documents that have a token_hash
// field: revoked clients (empty hash) omit the field and may coexist. On
// MongoDB it is a partial index ({token_hash: {$exists: true}}). FerretDB
// 1.x does not implement partial indexes and ignores sparse, but its SQLite
// and PostgreSQL backends leave a missing field out of a unique index all
// the same; there, and on any server that refuses the partial index as not
// implemented, the index is created sparse, which means the same on
// MongoDB.
func ensureIndexes(ctx context.Context, c *conn) ([]string, error) {
	partial := mongo.IndexModel{
		Keys: bson.D{{Key: fieldTokenHash, Value: 1}},
		Options: options.Index().SetName(indexTokenHash).SetUnique(true).
			SetPartialFilterExpression(bson.D{{Key: fieldTokenHash, Value: bson.D{{Key: "$exists", Value: true}}}}),
	}
	sparse := mongo.IndexModel{
		Keys:    bson.D{{Key: fieldTokenHash, Value: 1}},
		Options: options.Index().SetName(indexTokenHash).SetUnique(true).SetSparse(true),
	}
	profile := mongo.IndexModel{
		Keys:    bson.D{{Key: fieldProfile, Value: 1}},
		Options: options.Index().SetName(indexProfile),
	}

	idx := c.clients.Indexes()
	kind := "partial"
	token := partial
	if c.ferret {
		kind, token = "sparse", sparse
	}
	_, err := idx.CreateOne(ctx, token)
	var se mongo.ServerError
	if err != nil && !c.ferret && errors.As(err, &se) && se.HasErrorCode(codeNotImplemented) {
		kind = "sparse"
		_, err = idx.CreateOne(ctx, sparse)
	}
	if err != nil {
		return nil, err
	}
	if _, err := idx.CreateOne(ctx, profile); err != nil {
		return nil, err
	}
	return []string{indexTokenHash + " (unique, " + kind + ")", indexProfile}, nil
}

// isFerretDB reports whether the server is FerretDB, whose buildInfo has a
// ferretdbVersion member.
func isFerretDB(ctx context.Context, client *mongo.Client) (bool, error) {
	var info bson.Raw
	if err := client.Database("admin").RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		return false, err
	}
	_, err := info.LookupErr("ferretdbVersion")
	return err == nil, nil
}
