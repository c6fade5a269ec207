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
	indexTokenHash = "token_hash_unique" // clients
	indexProfile   = "profile"           // clients
	indexIATHash   = "hash_unique"       // initial access tokens
	indexIATList   = "created_at_id"     // initial access tokens
	indexJTITTL    = "expire_at_ttl"     // jti
)

// codeNotImplemented is the error code of an index option that the server
// does not implement (FerretDB 1.x: partialFilterExpression).
const codeNotImplemented = 238

// codeNamespaceExists is the error code of creating a collection that
// exists.
const codeNamespaceExists = 48

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
	created := []string{indexTokenHash + " (unique, " + kind + ")", indexProfile}

	// Initial access tokens: _id is the token ID (unique by definition); the
	// hash is unique too; ListTokens sorts by created_at then _id. One
	// createIndexes per index: FerretDB 1.24 fails (the connection drops)
	// on a createIndexes of several indexes that exist already.
	for _, m := range []mongo.IndexModel{
		{Keys: bson.D{{Key: fieldHash, Value: 1}}, Options: options.Index().SetName(indexIATHash).SetUnique(true)},
		{Keys: bson.D{{Key: fieldCreatedAt, Value: 1}, {Key: fieldID, Value: 1}}, Options: options.Index().SetName(indexIATList)},
	} {
		if _, err := c.tokens.Indexes().CreateOne(ctx, m); err != nil {
			return nil, err
		}
	}
	created = append(created, c.cfg.TokensCollection+"."+indexIATHash+" (unique)", c.cfg.TokensCollection+"."+indexIATList)

	// jti: _id is the key (unique by definition). A TTL index lets MongoDB
	// delete expired records in the background; MarkJTIUsed enforces
	// expiry itself, so a server without TTL indexes (FerretDB 1.x answers
	// NotImplemented) only keeps expired records longer. The collection is
	// created explicitly, since without an index nothing else creates it.
	if c.ferret {
		err = c.jti.Database().CreateCollection(ctx, c.jti.Name())
		var ce mongo.CommandError
		if errors.As(err, &ce) && ce.HasErrorCode(codeNamespaceExists) {
			err = nil
		}
		return append(created, c.cfg.JTICollection+" (no TTL on FerretDB)"), err
	}
	ttl := mongo.IndexModel{
		Keys:    bson.D{{Key: fieldExpireAt, Value: 1}},
		Options: options.Index().SetName(indexJTITTL).SetExpireAfterSeconds(0),
	}
	_, err = c.jti.Indexes().CreateOne(ctx, ttl)
	if errors.As(err, &se) && se.HasErrorCode(codeNotImplemented) {
		return append(created, c.cfg.JTICollection+" (no TTL: not implemented by the server)"), nil
	}
	if err != nil {
		return nil, err
	}
	return append(created, c.cfg.JTICollection+"."+indexJTITTL+" (TTL)"), nil
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
